"""Symbolic views of the same graph: SymPy leaves, derivations, generated code."""
