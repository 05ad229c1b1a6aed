"""Hypothesis: every loss and nn.functional.linear against central finite differences
(float64), at every reduction, with inputs kept off kinks (|x - y| = 0 for L1, the hinge's
margin) and off domain edges (BCE's p = 0 or 1)."""

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from tinygrad_edu import Tensor, Value, gradcheck
from tinygrad_edu.nn import functional as F

REDUCTIONS = st.sampled_from(["mean", "sum", "none"])
SHAPES = st.sampled_from([(1,), (5,), (4, 1), (3, 2), (2, 3, 2)])
SETTINGS = settings(max_examples=30, deadline=None)


def _arrays(rng, shape, low=-3.0, high=3.0):
    return rng.uniform(low, high, size=shape)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), shape=SHAPES, reduction=REDUCTIONS)
def test_mse_loss_gradients_for_input_and_target(seed, shape, reduction):
    rng = np.random.default_rng(seed)
    x = Tensor(_arrays(rng, shape), requires_grad=True)
    y = Tensor(_arrays(rng, shape), requires_grad=True)
    assert gradcheck(lambda a, b: F.mse_loss(a, b, reduction=reduction), [x, y])


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), shape=SHAPES, reduction=REDUCTIONS)
def test_l1_loss_gradients_off_the_kink(seed, shape, reduction):
    rng = np.random.default_rng(seed)
    y = _arrays(rng, shape)
    gap = rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    x = Tensor(y + gap, requires_grad=True)
    t = Tensor(y, requires_grad=True)
    assert gradcheck(lambda a, b: F.l1_loss(a, b, reduction=reduction), [x, t])


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), shape=SHAPES, reduction=REDUCTIONS,
       weighted=st.booleans())
def test_binary_cross_entropy_gradients(seed, shape, reduction, weighted):
    rng = np.random.default_rng(seed)
    p = Tensor(rng.uniform(0.05, 0.95, size=shape), requires_grad=True)
    y = rng.uniform(0, 1, size=shape)  # soft labels are allowed, as in PyTorch
    w = rng.uniform(0.5, 2.0, size=shape[-1:]) if weighted else None
    assert gradcheck(lambda a: F.binary_cross_entropy(a, y, weight=w, reduction=reduction), [p])


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), shape=SHAPES, reduction=REDUCTIONS,
       weighted=st.booleans(), pos=st.booleans())
def test_binary_cross_entropy_with_logits_gradients(seed, shape, reduction, weighted, pos):
    rng = np.random.default_rng(seed)
    x = Tensor(_arrays(rng, shape, -6, 6), requires_grad=True)
    y = rng.integers(0, 2, size=shape).astype(np.float64)
    w = rng.uniform(0.5, 2.0, size=shape[-1:]) if weighted else None
    pw = rng.uniform(0.5, 3.0, size=shape[-1:]) if pos else None
    assert gradcheck(lambda a: F.binary_cross_entropy_with_logits(
        a, y, weight=w, reduction=reduction, pos_weight=pw), [x])


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), shape=SHAPES, reduction=REDUCTIONS)
def test_hinge_loss_gradients_off_the_margin(seed, shape, reduction):
    rng = np.random.default_rng(seed)
    y = rng.choice([-1.0, 1.0], size=shape)
    margin_gap = rng.uniform(0.1, 2.0, size=shape) * rng.choice([-1.0, 1.0], size=shape)
    s = Tensor(y * (1 - margin_gap), requires_grad=True)  # y * s = 1 - gap, never exactly 1
    assert gradcheck(lambda a: F.hinge_loss(a, y, reduction=reduction), [s])


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5), c=st.integers(2, 5),
       reduction=REDUCTIONS, weighted=st.booleans(), ignore=st.booleans())
def test_cross_entropy_and_nll_gradients(seed, n, c, reduction, weighted, ignore):
    rng = np.random.default_rng(seed)
    x = Tensor(_arrays(rng, (n, c), -5, 5), requires_grad=True)
    t = rng.integers(0, c, size=n)
    if ignore and n > 1:
        t[0] = -100
    w = rng.uniform(0.5, 2.0, size=c) if weighted else None
    assert gradcheck(lambda a: F.cross_entropy(a, t, weight=w, reduction=reduction), [x])
    assert gradcheck(lambda a: F.nll_loss(a, t, weight=w, reduction=reduction), [x])


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 4), c=st.integers(2, 4),
       reduction=REDUCTIONS)
def test_cross_entropy_with_probability_targets_gradients(seed, n, c, reduction):
    rng = np.random.default_rng(seed)
    x = Tensor(_arrays(rng, (n, c)), requires_grad=True)
    p = rng.dirichlet(np.ones(c), size=n)
    assert gradcheck(lambda a: F.cross_entropy(a, p, reduction=reduction), [x])


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), batch=st.sampled_from([(), (1,), (4,), (2, 3)]),
       n_in=st.integers(1, 4), n_out=st.integers(1, 4), bias=st.booleans())
def test_linear_gradients_for_input_weight_and_bias(seed, batch, n_in, n_out, bias):
    rng = np.random.default_rng(seed)
    x = Tensor(rng.standard_normal((*batch, n_in)), requires_grad=True)
    w = Tensor(rng.standard_normal((n_out, n_in)), requires_grad=True)
    inputs = [x, w]
    if bias:
        inputs.append(Tensor(rng.standard_normal(n_out), requires_grad=True))
    assert gradcheck(lambda *a: F.linear(*a), inputs)


@SETTINGS
@given(seed=st.integers(0, 2**32 - 1), n=st.integers(1, 5),
       name=st.sampled_from(["mse_loss", "l1_loss", "binary_cross_entropy_with_logits",
                             "hinge_loss"]),
       reduction=st.sampled_from(["mean", "sum"]))
def test_value_losses_match_finite_differences(seed, n, name, reduction):
    rng = np.random.default_rng(seed)
    ys = rng.choice([-1.0, 1.0], size=n) if name == "hinge_loss" else \
        rng.integers(0, 2, size=n).astype(float)
    # keep |x - y| and |1 - y x| away from 0 (the kinks of L1 and hinge)
    xs = ys * rng.uniform(0.2, 0.8, size=n) + rng.choice([-0.5, 0.5], size=n) * 3
    values = [Value(float(v)) for v in xs]
    for v in values:
        assert gradcheck(lambda _: getattr(F, name)(values, ys.tolist(), reduction=reduction), v)
