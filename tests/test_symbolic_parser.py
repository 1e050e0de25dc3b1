"""The expression grammar: what it reads, and hostile text it refuses before anything runs."""
from __future__ import annotations

import builtins

import pytest
import sympy

import autodiff as ad
from autodiff.ops import elementwise
from autodiff.symbolic.parser import ExpressionError, parse_expression, symbolic_graph


@pytest.mark.parametrize("text, expected", [
    ("sigmoid(w*x + b)", lambda w, x, b: 1 / (1 + sympy.exp(-(w * x + b)))),
    ("-x**2", lambda x: -x ** 2),                       # ** binds tighter than unary minus
    ("2**-x", lambda x: 2 ** -x),
    ("x**y**z", lambda x, y, z: x ** (y ** z)),           # right-associative
    ("x - y - z", lambda x, y, z: x - y - z),             # left-associative
    ("x / y / z", lambda x, y, z: x / y / z),
    ("(x + 1) * 0.5", lambda x: (x + 1) / 2),             # decimals are exact
    (".5e1 * x + 2*3", lambda x: 5 * x + 6),              # constants fold exactly
    ("maximum(x, 2) + minimum(x, y)", lambda x, y: sympy.Max(x, 2) + sympy.Min(x, y)),
    ("relu(x) + abs(y)", lambda x, y: sympy.Max(x, 0) + sympy.Abs(y)),
    ("exp(log(x)) + sqrt(x) + sin(x) * cos(x) + tanh(x)",
     lambda x: x + sympy.sqrt(x) + sympy.sin(x) * sympy.cos(x) + sympy.tanh(x)),
])
def test_expressions_build_the_same_algebra(text, expected):
    out, variables = symbolic_graph(text)
    symbols = [v.array[()] for v in variables.values()]
    assert sympy.simplify(out.array[()] - expected(*symbols)) == 0


def test_names_are_listed_in_reading_order_and_leaky_relu_takes_a_number():
    assert parse_expression("sigmoid(w*x + b)").names == ("w", "x", "b")
    out, (variables) = symbolic_graph("leaky_relu(x, 0.1)")
    x = variables["x"]
    assert out.array[()].subs(x.array[()], -2) == sympy.Rational(-1, 5)


HOSTILE = [
    ("__import__('os').system('echo hacked')", "'__import__' at column 1"),
    ("x.__class__", "column 2"),
    ("x.real", "attribute access"),
    ("lambda x: x", "'lambda' at column 1"),
    ("'abc'", "strings"),
    ('"abc"', "strings"),
    ("open('f')", "column 6"),
    ("foo(x)", "unknown function 'foo' at column 1"),
    ("w*x + eval(b)", "unknown function 'eval' at column 7"),
    ("exp", "call it as exp(...)"),
    ("x if y else z", "'if' at column 3"),
    ("import os", "'import' at column 1"),
    ("x; y", "';' at column 2"),
    ("x[0]", "indexing"),
    ("x ^ 2", "write powers with **"),
    ("x = 1", "column 3"),
    ("x +", "ended"),
    ("(x", "expected ')'"),
    ("x)", "column 2"),
    ("", "empty"),
    ("exp(x, y)", "takes 1 argument"),
    ("leaky_relu(x, y)", "must be a number"),
    ("9**9**9", "exponent"),
    ("x**(10**9)", "exponent"),
    ("(2**1000)**1000", "digits"),
    ("1/0", "division by zero at column 2"),
    ("1e999", "too long or too large"),
    ("(" * 200 + "x" + ")" * 200, "nests deeper"),
    ("x+" * 600 + "x", "at most 1000"),
    ("\\x", "column 1"),
]


@pytest.mark.parametrize("text, message", HOSTILE, ids=[h[0][:20] for h in HOSTILE])
def test_hostile_text_is_refused_naming_the_token_and_nothing_runs(text, message, monkeypatch):
    def forbidden(*args, **kwargs):
        raise AssertionError("the parser must not evaluate anything")
    for module, name in [(builtins, "eval"), (builtins, "exec"),
                         (sympy, "sympify"), (elementwise, "apply")]:
        monkeypatch.setattr(module, name, forbidden)
    with pytest.raises(ExpressionError) as info:
        parse_expression(text)
    assert message in str(info.value)


def test_build_needs_every_variable():
    expression = parse_expression("w*x")
    w = ad.symbols("w")
    with pytest.raises(ExpressionError, match="no tensor given for x"):
        expression.build({"w": w})


def test_an_expression_without_variables_is_an_error():
    with pytest.raises(ExpressionError, match="no variables"):
        symbolic_graph("2 * 3")
