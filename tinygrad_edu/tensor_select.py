"""Tensor ops that pick, element by element, between two tensors: maximum, minimum, where.

Each is a function of two tensors (or numbers) that broadcast together; the gradient goes
to whichever side was picked, summed back to that side's shape with `unbroadcast`.
`Tensor.clip` with Tensor bounds is built from `maximum` and `minimum`.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .tensor_arith import _promote, unbroadcast

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["maximum", "minimum", "where"]


def _tensors(a: Any, b: Any, op: str) -> tuple[Tensor, Tensor]:
    from .tensor import Tensor
    if isinstance(a, Tensor):
        return a, a._coerce(b, op)
    if isinstance(b, Tensor):
        return b._coerce(a, op), b
    return Tensor(a), Tensor(b)


def _pair(a: Any, b: Any, op: str, fn: Any, loses: Any) -> Tensor:
    a, b = _tensors(a, b, op)
    try:
        out = fn(*_promote(a.data, b.data))         # np.maximum/minimum: nan propagates
    except ValueError:
        raise ValueError(f"{op}: shapes {a.shape} and {b.shape} do not broadcast") from None
    def backward(grad):
        # PyTorch's rule: each side gets the gradient unless it lost, half of it on a tie;
        # beside a nan neither side lost, so both get all of it
        tie = a.data == b.data
        if a.requires_grad:
            wa = np.where(tie, 0.5, ~loses(a.data, b.data)).astype(grad.dtype)
            a._accumulate(unbroadcast(grad * wa, a.data.shape))
        if b.requires_grad:
            wb = np.where(tie, 0.5, ~loses(b.data, a.data)).astype(grad.dtype)
            b._accumulate(unbroadcast(grad * wb, b.data.shape))
    return a._make(out, (a, b), op, backward)


def maximum(a: Any, b: Any) -> Tensor:
    """Elementwise max of two tensors (ties split the gradient half and half, as PyTorch;
    a nan on either side gives nan)."""
    return _pair(a, b, "maximum", np.maximum, np.less)


def minimum(a: Any, b: Any) -> Tensor:
    """Elementwise min of two tensors (ties split the gradient half and half, as PyTorch;
    a nan on either side gives nan)."""
    return _pair(a, b, "minimum", np.minimum, np.greater)


def where(condition: Any, a: Any, b: Any) -> Tensor:
    """a where condition is true, else b; the gradient goes to whichever was picked."""
    from .tensor import Tensor
    cond = np.asarray(condition.data if isinstance(condition, Tensor) else condition)
    if cond.dtype != bool:  # as torch.where: a float "mask" is usually a bug (x > 0 is bool)
        raise TypeError(f"where: condition must be bool (e.g. x > 0), got dtype {cond.dtype}")
    a, b = _tensors(a, b, "where")
    try:
        out = np.where(cond, *_promote(a.data, b.data))
    except ValueError:
        raise ValueError(f"where: shapes {cond.shape}, {a.shape} and {b.shape} do not "
                         "broadcast") from None
    def backward(grad):
        if a.requires_grad:
            a._accumulate(unbroadcast(np.where(cond, grad, 0), a.data.shape))
        if b.requires_grad:
            b._accumulate(unbroadcast(np.where(cond, 0, grad), b.data.shape))
    return a._make(out, (a, b), "where", backward)
