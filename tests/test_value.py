"""Value: construction, every op's value and gradient at chosen points, errors, the worked
example of the sigmoid-network tutorial. (Random inputs: tests/property/test_value_grads.py.)"""

import math

import numpy as np
import pytest

from tinygrad_edu import Value, gradcheck
from tinygrad_edu.autograd import topological_order


def grads(fn, *xs):
    """Value of fn at xs and the gradient of each input."""
    vs = [Value(x) for x in xs]
    out = fn(*vs)
    out.backward()
    return out.data, [v.grad for v in vs]


# ---- construction and printing -------------------------------------------------------------
def test_repr_label_and_op():
    assert repr(Value(0.5)) == "Value(data=0.5, grad=0.0)"
    a = Value(2, label="a")
    assert repr(a) == "Value(data=2.0, grad=0.0, label='a')"
    assert type(a.data) is float and a.op == "" and a.label == "a"
    b = a * 3
    assert b.op == "*" and b.label == "" and b._prev == (a,)
    assert (a + a).op == "+" and a.tanh().op == "tanh" and Value.dot([a], [a]).op == "dot"
    assert float(b) == 6.0


def test_value_rejects_non_numbers():
    with pytest.raises(TypeError, match="takes a number"):
        Value(Value(1.0))
    with pytest.raises(TypeError, match="str"):
        Value("1.5")
    with pytest.raises(TypeError, match="numpy array"):
        Value(np.array([1.0, 2.0]))
    assert Value(np.float64(1.5)).data == 1.5 and Value(True).data == 1.0
    with pytest.raises(TypeError, match="type numpy.bool"):  # not 'bool', which Value takes
        Value(np.bool_(True))


# ---- arithmetic, including the reflected forms ------------------------------------------------
@pytest.mark.parametrize("fn, x, expected, slope", [
    (lambda v: 2 * v, 3.0, 6.0, 2.0),
    (lambda v: v * 2, 3.0, 6.0, 2.0),
    (lambda v: 2 + v, 3.0, 5.0, 1.0),
    (lambda v: v - 2, 3.0, 1.0, 1.0),
    (lambda v: 1 - v, 3.0, -2.0, -1.0),
    (lambda v: 1 / v, 4.0, 0.25, -1 / 16),
    (lambda v: v / 4, 3.0, 0.75, 0.25),
    (lambda v: 2**v, 3.0, 8.0, 8.0 * math.log(2)),
    (lambda v: v**3, -2.0, -8.0, 12.0),
    (lambda v: v**-1, 4.0, 0.25, -1 / 16),
    (lambda v: v**0.5, 4.0, 2.0, 0.25),
    (lambda v: -v, 3.0, -3.0, -1.0),
], ids=["2*v", "v*2", "2+v", "v-2", "1-v", "1/v", "v/4", "2**v", "v**3", "v**-1", "v**0.5", "-v"])
def test_ops_with_a_constant(fn, x, expected, slope):
    out, (g,) = grads(fn, x)
    assert out == pytest.approx(expected, rel=1e-12)
    assert g == pytest.approx(slope, rel=1e-12)


@pytest.mark.parametrize("fn, da, db", [
    (lambda a, b: a + b, lambda a, b: 1.0, lambda a, b: 1.0),
    (lambda a, b: a - b, lambda a, b: 1.0, lambda a, b: -1.0),
    (lambda a, b: a * b, lambda a, b: b, lambda a, b: a),
    (lambda a, b: a / b, lambda a, b: 1 / b, lambda a, b: -a / b**2),
    (lambda a, b: a**b, lambda a, b: b * a ** (b - 1), lambda a, b: a**b * math.log(a)),
], ids=["+", "-", "*", "/", "**"])
def test_binary_ops_between_values(fn, da, db):
    a, b = 1.5, -0.75
    out, (ga, gb) = grads(fn, a, b)
    assert out == pytest.approx(fn(a, b), rel=1e-12)
    assert ga == pytest.approx(da(a, b), rel=1e-12)
    assert gb == pytest.approx(db(a, b), rel=1e-12)


def test_pow_with_value_exponent_and_negative_base():
    out, (gb, ge) = grads(lambda b, e: b**e, -2.0, 3.0)  # integer exponent: fine
    assert out == -8.0 and gb == 12.0 and math.isnan(ge)  # d/de (-2)^e is not real
    with pytest.raises(ValueError, match=r"pow: base -2.0 < 0 with non-integer exponent 0.5"):
        Value(-2.0) ** Value(0.5)
    with pytest.raises(ValueError, match=r"-8.0 \*\* 0.3333"):
        Value(-8.0) ** (1 / 3)
    with pytest.raises(ValueError, match="pow: base -2.0"):
        (-2) ** Value(0.5)


def test_division_by_zero_is_a_clear_error():
    with pytest.raises(ZeroDivisionError, match=r"div: 1.0 / 0.0 \(the denominator Value is 0\)"):
        Value(1.0) / Value(0.0)
    with pytest.raises(ZeroDivisionError, match=r"div: 2.0 / 0.0"):
        2 / Value(0.0)
    with pytest.raises(ZeroDivisionError, match=r"div: 1.0 / 0"):
        Value(1.0) / 0
    with pytest.raises(ZeroDivisionError, match=r"pow: 0.0 \*\* -1"):
        Value(0.0) ** -1


def test_power_overflow_gives_inf_like_pytorch():
    assert (Value(10.0) ** 400).data == math.inf
    assert (Value(-10.0) ** 401).data == -math.inf
    assert (Value(1000.0).exp()).data == math.inf


# ---- functions -------------------------------------------------------------------------------
def test_log_and_sqrt_domain_errors_name_the_op_and_value():
    with pytest.raises(ValueError, match=r"log: input must be > 0, got -1.0"):
        Value(-1.0).log()
    with pytest.raises(ValueError, match=r"log: input must be > 0, got 0.0"):
        Value(0.0).log()
    with pytest.raises(ValueError, match=r"sqrt: input must be >= 0, got -4.0"):
        Value(-4.0).sqrt()


@pytest.mark.parametrize("name, f, df", [
    ("exp", math.exp, math.exp),
    ("log", math.log, lambda x: 1 / x),
    ("sqrt", math.sqrt, lambda x: 0.5 / math.sqrt(x)),
    ("tanh", math.tanh, lambda x: 1 / math.cosh(x) ** 2),
    ("sigmoid", lambda x: 1 / (1 + math.exp(-x)), lambda x: math.exp(-x) / (1 + math.exp(-x)) ** 2),
])
@pytest.mark.parametrize("x", [0.3, 2.0])
def test_unary_functions(name, f, df, x):
    out, (g,) = grads(lambda v: getattr(v, name)(), x)
    assert out == pytest.approx(f(x), rel=1e-12)
    assert g == pytest.approx(df(x), rel=1e-12)


@pytest.mark.parametrize("x", [-1e4, -1000.0, -40.0, -1.0, 0.0, 1.0, 40.0, 1000.0, 1e4])
def test_sigmoid_and_tanh_stay_finite_and_correct_for_large_inputs(x):
    s, (ds,) = grads(Value.sigmoid, x)
    e = math.exp(-abs(x))  # the exact values, written without overflow
    assert s == pytest.approx(1 / (1 + e) if x >= 0 else e / (1 + e), rel=1e-14, abs=0)
    assert ds == pytest.approx(e / (1 + e) ** 2, rel=1e-12, abs=0)  # accurate even at 1e-17
    t, (dt,) = grads(Value.tanh, x)
    assert t == pytest.approx(math.tanh(x), rel=1e-15)
    assert math.isfinite(dt) and dt == pytest.approx(4 * e**2 / (1 + e**2) ** 2, abs=1e-15)


def test_relu_slope_at_zero_is_zero_and_kinked_ops_follow_pytorch():
    assert grads(Value.relu, 0.0) == (0.0, [0.0])
    assert grads(Value.relu, -2.0) == (0.0, [0.0])
    assert grads(Value.relu, 2.0) == (2.0, [1.0])
    assert grads(abs, 0.0) == (0.0, [0.0])
    assert grads(abs, -3.0) == (3.0, [-1.0])
    assert grads(lambda v: v.leaky_relu(0.1), -2.0) == (pytest.approx(-0.2), [0.1])
    assert grads(lambda v: v.leaky_relu(0.1), 0.0) == (0.0, [0.1])
    assert grads(lambda v: v.leaky_relu(), 3.0) == (3.0, [1.0])
    assert grads(Value.sqrt, 0.0) == (0.0, [math.inf])


# ---- mixing types ------------------------------------------------------------------------------
@pytest.mark.parametrize("make", [
    lambda v: v * np.array([1.0, 2.0]),
    lambda v: np.array([1.0, 2.0]) * v,
    lambda v: np.array([1.0, 2.0]) + v,
    lambda v: v + np.ones(3),
    lambda v: v + "1",
    lambda v: "1" + v,
    lambda v: v * None,
    lambda v: v + [1.0],
    lambda v: v ** np.array(2.0),
    lambda v: Value.dot([v], [np.ones(2)]),
    lambda v: Value.sum([v, "x"]),
])
def test_mixing_with_arrays_and_other_types_is_a_type_error(make):
    with pytest.raises(TypeError):
        make(Value(1.0))


def test_numpy_and_python_scalars_mix_freely():
    v = Value(1.5)
    for c in (2, 2.0, np.float64(2.0), np.float32(2.0), np.int64(2)):
        for out in (v * c, c * v, v + c, c + v, c - v, c / v, v**c):
            assert isinstance(out, Value)
    assert (np.float64(2.0) * v).data == 3.0


# ---- many inputs, one node -------------------------------------------------------------------
def test_sum_is_one_node_over_values_and_numbers():
    a, b = Value(1.5), Value(-2.0)
    s = Value.sum([a, 3, b, a, 0.25])
    assert s.data == 1.5 + 3 - 2.0 + 1.5 + 0.25
    assert s.op == "sum" and len(topological_order(s)) == 3  # a, b and the sum itself
    s.backward()
    assert (a.grad, b.grad) == (2.0, 1.0)
    assert Value.sum(v for v in [a, b]).data == -0.5  # any iterable
    empty = Value.sum([])
    assert empty.data == 0.0 and empty._prev == ()


def test_dot_is_one_node_with_gradients_to_both_sides():
    a, b, c, bias = Value(2.0), Value(-3.0), Value(0.5), Value(0.25)
    d = Value.dot([a, 4.0, c], [b, a, c], bias=bias)  # a*b + 4a + c*c + bias
    assert d.data == 2.0 * -3.0 + 4.0 * 2.0 + 0.25 + 0.25
    assert d.op == "dot" and len(topological_order(d)) == 5
    d.backward()
    assert (a.grad, b.grad, c.grad, bias.grad) == (-3.0 + 4.0, 2.0, 2 * 0.5, 1.0)
    assert Value.dot([a, b], [1.0, 2.0], bias=1.0).data == 2.0 - 6.0 + 1.0
    with pytest.raises(ValueError, match="dot: lengths 2 and 1 differ"):
        Value.dot([a, b], [c])


def test_dot_takes_any_iterables_as_sum_does():
    a = Value(2.0)
    # a generator was "object of type 'generator' has no len()"
    assert Value.dot((x for x in [a, 3.0]), iter([a, a])).data == 2.0 * 2.0 + 3.0 * 2.0
    with pytest.raises(TypeError, match="dot: a and b must be lists of Values or numbers, "
                                        "got Value and Value"):
        Value.dot(a, a)


def test_a_custom_activation_is_differentiated_by_autograd():
    def swish(x):
        return x * x.sigmoid()

    def gelu(x):  # the tanh approximation, built only from Value ops
        return 0.5 * x * (1 + (math.sqrt(2 / math.pi) * (x + 0.044715 * x**3)).tanh())

    for x in (-2.0, -0.3, 0.0, 1.7):
        assert gradcheck(swish, [Value(x)]) and gradcheck(gelu, [Value(x)])
        _, (g,) = grads(swish, x)
        s = 1 / (1 + math.exp(-x))
        assert g == pytest.approx(s + x * s * (1 - s), rel=1e-12)


# ---- the worked example of the sigmoid-network tutorial (seed 002) --------------------------
def test_worked_example_of_a_2_2_1_sigmoid_network():
    """W1 rows (5, 5), (5, 5), b1 = (-2.5, -7.5), v = (10, -10), b_out = -5, x = (1, 0),
    target 1, binary cross-entropy. The tutorial prints 3 decimals (2 for dL/dh), each
    rounded from already-rounded numbers, so we allow one unit in the last printed place."""
    x, target = [1.0, 0.0], 1.0
    W1 = [[Value(5.0), Value(5.0)], [Value(5.0), Value(5.0)]]
    b1 = [Value(-2.5), Value(-7.5)]
    v, b_out = [Value(10.0), Value(-10.0)], Value(-5.0)

    z = [Value.dot(W1[i], x, bias=b1[i]) for i in range(2)]
    h = [zi.sigmoid() for zi in z]
    z_out = Value.dot(v, h, bias=b_out)
    y_hat = z_out.sigmoid()
    loss = -(target * y_hat.log() + (1 - target) * (1 - y_hat).log())
    loss.backward()

    assert y_hat.data == pytest.approx(0.970, abs=1e-3)
    assert z_out.grad == pytest.approx(-0.030, abs=1e-3)
    assert z_out.grad == pytest.approx(y_hat.data - target, rel=1e-12)  # BCE + sigmoid
    assert v[0].grad == pytest.approx(-0.028, abs=1e-3)
    assert v[1].grad == pytest.approx(-0.002, abs=1e-3)
    assert h[0].grad == pytest.approx(-0.30, abs=1e-2)
    assert h[1].grad == pytest.approx(0.30, abs=1e-2)
    assert z[0].grad == pytest.approx(-0.021, abs=1e-3)
    assert z[1].grad == pytest.approx(0.021, abs=1e-3)
    assert W1[0][0].grad == pytest.approx(-0.021, abs=1e-3)
    assert W1[1][0].grad == pytest.approx(0.021, abs=1e-3)
    assert W1[0][1].grad == 0.0 and W1[1][1].grad == 0.0  # x2 = 0 blocks them exactly


def test_mixing_with_a_tensor_subclass_names_both_engines():
    from tinygrad_edu import nn

    with pytest.raises(TypeError, match="cannot mix Value and Tensor"):
        Value(1.0) + nn.Parameter([1.0])


def test_division_by_a_tiny_value_gives_an_infinite_gradient_not_a_crash():
    a, b = Value(1.0), Value(1e-320)  # b * b underflows to exactly 0
    (a / b).backward()
    assert math.isinf(a.grad) and b.grad == -math.inf


def test_division_by_a_tiny_number_or_value_is_a_true_division():
    # v / c was v * (1 / c): 1 / 5e-324 overflows to inf, so 0 / 5e-324 gave nan
    # and 1e-10 / 1e-310 gave inf instead of 1e300
    assert (Value(0.0) / 5e-324).data == 0.0
    assert (Value(1e-10) / 1e-310).data == 1e-10 / 1e-310
    assert (Value(0.3) / 0.1).data == 0.3 / 0.1  # rounded as Python and PyTorch round it
    out, (g,) = grads(lambda v: v / 1e-310, 1e-10)
    assert g == 1 / 1e-310
    # c / v: the slope -c/v^2 was computed as -c / (v*v), and v*v underflowed to 0
    out, (g,) = grads(lambda v: 1 / v, 1e-300)
    assert out == 1 / 1e-300 and g == -math.inf  # as PyTorch: -1e600 is past float range
    out, (g,) = grads(lambda v: 1 / v, -1e-200)
    assert out == -1e200 and g == -math.inf


@pytest.mark.parametrize("x", [1e-320, 5e-324, -1e-310, math.nan, 0.0, 3.0])
def test_the_zeroth_power_has_slope_zero_everywhere_like_pytorch(x):
    # b * a^(b-1) is 0 * inf = nan for a tiny base; d(a^0)/da is 0
    assert grads(lambda v: v**0, x) == (1.0, [0.0])
    out, (ga, gb) = grads(lambda a, b: a**b, x, 0.0)
    assert out == 1.0 and ga == 0.0


def test_zero_to_a_fractional_value_power_is_zero_like_a_constant_power():
    # Value(0) ** 0.5 was 0 but Value(0) ** Value(0.5) and 0 ** Value(0.5) raised
    out, (ga, gb) = grads(lambda a, b: a**b, 0.0, 0.5)
    assert (out, ga, gb) == (0.0, math.inf, 0.0)  # PyTorch's values
    e = Value(0.5)
    out = 0 ** e
    out.backward()
    assert out.data == 0.0 and e.grad == 0.0
    assert grads(lambda a: a**0.5, 0.0) == (0.0, [math.inf])


def test_sqrt_of_nan_has_a_nan_slope_not_inf():
    out, (g,) = grads(Value.sqrt, math.nan)
    assert math.isnan(out) and math.isnan(g)  # PyTorch: nan, nan


def test_relu_of_nan_passes_its_gradient_like_torch():
    out, (g,) = grads(Value.relu, math.nan)
    assert math.isnan(out) and g == 1.0


def test_bool_and_int_follow_a_one_element_torch_tensor():
    # bool(Value(0.0)) was True (object truthiness), so `if v:` silently took the wrong branch
    assert not Value(0.0) and not Value(-0.0) and Value(-2.0) and Value(math.nan)
    assert int(Value(2.7)) == 2 and int(Value(-2.7)) == -2  # int() was a TypeError


def test_values_compare_and_hash_by_identity_as_graph_nodes():
    a, b = Value(1.0), Value(1.0)
    assert a != b and a == a and len({a, b}) == 2 and {a: 1}[a] == 1
    assert b not in [a]  # all biases start at 0.0: value equality would merge them
    with pytest.raises(TypeError):
        a < b  # noqa: B015


def test_a_grad_set_to_none_is_named_not_a_nonetype_traceback():
    w, x = Value(2.0, label="w"), Value(3.0)
    w.grad = None  # what torch users write to zero a gradient
    with pytest.raises(TypeError, match=r"backward: Value\(data=2.0, grad=None, label='w'\) "
                                        r"has grad None.*v.grad = 0.0"):
        (w * x + 1).backward()
    x.grad = None
    with pytest.raises(TypeError, match="has grad None"):
        x.backward()  # a leaf as the root


def test_a_type_error_of_a_custom_op_is_not_blamed_on_a_grad():
    x = Value(1.0)
    def backward(grad):
        raise TypeError("my op's own bug")
    with pytest.raises(TypeError, match="my op's own bug"):
        Value._make(2.0, (x,), "mine", backward).backward()


def test_leaky_relu_slope_must_be_a_number():
    # a Value slope gave Value(data=Value(...)) for negative x
    with pytest.raises(TypeError, match="leaky_relu: negative_slope must be a number, got Value"):
        Value(-1.0).leaky_relu(Value(0.1))
    with pytest.raises(TypeError, match="got str"):
        Value(1.0).leaky_relu("0.1")
    out = Value(-2.0).leaky_relu(np.float32(0.5))
    assert type(out.data) is float and out.data == -1.0


def test_an_int_too_large_for_a_float_names_the_op():
    with pytest.raises(OverflowError, match=r"\+: an integer of 1329 bits is too large"):
        Value(1.0) + 10**400
    with pytest.raises(OverflowError, match="Value: an integer"):
        Value(10**400)
