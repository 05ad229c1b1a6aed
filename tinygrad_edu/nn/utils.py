"""Gradient clipping, as ``torch.nn.utils``: call it between ``backward()`` and ``step()``.

Like the optimizers, it works on anything with ``.grad``: Tensors (numpy gradients) and
Values (float gradients).
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from ..tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_"]


def _grads(parameters: Any) -> list[Any]:
    params = [parameters] if hasattr(parameters, "grad") else list(parameters)
    return [p for p in params if p.grad is not None]


def clip_grad_norm_(parameters: Iterable[Any] | Any, max_norm: float, norm_type: float = 2.0,
                    error_if_nonfinite: bool = False) -> Tensor:
    """Scale all gradients together so their joint norm is at most `max_norm`.

    The norm is taken over all gradients as if they were one vector (the norm of the
    per-parameter norms). Returns that total norm, measured before clipping, as a 0-d
    Tensor (``.item()`` gives the number), as PyTorch does.
    """
    norm_type = float(norm_type)
    params = _grads(parameters)
    if not params:
        return Tensor(np.float32(0.0))
    arrays = [np.asarray(p.grad, dtype=np.float64 if not isinstance(p.grad, np.ndarray)
                         else p.grad.dtype).reshape(-1) for p in params]
    # A norm may overflow to inf and an inf gradient scales to nan, both as in PyTorch; the
    # numbers say so, numpy's warnings would only point into this file.
    with np.errstate(over="ignore", invalid="ignore"):
        if math.isinf(norm_type):
            total = max(float(np.max(np.abs(a))) if a.size else 0.0 for a in arrays)
        else:
            norms = np.array([np.linalg.norm(a, ord=norm_type) if a.size else 0.0
                              for a in arrays])
            total = float(np.linalg.norm(norms, ord=norm_type))
    if error_if_nonfinite and not math.isfinite(total):
        raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                           f"gradients is {total}, so they cannot be clipped; set "
                           "error_if_nonfinite=False to clip anyway")
    # PyTorch multiplies by the clamped coefficient even when it is 1 (a no-op in floats).
    # A new array, not `*=`: the engine may hand one gradient array to two leaves.
    coef = min(max_norm / (total + 1e-6), 1.0)
    with np.errstate(invalid="ignore"):
        for p in params:
            p.grad = p.grad * (p.grad.dtype.type(coef) if isinstance(p.grad, np.ndarray)
                               else coef)
    dtype = arrays[0].dtype
    return Tensor(np.asarray(total, dtype=dtype))


def clip_grad_value_(parameters: Iterable[Any] | Any, clip_value: float) -> None:
    """Clamp every gradient element into ``[-clip_value, clip_value]``."""
    for p in _grads(parameters):
        if isinstance(p.grad, np.ndarray):
            p.grad = np.clip(p.grad, -clip_value, clip_value)
        else:
            p.grad = min(max(p.grad, -clip_value), clip_value)
