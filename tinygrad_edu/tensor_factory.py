"""Ways to make a Tensor: zeros, ones, full, randn, rand, arange, eye, and the *_like forms.

As in PyTorch the default dtype is float32. Random factories take `seed`, an int or a
numpy Generator, so every run of a tutorial gives the same numbers.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .tensor import Tensor

__all__ = ["zeros", "ones", "full", "randn", "rand", "arange", "eye", "zeros_like",
           "ones_like", "full_like", "randn_like", "rand_like", "rng"]

Seed = int | np.random.Generator | None


def rng(seed: Seed = None) -> np.random.Generator:
    """A numpy Generator from an int seed, or the Generator itself (shared state)."""
    return seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)


def _shape(shape: tuple, op: str) -> tuple[int, ...]:
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    if any(not isinstance(n, (int, np.integer)) or isinstance(n, bool) or n < 0 for n in shape):
        raise ValueError(f"{op}: sizes must be non-negative integers, got {shape}")
    return tuple(int(n) for n in shape)


def _new(arr: np.ndarray, dtype: Any, requires_grad: bool) -> Tensor:
    t = Tensor._wrap(arr.astype(np.float32 if dtype is None else dtype, copy=False))
    return t.requires_grad_(True) if requires_grad else t


def zeros(*shape: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of zeros; ``zeros(2, 3)`` and ``zeros((2, 3))`` both work (float32 by default)."""
    return _new(np.zeros(_shape(shape, "zeros")), dtype, requires_grad)


def ones(*shape: int, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """A tensor of ones; ``ones(2, 3)`` and ``ones((2, 3))`` both work (float32 by default)."""
    return _new(np.ones(_shape(shape, "ones")), dtype, requires_grad)


def full(shape: int | tuple[int, ...], fill_value: float, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Like torch.full: the dtype follows the fill value (float32, int64 or bool)."""
    if dtype is None and isinstance(fill_value, (bool, np.bool_)):
        dtype = np.bool_
    elif dtype is None and isinstance(fill_value, (int, np.integer)):
        dtype = np.int64
    return _new(np.full(_shape((shape,), "full"), fill_value), dtype, requires_grad)


def _floating(dtype: Any, op: str) -> Any:
    # casting random floats to an int dtype would silently give (mostly) zeros
    if dtype is not None and np.dtype(dtype).kind != "f":
        raise TypeError(f"{op}: random samples need a floating-point dtype, got "
                        f"{np.dtype(dtype)} (as in PyTorch)")
    return dtype


def randn(*shape: int, seed: Seed = None, dtype: Any = None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    dtype = _floating(dtype, "randn")
    return _new(rng(seed).standard_normal(_shape(shape, "randn")), dtype, requires_grad)


def rand(*shape: int, seed: Seed = None, dtype: Any = None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1)."""
    dtype = _floating(dtype, "rand")
    return _new(rng(seed).random(_shape(shape, "rand")), dtype, requires_grad)


def arange(start: float, end: float | None = None, step: float = 1, dtype: Any = None,
           requires_grad: bool = False) -> Tensor:
    """Like torch.arange: integers give int64 unless a dtype is given, floats give float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise ValueError("arange: step must not be 0")
    if not all(np.isfinite(v) for v in (start, end, step)):
        raise ValueError(f"arange: start, end and step must be finite, got {start}, {end}, {step}")
    arr = np.arange(start, end, step)
    if dtype is None and arr.dtype.kind == "i":
        dtype = np.int64
    return _new(arr, dtype, requires_grad)


def eye(n: int, m: int | None = None, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """The (n, m) identity matrix, ones on the diagonal (m defaults to n; float32)."""
    n, m = _shape((n, n if m is None else m), "eye")
    return _new(np.eye(n, m), dtype, requires_grad)


def _like(t: Any, op: str) -> Tensor:
    if not isinstance(t, Tensor):
        raise TypeError(f"{op}: expected a Tensor, got {type(t).__name__} (as in PyTorch)")
    return t


def zeros_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Zeros of `t`'s shape and dtype (unless `dtype` is given); never part of t's graph."""
    t = _like(t, "zeros_like")
    return zeros(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def ones_like(t: Tensor, dtype: Any = None, requires_grad: bool = False) -> Tensor:
    """Ones of `t`'s shape and dtype (unless `dtype` is given); never part of t's graph."""
    t = _like(t, "ones_like")
    return ones(t.shape, dtype=dtype or t.dtype, requires_grad=requires_grad)


def full_like(t: Tensor, fill_value: float, dtype: Any = None,
              requires_grad: bool = False) -> Tensor:
    """`fill_value` everywhere, in `t`'s shape and dtype (unless `dtype` is given)."""
    t = _like(t, "full_like")
    return full(t.shape, fill_value, dtype=dtype or t.dtype, requires_grad=requires_grad)


def randn_like(t: Tensor, seed: Seed = None, dtype: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Standard normal samples in `t`'s shape and dtype (unless `dtype` is given)."""
    t = _like(t, "randn_like")
    return randn(t.shape, seed=seed, dtype=dtype or t.dtype, requires_grad=requires_grad)


def rand_like(t: Tensor, seed: Seed = None, dtype: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Uniform samples in [0, 1) in `t`'s shape and dtype (unless `dtype` is given)."""
    t = _like(t, "rand_like")
    return rand(t.shape, seed=seed, dtype=dtype or t.dtype, requires_grad=requires_grad)
