"""Tensor behaviour: construction and dtypes, grads, factories, errors, the driver's checks."""

import math
import re

import numpy as np
import pytest

from tinygrad_edu import (
    Tensor,
    Value,
    arange,
    cat,
    detect_anomaly,
    enable_grad,
    eye,
    full,
    full_like,
    no_grad,
    ones,
    ones_like,
    rand,
    rand_like,
    randn,
    randn_like,
    where,
    zeros,
    zeros_like,
)
from tinygrad_edu.autograd import AnomalyError


# ---- construction and dtype rules (PyTorch's) ---------------------------------------------
@pytest.mark.parametrize("data, dtype", [
    (1.5, np.float32), ([1.0, 2.0], np.float32), ([1, 2.5], np.float32),
    ([[1, 2], [3, 4]], np.int64), (3, np.int64), ([True, False], np.bool_),
    (np.array([1.0, 2.0]), np.float64), (np.array([1, 2], dtype=np.int32), np.int32),
    (np.float64(2.0), np.float64), (np.zeros((2, 3), dtype=np.float32), np.float32),
])
def test_default_dtype_follows_pytorch(data, dtype):
    assert Tensor(data).dtype == dtype


def test_dtype_argument_is_honoured():
    assert Tensor([1, 2], dtype=np.float64).dtype == np.float64
    assert Tensor([1.5, 2.5], dtype="float16").dtype == np.float16
    assert Tensor(np.array([1.0, 2.0]), dtype=np.float32).dtype == np.float32
    assert Tensor([1.7, -2.2], dtype=np.int64).data.tolist() == [1, -2]


def test_construction_copies_like_torch_tensor_and_detach_shares():
    arr = np.array([1.0, 2.0])
    t = Tensor(arr, requires_grad=True)
    arr[0] = 99.0
    assert t.data[0] == 1.0
    d = t.detach()
    assert d.data is t.data and not d.requires_grad and d.is_leaf
    t.data[1] = 5.0
    assert d.data[1] == 5.0


def test_tensor_from_tensor_keeps_dtype_and_cuts_the_graph():
    x = Tensor([1.0, 2.0], dtype=np.float64, requires_grad=True)
    y = Tensor(x * 2)
    assert y.dtype == np.float64 and y.is_leaf and not y.requires_grad


@pytest.mark.parametrize("data", [[1, 2], [True, False], 3])
def test_int_and_bool_tensors_cannot_require_grad(data):
    with pytest.raises(TypeError, match="only floating-point tensors can require grad"):
        Tensor(data, requires_grad=True)
    with pytest.raises(TypeError, match="floating-point"):
        Tensor(data).requires_grad_()


def test_bad_data_is_refused_clearly():
    with pytest.raises(TypeError, match="numbers"):
        Tensor(["a", "b"])
    with pytest.raises(TypeError, match="cannot make an array"):
        Tensor([[1.0, 2.0], [3.0]])
    with pytest.raises(TypeError, match="Value"):
        Tensor(Value(1.0))


def test_attributes_and_conversions():
    x = Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    assert x.shape == (2, 3) and x.ndim == 2 and x.dtype == np.float64
    assert x.numel() == 6 and x.size() == (2, 3) and x.size(1) == 3 and len(x) == 2
    assert x.is_leaf and x.requires_grad and x.grad is None
    with pytest.raises(RuntimeError, match=re.escape("detach().numpy()")):
        x.numpy()
    assert x.detach().numpy() is x.data
    assert Tensor([[2.5]]).item() == 2.5 and isinstance(Tensor([[2.5]]).item(), float)
    assert Tensor([7]).item() == 7 and isinstance(Tensor([7]).item(), int)
    with pytest.raises(ValueError, match=re.escape("shape (2, 3)")):
        x.item()
    y = Tensor([1.0, 2.0])
    assert y.requires_grad_() is y and y.requires_grad
    assert y.requires_grad_(False) is y and not y.requires_grad
    assert y.tolist() == [1.0, 2.0] and float(Tensor(3.0)) == 3.0
    with pytest.raises(RuntimeError, match="leaf"):
        (x * 2).requires_grad_(False)


def test_grad_is_none_until_backward_then_same_shape_and_dtype():
    for dtype in (np.float32, np.float64):
        x = Tensor(np.ones((2, 3)), dtype=dtype, requires_grad=True)
        w = Tensor(np.ones(3), dtype=dtype, requires_grad=True)
        loss = (x * w * 2.5).sum()
        assert x.grad is None and w.grad is None
        loss.backward()
        assert x.grad.shape == (2, 3) and x.grad.dtype == dtype
        assert w.grad.shape == (3,) and w.grad.dtype == dtype
        np.testing.assert_allclose(w.grad, [5.0, 5.0, 5.0])


def test_float32_leaf_keeps_float32_grad_through_float64_constants():
    x = Tensor([1.0, 2.0], requires_grad=True)
    (x * np.array([0.5, 0.25])).sum().backward()      # the product is float64
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, [0.5, 0.25])


def test_python_scalars_and_mixed_dtypes_follow_pytorch():
    f32, i64 = Tensor([1.0, 2.0]), Tensor([1, 2])
    assert (f32 * 2).dtype == np.float32 and (2.5 - f32).dtype == np.float32
    assert (i64 + 1).dtype == np.int64 and (i64 + 1.5).dtype == np.float32
    assert (i64 / 2).dtype == np.float32 and (i64 + f32).dtype == np.float32
    assert (Tensor([True]) + 2).data.tolist() == [3]
    assert (Tensor(np.ones(2)) + f32).dtype == np.float64
    assert (np.ones(2) + f32).dtype == np.float64           # ndarray on the left defers
    assert (Tensor([[1, 2]]) @ Tensor([[1.0], [2.0]])).dtype == np.float32


def test_leaf_grads_never_share_an_array():
    # add hands one gradient to both inputs; a user scaling one leaf's grad in place
    # (as clip_grad_norm_ does) must not scale the other's
    a = Tensor([1.0, 2.0], requires_grad=True)
    b = Tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    a.grad *= 10
    np.testing.assert_allclose(b.grad, [1.0, 1.0])
    c = Tensor([1.0, 2.0], requires_grad=True)
    c.reshape(2, 1).expand(2, 3).sum().backward()
    assert c.grad.flags.writeable and c.grad.flags.c_contiguous
    c.grad += 1
    np.testing.assert_allclose(c.grad, [4.0, 4.0])


# ---- factories --------------------------------------------------------------------------
def test_factories_shapes_and_dtypes():
    assert zeros(2, 3).shape == (2, 3) and zeros((2, 3)).dtype == np.float32
    assert ones(4).data.tolist() == [1.0] * 4
    assert full((2,), 7.0).dtype == np.float32 and full(2, 7).dtype == np.int64
    assert full((1,), True).dtype == np.bool_
    assert arange(5).dtype == np.int64 and arange(5).data.tolist() == [0, 1, 2, 3, 4]
    assert arange(0, 1, 0.25).dtype == np.float32 and arange(0, 1, 0.25).shape == (4,)
    np.testing.assert_array_equal(eye(3).data, np.eye(3))
    assert eye(2, 3).shape == (2, 3)
    assert zeros(2, dtype=np.float64, requires_grad=True).requires_grad
    with pytest.raises(ValueError, match="non-negative"):
        zeros(-1, 2)
    with pytest.raises(TypeError, match="floating-point"):
        arange(3, requires_grad=True)


def test_random_factories_are_deterministic_given_a_seed_or_generator():
    np.testing.assert_array_equal(randn(3, 4, seed=0).data, randn(3, 4, seed=0).data)
    assert not np.array_equal(randn(3, 4, seed=0).data, randn(3, 4, seed=1).data)
    np.testing.assert_array_equal(rand(5, seed=3).data, rand(5, seed=3).data)
    assert 0 <= rand(100, seed=0).data.min() and rand(100, seed=0).data.max() < 1
    g = np.random.default_rng(7)
    first, second = randn(4, seed=g), randn(4, seed=g)       # one stream, moving on
    assert not np.array_equal(first.data, second.data)
    ref = np.random.default_rng(7)
    np.testing.assert_allclose(first.data, ref.standard_normal(4).astype(np.float32))
    np.testing.assert_allclose(second.data, ref.standard_normal(4).astype(np.float32))


def test_like_factories_copy_shape_and_dtype():
    t = Tensor(np.ones((2, 3)))                                # float64
    for made in (zeros_like(t), ones_like(t), full_like(t, 2.0), randn_like(t, seed=0),
                 rand_like(t, seed=0)):
        assert made.shape == (2, 3) and made.dtype == np.float64
    assert zeros_like(t, dtype=np.float32).dtype == np.float32
    np.testing.assert_array_equal(randn_like(t, seed=5).data, randn_like(t, seed=5).data)
    assert ones_like(t, requires_grad=True).requires_grad


# ---- comparisons carry no gradient --------------------------------------------------------
def test_comparisons_are_bool_and_carry_no_grad():
    x = Tensor([-1.0, 0.0, 2.0], requires_grad=True)
    for m in (x > 0, x >= 0, x < 0, x <= 0, x == 0, x != 0):
        assert m.dtype == np.bool_ and not m.requires_grad and m.is_leaf
    assert (x > 0).data.tolist() == [False, False, True]
    where(x > 0, x, 0.0).sum().backward()
    np.testing.assert_array_equal(x.grad, [0.0, 0.0, 1.0])


# ---- errors in the user's terms -------------------------------------------------------------
def test_matmul_inner_size_message_is_exact():
    a, b = Tensor(np.ones((4, 3))), Tensor(np.ones((2, 5)))
    with pytest.raises(ValueError) as e:
        a @ b
    assert str(e.value) == "matmul: (4, 3) @ (2, 5): inner sizes 3 and 2 differ"
    with pytest.raises(ValueError, match=re.escape("batch shapes (2,) and (3,)")):
        Tensor(np.ones((2, 4, 3))) @ Tensor(np.ones((3, 3, 5)))
    with pytest.raises(ValueError, match="at least 1 dim"):
        Tensor(2.0) @ Tensor([1.0])


def test_broadcast_message_is_exact_for_every_binary_op():
    a, b = Tensor(np.ones((3, 2))), Tensor(np.ones(4))
    with pytest.raises(ValueError) as e:
        a + b
    assert str(e.value) == "add: shapes (3, 2) and (4,) do not broadcast"
    for op, name in [(lambda: a - b, "sub"), (lambda: a * b, "mul"), (lambda: a / b, "div"),
                     (lambda: a ** b, "pow"), (lambda: a < b, "lt")]:
        with pytest.raises(ValueError, match=re.escape(f"{name}: shapes (3, 2) and (4,)")):
            op()


def test_backward_of_non_scalar_needs_a_gradient():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=re.escape("only for a scalar output")):
        (x * 2).backward()
    with pytest.raises(ValueError, match=re.escape("grad has shape (3,)")):
        (x * 2).backward(np.ones(3))
    (x * 2).backward(np.array([1.0, 10.0]))                  # a vector-Jacobian product
    np.testing.assert_allclose(x.grad, [2.0, 20.0])


def test_backward_when_nothing_requires_grad():
    with pytest.raises(RuntimeError, match="does not require grad"):
        (Tensor([1.0, 2.0]) * 3).sum().backward()


def test_mixing_value_and_tensor_fails_in_both_orders():
    t, v = Tensor([1.0, 2.0]), Value(3.0)
    for mix in (lambda: t + v, lambda: t * v, lambda: t @ v):
        with pytest.raises(TypeError, match="cannot mix Tensor and Value"):
            mix()
    for mix in (lambda: v + t, lambda: v * t):
        with pytest.raises(TypeError, match="cannot mix Value and Tensor"):
            mix()


def test_detect_anomaly_names_the_first_forward_that_made_nan():
    x = Tensor([[0.5, -1.0]], requires_grad=True)
    with pytest.raises(AnomalyError) as e:
        with detect_anomaly():
            y = x * 2.0
            z = y.log()                                      # nan: log(-2)
            (z * 3.0).sum()                                  # would be nan too
    assert str(e.value).startswith("log: forward") and "(1, 2)" in str(e.value)
    (x * 2.0).log()                                          # outside: nan, no error


def test_detect_anomaly_names_the_backward_that_made_inf():
    x = Tensor([0.0, 4.0], dtype=np.float64, requires_grad=True)
    loss = (x * 1.0).sqrt().sum()                            # forward finite: sqrt(0) = 0
    with pytest.raises(AnomalyError) as e:
        with detect_anomaly():
            loss.backward()
    assert str(e.value).startswith("sqrt: backward") and "(2,)" in str(e.value)


def test_driver_catches_a_backward_that_returns_the_wrong_shape():
    def broken_double(t):
        def backward(grad):                   # forgot to keep the input's shape
            t._accumulate(grad.sum(axis=0))
        return Tensor._make(t.data * 2, (t,), "broken_double", backward)

    x = Tensor(np.ones((2, 3)), requires_grad=True)
    with pytest.raises(RuntimeError) as e:
        broken_double(x).sum().backward()
    assert str(e.value).startswith("broken_double backward: gradient of shape (3,) for an "
                                   "input of shape (2, 3)")
    x.grad = np.zeros((2, 3), dtype=np.float32)              # a grad already there: numpy
    with pytest.raises(RuntimeError, match="broken_double backward"):  # would broadcast it
        broken_double(x).sum().backward()


def test_shape_op_errors_are_clear():
    x = Tensor(np.ones((2, 3)))
    with pytest.raises(ValueError, match=re.escape("cannot reshape (2, 3) (6 elements)")):
        x.reshape(4, 2)
    with pytest.raises(ValueError, match="not a permutation"):
        x.permute(0, 3)
    with pytest.raises(ValueError, match="out of range"):
        x.sum(axis=2)
    with pytest.raises(ValueError, match="cannot expand"):
        x.expand(4, 3)
    with pytest.raises(IndexError, match=re.escape("tensor of shape (2, 3)")):
        x[5]
    with pytest.raises(ValueError, match="do not fit together"):
        cat([x, Tensor(np.ones((2, 2)))])


# ---- graph structure ----------------------------------------------------------------------
def test_a_ten_thousand_op_graph():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = x
    for _ in range(5000):                                    # 10,000 ops: mul then add
        y = y * 1.0001 + 0.0
    y.sum().backward()
    np.testing.assert_allclose(x.grad, [1.0001 ** 5000] * 2, rtol=1e-9)
    np.testing.assert_allclose(y.data, [1.0001 ** 5000, 2 * 1.0001 ** 5000], rtol=1e-9)


def test_one_tensor_reused_on_many_paths():
    x = Tensor(np.array([0.5, -1.5, 2.0]), requires_grad=True)
    total = x * 0.0
    for k in range(1, 51):
        total = total + x * k                                # d/dx = 1 + 2 + ... + 50
    (total + x * x * x + x.exp()).sum().backward()
    expected = 1275 + 3 * x.data ** 2 + np.exp(x.data)
    np.testing.assert_allclose(x.grad, expected)


def test_leaf_grads_accumulate_and_intermediates_reset():
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    h = x * 3.0
    loss = (h * h).sum()
    loss.backward()
    np.testing.assert_allclose(x.grad, 18 * x.data)
    np.testing.assert_allclose(h.grad, 2 * h.data)
    loss.backward()                                          # same graph again
    np.testing.assert_allclose(x.grad, 36 * x.data)          # leaves accumulate
    np.testing.assert_allclose(h.grad, 2 * h.data)           # intermediates start over
    x.grad = None
    (x * 1.0).sum().backward()
    np.testing.assert_allclose(x.grad, [1.0, 1.0])


def test_no_grad_records_nothing_and_enable_grad_turns_it_back_on():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        y = x * 2
        with enable_grad():
            z = x * 2
    assert not y.requires_grad and y.is_leaf and y._prev == ()
    assert z.requires_grad and not z.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.sum().backward()

    @no_grad()
    def evaluate(t):
        return t * 3
    assert not evaluate(x).requires_grad


def test_graphs_hold_no_reference_cycles():
    import gc
    import weakref
    x = Tensor(np.ones(3), requires_grad=True)
    y = (x * 2).exp().sum()
    ref = weakref.ref(y)
    y.backward()
    gc.disable()
    try:
        del y
        assert ref() is None                                 # freed by refcount alone
    finally:
        gc.enable()


def test_zero_dim_tensors_reduce_over_axis_zero_like_torch():
    x = Tensor(3.0, dtype=np.float64, requires_grad=True)
    assert x.sum(axis=0).item() == 3.0 and x.max(axis=-1).item() == 3.0
    (x.sum(axis=0) * x.mean(axis=0)).backward()
    assert x.grad.shape == () and math.isclose(float(x.grad), 6.0)


def test_iterating_gives_differentiable_rows():
    x = Tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    rows = list(x)
    assert len(rows) == 3 and rows[1].data.tolist() == [2.0, 3.0]
    sum((r * k).sum() for k, r in enumerate(rows)).backward()
    np.testing.assert_array_equal(x.grad, [[0, 0], [1, 1], [2, 2]])
    with pytest.raises(TypeError, match="0-d"):
        list(Tensor(1.0))


def test_random_factories_refuse_integer_dtypes_instead_of_returning_zeros():
    from tinygrad_edu import rand_like, randn, randn_like

    with pytest.raises(TypeError, match="floating-point dtype, got int64"):
        randn_like(Tensor([1, 2, 3]))
    with pytest.raises(TypeError, match="floating-point"):
        rand_like(Tensor([True, False]))
    with pytest.raises(TypeError, match="floating-point"):
        randn(2, dtype="int32")
    assert randn_like(Tensor([1.0, 2.0]), seed=0).dtype == np.float32


@pytest.mark.parametrize("call, error, message", [
    (lambda: Tensor([1.0, 2.0]).sum(axis=0.0), TypeError, "sum: axis must be an int"),
    (lambda: Tensor([[1.0]]).mean(axis=(0, "1")), TypeError, "mean: axis must be an int"),
    (lambda: Tensor([[1.0, 2.0]]).sum(axis=()), ValueError, r"axis=\(\) is ambiguous"),
    (lambda: arange(0, 5, 0), ValueError, "arange: step must not be 0"),
    (lambda: where(Tensor([1.0, 0.0]), Tensor([1.0, 1.0]), 0.0), TypeError,
     "where: condition must be bool"),
    (lambda: [Value(1.0)] + Tensor([1.0]), TypeError, "got Value objects"),
    (lambda: Tensor([Value(1.0), Value(2.0)]), TypeError, "engines do not mix"),
    (lambda: Tensor(np.zeros((0, 3))).max(axis=0), ValueError,
     r"max: cannot reduce over axis 0 of size 0 \(tensor of shape \(0, 3\)\)"),
    (lambda: Tensor([]).argmax(), ValueError, r"argmax: no max of an empty axis"),
    (lambda: Tensor([[1.0]]).argmin(5), ValueError, "argmin: axis 5 is out of range"),
    (lambda: Tensor([[1.0]]).argmax((0, 1)), TypeError, "argmax: axis must be an int or None"),
    (lambda: Tensor([[1.0, 2.0]]).size(2), IndexError, r"size: dim 2 .* shape \(1, 2\)"),
    (lambda: Tensor(np.ones((2, 3)))[[[0, 1], [1, 0]]], IndexError, "list of lists is ambiguous"),
    (lambda: [1, 2][Tensor(1.0)], TypeError, "only integer tensors of a single element"),
    (lambda: arange(0, float("inf")), ValueError, "arange: start, end and step must be finite"),
    (lambda: eye(-1), ValueError, r"eye: sizes must be non-negative integers, got \(-1, -1\)"),
    (lambda: eye(2, 1.5), ValueError, "eye: sizes must be non-negative integers"),
    (lambda: ones(2.0), ValueError, r"ones: sizes must be non-negative integers, got \(2.0,\)"),
    (lambda: zeros_like([1.0, 2.0]), TypeError, "zeros_like: expected a Tensor, got list"),
])
def test_bad_arguments_get_errors_in_the_users_terms(call, error, message):
    with pytest.raises(error, match=message):
        call()


def test_where_takes_a_comparison_and_a_python_list_of_bools():
    x = Tensor([-1.0, 2.0])
    np.testing.assert_array_equal(where(x > 0, x, 0.0).data, [0.0, 2.0])
    np.testing.assert_array_equal(where([True, False], x, 5.0).data, [-1.0, 5.0])


# ---- in place: x += y and x[i] = v write into x, as in PyTorch ------------------------------
def test_parameter_update_in_place_under_no_grad_changes_the_parameter():
    w = Tensor([1.0, 2.0], requires_grad=True)
    (w * w).sum().backward()
    params = [w]
    with no_grad():
        for p in params:                    # rebinding p would leave w untouched
            p -= 0.25 * p.grad
    np.testing.assert_allclose(w.data, [0.5, 1.0])
    assert w.is_leaf and w.requires_grad and w.dtype == np.float32


def test_in_place_ops_write_through_every_name_and_keep_the_dtype():
    x = Tensor([1.0, 2.0])
    y = x
    x += 1
    x *= Tensor(np.array([2.0, 2.0]))      # a float64 operand: still float32, as torch
    x /= 4
    x -= 0.5
    assert y is x and x.dtype == np.float32
    np.testing.assert_allclose(y.data, [0.5, 1.0])


def test_in_place_refusals_name_the_problem():
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad.*no_grad"):
        w -= 1.0
    i = Tensor([1, 2])
    with pytest.raises(TypeError, match="float64 result cannot be stored in this int64"):
        i /= 2
    with pytest.raises(ValueError, match=r"keep the tensor's shape \(2,\).*\(2, 2\)"):
        i += Tensor([[1], [2]])
    e = Tensor([1.0]).expand(3)
    with pytest.raises(ValueError, match="read-only"):
        e += 1


def test_in_place_op_on_a_graph_node_keeps_the_gradient_right():
    a = Tensor([1.0, 2.0], requires_grad=True)
    h = a.exp()
    z = h * h                               # saved h's values for its backward
    h += 1                                  # a new node: z's saved values stay intact
    (z.sum() + h.sum()).backward()
    np.testing.assert_allclose(a.grad, 2 * np.exp(2 * a.data) + np.exp(a.data), rtol=1e-6)
    acc = zeros(2)
    acc += a                                # the graph is kept, not dropped
    assert acc.requires_grad


def test_setitem_writes_outside_the_graph_and_refuses_inside():
    x = Tensor([[1.0, 2.0], [3.0, 4.0]])
    x[0] = 5.0
    x[:, 1] = Tensor([7.0, 8.0])
    x[Tensor([1])] += 0                     # indexing with a Tensor
    np.testing.assert_array_equal(x.data, [[5.0, 7.0], [3.0, 8.0]])
    with pytest.raises(ValueError, match=r"shape \(3,\) in x\[index\] of shape \(2,\)"):
        x[0] = Tensor([1.0, 2.0, 3.0])
    with pytest.raises(IndexError, match=r"index 5 is out of bounds.*shape \(2, 2\)"):
        x[5] = 1.0
    w = Tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="this tensor requires grad.*where"):
        w[0] = 0.0
    with pytest.raises(RuntimeError, match="the value requires grad.*stack"):
        zeros(2)[0] = w.sum()               # it would silently drop w's gradient
    with no_grad():
        w[0] = 3.0
    np.testing.assert_array_equal(w.data, [3.0, 2.0])


def test_int_tensors_through_float_functions_torch_refuses_give_float32():
    # PyTorch refuses these for ints; numpy would truncate leaky_relu to ints, overflow
    # softmax's -inf initial, and make mean float64. We give the float32 answer.
    x = Tensor([-1, 4])
    np.testing.assert_allclose(x.leaky_relu().data, [-0.01, 4.0])
    np.testing.assert_allclose(x.softmax().data, [np.exp(-5) / (1 + np.exp(-5)),
                                                  1 / (1 + np.exp(-5))], rtol=1e-6)
    assert x.softmax().dtype == x.log_softmax().dtype == x.leaky_relu().dtype == np.float32
    assert Tensor([1, 2]).mean().dtype == Tensor([1, 2]).var().dtype == np.float32
    assert (Tensor([1.0, 2.0]) > 1.5).mean().item() == 0.5
    assert x.relu().dtype == x.abs().dtype == np.int64       # exact on ints, as in torch


def test_changing_an_input_in_place_after_an_op_is_caught_by_backward():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([3.0, 4.0])
    y = x * c
    c += 10                                 # y's backward would read the new c
    with pytest.raises(RuntimeError, match=r"mul backward: its input of shape \(2,\) was "
                                           "changed in place"):
        y.sum().backward()
    z = x * c                               # made after the change: fine
    c2, idx = Tensor([1.0, 1.0]), Tensor([0, 1])
    w = (x * c2)[idx]
    idx[0] = 7                              # the recorded index is a copy: still [0, 1]
    (z.sum() + w.sum()).backward()
    np.testing.assert_array_equal(x.grad, [14.0, 15.0])
    with pytest.raises(RuntimeError, match="changed in place"):
        v = x * c2
        c2[0] = 5.0
        v.sum().backward()


def _add_ten(t):
    t += 10


def _set_first(t):
    t[0] = 10.0


@pytest.mark.parametrize("used,changed,change", [
    ("base", "view", _add_ten),              # through a slice of the tensor the op used
    ("base", "view", _set_first),
    ("view", "base", _add_ten),              # the op used the slice; its base changed
    ("view", "other_view", _add_ten),        # another view (transpose + reshape) of it
    ("base", "detached", _add_ten),          # detach() shares memory, and the check
])
def test_a_change_through_a_view_is_caught_by_backward(used, changed, change):
    """Slices, reshapes, transposes and detach() share memory with their tensor, so
    writing through one changes the other: backward must notice either way, or it silently
    uses the new values (it did, before views shared the check)."""
    x = Tensor([[1.0, 2.0, 3.0]], requires_grad=True)
    base = Tensor([[1.0, 1.0, 1.0]])
    names = {"base": base, "view": base[0, 0:2], "other_view": base.T.reshape(3),
             "detached": base.detach()}
    y = (x[0, 0:2] * names["view"]).sum() if used == "view" else (x * base).sum()
    change(names[changed])
    with pytest.raises(RuntimeError, match="changed in place"):
        y.backward()


def test_a_copy_is_not_a_view():
    x = Tensor([1.0, 2.0], requires_grad=True)
    c = Tensor([1.0, 1.0, 5.0])
    y = (x * c[[0, 1]]).sum()                # an integer-array index copies
    picked = c[[0, 1]]
    picked += 10                             # changes the copy only
    y.backward()
    np.testing.assert_array_equal(x.grad, [1.0, 1.0])
