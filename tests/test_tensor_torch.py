"""Every Tensor op against PyTorch, forward and backward, in float64.

Each case runs the same function on our Tensor and on torch.Tensor from the same arrays,
then backpropagates the same random upstream gradient through both. Skipped when torch
is not installed (CI installs it).

Ties, where a slope is a convention rather than a derivative, follow PyTorch:

- ``max``/``min`` (whole tensor or over axes) split the gradient equally between tied
  elements, like ``torch.amax``/``torch.amin`` and ``torch.max(x)`` without a dim.
  (``torch.max(x, dim)`` returns indices too and sends the whole gradient to one of the
  tied elements; ours matches ``amax``, which has no such arbitrary choice.)
- ``maximum``/``minimum`` of two tensors give each side half where they are equal, like
  ``torch.maximum``/``torch.minimum``.
- relu'(0) = 0, abs'(0) = 0, leaky_relu'(0) = negative_slope, and clip passes the whole
  gradient at its edges (x == min or x == max), all as in PyTorch.
"""

import numpy as np
import pytest

from tinygrad_edu import Tensor, cat, maximum, minimum, no_grad, stack, where

torch = pytest.importorskip("torch")

RNG = np.random.default_rng(1234)


def arr(*shape, low=-2.0, high=2.0):
    return RNG.uniform(low, high, shape)


def compare(ours, theirs, *arrays, grad_check=True):
    """Forward values and input gradients of `ours` on Tensors and `theirs` on torch."""
    ts = [Tensor(a, requires_grad=True) for a in arrays]
    tt = [torch.tensor(a, requires_grad=True) for a in arrays]
    out, ref = ours(*ts), theirs(*tt)
    assert out.shape == tuple(ref.shape)
    np.testing.assert_allclose(out.data, ref.detach().numpy(), rtol=1e-12, atol=1e-12)
    if not grad_check:
        return ts, tt
    u = RNG.standard_normal(out.shape)
    out.backward(u)
    ref.backward(torch.tensor(u))
    for i, (t, r) in enumerate(zip(ts, tt)):
        expected = np.zeros(t.shape) if r.grad is None else r.grad.numpy()
        got = np.zeros(t.shape) if t.grad is None else t.grad
        assert got.dtype == np.float64
        np.testing.assert_allclose(got, expected, rtol=1e-10, atol=1e-12,
                                   err_msg=f"gradient of input {i}")
    return ts, tt


# ---- elementwise -----------------------------------------------------------------------------
BINARY = [
    ("add", lambda a, b: a + b), ("sub", lambda a, b: a - b), ("mul", lambda a, b: a * b),
    ("div", lambda a, b: a / b),
]


@pytest.mark.parametrize("name, fn", BINARY, ids=[n for n, _ in BINARY])
@pytest.mark.parametrize("shapes", [((3, 4), (3, 4)), ((3, 1, 4), (2, 4)), ((4,), (2, 3, 1)),
                                    ((), (2, 3))])
def test_binary_ops_with_broadcasting(name, fn, shapes):
    a, b = arr(*shapes[0]), arr(*shapes[1], low=0.5, high=2.0)
    compare(fn, fn, a, b)


@pytest.mark.parametrize("fn", [lambda x: x + 2.5, lambda x: 2.5 - x, lambda x: x * -3.0,
                                lambda x: 3.0 / x, lambda x: x / 4.0, lambda x: -x,
                                lambda x: x ** 3, lambda x: x ** 2.5, lambda x: 2.0 ** x,
                                lambda x: x ** -1.5],
                         ids=["add", "rsub", "mul", "rdiv", "div", "neg", "pow3", "pow2.5",
                              "rpow", "pow-1.5"])
def test_python_scalars_on_either_side(fn):
    compare(fn, fn, arr(3, 4, low=0.5, high=2.0))


def test_pow_with_tensor_exponent():
    compare(lambda a, b: a ** b, lambda a, b: a ** b, arr(2, 3, low=0.3), arr(3, low=-2))


UNARY = [
    ("exp", lambda x: x.exp(), lambda x: x.exp(), -2, 2),
    ("log", lambda x: x.log(), lambda x: x.log(), 0.1, 3),
    ("log1p", lambda x: x.log1p(), lambda x: x.log1p(), -0.9, 3),
    ("sqrt", lambda x: x.sqrt(), lambda x: x.sqrt(), 0.1, 3),
    ("tanh", lambda x: x.tanh(), lambda x: x.tanh(), -3, 3),
    ("sigmoid", lambda x: x.sigmoid(), lambda x: x.sigmoid(), -40, 40),
    ("relu", lambda x: x.relu(), lambda x: x.relu(), -2, 2),
    ("leaky_relu", lambda x: x.leaky_relu(0.1),
     lambda x: torch.nn.functional.leaky_relu(x, 0.1), -2, 2),
    ("abs", lambda x: x.abs(), lambda x: x.abs(), -2, 2),
    ("clip", lambda x: x.clip(-0.5, 1.0), lambda x: x.clamp(-0.5, 1.0), -2, 2),
    ("clip_min", lambda x: x.clip(min=0.2), lambda x: x.clamp(min=0.2), -2, 2),
]


@pytest.mark.parametrize("name, ours, theirs, low, high", UNARY, ids=[u[0] for u in UNARY])
def test_unary_ops(name, ours, theirs, low, high):
    compare(ours, theirs, arr(3, 5, low=low, high=high))


@pytest.mark.parametrize("ours, theirs", [(maximum, torch.maximum), (minimum, torch.minimum)],
                         ids=["maximum", "minimum"])
def test_maximum_minimum_with_broadcasting(ours, theirs):
    compare(ours, theirs, arr(3, 1, 4), arr(2, 4))


def test_where_with_broadcasting():
    cond = RNG.random((3, 4)) > 0.5
    compare(lambda a, b: where(cond, a, b), lambda a, b: torch.where(torch.tensor(cond), a, b),
            arr(3, 4), arr(4))


# ---- reductions ----------------------------------------------------------------------------
AXES = [(None, False), (0, False), (-1, True), ((0, 2), False), ((-1, 0), True), (1, True)]


@pytest.mark.parametrize("axis, keepdims", AXES)
@pytest.mark.parametrize("name", ["sum", "mean", "max", "min", "var", "logsumexp"])
def test_reductions(name, axis, keepdims):
    def theirs(t):
        dim = tuple(range(t.ndim)) if axis is None else axis
        if name in ("max", "min"):
            return getattr(torch, "a" + name)(t, dim=dim, keepdim=keepdims)
        if name == "logsumexp":
            return torch.logsumexp(t, dim=dim, keepdim=keepdims)
        return getattr(t, name)(dim=dim, keepdim=keepdims)
    compare(lambda t: getattr(t, name)(axis=axis, keepdims=keepdims), theirs, arr(2, 3, 4))


def test_var_correction_zero():
    compare(lambda t: t.var(axis=1, correction=0), lambda t: t.var(dim=1, correction=0),
            arr(3, 4))


@pytest.mark.parametrize("name", ["softmax", "log_softmax"])
@pytest.mark.parametrize("axis", [0, 1, -1])
def test_softmax_family(name, axis):
    compare(lambda t: getattr(t, name)(axis=axis), lambda t: getattr(t, name)(dim=axis),
            arr(2, 3, 4, low=-30, high=30))


# ---- matmul -------------------------------------------------------------------------------
@pytest.mark.parametrize("sa, sb", [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)),
                                    ((2, 3), (3, 4)), ((5, 2, 3), (3, 4)),
                                    ((2, 1, 2, 3), (3, 3, 4)), ((3,), (2, 3, 4)),
                                    ((2, 2, 3), (3,))])
def test_matmul(sa, sb):
    compare(lambda a, b: a @ b, lambda a, b: a @ b, arr(*sa), arr(*sb))


def test_matmul_of_a_transposed_weight():
    compare(lambda x, w: x @ w.T, lambda x, w: x @ w.T, arr(5, 3), arr(4, 3))


# ---- shape ops and indexing ------------------------------------------------------------------
SHAPE_OPS = [
    ("reshape", lambda t: t.reshape(4, 6), lambda t: t.reshape(4, 6)),
    ("reshape-1", lambda t: t.reshape(-1, 3), lambda t: t.reshape(-1, 3)),
    ("transpose", lambda t: t.transpose(0, 2), lambda t: t.transpose(0, 2)),
    ("permute", lambda t: t.permute(1, 2, 0), lambda t: t.permute(1, 2, 0)),
    ("T", lambda t: t.reshape(6, 4).T, lambda t: t.reshape(6, 4).T),
    ("flatten", lambda t: t.flatten(), lambda t: t.flatten()),
    ("flatten12", lambda t: t.flatten(1, 2), lambda t: t.flatten(1, 2)),
    ("expand", lambda t: t[:, :1].expand(2, 5, 4), lambda t: t[:, :1].expand(2, 5, 4)),
    ("expand-new", lambda t: t.expand(3, -1, -1, -1), lambda t: t.expand(3, -1, -1, -1)),
    ("unsqueeze", lambda t: t.unsqueeze(1), lambda t: t.unsqueeze(1)),
    ("squeeze", lambda t: t[:, :1].squeeze(1), lambda t: t[:, :1].squeeze(1)),
    ("squeeze-all", lambda t: t[:1, :, :1].squeeze(), lambda t: t[:1, :, :1].squeeze()),
    ("int", lambda t: t[1], lambda t: t[1]),
    ("slices", lambda t: t[:, 1:, ::2], lambda t: t[:, 1:, ::2]),
    ("negative", lambda t: t[-1, -2], lambda t: t[-1, -2]),
    ("repeats", lambda t: t[[0, 1, 1, 0]], lambda t: t[[0, 1, 1, 0]]),
    ("pairs", lambda t: t[[0, 0, 1], [2, 2, 0]], lambda t: t[[0, 0, 1], [2, 2, 0]]),
    ("mixed", lambda t: t[:, [2, 2, 1], 1:], lambda t: t[:, [2, 2, 1], 1:]),
    ("newaxis", lambda t: t[None, ..., 0], lambda t: t[None, ..., 0]),
]


@pytest.mark.parametrize("name, ours, theirs", SHAPE_OPS, ids=[s[0] for s in SHAPE_OPS])
def test_shape_ops_and_indexing(name, ours, theirs):
    compare(ours, theirs, arr(2, 3, 4))


def test_boolean_mask_indexing():
    mask = RNG.random((2, 3, 4)) > 0.4
    compare(lambda t: t[Tensor(mask)], lambda t: t[torch.tensor(mask)], arr(2, 3, 4))
    rows = np.array([True, False, True])
    compare(lambda t: t[:, rows], lambda t: t[:, torch.tensor(rows)], arr(2, 3, 4))


@pytest.mark.parametrize("axis", [0, 1, -1])
def test_concatenate_and_stack(axis):
    compare(lambda a, b, c: cat([a, b, c], axis=axis),
            lambda a, b, c: torch.cat([a, b, c], dim=axis), arr(2, 3), arr(2, 3), arr(2, 3))
    compare(lambda a, b: cat([a, b], axis=0), lambda a, b: torch.cat([a, b], dim=0),
            arr(1, 3), arr(4, 3))
    compare(lambda a, b: stack([a, b], axis=axis), lambda a, b: torch.stack([a, b], dim=axis),
            arr(2, 3), arr(2, 3))


def test_composite_mlp_and_cross_entropy():
    x, y = arr(6, 3), RNG.integers(0, 4, 6)

    def ours(w1, b1, w2):
        logits = (Tensor(x) @ w1.T + b1).tanh() @ w2.T
        return -(logits.log_softmax(axis=1)[np.arange(6), y]).mean()

    def theirs(w1, b1, w2):
        logits = (torch.tensor(x) @ w1.T + b1).tanh() @ w2.T
        return torch.nn.functional.cross_entropy(logits, torch.tensor(y))
    compare(ours, theirs, arr(5, 3), arr(5), arr(4, 5))


# ---- the conventions at kinks and ties ---------------------------------------------------------
def test_max_min_ties_split_equally_like_amax():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    compare(lambda t: t.max(), lambda t: t.amax(), x)
    t = Tensor(x, requires_grad=True)
    t.max().backward()
    np.testing.assert_array_equal(t.grad, [[0, 0.5, 0.5], [0, 0, 0]])
    compare(lambda t: t.max(), lambda t: t.max(), x)             # torch.max(x): same rule
    compare(lambda t: t.max(axis=1), lambda t: t.amax(dim=1), x)
    compare(lambda t: t.min(axis=0, keepdims=True), lambda t: t.amin(dim=0, keepdim=True), x)


def test_maximum_minimum_ties_split_half_half():
    a, b = np.array([1.0, 2.0, 3.0]), np.array([1.0, 5.0, 3.0])
    ts, _ = compare(maximum, torch.maximum, a, b)
    np.testing.assert_allclose(ts[0].grad / ts[1].grad, [1.0, 0.0, 1.0])   # equal shares
    compare(minimum, torch.minimum, a, b)


@pytest.mark.parametrize("name, ours, theirs", [
    ("relu", lambda t: t.relu(), lambda t: t.relu()),
    ("abs", lambda t: t.abs(), lambda t: t.abs()),
    ("leaky_relu", lambda t: t.leaky_relu(0.2), lambda t: torch.nn.functional.leaky_relu(t, 0.2)),
    ("clip-edges", lambda t: t.clip(0.0, 1.0), lambda t: t.clamp(0.0, 1.0)),
    ("pow-at-0", lambda t: t ** 2, lambda t: t ** 2),
    ("sigmoid-far", lambda t: (t * 1000).sigmoid(), lambda t: (t * 1000).sigmoid()),
])
def test_slopes_at_kinks_follow_pytorch(name, ours, theirs):
    compare(ours, theirs, np.array([-1.0, 0.0, 1.0, 0.5]))


def test_dtype_rules_match_torch():
    cases = [1.5, [1.0, 2.0], [1, 2], [True, False], np.array([1.0]), np.array([1], np.int32)]
    for data in cases:
        assert str(Tensor(data).dtype) == str(torch.tensor(data).dtype).replace("torch.", "")
    pairs = [(lambda t: t + 1.5, [1, 2]), (lambda t: t / 2, [1, 2]), (lambda t: t + 2, [True]),
             (lambda t: t * 2, [1.0, 2.0]), (lambda t: t + t, [1, 2])]
    for fn, data in pairs:
        ours, theirs = fn(Tensor(data)), fn(torch.tensor(data))
        assert str(ours.dtype) == str(theirs.dtype).replace("torch.", "")
        np.testing.assert_allclose(ours.data, theirs.numpy())


NAN = float("nan")


@pytest.mark.parametrize("op", ["maximum", "minimum"])
def test_maximum_minimum_propagate_nan_and_route_gradient_like_torch(op):
    a_np = np.array([1.0, NAN, 3.0, 2.0, NAN])
    b_np = np.array([2.0, 2.0, NAN, 2.0, NAN])
    a, b = Tensor(a_np, requires_grad=True), Tensor(b_np, requires_grad=True)
    ta, tb = (torch.tensor(v, requires_grad=True) for v in (a_np, b_np))
    out, tout = getattr(a, op)(b), getattr(torch, op)(ta, tb)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_array_equal(out.data, tout.detach().numpy())  # nan == nan here
    np.testing.assert_array_equal(a.grad, ta.grad.numpy())
    np.testing.assert_array_equal(b.grad, tb.grad.numpy())


def test_whole_tensor_max_of_a_nan_is_nan_and_its_gradient_goes_to_the_nan():
    x_np = np.array([1.0, NAN, 3.0])
    x, tx = Tensor(x_np, requires_grad=True), torch.tensor(x_np, requires_grad=True)
    x.max().backward()
    tx.max().backward()  # torch.max without a dim; amax would give nan everywhere
    assert np.isnan(x.max().item())
    np.testing.assert_array_equal(x.grad, tx.grad.numpy())


def test_clip_with_tensor_bounds_matches_torch_clamp():
    x_np, lo_np, hi_np = arr(4, 3), arr(3, low=-1, high=0), arr(4, 1, low=0.2, high=1)
    x, lo, hi = (Tensor(v, requires_grad=True) for v in (x_np, lo_np, hi_np))
    tx, tlo, thi = (torch.tensor(v, requires_grad=True) for v in (x_np, lo_np, hi_np))
    g = arr(4, 3)
    x.clip(lo, hi).backward(g)
    tx.clamp(tlo, thi).backward(torch.tensor(g))
    np.testing.assert_allclose(x.clip(lo, hi).data, tx.clamp(tlo, thi).detach().numpy())
    for ours, theirs in ((x, tx), (lo, tlo), (hi, thi)):
        np.testing.assert_allclose(ours.grad, theirs.grad.numpy(), atol=1e-12)


def test_softmax_family_over_an_empty_axis_matches_torch():
    z = np.zeros((2, 0))
    assert Tensor(z).softmax(-1).shape == (2, 0) == Tensor(z).log_softmax(-1).shape
    np.testing.assert_array_equal(Tensor(z).logsumexp(-1).data,
                                  torch.tensor(z).logsumexp(-1).numpy())  # -inf, -inf


@pytest.mark.parametrize("name", ["exp", "log", "log1p", "sqrt", "tanh", "sigmoid"])
def test_float_functions_of_an_int_tensor_are_float32_like_torch(name):
    ours = getattr(Tensor([1, 2, 3]), name)()
    theirs = getattr(torch.tensor([1, 2, 3]), name)()
    assert ours.dtype == np.float32                 # sigmoid used to give int zeros
    np.testing.assert_allclose(ours.data, theirs.numpy(), rtol=1e-6)


def test_logsumexp_and_clip_of_an_int_tensor_match_torch():
    ours, theirs = Tensor([[1, 2], [3, 900]]), torch.tensor([[1, 2], [3, 900]])
    lse = ours.logsumexp(axis=1)                    # used to overflow inside numpy
    assert lse.dtype == np.float32
    np.testing.assert_allclose(lse.data, theirs.logsumexp(1).numpy(), rtol=1e-6)
    clipped = ours.clip(1.5, 2.5)
    assert clipped.dtype == np.float32
    np.testing.assert_array_equal(clipped.data, theirs.clip(1.5, 2.5).numpy())
    assert ours.clip(0, 2).dtype == np.int64 == theirs.clip(0, 2).numpy().dtype


def test_type_promotion_of_mixed_operands_matches_torch():
    f32, f64 = np.float32, np.float64
    i64, i32 = np.array([1, 2]), np.array([1, 2], dtype=np.int32)
    cases = [  # (ours, theirs) pairs of dimensioned arrays and 0-d ones
        (lambda a, b: a * b, (np.array([1.0, 2.0], f32), np.array(1.5))),   # 0-d f64
        (lambda a, b: a + b, (np.array(1.5), np.array([1.0, 2.0], f32))),
        (lambda a, b: a + b, (i64, np.array(1.5))),                          # kind wins
        (lambda a, b: a + b, (i32, np.array(3))),
        (lambda a, b: a - b, (np.array([1.0], f64), np.array(2.0, f32))),
    ]
    for fn, (x, y) in cases:
        ours, theirs = fn(Tensor(x), Tensor(y)), fn(torch.from_numpy(x), torch.from_numpy(y))
        assert ours.dtype == theirs.numpy().dtype, (x.dtype, x.shape, y.dtype, y.shape)
    mask = torch.tensor([True, False])
    pairs = [
        (maximum(Tensor(i64), Tensor([1.5, 1.5])), torch.maximum(torch.tensor(i64),
                                                                 torch.tensor([1.5, 1.5]))),
        (minimum(Tensor(i64), 1.5), torch.minimum(torch.tensor(i64), torch.tensor(1.5))),
        (where(Tensor([True, False]), Tensor(i64), 0.5), torch.where(mask, torch.tensor(i64), 0.5)),
        (where(Tensor([True, False]), Tensor([1.0, 2.0]), Tensor(np.array(0.5))),
         torch.where(mask, torch.tensor([1.0, 2.0]), torch.tensor(0.5, dtype=torch.float64))),
        (cat([Tensor(i64), Tensor([0.5])]), torch.cat([torch.tensor(i64), torch.tensor([0.5])])),
        (stack([Tensor(i64), Tensor([0.5, 1.0])]),
         torch.stack([torch.tensor(i64), torch.tensor([0.5, 1.0])])),
    ]
    for ours, theirs in pairs:
        assert ours.dtype == theirs.numpy().dtype
        np.testing.assert_array_equal(ours.data, theirs.numpy())


def test_float32_weights_with_a_0d_float64_tensor_keep_float32_grads():
    w = Tensor([1.0, 2.0], requires_grad=True)
    scale = Tensor(np.float64(0.5), requires_grad=True)   # e.g. Tensor(np.mean(...))
    out = w * scale
    assert out.dtype == np.float32
    out.sum().backward()
    assert w.grad.dtype == np.float32 and scale.grad.dtype == np.float64
    np.testing.assert_allclose(scale.grad, 3.0)


def test_reductions_indexing_and_squeeze_at_the_edges_match_torch():
    empty_rows = arr(0, 3)
    compare(lambda x: x.max(axis=1), lambda x: x.amax(1), empty_rows)   # 0 rows of 3: fine
    compare(lambda x: x.min(axis=(1,)), lambda x: x.amin((1,)), empty_rows)
    compare(lambda x: x.squeeze((0, 2)), lambda x: x.squeeze((0, 2)), arr(1, 3, 1))
    compare(lambda x: x.squeeze((0, 1)), lambda x: x.squeeze((0, 1)), arr(1, 3, 1))
    compare(lambda x: x[[]], lambda x: x[[]], arr(3, 2))              # an empty int index
    a = arr(3, 4)
    for axis in (None, 0, -1):
        for keep in (False, True):
            ours = Tensor(a).argmax(axis, keepdims=keep)
            theirs = torch.tensor(a).argmax(axis, keepdim=keep)
            assert ours.dtype == np.int64 and ours.shape == tuple(theirs.shape)
            np.testing.assert_array_equal(ours.data, theirs.numpy())
    names = ["cat", "dog", "bird"]
    assert names[Tensor([0.1, 0.7, 0.2]).argmax()] == names[torch.tensor([0.1, 0.7, 0.2]).argmax()]
    assert list(range(Tensor(3))) == list(range(torch.tensor(3)))
    x = Tensor([1.0, 2.0])
    assert (x == None) is (torch.tensor([1.0]) == None) is False  # noqa: E711
    assert x in [None, x]


def test_clone_copies_and_passes_the_gradient_like_torch():
    ts, _ = compare(lambda x: x.clone() * 3, lambda x: x.clone() * 3, arr(2, 3))
    with no_grad():
        y = ts[0].clone()
        y += 1                                      # the copy, not the original
    np.testing.assert_array_equal(y.data, ts[0].data + 1)
