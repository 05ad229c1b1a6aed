"""Every Value op against central finite differences in float64 and against PyTorch; random
expression DAGs (reused nodes, a + a, diamonds, deep chains) against finite differences,
micrograd and PyTorch.

The finite differences here are written independently of tinygrad_edu.gradcheck: for the
DAGs they even evaluate the expression with plain Python floats."""

import math

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Value, no_grad

H = 1e-6  # central-difference step: error ~ H^2 f''' + 1e-16 |f| / H, far below the tolerance


def close(numeric: float, analytic: float, scale: float = 1.0) -> bool:
    return abs(numeric - analytic) <= 1e-6 * max(1.0, scale) + 1e-5 * abs(numeric)


def finite_differences(fn, xs: list[float]) -> list[float]:
    def at(values):
        with no_grad():
            return fn(*[Value(v) for v in values]).data

    out = []
    for i in range(len(xs)):
        up, down = list(xs), list(xs)
        up[i] += H
        down[i] -= H
        out.append((at(up) - at(down)) / (2 * H))
    return out


def import_torch():
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)  # scalar tensors: threads only contend on a shared CI machine
    return torch


def analytic(fn, xs: list[float]) -> tuple[float, list[float]]:
    vs = [Value(x) for x in xs]
    out = fn(*vs)
    out.backward()
    return out.data, [v.grad for v in vs]


# ---- one op at a time -----------------------------------------------------------------------
def real(lo=-5.0, hi=5.0):
    return st.floats(lo, hi, allow_nan=False, allow_infinity=False)


ANY = real()
POS = real(0.05, 5.0)
OFF_ZERO = real().filter(lambda x: abs(x) > 1e-3)  # away from kinks and poles
SMALL = real(-2.0, 2.0)

# name -> (our function of Values, the PyTorch one or None if the same code works, inputs)
OPS = {
    "add": (lambda a, b: a + b, None, [ANY, ANY]),
    "sub": (lambda a, b: a - b, None, [ANY, ANY]),
    "mul": (lambda a, b: a * b, None, [ANY, ANY]),
    "div": (lambda a, b: a / b, None, [ANY, OFF_ZERO]),
    "pow_value": (lambda a, b: a**b, None, [POS, SMALL]),
    "pow_float": (lambda a: a**2.5, None, [POS]),
    "pow_int": (lambda a: a**3, None, [ANY]),
    "pow_negative": (lambda a: a**-2, None, [OFF_ZERO]),
    "neg": (lambda a: -a, None, [ANY]),
    "add_const": (lambda a: a + 1.5, None, [ANY]),
    "sub_const": (lambda a: a - 1.5, None, [ANY]),
    "mul_const": (lambda a: a * -1.5, None, [ANY]),
    "div_const": (lambda a: a / -4.0, None, [ANY]),
    "radd": (lambda a: 1.5 + a, None, [ANY]),
    "rsub": (lambda a: 1.5 - a, None, [ANY]),
    "rmul": (lambda a: -1.5 * a, None, [ANY]),
    "rdiv": (lambda a: 1.5 / a, None, [OFF_ZERO]),
    "rpow": (lambda a: 2.5**a, None, [ANY]),
    "exp": (lambda a: a.exp(), None, [real(-20.0, 10.0)]),
    "log": (lambda a: a.log(), None, [real(0.01, 100.0)]),
    "sqrt": (lambda a: a.sqrt(), None, [real(0.01, 100.0)]),
    "tanh": (lambda a: a.tanh(), None, [real(-20.0, 20.0)]),
    "sigmoid": (lambda a: a.sigmoid(), None, [real(-40.0, 40.0)]),
    "relu": (lambda a: a.relu(), None, [OFF_ZERO]),
    "abs": (lambda a: abs(a), None, [OFF_ZERO]),
    "leaky_relu": (lambda a: a.leaky_relu(0.2),
                   lambda a: __import__("torch").nn.functional.leaky_relu(a, 0.2), [OFF_ZERO]),
    "sum": (lambda a, b, c: Value.sum([a, 2.0, b, a, c]),
            lambda a, b, c: a + 2.0 + b + a + c, [ANY, ANY, ANY]),
    "dot": (lambda a, b, c, d: Value.dot([a, b, 1.5, c], [d, a, c, -2.0], bias=b),
            lambda a, b, c, d: a * d + b * a + 1.5 * c + c * -2.0 + b, [ANY, ANY, ANY, ANY]),
}


@pytest.mark.parametrize("name", OPS)
@given(data=st.data())
def test_op_matches_finite_differences(name, data):
    fn, _, strategies = OPS[name]
    xs = [data.draw(s, label=f"x{i}") for i, s in enumerate(strategies)]
    _, got = analytic(fn, xs)
    want = finite_differences(fn, xs)
    for i, (g, w) in enumerate(zip(got, want)):
        assert close(w, g), f"{name}: d/dx{i} analytic {g} vs numerical {w} at {xs}"


@pytest.mark.parametrize("name", OPS)
@given(data=st.data())
def test_op_matches_pytorch(name, data):
    torch = import_torch()
    fn, torch_fn, strategies = OPS[name]
    xs = [data.draw(s, label=f"x{i}") for i, s in enumerate(strategies)]
    out, got = analytic(fn, xs)
    ts = [torch.tensor(x, dtype=torch.float64, requires_grad=True) for x in xs]
    t_out = (torch_fn or fn)(*ts)
    t_out.backward()
    assert out == pytest.approx(t_out.item(), rel=1e-12, abs=1e-300)
    for g, t in zip(got, ts):
        want = 0.0 if t.grad is None else t.grad.item()
        assert g == pytest.approx(want, rel=1e-9, abs=1e-12), name


# ---- random expression DAGs -------------------------------------------------------------------
# A program is leaves plus instructions (op, argument indices into all earlier nodes), so
# nodes get reused: a + a, diamonds, long chains. Each engine interprets the same program.
ARITY = {"add": 2, "sub": 2, "mul": 2, "div": 2, "neg": 1, "scale": 1, "shift": 1, "rsub": 1,
         "square": 1, "relu": 1, "tanh": 1, "sigmoid": 1, "sum3": 3, "dot2": 4}
MICROGRAD_OPS = [op for op in ARITY if op not in ("tanh", "sigmoid")]
KINKED = {"relu"}


class Floats:
    """Plain Python floats: the independent reference for finite differences."""
    leaf = staticmethod(float)
    relu = staticmethod(lambda a: max(a, 0.0))
    tanh = staticmethod(math.tanh)
    sigmoid = staticmethod(lambda a: 1 / (1 + math.exp(-a)))
    total = staticmethod(sum)
    dot = staticmethod(lambda a, b: sum(x * y for x, y in zip(a, b)))


class Ours:
    leaf = Value
    relu = staticmethod(Value.relu)
    tanh = staticmethod(Value.tanh)
    sigmoid = staticmethod(Value.sigmoid)
    total = staticmethod(Value.sum)
    dot = staticmethod(Value.dot)


class Micrograd:
    def __init__(self):
        self.leaf = pytest.importorskip("micrograd.engine").Value

    relu = staticmethod(lambda a: a.relu())
    total = staticmethod(lambda xs: sum(xs[1:], xs[0]))
    dot = staticmethod(lambda a, b: sum((x * y for x, y in zip(a[1:], b[1:])), a[0] * b[0]))


class Torch:
    def __init__(self):
        self.torch = import_torch()

    def leaf(self, x):
        return self.torch.tensor(x, dtype=self.torch.float64, requires_grad=True)

    relu = staticmethod(lambda a: a.relu())
    tanh = staticmethod(lambda a: a.tanh())
    sigmoid = staticmethod(lambda a: a.sigmoid())
    total = staticmethod(lambda xs: sum(xs[1:], xs[0]))
    dot = staticmethod(lambda a, b: sum((x * y for x, y in zip(a[1:], b[1:])), a[0] * b[0]))


def apply(E, op, args):
    a = args[0]
    if op == "add":
        return a + args[1]
    if op == "sub":
        return a - args[1]
    if op == "mul":
        return a * args[1]
    if op == "div":
        return a / (args[1] * args[1] + 1.0)  # never divides by zero
    if op == "neg":
        return -a
    if op == "scale":
        return 0.5 * a
    if op == "shift":
        return a + 0.75
    if op == "rsub":
        return 1.0 - a
    if op == "square":
        return a**2
    if op == "sum3":
        return E.total(list(args))
    if op == "dot2":
        return E.dot(list(args[:2]), list(args[2:]))
    return getattr(E, op)(a)


def run(E, leaves, program):
    nodes = [E.leaf(x) for x in leaves]
    for op, idx in program:
        nodes.append(apply(E, op, [nodes[i] for i in idx]))
    root = E.total(nodes[len(leaves):]) if program else E.total(nodes)
    return nodes, root


@st.composite
def programs(draw, ops, max_leaves=4, max_ops=25):
    n_leaves = draw(st.integers(1, max_leaves))
    leaves = draw(st.lists(real(-2.0, 2.0), min_size=n_leaves, max_size=n_leaves))
    program = []
    for _ in range(draw(st.integers(1, max_ops))):
        op = draw(st.sampled_from(ops))
        n = n_leaves + len(program)
        recent = st.integers(max(0, n - 3), n - 1)  # biased towards the last nodes: depth
        args = [draw(st.one_of(recent, st.integers(0, n - 1))) for _ in range(ARITY[op])]
        program.append((op, args))
    return leaves, sanitize(leaves, program)


def sanitize(leaves, program):
    """Keep finite differences honest: a relu whose input is within 0.01 of its kink becomes
    a square, and a node whose size passes 100 is squashed to a / (a^2 + 1)."""
    values = list(leaves)
    out = []
    for op, args in program:
        if op in KINKED and abs(values[args[0]]) < 1e-2:
            op = "square"
        v = apply(Floats, op, [values[i] for i in args])
        if abs(v) > 100:
            op, args = "div", [args[0], args[0]]
            v = apply(Floats, op, [values[i] for i in args])
        out.append((op, args))
        values.append(v)
    return out


def float_gradients(leaves, program):
    def f(xs):
        return run(Floats, xs, program)[1]

    grads = []
    for i in range(len(leaves)):
        up, down = list(leaves), list(leaves)
        up[i] += H
        down[i] -= H
        grads.append((f(up) - f(down)) / (2 * H))
    return grads


def our_gradients(leaves, program):
    nodes, root = run(Ours, leaves, program)
    root.backward()
    return root.data, [n.grad for n in nodes[: len(leaves)]], max(abs(n.data) for n in nodes)


@given(programs(list(ARITY)))
def test_random_dags_match_finite_differences(case):
    leaves, program = case
    out, got, size = our_gradients(leaves, program)
    assert out == pytest.approx(run(Floats, leaves, program)[1], rel=1e-12, abs=1e-12)
    for i, (g, w) in enumerate(zip(got, float_gradients(leaves, program))):
        assert close(w, g, scale=size), f"leaf {i}: analytic {g} vs numerical {w}"


UNARY = ["tanh", "sigmoid", "scale", "shift", "neg", "rsub", "square", "relu"]


@settings(max_examples=20)
@given(real(-2.0, 2.0), st.lists(st.sampled_from(UNARY), min_size=100, max_size=300))
def test_deep_unary_chains_match_finite_differences(x, ops):
    leaves = [x]
    program = sanitize(leaves, [(op, [i]) for i, op in enumerate(ops)])
    _, got, size = our_gradients(leaves, program)
    assert close(float_gradients(leaves, program)[0], got[0], scale=size)


@given(programs(list(ARITY)))
def test_random_dags_match_pytorch(case):
    T = Torch()
    leaves, program = case
    out, got, _ = our_gradients(leaves, program)
    nodes, root = run(T, leaves, program)
    root.backward()
    assert out == pytest.approx(root.item(), rel=1e-9, abs=1e-12)
    for g, t in zip(got, nodes[: len(leaves)]):
        want = 0.0 if t.grad is None else t.grad.item()
        assert g == pytest.approx(want, rel=1e-9, abs=1e-12)


@given(programs(MICROGRAD_OPS))
def test_random_dags_match_micrograd(case):
    M = Micrograd()
    leaves, program = case
    out, got, _ = our_gradients(leaves, program)
    nodes, root = run(M, leaves, program)
    root.backward()
    assert out == pytest.approx(root.data, rel=1e-9, abs=1e-12)
    for g, m in zip(got, nodes[: len(leaves)]):
        assert g == pytest.approx(m.grad, rel=1e-9, abs=1e-12)


def test_the_dag_generator_reuses_nodes():
    """Guard against a generator that silently stops producing shared nodes."""
    leaves, program = [0.5, -1.0], [("add", [0, 0]), ("mul", [2, 1]), ("sub", [3, 2])]
    _, got, _ = our_gradients(leaves, program)  # root = (2a) + (2a*b) + (2ab - 2a)
    assert got == pytest.approx([4 * -1.0, 4 * 0.5])
    assert got == pytest.approx(float_gradients(leaves, program), rel=1e-6)


# ---- every op at the edges of float64, against PyTorch ----------------------------------------
EDGES = [0.0, -0.0, 5e-324, -5e-324, 1e-310, 1e-300, -1e-200, 1.0, -1.0, 1e4, -1e4, 710.0,
         1e308, -1e308, math.inf, -math.inf, math.nan]
EDGE_OPS = {  # name -> (ours, PyTorch's); each is applied to the same one input
    "exp": (Value.exp, lambda t: t.exp()), "log": (Value.log, lambda t: t.log()),
    "sqrt": (Value.sqrt, lambda t: t.sqrt()), "tanh": (Value.tanh, lambda t: t.tanh()),
    "sigmoid": (Value.sigmoid, lambda t: t.sigmoid()), "relu": (Value.relu, lambda t: t.relu()),
    "abs": (abs, abs), "neg": (lambda v: -v, lambda t: -t),
    "leaky_relu": (Value.leaky_relu, lambda t: __import__("torch").nn.functional.leaky_relu(t)),
    "square": (lambda v: v**2, None), "cube": (lambda v: v**3, None),
    "pow_half": (lambda v: v**0.5, None), "pow_-1": (lambda v: v**-1, None),
    "pow_-2": (lambda v: v**-2, None), "pow_0": (lambda v: v**0, None),
    "rdiv": (lambda v: 1 / v, None), "div_const": (lambda v: v / 3, None),
    "div_tiny": (lambda v: v / 1e-310, None), "self_mul": (lambda v: v * v, None),
    "self_div": (lambda v: v / v, None), "rpow": (lambda v: 2**v, None),
    "pow_value": (lambda v: v ** Value(2.0), lambda t: t ** t.new_tensor(2.0)),
    "value_pow": (lambda v: Value(3.0) ** v, lambda t: t.new_tensor(3.0) ** t),
    "sum": (lambda v: Value.sum([v, v, 1.0]), lambda t: t + t + 1.0),
    "dot": (lambda v: Value.dot([v, 2.0], [v, v]), lambda t: t * t + 2.0 * t),
}


def same(ours: float, theirs: float) -> bool:
    """Equal, nan to nan; the sign of a zero and the last ~1e-300 are not compared (our
    sigmoid slope at 710 is the true 4.5e-309 where PyTorch's rounds to 0)."""
    if math.isnan(ours) or math.isnan(theirs):
        return math.isnan(ours) and math.isnan(theirs)
    return ours == theirs or abs(ours - theirs) <= 1e-12 * abs(theirs) + 1e-300


@pytest.mark.parametrize("name", EDGE_OPS)
def test_ops_at_extreme_inputs_match_pytorch_or_raise_a_named_error(name):
    """Where PyTorch answers inf or nan for a point outside the domain (log of 0, 1/0,
    sqrt(-1)) we raise instead, naming the op and the value (docs/api.md says why). Every
    other answer, value and slope, must be PyTorch's: no nan slope, no raw Python error."""
    torch = import_torch()
    ours, theirs = EDGE_OPS[name]
    for x in EDGES:
        v = Value(x)
        t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
        t_out = (theirs or ours)(t)
        t_out.backward()
        try:
            out = ours(v)
            out.backward()
        except (ValueError, ZeroDivisionError) as e:
            assert str(e).split(":")[0] in ("log", "sqrt", "pow", "div"), (name, x, e)
            assert repr(abs(x)) in str(e) or repr(x) in str(e), (name, x, e)
            assert not math.isfinite(t_out.item()) or not math.isfinite(t.grad.item()), (
                f"{name}({x}) raised {e!r} where PyTorch gives a finite {t_out.item()}")
            continue
        assert same(out.data, t_out.item()), (name, x, out.data, t_out.item())
        assert same(v.grad, t.grad.item()), (name, x, v.grad, t.grad.item())
