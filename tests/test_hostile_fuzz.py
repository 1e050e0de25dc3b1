"""Fuzz tests of expressions (issue 15): random strings of the grammar, with huge constants and
deep nesting, answer with a result or one line (exit status 2), each within its budget."""
from __future__ import annotations

import pytest

hypothesis = pytest.importorskip("hypothesis")
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from autodiff.symbolic.parser import ExpressionError, parse_expression
from chainrule.cli import main

NUMBERS = st.sampled_from(["0", "0.0", "1", "2", "3", "0.5", "1e-300", "1e300", "1e15",
                           "999999999999999", "123456789.123456789", "7", "1e308"])
NAMES = st.sampled_from(["x", "y"])
UNARY = st.sampled_from(["exp", "log", "sqrt", "sin", "cos", "tanh", "sigmoid", "relu", "abs",
                         "-", "+"])
BINARY = st.sampled_from(["+", "-", "*", "/", "**", "maximum", "minimum"])


def _combine(children):
    unary = st.tuples(UNARY, children).map(
        lambda t: f"{t[0]}{t[1]}" if t[0] in "+-" else f"{t[0]}({t[1]})")
    binary = st.tuples(BINARY, children, children).map(
        lambda t: f"{t[0]}({t[1]}, {t[2]})" if t[0].isalpha() else f"({t[1]}){t[0]}({t[2]})")
    return unary | binary


EXPRESSIONS = st.recursive(NAMES | NUMBERS, _combine, max_leaves=12)
NESTED = st.tuples(st.lists(UNARY.filter(str.isalpha), min_size=1, max_size=30), NAMES).map(
    lambda t: "".join(f"{f}(" for f in t[0]) + t[1] + ")" * len(t[0]))
VALUES = st.tuples(NUMBERS, NUMBERS, st.booleans(), st.booleans()).map(
    lambda t: f"x={'-' if t[2] else ''}{t[0]},y={'-' if t[3] else ''}{t[1]}")

FUZZ = settings(max_examples=12, deadline=None, derandomize=True,
                suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                       HealthCheck.function_scoped_fixture])


def answers(argv, capsys) -> None:
    """A result (status 0) or one line of error (status 2); never a traceback."""
    code = main(argv)
    out, err = capsys.readouterr()
    assert code in (0, 2), (argv, code, err)
    if code == 2:
        assert len(err.strip().splitlines()) == 1 and "Traceback" not in err, (argv, err)
    else:
        assert out and "nan+nani" not in out


@pytest.fixture(autouse=True)
def budget(monkeypatch):
    monkeypatch.setenv("CHAINRULE_BUDGET", "2")


@FUZZ
@given(expression=EXPRESSIONS, values=VALUES)
def test_random_expressions_at_numbers(expression, values, capsys):
    answers(["derive", expression, "--at", _used(expression, values)], capsys)


@FUZZ
@given(expression=st.one_of(EXPRESSIONS, NESTED))
def test_random_expressions_in_symbols(expression, capsys):
    answers(["derive", expression], capsys)


@FUZZ
@given(expression=NESTED, values=VALUES)
def test_deeply_nested_calls_at_numbers(expression, values, capsys):
    answers(["derive", expression, "--at", _used(expression, values)], capsys)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(text=st.lists(st.sampled_from(list("xy0123456789.eE+-*/(),_ ab\u0661\uff11")
                                    + ["**", "exp(", "maximum(", "__", "1e999"]),
                    max_size=40).map("".join))
def test_random_text_parses_or_raises_expression_error(text):
    try:
        parse_expression(text)
    except ExpressionError:
        pass


def _used(expression: str, values: str) -> str:
    """--at for the names the expression really uses (an unknown name is its own error)."""
    import re
    names = set(re.findall(r"\b[xy]\b", expression))
    return ",".join(v for v in values.split(",") if v.split("=")[0] in names) or values
