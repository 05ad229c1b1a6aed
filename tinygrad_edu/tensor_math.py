"""Tensor ops, part 2: elementwise functions, comparisons, reductions, the softmax family
(maximum, minimum and where, functions of two tensors, are in tensor_select.py).

Each method is forward and backward side by side; `Tensor` inherits them from `MathOps`.
A reduction's backward spreads the gradient back over the axes it removed.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .tensor_select import maximum, minimum

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["MathOps"]

Axis = int | tuple[int, ...] | None


def _axes(axis: Axis, ndim: int, op: str) -> tuple[int, ...]:
    """Normalise an axis argument (int, tuple, negative or None = all) to sorted positives.

    As in PyTorch, a 0-d tensor accepts axis 0 or -1 (and reduces over nothing)."""
    if axis is None:
        return tuple(range(ndim))
    axes = (axis,) if isinstance(axis, (int, np.integer)) else axis
    if not isinstance(axes, (tuple, list)) or not all(
            isinstance(ax, (int, np.integer)) and not isinstance(ax, bool) for ax in axes):
        raise TypeError(f"{op}: axis must be an int, a tuple of ints or None, got {axis!r}")
    if len(axes) == 0:
        # numpy reduces over nothing, PyTorch over everything: refuse rather than guess
        raise ValueError(f"{op}: axis=() is ambiguous; pass axis=None to reduce every axis")
    out = []
    for ax in axes:
        if not -max(ndim, 1) <= ax < max(ndim, 1):
            raise ValueError(f"{op}: axis {ax} is out of range for a tensor with {ndim} dims")
        out.append(int(ax) % max(ndim, 1))
    if len(set(out)) != len(out):
        raise ValueError(f"{op}: axis {axis} repeats an axis")
    return tuple(sorted(out)) if ndim else ()


def _pick(axis: Axis, dim: Axis, keepdims: bool, keepdim: bool | None) -> tuple[Axis, bool]:
    # accept PyTorch's spelling (dim=, keepdim=) beside numpy's (axis=, keepdims=)
    return (axis if dim is None else dim), (keepdims if keepdim is None else keepdim)


def _kept(shape: tuple[int, ...], axes: tuple[int, ...]) -> tuple[int, ...]:
    """`shape` with the reduced axes kept as size 1: the reduced grad broadcasts from it."""
    return tuple([1 if i in axes else n for i, n in enumerate(shape)])


def _float(x: np.ndarray) -> np.ndarray:
    # as in PyTorch, an int or bool tensor goes through a float function as float32
    # (numpy would make float64, or keep sigmoid's and leaky_relu's results as ints)
    return x.astype(np.float32) if x.dtype.kind in "biu" else x


def _spread(grad: np.ndarray, kept: tuple[int, ...], shape: tuple[int, ...]) -> np.ndarray:
    """A new array of `shape` holding the reduced `grad` copied along the reduced axes."""
    out = np.empty(shape, dtype=grad.dtype)
    out[...] = grad.reshape(kept)
    return out


class MathOps:
    """Elementwise math, comparisons and reductions, mixed into `Tensor`."""

    __slots__ = ()

    data: np.ndarray

    # ---- elementwise -----------------------------------------------------------------
    def exp(self) -> Tensor:
        a, e = self, np.exp(_float(self.data))
        def backward(grad):                         # d(e^x)/dx = e^x
            a._accumulate(grad * e)
        return self._make(e, (a,), "exp", backward)

    def log(self) -> Tensor:
        """Natural log. As in PyTorch, log(0) = -inf and log(x < 0) = nan (no exception);
        use `detect_anomaly()` to find where such values first appear."""
        a = self
        def backward(grad):                         # d(ln x)/dx = 1/x
            with np.errstate(divide="ignore", invalid="ignore"):
                a._accumulate(grad / a.data)
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._make(np.log(_float(self.data)), (a,), "log", backward)

    def log1p(self) -> Tensor:
        """ln(1 + x), accurate for tiny x."""
        a = self
        def backward(grad):                         # 1 / (1 + x)
            with np.errstate(divide="ignore", invalid="ignore"):
                a._accumulate(grad / (1 + a.data))
        with np.errstate(divide="ignore", invalid="ignore"):
            return self._make(np.log1p(_float(self.data)), (a,), "log1p", backward)

    def sqrt(self) -> Tensor:
        a = self
        with np.errstate(invalid="ignore"):
            s = np.sqrt(_float(self.data))
        def backward(grad):                         # d(sqrt x)/dx = 1 / (2 sqrt x)
            with np.errstate(divide="ignore", invalid="ignore"):
                a._accumulate(grad * 0.5 / s)
        return self._make(s, (a,), "sqrt", backward)

    def tanh(self) -> Tensor:
        a, t = self, np.tanh(_float(self.data))
        def backward(grad):                         # 1 - tanh^2
            a._accumulate(grad * (1 - t * t))
        return self._make(t, (a,), "tanh", backward)

    def sigmoid(self) -> Tensor:
        """1 / (1 + e^-x), computed from e^-|x| so it never overflows."""
        a, x = self, _float(self.data)
        e = np.exp(-np.abs(x))
        s = np.where(x >= 0, 1 / (1 + e), e / (1 + e)).astype(x.dtype, copy=False)
        def backward(grad):                         # sigma (1 - sigma)
            a._accumulate(grad * s * (1 - s))
        return self._make(s, (a,), "sigmoid", backward)

    def relu(self) -> Tensor:
        """max(0, x); its slope at exactly 0 is taken as 0, as in PyTorch."""
        a, pos = self, self.data > 0
        def backward(grad):
            a._accumulate(grad * pos)
        return self._make(np.maximum(self.data, 0), (a,), "relu", backward)

    def leaky_relu(self, negative_slope: float = 0.01) -> Tensor:
        """x for x > 0, else negative_slope * x (slope at 0: negative_slope, as PyTorch).
        An int tensor gives float32 (PyTorch refuses ints here)."""
        a, x = self, _float(self.data)
        k = np.where(x > 0, 1.0, negative_slope).astype(x.dtype)
        def backward(grad):
            a._accumulate(grad * k)
        return self._make(x * k, (a,), "leaky_relu", backward)

    def abs(self) -> Tensor:
        """|x| with slope sign(x), and sign(0) = 0 as in PyTorch."""
        a = self
        def backward(grad):
            a._accumulate(grad * np.sign(a.data))
        return self._make(np.abs(self.data), (a,), "abs", backward)

    __abs__ = abs

    def clip(self, min: Any = None, max: Any = None) -> Tensor:
        """Clamp into [min, max]; the gradient passes where min <= x <= max (PyTorch's rule).
        Tensor bounds work too (elementwise, broadcast), and then receive gradient as well."""
        if min is None and max is None:
            raise ValueError("clip: give at least one of min and max")
        if isinstance(min, type(self)) or isinstance(max, type(self)):  # Tensor bounds
            out = self if min is None else maximum(self, min)
            return out if max is None else minimum(out, max)
        a, x = self, self.data
        if isinstance(min, (float, np.floating)) or isinstance(max, (float, np.floating)):
            x = _float(x)                           # an int tensor clipped to 0.5 is float32
        inside = np.ones(x.shape, dtype=bool)
        if min is not None:
            inside &= x >= min
        if max is not None:
            inside &= x <= max
        def backward(grad):
            a._accumulate(grad * inside)
        return self._make(np.clip(x, min, max), (a,), "clip", backward)

    clamp = clip

    def maximum(self, other: Any) -> Tensor:
        return maximum(self, other)

    def minimum(self, other: Any) -> Tensor:
        return minimum(self, other)

    # ---- comparisons: results are bool tensors that carry no gradient -----------------
    def _compare(self, other: Any, op: str, fn: Callable) -> Tensor:
        return self._wrap(self._binary(other, op, fn)[1])

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, "lt", np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, "le", np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, "gt", np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, "ge", np.greater_equal)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        if other is None or isinstance(other, str):
            return NotImplemented                   # x == None is False, as in PyTorch
        return self._compare(other, "eq", np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        if other is None or isinstance(other, str):
            return NotImplemented
        return self._compare(other, "ne", np.not_equal)

    # ---- dtype casts (differentiable between float dtypes: the gradient is cast back) -----
    def to(self, dtype: Any) -> Tensor:
        dt = np.dtype(dtype)
        if dt == self.data.dtype:
            return self
        if dt.kind != "f":                          # an int or bool result has no gradient
            return self._wrap(self.data.astype(dt))
        a = self
        def backward(grad):
            a._accumulate(grad.astype(a.data.dtype))
        return self._make(self.data.astype(dt), (a,), "to", backward)

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)

    # ---- reductions ------------------------------------------------------------------
    def sum(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None) -> Tensor:
        axis, keepdims = _pick(axis, dim, keepdims, keepdim)
        a, axes = self, _axes(axis, self.data.ndim, "sum")
        kept = _kept(self.data.shape, axes)
        def backward(grad):                         # every input element counted once
            a._accumulate(_spread(grad, kept, a.data.shape))
        return self._make(self.data.sum(axis=axes, keepdims=keepdims), (a,), "sum", backward)

    def mean(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
             keepdim: bool | None = None) -> Tensor:
        axis, keepdims = _pick(axis, dim, keepdims, keepdim)
        a, axes = self, _axes(axis, self.data.ndim, "mean")
        kept = _kept(self.data.shape, axes)
        n = math.prod([self.data.shape[i] for i in axes])
        def backward(grad):                         # each element weighs 1/n
            a._accumulate(_spread(grad / n, kept, a.data.shape))
        # an int or bool tensor's mean is float32: PyTorch refuses it (.float().mean()), numpy
        # gives float64; x.mean() of a mask is how a learner counts, so we answer it
        out = _float(self.data).mean(axis=axes, keepdims=keepdims)
        return self._make(out, (a,), "mean", backward)

    def _extreme(self, axis: Axis, keepdims: bool, op: str, fn: Any) -> Tensor:
        a, axes = self, _axes(axis, self.data.ndim, op)
        empty = [i for i in axes if self.data.shape[i] == 0]
        if empty:  # an empty row has no largest element (other axes may be empty, as torch)
            raise ValueError(f"{op}: cannot reduce over axis {empty[0]} of size 0 "
                             f"(tensor of shape {self.shape})")
        m = fn(self.data, axis=axes, keepdims=True)
        kept = m.shape
        def backward(grad):
            # ties share the gradient equally (PyTorch's rule for amax/amin and full max())
            hit = (a.data == m) | (np.isnan(a.data) & np.isnan(m))  # a nan max is the nan
            share = grad.reshape(kept) / hit.sum(axis=axes, keepdims=True)
            a._accumulate(hit * share)
        out = m if keepdims else m.reshape([n for i, n in enumerate(m.shape) if i not in axes])
        return self._make(out, (a,), op, backward)

    def max(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None) -> Tensor:
        """Largest element(s). Ties split the gradient equally, like torch.amax (torch.max
        with a dim returns indices too and sends the whole gradient to one of them)."""
        return self._extreme(*_pick(axis, dim, keepdims, keepdim), "max", np.max)

    def min(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
            keepdim: bool | None = None) -> Tensor:
        """Smallest element(s). Ties split the gradient equally, like torch.amin."""
        return self._extreme(*_pick(axis, dim, keepdims, keepdim), "min", np.min)

    amax, amin = max, min

    def var(self, axis: Axis = None, keepdims: bool = False, correction: int = 1, *,
            dim: Axis = None, keepdim: bool | None = None) -> Tensor:
        """Variance with PyTorch's default Bessel correction (divide by n - 1), not numpy's n."""
        axis, keepdims = _pick(axis, dim, keepdims, keepdim)
        a, axes = self, _axes(axis, self.data.ndim, "var")
        kept = _kept(self.data.shape, axes)
        n = math.prod([self.data.shape[i] for i in axes])
        x = _float(self.data)                       # ints: float32, as mean (torch refuses)
        centered = x - x.mean(axis=axes, keepdims=True)
        denom = max(n - correction, 0)
        with np.errstate(divide="ignore", invalid="ignore"):
            out = (centered * centered).sum(axis=axes, keepdims=keepdims) / denom
        def backward(grad):                         # d/dx_i = 2 (x_i - mean) / (n - c)
            with np.errstate(divide="ignore", invalid="ignore"):
                a._accumulate(grad.reshape(kept) * 2 * centered / denom)
        return self._make(out, (a,), "var", backward)

    def argmax(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
               keepdim: bool | None = None) -> Tensor:
        return self._arg(*_pick(axis, dim, keepdims, keepdim), "argmax", np.argmax)

    def argmin(self, axis: int | None = None, keepdims: bool = False, *, dim: int | None = None,
               keepdim: bool | None = None) -> Tensor:
        return self._arg(*_pick(axis, dim, keepdims, keepdim), "argmin", np.argmin)

    def _arg(self, axis: int | None, keepdims: bool, op: str, fn: Any) -> Tensor:
        """The int64 index of the largest/smallest element (flat if axis is None)."""
        if axis is not None and (not isinstance(axis, (int, np.integer)) or isinstance(axis, bool)):
            raise TypeError(f"{op}: axis must be an int or None, got {axis!r}")
        axes = _axes(axis, self.data.ndim, op)
        if any(self.data.shape[i] == 0 for i in axes):
            raise ValueError(f"{op}: no {op[3:]} of an empty axis (tensor of shape {self.shape})")
        if self.data.ndim == 0:
            return self._wrap(np.array(0))
        out = fn(self.data, axis=None if axis is None else axes[0], keepdims=keepdims)
        return self._wrap(np.asarray(out, dtype=np.int64))

    def any(self) -> bool:
        return bool(self.data.any())

    def all(self) -> bool:
        return bool(self.data.all())

    # ---- softmax family (stable: shift by the max before exp) -------------------------
    def logsumexp(self, axis: Axis = None, keepdims: bool = False, *, dim: Axis = None,
                  keepdim: bool | None = None) -> Tensor:
        axis, keepdims = _pick(axis, dim, keepdims, keepdim)
        a, axes = self, _axes(axis, self.data.ndim, "logsumexp")
        # initial=-inf: an empty axis sums to 0, so its logsumexp is -inf (as torch)
        x = _float(self.data)
        m = np.max(x, axis=axes, keepdims=True, initial=-np.inf)
        m = np.where(np.isfinite(m), m, 0)
        e = np.exp(x - m)
        s = e.sum(axis=axes, keepdims=True)
        with np.errstate(divide="ignore"):
            out = np.log(s) + m
        kept = out.shape
        def backward(grad):                         # d lse / dx_i = softmax_i
            a._accumulate(grad.reshape(kept) * (e / s))
        if not keepdims:
            out = out.reshape([n for i, n in enumerate(kept) if i not in axes])
        return self._make(out, (a,), "logsumexp", backward)

    def softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        axis = axis if dim is None else dim
        a, ax, x = self, _axes(axis, self.data.ndim, "softmax"), _float(self.data)
        e = np.exp(x - x.max(axis=ax, keepdims=True, initial=-np.inf))
        s = e / e.sum(axis=ax, keepdims=True)
        def backward(grad):                         # s * (g - sum(g s))
            a._accumulate(s * (grad - (grad * s).sum(axis=ax, keepdims=True)))
        return self._make(s, (a,), "softmax", backward)

    def log_softmax(self, axis: int = -1, *, dim: int | None = None) -> Tensor:
        axis = axis if dim is None else dim
        a, ax, x = self, _axes(axis, self.data.ndim, "log_softmax"), _float(self.data)
        shifted = x - x.max(axis=ax, keepdims=True, initial=-np.inf)
        e = np.exp(shifted)
        s = e.sum(axis=ax, keepdims=True)
        with np.errstate(divide="ignore"):          # an empty axis sums to 0
            out = shifted - np.log(s)
        def backward(grad):                         # g - softmax * sum(g)
            a._accumulate(grad - (e / s) * grad.sum(axis=ax, keepdims=True))
        return self._make(out, (a,), "log_softmax", backward)
