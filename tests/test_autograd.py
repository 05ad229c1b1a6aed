"""The backward driver's contract (autograd.py), exercised through Value."""

import gc
import math
import sys
import threading

import pytest

from tinygrad_edu import Value, detect_anomaly, enable_grad, is_grad_enabled, no_grad
from tinygrad_edu.autograd import AnomalyError, topological_order


# ---- depth: no recursion anywhere -------------------------------------------------------
def test_chain_of_200k_ops_backpropagates_without_recursion():
    x = Value(1.0)
    y = x
    for _ in range(100_000):  # 200,000 ops: a multiply and an add each round
        y = y * 1.00001 + 0.0
    y.backward()
    assert x.grad == pytest.approx(1.00001**100_000, rel=1e-9)
    del y  # freeing a 200k-long chain must not overflow the C stack either
    assert sys.getrefcount(x) == 2  # only `x` and getrefcount's own argument remain


# ---- grad mode ------------------------------------------------------------------------------
def _records(v: Value) -> bool:
    return v._prev != () or v._backward is not None


def test_no_grad_context_records_no_parents_and_no_closure():
    a, b = Value(2.0), Value(-3.0)
    with no_grad():
        assert not is_grad_enabled()
        outs = [a + b, a * b, a - b, a / b, a**2, a**b, 2**a, -a, 1 - a, 1 / a,
                a.exp(), a.log(), a.sqrt(), a.tanh(), a.sigmoid(), a.relu(), b.relu(),
                b.leaky_relu(), abs(b), Value.sum([a, b]), Value.dot([a, b], [b, a], bias=a)]
    assert is_grad_enabled()
    for out in outs:
        assert not _records(out), out.op
    assert all(_records(out) for out in [a + b, b.relu(), Value.dot([a], [b])])


def test_no_grad_and_enable_grad_nest_and_restore():
    a = Value(1.0)
    with no_grad():
        with enable_grad():
            assert is_grad_enabled()
            inner = a * 2
            with no_grad():
                assert not _records(a * 2)
            assert _records(a * 2)
        assert not is_grad_enabled()
        assert not _records(a * 2)
    assert _records(inner) and inner._prev == (a,)
    assert is_grad_enabled()


def test_grad_mode_restored_after_an_exception():
    with pytest.raises(ZeroDivisionError):
        with no_grad():
            Value(1.0) / 0
    assert is_grad_enabled()


def test_no_grad_and_enable_grad_as_decorators():
    @no_grad()
    def evaluate(x):
        assert not is_grad_enabled()
        return x * 3

    @enable_grad()
    def fit(x):
        return x * 3

    a = Value(1.0)
    assert not _records(evaluate(a))
    with no_grad():
        assert _records(fit(a))
        assert not _records(a * 3)  # the decorator restored the outer mode
    assert is_grad_enabled()


def test_grad_mode_is_per_thread():
    seen = []
    with no_grad():
        t = threading.Thread(target=lambda: seen.append(is_grad_enabled()))
        t.start()
        t.join()
    assert seen == [True]


# ---- the backward contract ------------------------------------------------------------------
def test_backward_twice_keeps_intermediates_and_accumulates_leaves():
    x = Value(2.0)
    y = x * x        # intermediate
    z = y * 3.0 + y  # dz/dy = 4, dz/dx = 4 * 2x = 16
    z.backward()
    assert (y.grad, x.grad, z.grad) == (4.0, 16.0, 1.0)
    z.backward()     # PyTorch semantics: leaves accumulate, intermediates are recomputed
    assert (y.grad, x.grad, z.grad) == (4.0, 32.0, 1.0)
    x.grad = 0.0
    z.backward()
    assert x.grad == 16.0


def test_nodes_are_told_apart_by_identity_not_value():
    a, b = Value(3.0), Value(3.0)  # equal data, different nodes
    assert a != b and len({a, b}) == 2
    y = a + b * 2.0
    y.backward()
    assert (a.grad, b.grad) == (1.0, 2.0)
    assert len(topological_order(y)) == 4  # a, b, b*2, y


def test_a_node_used_twice_gets_both_contributions():
    a = Value(5.0)
    (a + a).backward()
    assert a.grad == 2.0
    b = Value(5.0)
    (b * b).backward()
    assert b.grad == 10.0


def _diamond():
    a, b = Value(0.5, label="a"), Value(-1.5, label="b")
    c = a * b
    d = c.tanh()
    e = c + a
    f = Value.sum([d, e, d * e, b])
    return f


def test_topological_order_is_valid_and_deterministic():
    f = _diamond()
    order = topological_order(f)
    pos = {id(n): i for i, n in enumerate(order)}
    assert len(pos) == len(order) == 7  # a, b, c, d, e, d*e, f: each once
    assert order[-1] is f
    for node in order:
        for parent in node._prev:
            assert pos[id(parent)] < pos[id(node)]
    assert [id(n) for n in topological_order(f)] == [id(n) for n in order]
    # a second, identical graph is ordered the same way
    shape = [(n.op, n.label) for n in order]
    assert [(n.op, n.label) for n in topological_order(_diamond())] == shape


# ---- memory: graphs are freed by reference counting ---------------------------------------
@pytest.fixture
def gc_off():
    gc.collect()
    gc.disable()
    try:
        yield
    finally:
        gc.enable()


def _unreachable_values() -> int:
    """How many Values only the cycle collector could free (held by a reference cycle)."""
    gc.set_debug(gc.DEBUG_SAVEALL)
    try:
        gc.collect()
        found = sum(isinstance(o, Value) for o in gc.garbage)
    finally:
        gc.set_debug(0)
        gc.garbage.clear()
        gc.collect()  # the saved cycles are still cycles: free them for real
    return found


def test_graph_has_no_reference_cycles(gc_off):
    x, w = Value(0.7), Value(-1.2)
    base_x, base_w = sys.getrefcount(x), sys.getrefcount(w)
    h = Value.dot([w, w], [x, 2.0], bias=x)
    root = Value.sum([h.tanh(), h.sigmoid() * w, (h.relu() + 1).log(), x**w, w / x, abs(h)])
    root.backward()
    assert sys.getrefcount(x) > base_x  # the graph holds the leaves...
    del root, h
    # ...and lets go of them the moment the root is dropped, with the cycle collector off
    assert (sys.getrefcount(x), sys.getrefcount(w)) == (base_x, base_w)
    assert _unreachable_values() == 0


def test_the_cycle_check_would_catch_a_closure_that_holds_its_output(gc_off):
    x = Value(1.0)
    base = sys.getrefcount(x)

    def leaky_double(v):  # the micrograd pattern: the closure captures `out`
        def backward(grad):
            v.grad += 2 * out.grad
        out = Value._make(2 * v.data, (v,), "leaky", backward)
        return out

    y = leaky_double(x)
    del y
    assert sys.getrefcount(x) > base  # still held by the leaked cycle
    assert _unreachable_values() == 1
    assert sys.getrefcount(x) == base


# ---- anomaly detection ---------------------------------------------------------------------
def test_detect_anomaly_names_the_op_that_made_a_nan_in_forward():
    big = Value(1e308)
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"\*.*forward produced inf"):
            big * 10
        inf = Value(math.inf)
        with pytest.raises(AnomalyError, match=r"^-: forward produced nan"):
            inf - inf
    assert (big * 10).data == math.inf  # off by default: no check, no error


def test_detect_anomaly_names_the_op_that_made_a_nan_in_backward():
    x = Value(0.0)
    y = x.sqrt() * 2.0  # finite forward, but d sqrt / dx = inf at 0
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"^sqrt: backward produced gradient inf"):
            y.backward()
    base, e = Value(-2.0), Value(3.0)
    z = base**e  # d/de of (-2)^e = (-2)^e ln(-2): nan
    with detect_anomaly():
        with pytest.raises(AnomalyError, match=r"^\*\*: backward produced gradient nan"):
            z.backward()
    base.grad = e.grad = 0.0
    z.backward()  # without anomaly mode the nan just lands in the grad
    assert math.isnan(e.grad) and base.grad == 3 * (-2.0) ** 2
    assert issubclass(AnomalyError, FloatingPointError)


def test_no_grad_decorates_without_parentheses_like_torch():
    from tinygrad_edu import Value, is_grad_enabled, no_grad

    @no_grad
    def evaluate(v):
        assert not is_grad_enabled()
        return v * 2

    out = evaluate(Value(1.0))
    assert out._prev == () and out._backward is None
    assert is_grad_enabled()


def test_decorated_no_grad_is_reentrant_in_recursion():
    # a recursive @no_grad function enters the same decorator again before the outer call
    # exits; grad mode must come back on afterwards (a single saved slot loses it)
    @no_grad()
    def depth(n):
        assert not is_grad_enabled()
        return 0 if n == 0 else 1 + depth(n - 1)

    @no_grad
    def depth_bare(n):
        return 0 if n == 0 else 1 + depth_bare(n - 1)

    assert depth(5) == 5 and is_grad_enabled()
    assert depth_bare(5) == 5 and is_grad_enabled()


def test_one_grad_mode_instance_entered_twice_restores_each_level():
    ng, eg = no_grad(), enable_grad()
    with ng:
        with eg:
            with ng:
                assert not is_grad_enabled()
            assert is_grad_enabled()
        assert not is_grad_enabled()
    assert is_grad_enabled()


def test_grad_mode_decorator_is_per_thread():
    import threading

    seen = []
    gate = threading.Barrier(2)

    @no_grad()
    def work():
        gate.wait()  # both threads inside the same decorated function at once
        seen.append(is_grad_enabled())

    threads = [threading.Thread(target=work) for _ in range(2)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert seen == [False, False] and is_grad_enabled()
