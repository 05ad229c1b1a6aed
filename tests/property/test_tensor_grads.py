"""Every Tensor op's backward against central finite differences, in float64 (Hypothesis).

Shapes are random up to 4-D and exercise broadcasting (size-1 dims, rank differences);
an input may be a non-contiguous view (transposed, or every other element) set as the
tensor's ``.data``. Inputs are kept off kinks (relu, abs, ties of max, clip edges) and
domain edges (log, sqrt near 0), where a slope is a convention, not a derivative.
"""

from __future__ import annotations

import numpy as np
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor, cat, gradcheck, maximum, minimum, no_grad, stack, where
from tinygrad_edu.nn import functional as F

FAST = settings(max_examples=30, deadline=None)
EPS = 1e-6


# ---- an independent finite-difference check (not tinygrad_edu.gradcheck) ----------------
def fd_check(fn, *arrays: np.ndarray, rtol: float = 1e-5, atol: float = 1e-6) -> None:
    """backward() of fn against central differences of <u, fn(x)> for a random upstream u.

    Each array (maybe a view) becomes a tensor's ``.data`` as it is; a perturbation is
    written through the view, so the op sees exactly that memory layout.
    """
    tensors = []
    for arr in arrays:
        t = Tensor(np.zeros(1), requires_grad=True)
        t.data = arr
        tensors.append(t)
    out = fn(*tensors)
    u = np.random.default_rng(0).standard_normal(out.shape)
    out.backward(u)
    for i, (t, arr) in enumerate(zip(tensors, arrays)):
        analytic = np.zeros(arr.shape) if t.grad is None else t.grad
        assert analytic.shape == arr.shape and analytic.dtype == np.float64
        numeric = np.zeros(arr.shape)
        with no_grad():
            for idx in np.ndindex(arr.shape):
                orig = arr[idx]
                arr[idx] = orig + EPS
                plus = float((u * fn(*tensors).data).sum())
                arr[idx] = orig - EPS
                minus = float((u * fn(*tensors).data).sum())
                arr[idx] = orig
                numeric[idx] = (plus - minus) / (2 * EPS)
        np.testing.assert_allclose(analytic, numeric, rtol=rtol, atol=atol,
                                   err_msg=f"gradient of input {i} (shape {arr.shape})")


# ---- strategies ----------------------------------------------------------------------------
ANY = st.floats(-2, 2)
POSITIVE = st.floats(0.2, 3)


def away(point: float, gap: float = 0.05, reach: float = 2.0) -> st.SearchStrategy[float]:
    """Floats at least `gap` from `point` (off a kink)."""
    return st.one_of(st.floats(point + gap, point + reach), st.floats(point - reach, point - gap))


def lattice(offset: float) -> st.SearchStrategy[float]:
    """Multiples of 1/8 plus `offset`: two lattices with offsets 0 and 1/16 never tie."""
    return st.integers(-24, 24).map(lambda k: k / 8 + offset)


@st.composite
def arrays(draw, shape: tuple[int, ...], elements=ANY, unique: bool = False) -> np.ndarray:
    """A float64 array of `shape`: contiguous, a transposed view, or a strided view."""
    layout = draw(st.sampled_from(["contiguous", "transposed", "strided"]))
    if layout == "transposed" and len(shape) >= 2:
        return draw(hnp.arrays(np.float64, shape[::-1], elements=elements, unique=unique)).T
    if layout == "strided" and len(shape) >= 1 and not unique:
        base = draw(hnp.arrays(np.float64, shape[:-1] + (2 * shape[-1],), elements=elements))
        return base[..., ::2]
    return draw(hnp.arrays(np.float64, shape, elements=elements, unique=unique))


SHAPES = hnp.array_shapes(min_dims=0, max_dims=4, min_side=1, max_side=3)
NONEMPTY_DIMS = hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=3)
PAIRS = hnp.mutually_broadcastable_shapes(num_shapes=2, min_dims=0, max_dims=4, max_side=3)


@st.composite
def axis_args(draw, ndim: int):
    """None, an int (maybe negative) or a tuple of distinct axes (maybe negative)."""
    kind = draw(st.sampled_from(["none", "int", "tuple"]))
    if kind == "none":
        return None
    if kind == "int":
        return draw(st.integers(-ndim, ndim - 1))
    axes = draw(st.lists(st.integers(0, ndim - 1), min_size=1, max_size=ndim, unique=True))
    return tuple(a - ndim if draw(st.booleans()) else a for a in axes)


# ---- elementwise arithmetic with broadcasting --------------------------------------------
@FAST
@given(data=st.data(), op=st.sampled_from(["add", "sub", "mul", "div"]),
       form=st.sampled_from(["tensor-tensor", "tensor-scalar", "scalar-tensor"]))
def test_arithmetic(data, op, form):
    fns = {"add": lambda a, b: a + b, "sub": lambda a, b: a - b,
           "mul": lambda a, b: a * b, "div": lambda a, b: a / b}
    f = fns[op]
    denom = away(0.0, 0.5)
    sa, sb = data.draw(PAIRS).input_shapes
    if form == "tensor-tensor":
        a = data.draw(arrays(sa))
        b = data.draw(arrays(sb, denom if op == "div" else ANY))
        fd_check(f, a, b)
    elif form == "tensor-scalar":
        c = data.draw(denom if op == "div" else ANY)
        fd_check(lambda x: f(x, c), data.draw(arrays(sa)))
    else:
        c = data.draw(ANY)
        fd_check(lambda x: f(c, x), data.draw(arrays(sa, denom if op == "div" else ANY)))


@FAST
@given(data=st.data())
def test_pow_tensor_exponent(data):
    sa, sb = data.draw(PAIRS).input_shapes
    fd_check(lambda a, b: a ** b, data.draw(arrays(sa, POSITIVE)),
             data.draw(arrays(sb, st.floats(-2, 2))))


@FAST
@given(data=st.data(), k=st.sampled_from([2, 3, -1, 0.5, -1.5]), right=st.booleans())
def test_pow_scalar_either_side(data, k, right):
    shape = data.draw(SHAPES)
    if right:                                         # 2 ** x
        fd_check(lambda x: 2.0 ** x, data.draw(arrays(shape)))
    else:                                             # integer powers allow negative bases
        elems = away(0.0, 0.3) if isinstance(k, int) else POSITIVE
        fd_check(lambda x: x ** k, data.draw(arrays(shape, elems)))


UNARY = {
    "neg": (lambda x: -x, ANY),
    "exp": (lambda x: x.exp(), ANY),
    "log": (lambda x: x.log(), POSITIVE),
    "log1p": (lambda x: x.log1p(), st.floats(-0.7, 2)),
    "sqrt": (lambda x: x.sqrt(), POSITIVE),
    "tanh": (lambda x: x.tanh(), ANY),
    "sigmoid": (lambda x: x.sigmoid(), st.floats(-6, 6)),
    "relu": (lambda x: x.relu(), away(0.0)),
    "leaky_relu": (lambda x: x.leaky_relu(0.2), away(0.0)),
    "abs": (lambda x: x.abs(), away(0.0)),
}


@FAST
@given(data=st.data(), name=st.sampled_from(sorted(UNARY)))
def test_unary(data, name):
    fn, elements = UNARY[name]
    fd_check(fn, data.draw(arrays(data.draw(SHAPES), elements)))


@FAST
@given(data=st.data(), bounds=st.sampled_from(["both", "min", "max"]))
def test_clip_off_its_edges(data, bounds):
    x = data.draw(arrays(data.draw(SHAPES), lattice(1 / 16)))
    lo, hi = sorted(data.draw(st.lists(lattice(0.0), min_size=2, max_size=2)))
    kw = {"both": {"min": lo, "max": hi}, "min": {"min": lo}, "max": {"max": hi}}[bounds]
    fd_check(lambda t: t.clip(**kw), x)


@FAST
@given(data=st.data(), fn=st.sampled_from([maximum, minimum]), swap=st.booleans())
def test_maximum_minimum_off_ties(data, fn, swap):
    sa, sb = data.draw(PAIRS).input_shapes
    a = data.draw(arrays(sa, lattice(0.0)))
    b = data.draw(arrays(sb, lattice(1 / 16)))
    fd_check((lambda x, y: fn(y, x)) if swap else fn, a, b)


@FAST
@given(data=st.data())
def test_where(data):
    sc, sa, sb = data.draw(hnp.mutually_broadcastable_shapes(
        num_shapes=3, min_dims=0, max_dims=4, max_side=3)).input_shapes
    cond = data.draw(hnp.arrays(np.bool_, sc))
    fd_check(lambda a, b: where(cond, a, b), data.draw(arrays(sa)), data.draw(arrays(sb)))


# ---- reductions -----------------------------------------------------------------------------
@FAST
@given(data=st.data(), name=st.sampled_from(["sum", "mean", "max", "min", "logsumexp"]),
       keepdims=st.booleans(), torch_names=st.booleans())
def test_reductions(data, name, keepdims, torch_names):
    shape = data.draw(NONEMPTY_DIMS)
    axis = data.draw(axis_args(len(shape)))
    unique = name in ("max", "min")                   # off ties
    x = data.draw(arrays(shape, lattice(0.0) if unique else ANY, unique=unique))
    kw = {"dim": axis, "keepdim": keepdims} if torch_names else {"axis": axis,
                                                                 "keepdims": keepdims}
    fd_check(lambda t: getattr(t, name)(**kw), x)


@FAST
@given(data=st.data(), keepdims=st.booleans(), correction=st.sampled_from([0, 1]))
def test_var(data, keepdims, correction):
    shape = data.draw(NONEMPTY_DIMS)
    axis = data.draw(axis_args(len(shape)))
    axes = range(len(shape)) if axis is None else [axis] if isinstance(axis, int) else axis
    assume(int(np.prod([shape[a] for a in axes])) > correction)
    fd_check(lambda t: t.var(axis=axis, keepdims=keepdims, correction=correction),
             data.draw(arrays(shape)))


@FAST
@given(data=st.data(), name=st.sampled_from(["softmax", "log_softmax"]))
def test_softmax_family(data, name):
    shape = data.draw(NONEMPTY_DIMS)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    fd_check(lambda t: getattr(t, name)(axis=axis), data.draw(arrays(shape, st.floats(-3, 3))))


# ---- matmul ----------------------------------------------------------------------------------
@FAST
@given(data=st.data())
def test_matmul_1d_2d_and_batched_with_broadcast(data):
    sa, sb = data.draw(hnp.mutually_broadcastable_shapes(
        signature="(m?,n),(n,p?)->(m?,p?)", max_dims=4, max_side=3)).input_shapes
    fd_check(lambda a, b: a @ b, data.draw(arrays(sa)), data.draw(arrays(sb)))


# ---- shape ops ---------------------------------------------------------------------------------
@FAST
@given(data=st.data())
def test_reshape_and_flatten(data):
    shape = data.draw(SHAPES)
    x = data.draw(arrays(shape))
    n = x.size
    target = data.draw(st.sampled_from([(n,), (-1, 1), (1, n), shape[::-1], ()
                                        if n == 1 else (n,)]))
    fd_check(lambda t: t.reshape(target), x)
    if len(shape) >= 1:
        s = data.draw(st.integers(-len(shape), len(shape) - 1))
        e = data.draw(st.integers(s % len(shape), len(shape) - 1))
        fd_check(lambda t: t.flatten(s, e), x)


@FAST
@given(data=st.data())
def test_transpose_permute_and_T(data):
    shape = data.draw(NONEMPTY_DIMS)
    x = data.draw(arrays(shape))
    nd = len(shape)
    perm = data.draw(st.permutations(range(nd)))
    fd_check(lambda t: t.permute(*perm), x)
    d0, d1 = data.draw(st.integers(-nd, nd - 1)), data.draw(st.integers(-nd, nd - 1))
    fd_check(lambda t: t.transpose(d0, d1), x)
    fd_check(lambda t: t.T, x)


@FAST
@given(data=st.data())
def test_expand_squeeze_unsqueeze(data):
    big, small = data.draw(PAIRS).input_shapes
    target = np.broadcast_shapes(big, small)
    fd_check(lambda t: t.expand(*target), data.draw(arrays(small)))
    x = data.draw(arrays(small))
    fd_check(lambda t: t.squeeze(), x)
    if small:
        sq = data.draw(st.integers(-len(small), len(small) - 1))
        fd_check(lambda t: t.squeeze(sq), x)
    dim = data.draw(st.integers(-len(small) - 1, len(small)))
    fd_check(lambda t: t.unsqueeze(dim), x)


@FAST
@given(data=st.data(), n=st.integers(1, 3))
def test_concatenate_and_stack(data, n):
    shape = data.draw(NONEMPTY_DIMS)
    axis = data.draw(st.integers(-len(shape), len(shape) - 1))
    pieces = []
    for _ in range(n):                                # sizes differ along the joined axis
        s = list(shape)
        s[axis] = data.draw(st.integers(1, 3))
        pieces.append(data.draw(arrays(tuple(s))))
    fd_check(lambda *ts: cat(list(ts), axis=axis), *pieces)
    same = [data.draw(arrays(shape)) for _ in range(n)]
    new_axis = data.draw(st.integers(-len(shape) - 1, len(shape)))
    fd_check(lambda *ts: stack(ts, axis=new_axis), *same)


# ---- indexing ---------------------------------------------------------------------------------
@FAST
@given(data=st.data(), kind=st.sampled_from(["int", "slice", "ints", "mask", "mixed"]))
def test_indexing(data, kind):
    shape = data.draw(hnp.array_shapes(min_dims=1, max_dims=4, min_side=1, max_side=4))
    x = data.draw(arrays(shape))
    if kind == "int":
        index = data.draw(st.integers(-shape[0], shape[0] - 1))
    elif kind == "slice":
        index = tuple(slice(data.draw(st.integers(-n, n - 1)), None,
                            data.draw(st.sampled_from([1, 2, -1]))) for n in shape)
    elif kind == "ints":                              # repeats must add up
        index = data.draw(hnp.arrays(np.int64, data.draw(st.integers(1, 6)),
                                     elements=st.integers(0, shape[0] - 1)))
    elif kind == "mask":
        index = data.draw(hnp.arrays(np.bool_, shape))
    else:                                             # a slice, then a list with repeats
        assume(len(shape) >= 2)
        rows = data.draw(st.lists(st.integers(0, shape[1] - 1), min_size=1, max_size=5))
        index = (slice(None, None, -1), rows)
    fd_check(lambda t: t[index], x)


# ---- composites, with the public gradcheck -----------------------------------------------------
@FAST
@given(data=st.data(), batch=st.integers(1, 4), hidden=st.integers(1, 5))
def test_gradcheck_mlp_forward(data, batch, hidden):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    X = Tensor(rng.standard_normal((batch, 3)))
    W1 = Tensor(rng.standard_normal((hidden, 3)), requires_grad=True)
    b1 = Tensor(rng.standard_normal(hidden), requires_grad=True)
    W2 = Tensor(rng.standard_normal((2, hidden)), requires_grad=True)
    b2 = Tensor(rng.standard_normal(2), requires_grad=True)
    assume(np.abs((X @ W1.T + b1).data).min() > 1e-3)  # off relu's kink

    def mlp(w1, c1, w2, c2):
        h = (X @ w1.T + c1).relu()
        return (h @ w2.T + c2).tanh().sum(axis=1).mean()
    assert gradcheck(mlp, [W1, b1, W2, b2])
    np.testing.assert_allclose(                       # the one-node layer computes the same
        mlp(W1, b1, W2, b2).data,
        F.linear(F.linear(X, W1, b1).relu(), W2, b2).tanh().sum(axis=1).mean().data)


@FAST
@given(data=st.data(), n=st.integers(1, 5), c=st.integers(2, 5))
def test_gradcheck_softmax_cross_entropy(data, n, c):
    rng = np.random.default_rng(data.draw(st.integers(0, 2**16)))
    logits = Tensor(rng.standard_normal((n, c)) * 2, requires_grad=True)
    y = rng.integers(0, c, n)
    onehot = np.eye(c)[y]

    def composed(z):
        return -(z.log_softmax(axis=1) * onehot).sum(axis=1).mean()
    assert gradcheck(composed, [logits])
    np.testing.assert_allclose(composed(logits).data, F.cross_entropy(logits, y).data)
