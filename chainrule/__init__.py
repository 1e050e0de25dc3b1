"""The ``chainrule`` command (see ``chainrule.cli``)."""
