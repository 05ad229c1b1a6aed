"""Tensor ops, part 3: reshaping, reordering axes, indexing, joining.

These ops move numbers around without changing them, so each backward moves the
gradient back the same way: reshape it back, permute it back, scatter it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

if TYPE_CHECKING:
    from .tensor import Tensor


def _shape_args(shape: tuple) -> tuple[int, ...]:
    # accept both reshape(2, 3) and reshape((2, 3)), as PyTorch does
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        return tuple(shape[0])
    return tuple(shape)


def _dim(d: int, ndim: int, op: str) -> int:
    if not -ndim <= d < ndim:
        raise ValueError(f"{op}: dim {d} is out of range for a tensor with {ndim} dims")
    return d % ndim


class ShapeOps:
    """Shape and indexing ops, mixed into `Tensor`."""

    __slots__ = ()

    data: np.ndarray

    def reshape(self, *shape: int) -> Tensor:
        shape = _shape_args(shape)
        a = self
        try:
            out = self.data.reshape(shape)
        except ValueError:
            raise ValueError(f"reshape: cannot reshape {self.shape} ({self.data.size} elements) "
                             f"into {shape}") from None
        def backward(grad):
            a._accumulate(grad.reshape(a.shape))
        return self._make(out, (a,), "reshape", backward)

    view = reshape

    def permute(self, *dims: int) -> Tensor:
        dims = _shape_args(dims)
        if sorted(d % max(self.ndim, 1) for d in dims) != list(range(self.ndim)):
            raise ValueError(f"permute: {dims} is not a permutation of the {self.ndim} dims of "
                             f"a tensor of shape {self.shape}")
        a, inverse = self, np.argsort([d % self.ndim for d in dims])
        def backward(grad):                         # apply the inverse permutation
            a._accumulate(grad.transpose(inverse))
        return self._make(self.data.transpose(dims), (a,), "permute", backward)

    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        """Swap two axes (PyTorch's meaning; for numpy's full reversal use `.T`)."""
        dims = list(range(self.ndim))
        i, j = _dim(dim0, self.ndim, "transpose"), _dim(dim1, self.ndim, "transpose")
        dims[i], dims[j] = dims[j], dims[i]
        return self.permute(*dims)

    @property
    def T(self) -> Tensor:
        return self.permute(*reversed(range(self.ndim)))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        if self.ndim == 0:
            return self.reshape(1)
        s, e = _dim(start_dim, self.ndim, "flatten"), _dim(end_dim, self.ndim, "flatten")
        shape = self.shape[:s] + (int(np.prod(self.shape[s:e + 1])),) + self.shape[e + 1:]
        return self.reshape(shape)

    def expand(self, *sizes: int) -> Tensor:
        """Broadcast to a larger shape without copying; -1 keeps a dimension."""
        sizes = _shape_args(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0:
            raise ValueError(f"expand: {sizes} has fewer dims than the tensor's {self.shape}")
        target = tuple(self.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
        from .tensor import unbroadcast
        a = self
        try:
            out = np.broadcast_to(self.data, target)
        except ValueError:
            raise ValueError(f"expand: cannot expand {self.shape} to {sizes}") from None
        def backward(grad):
            a._accumulate(unbroadcast(grad, a.shape))
        return self._make(out, (a,), "expand", backward)

    def squeeze(self, dim: int | None = None) -> Tensor:
        if dim is None:
            shape = tuple(n for n in self.shape if n != 1)
        else:
            d = _dim(dim, self.ndim, "squeeze")
            shape = self.shape if self.shape[d] != 1 else self.shape[:d] + self.shape[d + 1:]
        return self.reshape(shape)

    def unsqueeze(self, dim: int) -> Tensor:
        d = _dim(dim, self.ndim + 1, "unsqueeze")
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def __getitem__(self, index: Any) -> Tensor:
        """Numpy indexing: ints, slices, None, ..., integer arrays (repeats allowed), masks."""
        from .tensor import Tensor
        if isinstance(index, Tensor):
            index = index.data
        elif isinstance(index, tuple):
            index = tuple(i.data if isinstance(i, Tensor) else i for i in index)
        elif isinstance(index, list):
            index = np.asarray(index)
        try:
            out = self.data[index]
        except IndexError as e:
            raise IndexError(f"index: {e} (tensor of shape {self.shape})") from None
        a = self
        advanced = isinstance(index, np.ndarray) or (
            isinstance(index, tuple) and any(isinstance(i, (np.ndarray, list)) for i in index))
        def backward(grad):
            g = np.zeros_like(a.data)
            if advanced:                            # repeated indices must add up, not overwrite
                np.add.at(g, index, grad)
            else:
                g[index] = grad
            a._accumulate(g)
        return self._make(np.asarray(out), (a,), "index", backward)


def concatenate(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join tensors along an existing axis; the gradient is split back into the pieces."""
    from .tensor import Tensor
    ts = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not ts:
        raise ValueError("concatenate: needs at least one tensor")
    try:
        out = np.concatenate([t.data for t in ts], axis=axis)
    except (ValueError, np.exceptions.AxisError):
        raise ValueError(f"concatenate: shapes {[t.shape for t in ts]} do not fit together "
                         f"along axis {axis}") from None
    ax = axis % out.ndim
    cuts = np.cumsum([t.shape[ax] for t in ts])[:-1]
    def backward(grad):
        for t, g in zip(ts, np.split(grad, cuts, axis=ax)):
            if t.requires_grad:
                t._accumulate(g)
    return Tensor._make(out, tuple(ts), "concatenate", backward)


cat = concatenate


def stack(tensors: Sequence[Any], axis: int = 0) -> Tensor:
    """Join same-shape tensors along a new axis."""
    from .tensor import Tensor
    ts = [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]
    if not ts:
        raise ValueError("stack: needs at least one tensor")
    if len({t.shape for t in ts}) > 1:
        raise ValueError(f"stack: all tensors need the same shape, got {[t.shape for t in ts]}")
    ax = _dim(axis, ts[0].ndim + 1, "stack")
    return concatenate([t.unsqueeze(ax) for t in ts], axis=ax)
