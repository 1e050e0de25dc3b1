"""Sub-commands of ``chainrule``; each module defines ``register(subparsers)``."""
