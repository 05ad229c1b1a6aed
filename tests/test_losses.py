"""Tests for the losses (nn/loss.py): PyTorch parity forward and backward at every
reduction, numerical stability, clear errors, the module forms, and Value inputs."""

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, nn
from tinygrad_edu.nn import functional as F

REDUCTIONS = ["mean", "sum", "none"]
rng = np.random.default_rng(0)
X = rng.standard_normal((6, 3))
Y = rng.standard_normal((6, 3))
LABELS = rng.integers(0, 2, size=(6, 3)).astype(np.float64)
CLASSES = np.array([0, 2, 1, 1, 0, 2])


def _case(name):
    """(our function, torch function name, input, target, extra kwargs as numpy, as torch)."""
    torch = pytest.importorskip("torch")
    t = torch.from_numpy
    w3, pw3 = np.array([0.5, 1.0, 2.0]), np.array([3.0, 0.5, 1.5])
    return {
        "mse": (F.mse_loss, "mse_loss", X, Y, {}, {}),
        "l1": (F.l1_loss, "l1_loss", X, Y, {}, {}),
        "bce": (F.binary_cross_entropy, "binary_cross_entropy", 1 / (1 + np.exp(-X)), LABELS,
                {}, {}),
        "bce_weight": (F.binary_cross_entropy, "binary_cross_entropy", 1 / (1 + np.exp(-X)),
                       LABELS, {"weight": w3}, {"weight": t(w3)}),
        "bce_logits": (F.binary_cross_entropy_with_logits, "binary_cross_entropy_with_logits",
                       X * 4, LABELS, {}, {}),
        "bce_logits_weights": (F.binary_cross_entropy_with_logits,
                               "binary_cross_entropy_with_logits", X * 4, LABELS,
                               {"weight": w3, "pos_weight": pw3},
                               {"weight": t(w3), "pos_weight": t(pw3)}),
        "ce": (F.cross_entropy, "cross_entropy", X, CLASSES, {}, {}),
        "ce_weight_ignore": (F.cross_entropy, "cross_entropy", X, np.where(CLASSES == 1, -100,
                             CLASSES), {"weight": w3}, {"weight": t(w3)}),
        "ce_probs": (F.cross_entropy, "cross_entropy", X, np.exp(Y) / np.exp(Y).sum(1,
                     keepdims=True), {}, {}),
        "ce_single": (F.cross_entropy, "cross_entropy", X[0], np.array(2), {}, {}),
        "ce_smoothing": (F.cross_entropy, "cross_entropy", X, np.where(CLASSES == 1, -100,
                         CLASSES), {"weight": w3, "label_smoothing": 0.2},
                         {"weight": t(w3), "label_smoothing": 0.2}),
        "ce_probs_smoothing": (F.cross_entropy, "cross_entropy", X, np.exp(Y) / np.exp(Y).sum(
                               1, keepdims=True), {"weight": w3, "label_smoothing": 0.3},
                               {"weight": t(w3), "label_smoothing": 0.3}),
        "nll": (F.nll_loss, "nll_loss", X, CLASSES, {"weight": w3}, {"weight": t(w3)}),
    }[name]


CASES = ["mse", "l1", "bce", "bce_weight", "bce_logits", "bce_logits_weights", "ce",
         "ce_weight_ignore", "ce_probs", "ce_single", "ce_smoothing", "ce_probs_smoothing", "nll"]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("case", CASES)
def test_forward_and_backward_match_torch(case, reduction):
    torch = pytest.importorskip("torch")
    ours, name, x, y, kw, tkw = _case(case)
    a = Tensor(x, requires_grad=True)
    out = ours(a, y, reduction=reduction, **kw)
    ta = torch.tensor(x, requires_grad=True)
    tout = getattr(torch.nn.functional, name)(ta, torch.from_numpy(np.asarray(y)),
                                              reduction=reduction, **tkw)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12, atol=1e-14)
    seed = np.random.default_rng(1).standard_normal(out.shape)
    out.backward(seed)
    tout.backward(torch.from_numpy(seed))
    np.testing.assert_allclose(a.grad, ta.grad.numpy(), rtol=1e-10, atol=1e-14)


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name,tname", [("mse_loss", "mse_loss"), ("l1_loss", "l1_loss")])
def test_target_gradients_match_torch(name, tname, reduction):
    torch = pytest.importorskip("torch")
    a, b = Tensor(X, requires_grad=True), Tensor(Y, requires_grad=True)
    out = getattr(F, name)(a, b, reduction=reduction)
    out.backward(np.ones(out.shape))
    ta, tb = torch.tensor(X, requires_grad=True), torch.tensor(Y, requires_grad=True)
    getattr(torch.nn.functional, tname)(ta, tb, reduction=reduction).backward(
        torch.ones(out.shape, dtype=torch.float64))
    np.testing.assert_allclose(b.grad, tb.grad.numpy(), rtol=1e-12)


def test_modules_match_functions_and_print_like_torch():
    x = Tensor(X, requires_grad=True)
    assert nn.MSELoss()(x, Y).item() == F.mse_loss(x, Y).item()
    assert nn.L1Loss(reduction="sum")(x, Y).item() == F.l1_loss(x, Y, "sum").item()
    assert nn.BCEWithLogitsLoss(pos_weight=[2.0, 1, 1])(x, LABELS).item() == \
        F.binary_cross_entropy_with_logits(x, LABELS, pos_weight=[2.0, 1, 1]).item()
    assert nn.CrossEntropyLoss()(x, CLASSES).item() == F.cross_entropy(x, CLASSES).item()
    assert nn.CrossEntropyLoss(label_smoothing=0.1)(x, CLASSES).item() == \
        F.cross_entropy(x, CLASSES, label_smoothing=0.1).item()
    with pytest.raises(TypeError, match="label_smoothing"):  # NLLLoss has none, as in PyTorch
        nn.NLLLoss(label_smoothing=0.1)
    with pytest.raises(ValueError, match="label_smoothing must be between"):
        F.cross_entropy(x, CLASSES, label_smoothing=1.5)
    assert nn.NLLLoss()(x, CLASSES).item() == F.nll_loss(x, CLASSES).item()
    p = Tensor(1 / (1 + np.exp(-X)))
    assert nn.BCELoss()(p, LABELS).item() == F.binary_cross_entropy(p, LABELS).item()
    assert repr(nn.MSELoss()) == "MSELoss()" and repr(nn.CrossEntropyLoss()) == \
        "CrossEntropyLoss()"
    assert repr(nn.HingeLoss()) == "HingeLoss()" and "margin=2" in repr(nn.HingeLoss(2))
    with pytest.raises(ValueError, match="reduction"):
        nn.MSELoss(reduction="avg")


def test_a_loss_is_one_graph_node():
    x = Tensor(X, requires_grad=True)
    for out in (F.mse_loss(x, Y), F.cross_entropy(x, CLASSES),
                F.binary_cross_entropy_with_logits(x, LABELS)):
        assert out._prev == (x,) or out._prev[0] is x
        assert len(out._prev) == 1


def test_float32_input_gives_float32_loss_and_grad():
    x = Tensor(X.astype(np.float32), requires_grad=True)
    loss = F.binary_cross_entropy_with_logits(x, LABELS)  # float64 target is cast
    loss.backward()
    assert loss.dtype == np.float32 and x.grad.dtype == np.float32


# ---- stability ---------------------------------------------------------------------------
def test_bce_with_logits_is_finite_at_huge_logits():
    x = Tensor(np.array([1e4, -1e4, 1e4, -1e4]), requires_grad=True)
    y = np.array([1.0, 0.0, 0.0, 1.0])
    loss = F.binary_cross_entropy_with_logits(x, y, reduction="none")
    np.testing.assert_allclose(loss.data, [0.0, 0.0, 1e4, 1e4])
    loss.sum().backward()
    np.testing.assert_allclose(x.grad, [0.0, 0.0, 1.0, -1.0])
    x32 = Tensor(np.array([1e4, -1e4], dtype=np.float32), requires_grad=True)
    loss32 = F.binary_cross_entropy_with_logits(x32, [0.0, 1.0], pos_weight=[2.0])
    loss32.backward()
    assert np.isfinite(loss32.data) and np.isfinite(x32.grad).all()


def test_cross_entropy_is_finite_at_huge_logits():
    x = Tensor(np.array([[1e4, -1e4, 0.0], [0.0, 0.0, 1e4]]), requires_grad=True)
    loss = F.cross_entropy(x, [1, 2])
    loss.backward()
    assert loss.item() == pytest.approx(1e4)
    assert np.isfinite(x.grad).all()


def test_bce_clamps_its_log_at_minus_100_as_pytorch():
    p = Tensor(np.array([0.0, 1.0, 0.0, 1.0]), requires_grad=True)
    loss = F.binary_cross_entropy(p, [1.0, 0.0, 0.0, 1.0], reduction="none")
    np.testing.assert_array_equal(loss.data, [100.0, 100.0, 0.0, 0.0])
    loss.sum().backward()
    assert np.isfinite(p.grad).all()
    torch = pytest.importorskip("torch")
    tp = torch.tensor([0.0, 1.0, 0.0, 1.0], dtype=torch.float64, requires_grad=True)
    torch.nn.functional.binary_cross_entropy(tp, torch.tensor([1.0, 0.0, 0.0, 1.0],
                                             dtype=torch.float64), reduction="sum").backward()
    np.testing.assert_allclose(p.grad, tp.grad.numpy())


# ---- hinge: micrograd's max-margin loss ---------------------------------------------------
def test_hinge_loss_is_micrograds_formula():
    scores = [Value(0.3), Value(-2.0), Value(1.5), Value(-0.2)]
    ys = [1, -1, -1, 1]
    ours = F.hinge_loss(scores, ys)
    ours.backward()
    ref_scores = [Value(v.data) for v in scores]
    losses = [(1 + -y * s).relu() for y, s in zip(ys, ref_scores)]
    ref = Value.sum(losses) * (1.0 / len(losses))
    ref.backward()
    assert ours.data == pytest.approx(ref.data)
    assert [v.grad for v in scores] == pytest.approx([v.grad for v in ref_scores])
    t = F.hinge_loss(Tensor([0.3, -2.0, 1.5, -0.2]), np.array(ys))
    assert t.item() == pytest.approx(ref.data)


def test_hinge_loss_rejects_zero_one_labels():
    with pytest.raises(ValueError, match=r"-1 or \+1.*2 \* y - 1"):
        F.hinge_loss(Tensor([0.5, 0.2]), [0, 1])


# ---- Value inputs (nn.scalar models) ---------------------------------------------------------
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "binary_cross_entropy",
                                  "binary_cross_entropy_with_logits", "hinge_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_value_inputs_give_the_tensor_numbers(name, reduction):
    xs = [0.2, 0.7, 0.4] if name == "binary_cross_entropy" else [0.2, -1.7, 2.4]
    ys = [1.0, -1.0, 1.0] if name == "hinge_loss" else [1.0, 0.0, 1.0]
    values = [Value(v) for v in xs]
    out = getattr(F, name)(values, ys, reduction=reduction)
    t = Tensor(np.array(xs), requires_grad=True)
    ref = getattr(F, name)(t, np.array(ys), reduction=reduction)
    if reduction == "none":
        assert [o.data for o in out] == pytest.approx(ref.data.tolist())
        for o in out:
            o.backward()
        ref.backward(np.ones(3))
    else:
        assert isinstance(out, Value) and out.data == pytest.approx(ref.item())
        assert out._prev == tuple(values)  # one node for the whole batch
        out.backward()
        ref.backward()
    assert [v.grad for v in values] == pytest.approx(t.grad.tolist())


def test_a_single_value_and_a_number():
    v = Value(3.0)
    loss = nn.MSELoss()(v, 1.0)
    loss.backward()
    assert loss.data == 4.0 and v.grad == 4.0
    with pytest.raises(ValueError, match="2 prediction"):
        F.mse_loss([Value(1.0), Value(2.0)], [1.0])
    with pytest.raises(TypeError, match="numbers, not Values"):
        F.mse_loss([Value(1.0)], [Value(1.0)])


# ---- clear errors ----------------------------------------------------------------------------
def test_bce_with_logits_n1_against_n_says_how_to_fix():
    x = Tensor(np.zeros((4, 1)), requires_grad=True)
    with pytest.raises(ValueError, match=r"\(4, 1\).*\(4,\).*y\.reshape\(-1, 1\)"):
        nn.BCEWithLogitsLoss()(x, np.zeros(4))
    with pytest.raises(ValueError, match=r"y\.reshape\(-1\)"):
        nn.MSELoss()(Tensor(np.zeros(4)), np.zeros((4, 1)))
    with pytest.raises(ValueError, match="must be the same"):
        F.l1_loss(Tensor(np.zeros(4)), np.zeros(3))


def test_cross_entropy_target_errors():
    x = Tensor(X)
    with pytest.raises(TypeError, match=r"integer class indices.*astype\(np\.int64\)"):
        F.cross_entropy(x, CLASSES.astype(np.float64))
    with pytest.raises(IndexError, match=r"target 3 is out of bounds.*\[0, 3\)"):
        F.cross_entropy(x, [0, 1, 2, 3, 0, 1])
    with pytest.raises(IndexError, match="target -1"):
        F.nll_loss(x, [0, 1, 2, -1, 0, 1])
    with pytest.raises(ValueError, match=r"target of shape \(6,\)"):
        F.cross_entropy(x, CLASSES.reshape(6, 1))
    with pytest.raises(ValueError, match=r"\(N, C\)"):
        F.cross_entropy(Tensor(np.zeros((2, 3, 4))), [0, 1])
    with pytest.raises(ValueError, match="one entry per class"):
        F.cross_entropy(x, CLASSES, weight=[1.0, 2.0])


def test_bce_rejects_values_outside_zero_one():
    with pytest.raises(ValueError, match="probabilities in \\[0, 1\\].*with_logits"):
        F.binary_cross_entropy(Tensor([0.5, 1.5]), [0.0, 1.0])
    with pytest.raises(ValueError, match="probabilities"):
        F.binary_cross_entropy(Tensor([0.5, np.nan]), [0.0, 1.0])


def test_bce_rejects_targets_outside_zero_one_as_torch():
    # -1/+1 labels gave a finite, meaningless loss (p = 0.5, y = 2 gave log 2)
    with pytest.raises(ValueError, match=r"target must be in \[0, 1\].*2\.0.*\(y \+ 1\) / 2"):
        F.binary_cross_entropy(Tensor([0.5, 0.5]), [0.0, 2.0])
    with pytest.raises(ValueError, match="target"):
        F.binary_cross_entropy([Value(0.5)], [-1.0])
    # the logits form takes any target, as PyTorch's does
    F.binary_cross_entropy_with_logits(Tensor([0.5]), [2.0])


def test_probability_targets_get_the_same_checks_as_class_targets():
    with pytest.raises(ValueError, match=r"\(N, C\).*\(2, 3, 4\)"):
        F.cross_entropy(Tensor(np.zeros((2, 3, 4))), np.full((2, 3, 4), 1 / 3))
    with pytest.raises(ValueError, match=r"\(N, C\).*\(\)"):
        F.cross_entropy(Tensor(1.0), np.array(1.0))
    with pytest.raises(TypeError, match="floating point"):  # integer logits gave a loss of 0
        F.cross_entropy(Tensor(np.array([[1, 2]])), np.array([[0.5, 0.5]]))
    with pytest.raises(ValueError, match=r"one entry per class, shape \(2,\), got \(3,\)"):
        F.cross_entropy(Tensor(np.zeros((1, 2))), np.array([[0.5, 0.5]]), weight=[1.0, 2, 3])
    with pytest.raises(ValueError, match="detach"):  # its gradient was silently dropped
        F.cross_entropy(Tensor(np.zeros((1, 2))), Tensor([[0.5, 0.5]], requires_grad=True))


def test_an_empty_batch_averages_to_nan_without_numpy_warnings(recwarn):
    for fn in (F.mse_loss, F.l1_loss, F.binary_cross_entropy_with_logits):
        x = Tensor(np.zeros((0, 3)), requires_grad=True)
        loss = fn(x, np.zeros((0, 3)))
        assert np.isnan(loss.item())  # PyTorch gives nan too
        loss.backward()
        assert x.grad.shape == (0, 3)
        assert fn(x, np.zeros((0, 3)), reduction="sum").item() == 0.0
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_weight_that_would_change_the_shape_is_rejected():
    with pytest.raises(ValueError, match="weight of shape"):
        F.binary_cross_entropy_with_logits(Tensor(np.zeros(3)), np.zeros(3),
                                           weight=np.ones((2, 3)))


def test_target_requiring_grad_is_refused_where_unsupported():
    y = Tensor(LABELS, requires_grad=True)
    with pytest.raises(ValueError, match="detach"):
        F.binary_cross_entropy_with_logits(Tensor(X, requires_grad=True), y)
    with pytest.raises(ValueError, match="cannot require grad"):
        F.cross_entropy(Tensor(X), Tensor(np.zeros(6), requires_grad=True))


def test_all_ignored_targets_give_nan_like_torch():
    loss = F.cross_entropy(Tensor(X), np.full(6, -100))
    assert np.isnan(loss.item())
