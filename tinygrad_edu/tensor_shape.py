"""Tensor ops, part 3: reshaping, reordering axes, indexing, joining.

These ops move numbers around without changing them, so each backward moves the
gradient back the same way: reshape it back, permute it back, scatter it back.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

import numpy as np

from .tensor_arith import _touch, result_dtype, unbroadcast

if TYPE_CHECKING:
    from .tensor import Tensor


def _shape_args(shape: tuple) -> tuple[int, ...]:
    # accept both reshape(2, 3) and reshape((2, 3)), as PyTorch does
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    for n in shape:
        if not isinstance(n, (int, np.integer)) or isinstance(n, bool):
            raise TypeError(f"sizes must be integers, got {shape}")
    return tuple(int(n) for n in shape)


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
            a._accumulate(grad.reshape(a.data.shape))
        return _view(self._make(out, (a,), "reshape", backward), self)

    view = reshape

    def permute(self, *dims: int) -> Tensor:
        dims = _shape_args(dims)
        n = self.data.ndim
        inverse = [-1] * n
        for i, d in enumerate(dims):
            if -n <= d < n and i < n:
                inverse[d] = i
        if len(dims) != n or -1 in inverse:
            raise ValueError(f"permute: {dims} is not a permutation of the {n} dims of "
                             f"a tensor of shape {self.shape}")
        a = self
        def backward(grad):                         # apply the inverse permutation
            a._accumulate(grad.transpose(inverse))
        return _view(self._make(self.data.transpose(dims), (a,), "permute", backward), self)

    def transpose(self, dim0: int = -2, dim1: int = -1) -> Tensor:
        """Swap two axes (PyTorch's meaning; for numpy's full reversal use `.T`)."""
        dims = list(range(self.ndim))
        i, j = _dim(dim0, self.ndim, "transpose"), _dim(dim1, self.ndim, "transpose")
        dims[i], dims[j] = dims[j], dims[i]
        return self.permute(*dims)

    @property
    def T(self) -> Tensor:
        """All axes reversed; a 0-d or 1-D tensor is returned as it is (as in PyTorch)."""
        if self.data.ndim < 2:
            return self
        return self.permute(*reversed(range(self.data.ndim)))

    def flatten(self, start_dim: int = 0, end_dim: int = -1) -> Tensor:
        if self.ndim == 0:
            return self.reshape(1)
        s, e = _dim(start_dim, self.ndim, "flatten"), _dim(end_dim, self.ndim, "flatten")
        if s > e:
            raise ValueError(f"flatten: start_dim {start_dim} comes after end_dim {end_dim}")
        shape = self.shape[:s] + (int(np.prod(self.shape[s:e + 1])),) + self.shape[e + 1:]
        return self.reshape(shape)

    def expand(self, *sizes: int) -> Tensor:
        """Broadcast to a larger shape without copying; -1 keeps a dimension."""
        sizes = _shape_args(sizes)
        lead = len(sizes) - self.ndim
        if lead < 0 or any(n == -1 for n in sizes[:lead]):
            raise ValueError(f"expand: cannot expand {self.shape} to {sizes} (a new leading dim "
                             "needs a size, and the tensor's dims must all stay)")
        target = tuple(self.shape[i - lead] if n == -1 else n for i, n in enumerate(sizes))
        a = self
        try:
            out = np.broadcast_to(self.data, target)
        except ValueError:
            raise ValueError(f"expand: cannot expand {self.shape} to {sizes}: only size-1 dims "
                             "can grow") from None
        def backward(grad):
            a._accumulate(unbroadcast(grad, a.data.shape))
        return self._make(out, (a,), "expand", backward)

    def squeeze(self, dim: int | tuple[int, ...] | None = None) -> Tensor:
        """Remove size-1 dims: all of them, or those of `dim` (an int or a tuple) that have
        size 1; a listed dim of another size stays, as in PyTorch."""
        if dim is None:
            shape = tuple(n for n in self.shape if n != 1)
        else:
            drop = {_dim(d, max(self.ndim, 1), "squeeze") for d in _shape_args((dim,))}
            shape = tuple(n for i, n in enumerate(self.shape) if not (i in drop and n == 1))
            if shape == self.shape:
                return self
        return self.reshape(shape)

    def unsqueeze(self, dim: int) -> Tensor:
        d = _dim(dim, self.ndim + 1, "unsqueeze")
        return self.reshape(self.shape[:d] + (1,) + self.shape[d:])

    def __getitem__(self, index: Any) -> Tensor:
        """Numpy indexing: ints, slices, None, ..., integer arrays (repeats allowed), masks."""
        index = _index(index)
        try:
            out = self.data[index]
        except IndexError as e:
            raise IndexError(f"index: {e} (tensor of shape {self.shape})") from None
        a = self
        advanced = isinstance(index, np.ndarray) or (
            isinstance(index, tuple) and any(isinstance(i, np.ndarray) for i in index))
        if advanced:  # backward scatters with these arrays: a later x[i] = v must not move them
            index = index.copy() if isinstance(index, np.ndarray) else tuple(
                i.copy() if isinstance(i, np.ndarray) else i for i in index)
        def backward(grad):
            g = np.zeros_like(a.data)
            if advanced:                            # repeated indices must add up, not overwrite
                np.add.at(g, index, grad)
            else:
                g[index] = grad
            a._accumulate(g)
        return _view(self._make(np.asarray(out), (a,), "index", backward), self)

    def __setitem__(self, index: Any, value: Any) -> None:
        """``x[index] = value`` writes into x, as in PyTorch (an op recorded earlier that
        used x then refuses to backpropagate). While the graph is recorded, a tensor or a
        value that requires grad is refused: PyTorch rewrites the graph there; here build
        the result with `where`, `cat` or `stack`."""
        from .autograd import _mode
        from .tensor import Tensor
        grad_value = isinstance(value, Tensor) and value.requires_grad
        if _mode.grad_enabled and (self.requires_grad or grad_value):
            which = "this tensor requires grad" if self.requires_grad else "the value requires grad"
            raise RuntimeError(f"setitem: x[...] = value while the graph is recorded, and {which}: "
                               "build the result with where(), cat() or stack() instead, or "
                               "write inside `with no_grad():`")
        index = _index(index)
        v = value.data if isinstance(value, Tensor) else value
        if not self.data.flags.writeable:
            raise ValueError("setitem: this tensor's data is read-only (an expand() result "
                             "repeats one value in many places); copy it first")
        try:
            self.data[index] = v
        except IndexError as e:
            raise IndexError(f"setitem: {e} (tensor of shape {self.shape})") from None
        except ValueError as e:
            raise ValueError(f"setitem: cannot store a value of shape {np.shape(v)} in "
                             f"x[index] of shape {np.shape(self.data[index])}: {e}") from None
        _touch(self)


def _view(out: Tensor, src: Tensor) -> Tensor:
    """Note that `out` shares `src`'s memory (numpy made a view, not a copy), so an in-place
    change through either counts as a change of both in backward's check, as in PyTorch."""
    if out.data.base is not None and np.may_share_memory(out.data, src.data):
        out._base = src if src._base is None else src._base
    return out


def _index(index: Any) -> Any:
    """An index with Tensors and lists turned into the arrays numpy indexes with."""
    from .tensor import Tensor
    if isinstance(index, Tensor):
        return index.data
    if isinstance(index, tuple):
        return tuple(i.data if isinstance(i, Tensor) else
                     np.asarray(i) if isinstance(i, list) else i for i in index)
    if isinstance(index, list):
        if any(isinstance(i, (list, tuple, Tensor, np.ndarray)) for i in index):
            # torch reads x[[rows, cols]] as x[rows, cols]; numpy as one 2-D index array
            raise IndexError("index: a list of lists is ambiguous (PyTorch reads x[[r, c]] as "
                             "x[r, c], numpy as one 2-D index): write x[r, c], or "
                             "x[Tensor(...)] for a 2-D index")
        return np.asarray(index, dtype=np.intp) if not index else np.asarray(index)
    return index


def _as_tensors(tensors: Sequence[Any], op: str) -> list[Tensor]:
    from .tensor import Tensor
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{op}: expected a list or tuple of tensors, got {type(tensors).__name__}")
    if not tensors:
        raise ValueError(f"{op}: needs at least one tensor")
    return [t if isinstance(t, Tensor) else Tensor(t) for t in tensors]


def concatenate(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join tensors along an existing axis; the gradient is split back into the pieces."""
    from .tensor import Tensor
    ts = _as_tensors(tensors, "concatenate")
    axis = axis if dim is None else dim
    try:
        out = np.concatenate([t.data for t in ts], axis=axis,
                             dtype=result_dtype(*[t.data for t in ts]))
    except (ValueError, IndexError):  # numpy's AxisError is both
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


def stack(tensors: Sequence[Any], axis: int = 0, *, dim: int | None = None) -> Tensor:
    """Join same-shape tensors along a new axis; tensor i gets slice i of the gradient."""
    from .tensor import Tensor
    ts = _as_tensors(tensors, "stack")
    if len({t.shape for t in ts}) > 1:
        raise ValueError(f"stack: all tensors need the same shape, got {[t.shape for t in ts]}")
    ax = _dim(axis if dim is None else dim, ts[0].ndim + 1, "stack")
    out = np.stack([t.data for t in ts], axis=ax, dtype=result_dtype(*[t.data for t in ts]))
    def backward(grad):
        for i, t in enumerate(ts):
            if t.requires_grad:
                t._accumulate(np.take(grad, i, axis=ax))
    return Tensor._make(out, tuple(ts), "stack", backward)
