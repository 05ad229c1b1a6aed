"""Losses over class indices: cross_entropy (logits) and nll_loss (log-probabilities).

Input is (N, C) scores for N samples and C classes (or (C,) for one sample); targets
are N integer class indices. Each loss is one graph node whose backward scales the
slope computed in the forward, as for the elementwise losses in loss.py.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor import Tensor
from .loss_elementwise import check_reduction, weights

__all__ = ["cross_entropy", "nll_loss"]


# ---- class-index losses: logits (N, C) and integer targets (N,) ------------------------------
def _scores(op: str, input: Any) -> Tensor:
    """The (N, C) or (C,) floating-point scores, or a clear error."""
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.ndim not in (1, 2):
        raise ValueError(f"{op}: input must be (N, C) scores for N samples and C classes, or "
                         f"(C,) for one sample; got shape {x.shape}")
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got {x.dtype}")
    return x


def _class_weights(weight: Any, n_classes: int, op: str) -> np.ndarray:
    w = np.ones(n_classes) if weight is None else weights(weight, op)
    if w.shape != (n_classes,):
        raise ValueError(f"{op}: weight must have one entry per class, shape ({n_classes},), "
                         f"got {w.shape}")
    return w


def _smoothing(label_smoothing: Any) -> float:
    if isinstance(label_smoothing, bool) or not isinstance(label_smoothing, (int, float)) \
            or not 0 <= label_smoothing <= 1:
        raise ValueError(f"cross_entropy: label_smoothing must be between 0.0 and 1.0, got "
                         f"{label_smoothing!r}")
    return float(label_smoothing)


def _classes(op: str, input: Any, target: Any, weight: Any, ignore_index: int,
             reduction: str) -> tuple[Tensor, np.ndarray, np.ndarray, np.ndarray, np.ndarray,
                                      np.ndarray, bool]:
    """Check (N, C) input and (N,) integer targets. Returns the input, its rows as (N, C),
    the targets (ignored ones set to 0), which targets count, the class weights (C,) and
    the per-sample weights w[target] (0 where ignored)."""
    check_reduction(reduction, op)
    x = _scores(op, input)
    if isinstance(target, Tensor):
        if target.requires_grad:
            raise ValueError(f"{op}: class targets cannot require grad")
        target = target.data
    t = np.asarray(target)
    single = x.ndim == 1
    if t.dtype.kind not in "iu":
        also = " (or pass class probabilities of the input's shape)" if op == "cross_entropy" \
            else ""
        raise TypeError(f"{op}: target must hold integer class indices, got dtype {t.dtype}; "
                        "convert with y.astype(np.int64) (the data generators give them with "
                        f"labels='int'){also}")
    want = () if single else (x.shape[0],)
    if t.shape != want:
        raise ValueError(f"{op}: input of shape {x.shape} needs target of shape {want} (one "
                         f"class index per sample), got {t.shape}")
    xs, ts = (x.data[None, :], t.reshape(1)) if single else (x.data, t)
    n_classes = xs.shape[1]
    keep = ts != ignore_index
    bad = keep & ((ts < 0) | (ts >= n_classes))
    if bad.any():
        raise IndexError(f"{op}: target {ts[bad][0]} is out of bounds: class indices must be "
                         f"in [0, {n_classes}) for input with {n_classes} classes")
    safe = np.where(keep, ts, 0)
    w = _class_weights(weight, n_classes, op)
    return x, xs, safe, keep, w, (w[safe] * keep).astype(x.dtype), single


def _class_node(op: str, x: Tensor, per_sample: np.ndarray, w: np.ndarray, slope: np.ndarray,
                reduction: str, single: bool) -> Tensor:
    """Reduce per-sample losses; `slope` is d(loss_i)/d(input_i, :), already weighted."""
    if reduction == "none":
        out = per_sample[0] if single else per_sample
        scale = None
    else:
        total = per_sample.sum()
        # PyTorch's weighted mean; nan if every target is ignored, as there
        denom = w.sum() if reduction == "mean" else 1
        with np.errstate(divide="ignore", invalid="ignore"):
            out, scale = total / denom, 1 / denom
    def backward(grad):
        with np.errstate(invalid="ignore"):
            g = slope * (np.reshape(grad, (-1, 1)) if scale is None else grad * scale)
        x._accumulate(g[0] if single else g)
    return Tensor._make(np.asarray(out, dtype=x.dtype), (x,), op, backward)


def cross_entropy(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
                  reduction: str = "mean", label_smoothing: float = 0.0) -> Tensor:
    """Softmax and negative log-likelihood in one stable step, from logits (N, C) and
    integer class targets (N,)::

        loss_i  = -log softmax(x_i)[t_i] = logsumexp(x_i) - x_i[t_i]
        slope_i = softmax(x_i) - onehot(t_i)

    Targets equal to `ignore_index` count for nothing; `weight` (C,) weighs each class,
    and "mean" divides by the summed weights of the targets, as PyTorch does.
    Class-probability targets (float, the input's shape) are accepted too.
    `label_smoothing` e mixes each target with the uniform distribution, as PyTorch:
    loss_i = (1 - e) * loss_i + e / C * sum_c w_c (logsumexp(x_i) - x_ic).
    """
    eps = _smoothing(label_smoothing)
    t = target.data if isinstance(target, Tensor) else np.asarray(target)
    if t.dtype.kind == "f" and np.shape(t) == np.shape(getattr(input, "data", input)):
        if isinstance(target, Tensor) and target.requires_grad:
            raise ValueError("cross_entropy: gradients with respect to the target "
                             "probabilities are not supported; pass target.detach()")
        return _soft_cross_entropy(input, t, weight, reduction, eps)
    x, xs, ts, keep, cw, w, single = _classes("cross_entropy", input, target, weight,
                                              ignore_index, reduction)
    shifted = xs - xs.max(axis=1, keepdims=True)
    e = np.exp(shifted)
    s = e.sum(axis=1, keepdims=True)
    rows = np.arange(len(ts))
    per_sample = (np.log(s[:, 0]) - shifted[rows, ts]) * w
    sm = e / s
    slope = sm.copy()
    slope[rows, ts] -= 1
    slope *= w[:, None]
    if eps:
        n_classes = xs.shape[1]
        cw = cw.astype(x.dtype)
        smooth = ((np.log(s) - shifted) * cw).sum(axis=1) * keep
        smooth_slope = (sm * cw.sum() - cw) * keep[:, None]
        per_sample = (1 - eps) * per_sample + eps / n_classes * smooth
        slope = (1 - eps) * slope + eps / n_classes * smooth_slope
    return _class_node("cross_entropy", x, per_sample, w, slope, reduction, single)


def _soft_cross_entropy(input: Any, probs: np.ndarray, weight: Any, reduction: str,
                        eps: float) -> Tensor:
    """cross_entropy with a distribution per sample: -sum_c w_c p_c log softmax(x)_c."""
    check_reduction(reduction, "cross_entropy")
    x = _scores("cross_entropy", input)
    xs = x.data if x.ndim == 2 else x.data[None, :]
    n_classes = xs.shape[1]
    p = probs.reshape(xs.shape).astype(x.dtype)
    if eps:
        p = p * (1 - eps) + eps / n_classes
    w = _class_weights(weight, n_classes, "cross_entropy")
    shifted = xs - xs.max(axis=1, keepdims=True)
    log_sm = shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))
    wp = (w * p).astype(x.dtype)
    per_sample = -(wp * log_sm).sum(axis=1)
    slope = np.exp(log_sm) * wp.sum(axis=1, keepdims=True) - wp
    # PyTorch divides by N here (not by the summed weights), whatever the weights
    return _class_node("cross_entropy", x, per_sample, np.ones(len(xs), x.dtype), slope,
                       reduction, x.ndim == 1)


def nll_loss(input: Any, target: Any, weight: Any = None, ignore_index: int = -100,
             reduction: str = "mean") -> Tensor:
    """Negative log-likelihood: -input[i, t_i], for log-probabilities (from log_softmax)."""
    x, xs, ts, _, _, w, single = _classes("nll_loss", input, target, weight, ignore_index,
                                          reduction)
    rows = np.arange(len(ts))
    per_sample = -xs[rows, ts] * w
    slope = np.zeros_like(xs)
    slope[rows, ts] = -w
    return _class_node("nll_loss", x, per_sample, w, slope, reduction, single)
