"""The safe expression parser: right values and gradients, and nothing but formulas accepted."""

import math

import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Value
from tinygrad_edu.autograd import topological_order
from tinygrad_edu.expr import ExpressionError, evaluate, parse, parse_assignments


def leaf(root, name):
    return next(n for n in topological_order(root) if not n._prev and n.label == name)


def test_micrograd_neuron_value_and_grads():
    root = evaluate("tanh(a*b + c)", {"a": 2, "b": -3, "c": 10})
    root.backward()
    t = math.tanh(4.0)
    assert root.data == pytest.approx(t)
    slope = 1 - t * t
    assert leaf(root, "a").grad == pytest.approx(-3 * slope)
    assert leaf(root, "b").grad == pytest.approx(2 * slope)
    assert leaf(root, "c").grad == pytest.approx(slope)


def test_variables_in_reading_order_and_shared_leaf():
    e = parse("c * tanh(a) + a * b - pi")
    assert e.variables == ("c", "a", "b")  # pi is a constant, a appears once
    root = e.build({"a": 0.5, "b": 2.0, "c": 3.0})
    root.backward()
    # a is used twice: one leaf, whose grad sums both uses
    assert leaf(root, "a").grad == pytest.approx(3.0 * (1 - math.tanh(0.5) ** 2) + 2.0)
    assert sum(1 for n in topological_order(root) if n.label == "a") == 1


@pytest.mark.parametrize("source, expected", [
    ("2 + 3 * 4", 14.0),
    ("-x ** 2", -9.0),          # ** binds tighter than unary minus, as in Python
    ("(-x) ** 2", 9.0),
    ("x / 2 - 1", 0.5),
    ("2 ** x", 8.0),
    ("+x", 3.0),
    ("sigmoid(0)", 0.5),
    ("relu(-x) + relu(x)", 3.0),
    ("sqrt(x * 3)", 3.0),
    ("abs(1 - x)", 2.0),
    ("log(exp(x))", 3.0),
    ("e ** 0 + pi * 0", 1.0),
])
def test_values(source, expected):
    e = parse(source)
    values = {"x": 3.0} if "x" in e.variables else {}
    assert e.build(values).data == pytest.approx(expected)


def test_constant_expression_still_gives_a_value():
    out = evaluate("1 + 2")
    assert isinstance(out, Value) and out.data == 3.0


def test_intermediate_nodes_labelled_with_their_source():
    root = evaluate("tanh(a*b + c)", {"a": 1, "b": 2, "c": 3})
    labels = {n.label for n in topological_order(root)}
    assert {"a", "b", "c", "a*b", "a*b + c", "tanh(a*b + c)"} <= labels


names = st.sampled_from(["a", "b"])
numbers = st.floats(-3, 3, allow_nan=False).map(lambda x: round(x, 3))


@st.composite
def formulas(draw, depth=0):
    """Random formulas built from the allowed grammar, with a Python twin to compare with."""
    if depth > 3 or draw(st.booleans()):
        if draw(st.booleans()):
            n = draw(names)
            return n, n
        x = draw(numbers)
        return repr(x), repr(x)
    kind = draw(st.sampled_from(["+", "-", "*", "tanh", "sigmoid", "neg"]))
    a, pa = draw(formulas(depth=depth + 1))
    if kind in "+-*":
        b, pb = draw(formulas(depth=depth + 1))
        return f"({a} {kind} {b})", f"({pa} {kind} {pb})"
    if kind == "neg":
        return f"-({a})", f"-({pa})"
    py = "math.tanh" if kind == "tanh" else "(lambda z: 1 / (1 + math.exp(-z)))"
    return f"{kind}({a})", f"{py}({pa})"


@given(formulas(), numbers, numbers)
def test_random_formulas_match_python_and_finite_differences(formula, a, b):
    source, python = formula
    e = parse(source)
    env = {"a": a, "b": b}
    values = {k: v for k, v in env.items() if k in e.variables}
    root = e.build(values)
    assert root.data == pytest.approx(eval(python, {"math": math}, env), rel=1e-9, abs=1e-9)
    root.backward()
    h = 1e-6
    for name in e.variables:
        up = e.build({**values, name: values[name] + h}).data
        down = e.build({**values, name: values[name] - h}).data
        numeric = (up - down) / (2 * h)
        assert leaf(root, name).grad == pytest.approx(numeric, rel=1e-4, abs=1e-5)


@pytest.mark.parametrize("source, fragment", [
    ("__import__('os').system('true')", "unknown function"),
    ("__import__('os')", "unknown function '__import__'"),
    ("open('x')", "unknown function 'open'"),
    ("a.real", "Attribute"),
    ("a[0]", "Subscript"),
    ("(lambda: 1)()", "unknown function"),
    ("[a, b]", "List"),
    ("a if b else c", "IfExp"),
    ("a < b", "Compare"),
    ("a and b", "BoolOp"),
    ("a @ b", "operator not allowed"),
    ("a // b", "operator not allowed"),
    ("a % b", "operator not allowed"),
    ("~a", "operator not allowed"),
    ("not a", "operator not allowed"),
    ("'text'", "only numbers"),
    ("True", "only numbers"),
    ("1j", "only numbers"),
    ("tanh(a, b)", "exactly one argument"),
    ("tanh(x=a)", "exactly one argument"),
    ("tanh(*a)", "exactly one argument"),
    ("tanh", "is a function"),
    ("f'{a}'", "JoinedStr"),
    ("(a := 1)", "NamedExpr"),
    ("a +", "cannot parse"),
    ("", "empty"),
    ("   ", "empty"),
    ("x" * 3000, "too long"),
    ("+".join(["a"] * 400), "too large"),
    ("(" * 250 + "a" + ")" * 250, "cannot parse"),  # Python's own nesting limit
])
def test_refused(source, fragment):
    with pytest.raises(ExpressionError, ) as info:
        parse(source)
    assert fragment in str(info.value)


@pytest.mark.parametrize("source, values, fragment", [
    ("1 / 0", {}, "division by zero"),
    ("a / b", {"a": 1.0, "b": 0.0}, "division by zero in 'a / b'"),
    ("9.0 ** 9.0 ** 9.0", {}, "overflows"),
    ("log(a)", {"a": -1.0}, "log: input must be > 0"),
    ("sqrt(0 - 4)", {}, "sqrt: input must be >= 0"),
    ("a + b", {"a": 1.0}, "no value for b"),
    ("a", {"a": 1.0, "z": 2.0}, "z not in the expression"),
    ("a", {"a": float("nan")}, "finite"),
])
def test_evaluation_errors(source, values, fragment):
    with pytest.raises(ExpressionError) as info:
        evaluate(source, values)
    assert fragment in str(info.value)


def test_parse_assignments():
    assert parse_assignments(["a=2", " b = -3.5 ", "c=1e-3"]) == {"a": 2.0, "b": -3.5, "c": 0.001}
    for bad, fragment in [("a", "NAME=NUMBER"), ("a=", "NAME=NUMBER"), ("=1", "NAME=NUMBER"),
                          ("a=x", "not a number"), ("1a=2", "not a usable"),
                          ("tanh=1", "tanh is a function"), ("pi=3", "pi is a constant"),
                          ("if=1", "not a usable"),
                          ("a=inf", "finite")]:
        with pytest.raises(ExpressionError, match=fragment):
            parse_assignments([bad])
    with pytest.raises(ExpressionError, match="twice"):
        parse_assignments(["a=1", "a=2"])


def test_a_variable_any_python_name_can_be_set():
    # the parser takes Python's identifiers, so --set must take the same names, or an
    # expression in "é" asks for --set é=... and then refuses it
    values = parse_assignments(["é=2", "λ=3"])
    assert evaluate("é*λ", values).data == 6.0
    # Python reads "ｘ" (fullwidth) in an expression as "x"; --set reads it the same way
    assert parse_assignments(["ｘ=1"]) == {"x": 1.0}
    assert evaluate("ｘ*2", parse_assignments(["ｘ=1"])).data == 2.0
    with pytest.raises(ExpressionError, match="twice"):
        parse_assignments(["x=1", "ｘ=2"])
