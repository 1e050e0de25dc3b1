"""A small, safe expression language for the command line: ``sigmoid(w*x + b)``.

User text is never handed to ``eval``, ``sympify`` or ``parse_expr``: it is cut into tokens
by one regular expression and read by a recursive-descent parser of this grammar::

    sum     := product (("+" | "-") product)*
    product := unary (("*" | "/") unary)*
    unary   := ("-" | "+") unary | power
    power   := atom ("**" unary)?            (right-associative: -x**2 is -(x**2))
    atom    := NUMBER | NAME | FUNCTION "(" sum ("," sum)* ")" | "(" sum ")"

Anything else (attributes, strings, lambdas, keywords, dunder names, unknown functions) is a
:class:`ExpressionError` that names the offending token and its column, raised before any
graph is built. The result is a small tree; :meth:`Expression.build` turns it into a graph of
our own ops on symbolic (or any other) tensors.
"""
from __future__ import annotations

import keyword
import re
from dataclasses import dataclass
from fractions import Fraction

import sympy

MAX_LENGTH = 1000          # characters in one expression
MAX_DEPTH = 60             # nesting of parentheses, calls and unary signs
MAX_EXPONENT = 1000        # a constant exponent larger than this is refused
MAX_NUMBER = 10 ** 15      # largest literal accepted

# name -> (number of tensor arguments, names of optional numeric arguments)
FUNCTIONS = {
    "exp": (1, ()), "log": (1, ()), "sqrt": (1, ()), "sin": (1, ()), "cos": (1, ()),
    "tanh": (1, ()), "sigmoid": (1, ()), "relu": (1, ()), "abs": (1, ()),
    "leaky_relu": (1, ("negative_slope",)), "maximum": (2, ()), "minimum": (2, ()),
}

_TOKEN = re.compile(r"""
    (?P<space>\s+)
  | (?P<number>(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?)
  | (?P<name>[A-Za-z_][A-Za-z_0-9]*)
  | (?P<op>\*\*|[-+*/(),])
""", re.VERBOSE | re.ASCII)

_HINTS = {
    ".": "attribute access is not part of the expression language",
    "'": "strings are not part of the expression language",
    '"': "strings are not part of the expression language",
    "^": "write powers with **",
    ":": "lambdas and slices are not part of the expression language",
    "[": "indexing is not part of the expression language",
    "=": "assignments and comparisons are not part of the expression language",
}
_OTHER_DIGIT = "digits of other scripts are not numbers here; write 0-9"


class ExpressionError(ValueError):
    """Bad expression text; the message names the token and its (1-based) column."""


@dataclass(frozen=True)
class Token:
    kind: str      # "number", "name", "op" or "end"
    text: str
    column: int    # 1-based


def tokenize(text: str) -> list[Token]:
    """Cut ``text`` into tokens; any character outside the language is an error."""
    if not isinstance(text, str):
        raise ExpressionError(f"the expression must be text, not {type(text).__name__}")
    if len(text) > MAX_LENGTH:
        raise ExpressionError(f"the expression is {len(text)} characters long; "
                              f"at most {MAX_LENGTH} are accepted")
    tokens, at = [], 0
    while at < len(text):
        match = _TOKEN.match(text, at)
        if match is None:
            char = text[at]
            hint = _HINTS.get(char, _OTHER_DIGIT if char.isdigit() else
                              "it is not part of the expression language")
            raise ExpressionError(f"unexpected character {char!r} at column {at + 1}: {hint}")
        kind = match.lastgroup
        if kind == "name":
            _check_name(match.group(), at + 1)
        if kind != "space":
            tokens.append(Token(kind, match.group(), at + 1))
        at = match.end()
    tokens.append(Token("end", "", len(text) + 1))
    return tokens


def _check_name(name: str, column: int) -> None:
    if name.startswith("_"):
        raise ExpressionError(f"{name!r} at column {column}: names may not start with '_'")
    if keyword.iskeyword(name):
        raise ExpressionError(f"{name!r} at column {column} is a Python keyword, which is "
                              "not part of the expression language")


def exact_number(text: str, where: str = "") -> sympy.Rational:
    """A decimal literal as an exact rational (``0.1`` is 1/10), refusing huge ones."""
    if not re.fullmatch(r"[+-]?(?:[0-9]+\.?[0-9]*|\.[0-9]+)(?:[eE][+-]?[0-9]+)?", text.strip()):
        hint = f" ({_OTHER_DIGIT})" if any(c.isdigit() and not c.isascii() for c in text) else ""
        raise ExpressionError(f"{text!r}{where} is not a number{hint}")
    mantissa, _, exponent = text.strip().lower().partition("e")
    if exponent and abs(int(exponent)) > 300 or len(mantissa) > 40:
        raise ExpressionError(f"the number {text!r}{where} is too long or too large")
    value = Fraction(text.strip())
    if abs(value) > MAX_NUMBER:
        raise ExpressionError(f"the number {text!r}{where} is larger than {MAX_NUMBER:.0e}")
    return sympy.Rational(value.numerator, value.denominator)


# ---- the tree -----------------------------------------------------------------------------
@dataclass(frozen=True)
class Node:
    """One node of the parsed tree: ``kind`` is "number", "name", "call", "neg" or a binary op."""
    kind: str
    column: int
    value: object = None           # the number, the name, or the function name
    args: tuple = ()


class _Parser:
    def __init__(self, tokens: list[Token]):
        self.tokens = tokens
        self.at = 0
        self.depth = 0

    @property
    def token(self) -> Token:
        return self.tokens[self.at]

    def take(self) -> Token:
        token = self.token
        self.at += 1
        return token

    def expect(self, text: str) -> Token:
        if self.token.text != text:
            raise self.error(f"expected {text!r}")
        return self.take()

    def error(self, why: str) -> ExpressionError:
        token = self.token
        if token.kind == "end":
            return ExpressionError(f"{why} at column {token.column}, but the expression ended")
        return ExpressionError(f"{why} at column {token.column}, found {token.text!r}")

    def nested(self):
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise ExpressionError(f"the expression nests deeper than {MAX_DEPTH} levels "
                                  f"(at column {self.token.column})")

    def parse(self) -> Node:
        if self.token.kind == "end":
            raise ExpressionError("the expression is empty")
        tree = self.sum()
        if self.token.kind != "end":
            raise self.error("expected an operator (+ - * / **) or the end")
        return tree

    def sum(self) -> Node:
        left = self.product()
        while self.token.text in ("+", "-"):
            op = self.take()
            left = Node(op.text, op.column, args=(left, self.product()))
        return left

    def product(self) -> Node:
        left = self.unary()
        while self.token.text in ("*", "/"):
            op = self.take()
            left = Node(op.text, op.column, args=(left, self.unary()))
        return left

    def unary(self) -> Node:
        if self.token.text in ("-", "+"):
            op = self.take()
            self.nested()
            operand = self.unary()
            self.depth -= 1
            return Node("neg", op.column, args=(operand,)) if op.text == "-" else operand
        return self.power()

    def power(self) -> Node:
        base = self.atom()
        if self.token.text == "**":
            op = self.take()
            self.nested()
            exponent = self.unary()
            self.depth -= 1
            return Node("**", op.column, args=(base, exponent))
        return base

    def atom(self) -> Node:
        token = self.token
        if token.kind == "number":
            self.take()
            return Node("number", token.column, exact_number(token.text, f" at column {token.column}"))
        if token.kind == "name":
            return self.name()
        if token.text == "(":
            self.take()
            self.nested()
            inner = self.sum()
            self.depth -= 1
            self.expect(")")
            return inner
        raise self.error("expected a number, a name, a function call or '('")

    def name(self) -> Node:
        token = self.take()
        name, column = token.text, token.column
        calling = self.token.text == "("
        if name in FUNCTIONS:
            if not calling:
                raise ExpressionError(f"{name!r} at column {column} is a function: "
                                      f"call it as {name}(...)")
            return self.call(name, column)
        if calling:
            raise ExpressionError(f"unknown function {name!r} at column {column}; the "
                                  f"functions are {', '.join(sorted(FUNCTIONS))}")
        return Node("name", column, name)

    def call(self, name: str, column: int) -> Node:
        self.expect("(")
        self.nested()
        args = [self.sum()]
        while self.token.text == ",":
            self.take()
            args.append(self.sum())
        self.depth -= 1
        self.expect(")")
        needed, optional = FUNCTIONS[name]
        if not needed <= len(args) <= needed + len(optional):
            wanted = f"{needed}" + (f" or {needed + len(optional)}" if optional else "")
            raise ExpressionError(f"{name}() at column {column} takes {wanted} argument(s), "
                                  f"got {len(args)}")
        for extra in args[needed:]:
            if id(extra) not in fold_constants(extra):
                raise ExpressionError(f"{name}() at column {column}: the argument at column "
                                      f"{extra.column} must be a number")
        return Node("call", column, name, tuple(args))


def fold_constants(tree: Node) -> dict:
    """``{id(node): exact value}`` for every subtree made of numbers only (no recursion).

    Checks every constant exponent on the way, so ``x**(10**9)`` or ``9**9**9`` fail here,
    before anything is computed.
    """
    values: dict = {}
    order = list(_walk(tree))
    for node in reversed(order):          # children before parents
        args = [values.get(id(a)) for a in node.args]
        if node.kind == "**":
            _check_power(node, args[0], args[1])
        if node.kind == "number":
            values[id(node)] = node.value
        elif node.kind == "neg" and args[0] is not None:
            values[id(node)] = -args[0]
        elif node.kind in _ARITHMETIC and None not in args:
            if node.kind == "/" and args[1] == 0:
                raise ExpressionError(f"division by zero at column {node.column}")
            values[id(node)] = _ARITHMETIC[node.kind](*args)
    return values


_ARITHMETIC = {"+": lambda a, b: a + b, "-": lambda a, b: a - b, "*": lambda a, b: a * b,
               "/": lambda a, b: a / b, "**": lambda a, b: a ** b}


def _check_power(node: Node, base, exponent) -> None:
    if exponent is None or not exponent.is_number:
        return
    if abs(exponent) > MAX_EXPONENT:
        raise ExpressionError(f"the exponent at column {node.column} is larger than "
                              f"{MAX_EXPONENT}")
    if base is not None and base == 0 and exponent < 0:
        raise ExpressionError(f"0 to a negative power at column {node.column}")
    if base is not None and base.is_Rational:
        bits = abs(exponent) * (int(base.p).bit_length() + int(base.q).bit_length())
        if bits > 100_000:
            raise ExpressionError(f"the power at column {node.column} would be a number "
                                  "with tens of thousands of digits")


@dataclass(frozen=True)
class Expression:
    """A parsed expression: its text, its tree and its variable names (first use first)."""
    text: str
    tree: Node
    names: tuple[str, ...]

    def build(self, variables: dict):
        """The graph of this expression, with ``variables[name]`` (tensors) for each name.

        Constant sub-expressions are folded exactly first (``2*3`` becomes 6), so every
        number in the graph is an exact SymPy number.
        """
        from .. import tensor
        from ..ops import elementwise as ew
        missing = [n for n in self.names if n not in variables]
        if missing:
            raise ExpressionError(f"no tensor given for {', '.join(missing)}")
        constants = fold_constants(self.tree)
        binary = {"+": ew.add, "-": ew.sub, "*": ew.mul, "/": ew.div, "**": ew.power}
        built: dict = {}
        for node in reversed(list(_walk(self.tree))):       # children before parents
            if id(node) in constants:
                built[id(node)] = tensor(constants[id(node)])
                continue
            args = [built.get(id(a)) for a in node.args]
            if node.kind == "name":
                out = variables[node.value]
            elif node.kind == "neg":
                out = ew.neg(args[0])
            elif node.kind == "call":
                needed, optional = FUNCTIONS[node.value]
                extras = {k: constants[id(a)] for k, a in zip(optional, node.args[needed:])}
                out = getattr(ew, node.value)(*args[:needed], **extras)
            else:
                out = binary[node.kind](*args)
            built[id(node)] = out
        return built[id(self.tree)]


def parse_expression(text: str) -> Expression:
    """Parse ``text`` (see the module docstring for the grammar); nothing is evaluated.

    >>> parse_expression("sigmoid(w*x + b)").names
    ('w', 'x', 'b')
    """
    tree = _Parser(tokenize(text)).parse()
    fold_constants(tree)      # a bad constant (9**9**9, 1/0) fails now, before anything runs
    names: list[str] = []
    for node in _walk(tree):
        if node.kind == "name" and node.value not in names:
            names.append(node.value)
    return Expression(text, tree, tuple(names))


def _walk(tree: Node):
    """Every node, parents before children, left to right (no recursion)."""
    stack = [tree]
    while stack:
        node = stack.pop()
        yield node
        stack.extend(reversed(node.args))


def symbolic_graph(text: str):
    """Parse ``text`` and build it on fresh symbols: ``(output, {name: symbol tensor})``."""
    from .symbols import symbols
    expression = parse_expression(text)
    if not expression.names:
        raise ExpressionError("the expression has no variables to differentiate with respect to")
    made = symbols(" ".join(expression.names))
    made = (made,) if len(expression.names) == 1 else made
    variables = dict(zip(expression.names, made))
    return expression.build(variables), variables
