"""Elementwise losses (MSE, L1, BCE, BCE with logits, hinge): how wrong each prediction
is against the target of the same position, reduced to one number to make smaller.

Each loss is ONE graph node: numpy computes every element's loss and its slope
dloss/dinput side by side, and the backward closure only scales that slope by the
incoming gradient (and by 1/n for ``reduction="mean"``). They are also in
``nn.functional``; the classes in loss.py wrap them as in PyTorch.

The elementwise losses also take a `Value` or a list of Values with numbers as targets,
for micrograd-style models (``nn.scalar``): the same numpy math, one Value node out.

Where we differ from PyTorch: a target whose shape differs from the input's is an error
here, never broadcast (PyTorch's MSELoss only warns, then silently averages an (N, N)
matrix); targets are cast to the input's dtype; gradients flow to the target only in
MSE and L1 (elsewhere a target that requires grad is an error, not silently ignored).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from ..tensor import Tensor
from ..value import Value

__all__ = ["mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
           "hinge_loss", "check_reduction", "weights"]

REDUCTIONS = ("mean", "sum", "none")
Arrays = tuple[np.ndarray, np.ndarray, np.ndarray | None]  # loss, dloss/dinput, dloss/dtarget


def check_reduction(reduction: str, op: str) -> None:
    if reduction not in REDUCTIONS:
        raise ValueError(f"{op}: reduction must be 'mean', 'sum' or 'none', got {reduction!r}")


def _shape_error(op: str, x_shape: tuple, y_shape: tuple) -> ValueError:
    hint = ""
    if x_shape == (*y_shape, 1):
        hint = " Reshape the target to the input's shape: y.reshape(-1, 1) (y.unsqueeze(1))."
    elif y_shape == (*x_shape, 1):
        hint = " Flatten the target (y.reshape(-1)) or give the input a trailing 1."
    return ValueError(f"{op}: input has shape {x_shape} but target has shape {y_shape}; they "
                      f"must be the same (broadcasting them would silently compare every "
                      f"prediction with every target).{hint}")


def _values(x: Any) -> list[Value] | None:
    """The Values of a micrograd-style prediction (a Value or a list of them), else None."""
    if isinstance(x, Value):
        return [x]
    if isinstance(x, (list, tuple)) and x and all(isinstance(v, Value) for v in x):
        return list(x)
    return None


def _numbers(target: Any, op: str) -> np.ndarray:
    if isinstance(target, Value) or (isinstance(target, (list, tuple))
                                     and any(isinstance(t, Value) for t in target)):
        raise TypeError(f"{op}: targets must be numbers, not Values")
    if isinstance(target, Tensor):
        target = target.data
    try:
        return np.asarray(target, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{op}: cannot use a target of type {type(target).__name__}") from None


def _elementwise(op: str, input: Any, target: Any, reduction: str,
                 fn: Callable[[np.ndarray, np.ndarray], Arrays],
                 target_grad: bool = False) -> Any:
    """Shared driver of the elementwise losses: check, compute, reduce, make one node."""
    check_reduction(reduction, op)
    values = _values(input)
    if values is not None:
        return _elementwise_values(op, values, input, target, reduction, fn)
    x = input if isinstance(input, Tensor) else Tensor(input)
    if x.dtype.kind != "f":
        raise TypeError(f"{op}: input must be floating point, got {x.dtype}")
    y = target if isinstance(target, Tensor) else None
    y_data = _numbers(target, op).astype(x.dtype, copy=False)
    if y_data.shape != x.shape:
        raise _shape_error(op, x.shape, y_data.shape)
    if y is not None and y.requires_grad and not target_grad:
        raise ValueError(f"{op}: gradients with respect to the target are not supported; "
                         "pass target.detach()")
    loss, dx, dy = fn(x.data, y_data)
    n = loss.size
    # an empty batch averages to nan, as in PyTorch (without numpy's "Mean of empty slice")
    out = loss if reduction == "none" else loss.sum() if reduction == "sum" else \
        loss.mean() if n else np.nan
    scale = 1.0 / n if reduction == "mean" and n else 1.0
    def backward(grad):                         # d(loss)/d(x_i) = local slope * upstream
        if x.requires_grad:
            x._accumulate(grad * dx * scale)
        if y is not None and y.requires_grad:
            y._accumulate(grad * dy * scale)
    parents = (x, y) if y is not None else (x,)
    return Tensor._make(np.asarray(out, dtype=x.dtype), parents, op, backward)


def _elementwise_values(op: str, values: list[Value], input: Any, target: Any, reduction: str,
                        fn: Callable[[np.ndarray, np.ndarray], Arrays]) -> Any:
    x = np.array([v.data for v in values])
    y = _numbers(target, op).reshape(-1)
    if y.size != x.size:
        raise ValueError(f"{op}: {x.size} prediction(s) but {y.size} target(s)")
    loss, dx, _ = fn(x, y)
    if reduction == "none":
        outs = [Value._make(float(l), (v,), op, _one(v, float(d)))
                for v, l, d in zip(values, loss, dx)]
        return outs[0] if isinstance(input, Value) else outs
    scale = 1.0 / x.size if reduction == "mean" else 1.0
    slopes = (dx * scale).tolist()
    total = float(loss.mean() if reduction == "mean" else loss.sum())
    parents = tuple(values)
    def backward(grad):                         # one node for the whole batch
        for v, d in zip(parents, slopes):
            v.grad += d * grad
    return Value._make(total, parents, op, backward)


def _one(v: Value, d: float) -> Callable[[float], None]:
    def backward(grad):
        v.grad += d * grad
    return backward


def weights(weight: Any, op: str) -> np.ndarray | None:
    if weight is None:
        return None
    return np.asarray(weight.data if isinstance(weight, Tensor) else weight, dtype=np.float64)


def _fit(w: np.ndarray | None, x: np.ndarray, name: str, op: str) -> np.ndarray | None:
    """A weight array in x's dtype, checked to broadcast over x without changing its shape."""
    if w is None:
        return None
    try:
        ok = np.broadcast_shapes(w.shape, x.shape) == x.shape
    except ValueError:
        ok = False
    if not ok:
        raise ValueError(f"{op}: {name} of shape {w.shape} does not broadcast over the input's "
                         f"shape {x.shape}")
    return w.astype(x.dtype, copy=False)


# ---- the elementwise losses: each element's loss and its slope, side by side ----------------
def mse_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean squared error: (x - y)^2 per element; slope 2 (x - y)."""
    def fn(x, y):
        d = x - y
        return d * d, 2 * d, -2 * d
    return _elementwise("mse_loss", input, target, reduction, fn, target_grad=True)


def l1_loss(input: Any, target: Any, reduction: str = "mean") -> Any:
    """Mean absolute error: |x - y| per element; slope sign(x - y) (0 where they are equal)."""
    def fn(x, y):
        s = np.sign(x - y)
        return np.abs(x - y), s, -s
    return _elementwise("l1_loss", input, target, reduction, fn, target_grad=True)


def binary_cross_entropy(input: Any, target: Any, weight: Any = None,
                         reduction: str = "mean") -> Any:
    """-[y log p + (1 - y) log(1 - p)] for probabilities p in [0, 1].

    As PyTorch, each log is clamped at -100 so p = 0 or 1 gives a large finite loss, and
    the slope (p - y) / (p (1 - p)) divides by at least 1e-12. Prefer
    `binary_cross_entropy_with_logits`: it takes the model's raw output and never saturates.
    """
    w = weights(weight, "binary_cross_entropy")
    def fn(p, y):
        if p.size and not (p.min() >= 0 and p.max() <= 1):  # also catches nan
            raise ValueError(f"binary_cross_entropy: all elements of input must be "
                             f"probabilities in [0, 1], got values from {p.min()} to "
                             f"{p.max()}; for raw scores (logits) use "
                             "binary_cross_entropy_with_logits / BCEWithLogitsLoss")
        if y.size and not (y.min() >= 0 and y.max() <= 1):  # PyTorch refuses these too
            raise ValueError(f"binary_cross_entropy: all elements of target must be in "
                             f"[0, 1], got values from {y.min()} to {y.max()}; for -1/+1 "
                             "labels use (y + 1) / 2")
        with np.errstate(divide="ignore"):
            log_p, log_q = np.maximum(np.log(p), -100), np.maximum(np.log1p(-p), -100)
        loss = -(y * log_p + (1 - y) * log_q)
        slope = (p - y) / np.maximum((1 - p) * p, 1e-12)
        wx = _fit(w, p, "weight", "binary_cross_entropy")
        if wx is not None:
            loss, slope = loss * wx, slope * wx
        return loss, slope, None
    return _elementwise("binary_cross_entropy", input, target, reduction, fn)


def binary_cross_entropy_with_logits(input: Any, target: Any, weight: Any = None,
                                     reduction: str = "mean", pos_weight: Any = None) -> Any:
    """Sigmoid and binary cross-entropy in one stable step, from logits x::

        loss  = max(x, 0) - x y + log(1 + e^-|x|)       (never exp of a large number)
        slope = sigmoid(x) - y

    `pos_weight` (one per class, broadcast over the last axis) weighs the positive term:
    loss = (1 - y) x + (1 + (pos_weight - 1) y) log(1 + e^-x), slope = l sigma(x) - pos_weight y.
    """
    w = weights(weight, "binary_cross_entropy_with_logits")
    pw = weights(pos_weight, "binary_cross_entropy_with_logits")
    op = "binary_cross_entropy_with_logits"
    def fn(x, y):
        e = np.exp(-np.abs(x))
        sig = np.where(x >= 0, 1 / (1 + e), e / (1 + e))
        if pw is None:
            loss = np.maximum(x, 0) - x * y + np.log1p(e)
            slope = sig - y
        else:
            pwx = _fit(pw, x, "pos_weight", op)
            lw = 1 + (pwx - 1) * y
            loss = (1 - y) * x + lw * (np.log1p(e) + np.maximum(-x, 0))
            slope = lw * sig - pwx * y
        wx = _fit(w, x, "weight", op)
        if wx is not None:
            loss, slope = loss * wx, slope * wx
        return loss, slope, None
    return _elementwise(op, input, target, reduction, fn)


def hinge_loss(input: Any, target: Any, margin: float = 1.0, reduction: str = "mean") -> Any:
    """max(0, margin - y * score) for labels y in {-1, +1}: the max-margin (SVM) loss of
    micrograd's demo, ``(1 + -y * score).relu()`` averaged over the batch.

    Not a PyTorch class: ``torch.nn.HingeEmbeddingLoss`` is a different loss (on distances)
    and ``torch.nn.MultiMarginLoss`` is its multi-class form (for two classes with scores
    s and -s it differs by a factor). Slope: -y where the margin is not met, else 0.
    """
    def fn(s, y):
        bad = (y != 1) & (y != -1)
        if bad.any():
            raise ValueError(f"hinge_loss: targets must be -1 or +1, got {y[bad][0]}; for 0/1 "
                             "labels use 2 * y - 1")
        short = margin - y * s
        hit = short > 0                         # slope 0 where the margin is exactly met
        return np.where(hit, short, 0).astype(s.dtype), np.where(hit, -y, 0).astype(s.dtype), \
            None
    return _elementwise("hinge_loss", input, target, reduction, fn)
