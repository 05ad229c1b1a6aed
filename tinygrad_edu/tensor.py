"""`Tensor`: a numpy array, its gradient, and how it was made.

The same idea as `Value`, one array at a time: each op computes its result with numpy
and, beside it, a closure ``backward(grad)`` that adds each input's share of ``grad``.

This file holds the class, construction and the graph plumbing (making an op's output,
accumulating gradients, backward). The ops live beside it, mixed into the class:
tensor_arith.py arithmetic and matmul, tensor_math.py elementwise functions, comparisons
and reductions, tensor_shape.py reshaping and indexing (and beside them, as functions:
tensor_select.py maximum, minimum, where). (One-node layers and losses,
such as ``linear`` and ``cross_entropy``, are in nn/functional.py.)
"""

from __future__ import annotations

import numbers
import threading
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from . import autograd
from .autograd import AnomalyError, _mode
from .tensor_arith import ArithOps, _clock, unbroadcast
from .tensor_math import MathOps
from .tensor_shape import ShapeOps

__all__ = ["Tensor", "unbroadcast"]

DTypeLike = Any


def _default_dtype(data: Any, arr: np.ndarray) -> np.dtype:
    # PyTorch's rule: Python floats (and lists of them) become float32, Python ints int64;
    # numpy arrays and numpy scalars keep their dtype.
    if isinstance(data, (np.ndarray, np.generic)):
        return arr.dtype
    if arr.dtype.kind == "f":
        return np.dtype(np.float32)
    if arr.dtype.kind in "iu":
        return np.dtype(np.int64)
    return arr.dtype


class _GradState(threading.local):
    # A gradient whose shape differs from its tensor's, noticed by `_accumulate` and
    # reported (naming the op) by `_check_grads`, which the driver runs after each closure.
    bad: tuple[tuple[int, ...], tuple[int, ...]] | None = None


_state = _GradState()


class Tensor(ArithOps, MathOps, ShapeOps):
    """An n-dimensional array that records the ops on it, so it can backpropagate.

    >>> x = Tensor([[1.0, 2.0]], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    array([[2., 4.]], dtype=float32)
    """

    __slots__ = ("data", "grad", "requires_grad", "label", "_prev", "_backward", "_op",
                 "_tick", "_base", "__weakref__")
    __array_ufunc__ = None  # `ndarray + Tensor` defers to Tensor.__radd__ instead of unwrapping

    def __init__(self, data: Any, requires_grad: bool = False, dtype: DTypeLike = None,
                 label: str = "") -> None:
        """Copy `data` (a number, nested lists, an ndarray or a Tensor) into a new leaf tensor.

        Like ``torch.tensor`` it copies, so updating this tensor in place never changes
        the array it came from; `detach()` is the way to share data.
        """
        if isinstance(data, Tensor):
            data = data.data
        elif type(data).__name__ == "Value":
            raise TypeError("Tensor(...): cannot build a Tensor from a Value; use Value.data")
        try:
            arr = np.array(data, dtype=dtype)
        except (ValueError, TypeError) as e:
            raise TypeError(f"Tensor(...): cannot make an array of {type(data).__name__}: {e}") \
                from None
        if arr.dtype == object or arr.dtype.kind in "USVM":
            if arr.dtype == object and any(type(x).__name__ == "Value" for x in arr.flat):
                raise TypeError("Tensor(...): got Value objects; the two engines do not mix: "
                                "use Tensor([v.data for v in values]), or stay with Values")
            raise TypeError(f"Tensor(...): data must be numbers, got dtype {arr.dtype}")
        if dtype is None:
            arr = arr.astype(_default_dtype(data, arr), copy=False)
        self.data: np.ndarray = arr
        self.grad: np.ndarray | None = None
        self.requires_grad = False
        self.label = label
        self._prev: tuple[Tensor, ...] = ()
        self._backward: Callable[[np.ndarray], None] | None = None
        self._op = ""
        self._tick = 0
        self._base: Tensor | None = None   # the tensor whose memory this one views, if any
        if requires_grad:
            self.requires_grad_(True)

    @staticmethod
    def _wrap(arr: np.ndarray) -> Tensor:
        """A leaf around `arr` itself (no copy, no checks): for results and constants."""
        t = Tensor.__new__(Tensor)
        t.data, t.grad, t.requires_grad, t.label = arr, None, False, ""
        t._prev, t._backward, t._op, t._tick, t._base = (), None, "", 0, None
        return t

    # ---- basics ------------------------------------------------------------------------
    @property
    def shape(self) -> tuple[int, ...]:
        return self.data.shape

    @property
    def ndim(self) -> int:
        return self.data.ndim

    @property
    def dtype(self) -> np.dtype:
        return self.data.dtype

    @property
    def op(self) -> str:
        return self._op

    @property
    def is_leaf(self) -> bool:
        return self._backward is None

    def numel(self) -> int:
        return self.data.size

    def size(self, dim: int | None = None) -> tuple[int, ...] | int:
        if dim is None:
            return self.data.shape
        if not -self.data.ndim <= dim < self.data.ndim:
            raise IndexError(f"size: dim {dim} is out of range for a tensor of shape {self.shape}")
        return self.data.shape[dim]

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

    def __iter__(self) -> Iterator[Tensor]:
        """The rows along the first axis, each a differentiable tensor (as in PyTorch)."""
        if self.data.ndim == 0:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self.data.shape[0]))

    def __repr__(self) -> str:
        body = np.array2string(self.data, separator=", ", prefix="Tensor(")
        extra = ""
        if self.data.dtype != np.float32:
            extra += f", dtype={self.data.dtype}"
        if self.requires_grad:
            extra += ", requires_grad=True" if self.is_leaf else f", op={self._op!r}"
        return f"Tensor({body}{extra})"

    __hash__ = object.__hash__  # nodes are identified by identity; == is elementwise

    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Mark a leaf tensor as a parameter (or input) whose gradient we want."""
        if requires_grad and self.data.dtype.kind != "f":
            raise TypeError(f"only floating-point tensors can require grad, got {self.data.dtype}"
                            " (make it with floats, e.g. [1.0, 2.0], or dtype='float32')")
        if not self.is_leaf and not requires_grad:
            raise RuntimeError("requires_grad_(False): only leaf tensors can change it; "
                               "use .detach() to cut a result off the graph")
        self.requires_grad = requires_grad
        return self

    def detach(self) -> Tensor:
        """The same data (shared, not copied) cut off from the graph."""
        out = Tensor._wrap(self.data)
        out._base = self if self._base is None else self._base   # one memory, one check
        return out

    def clone(self) -> Tensor:
        """A copy of the data that stays in the graph (its gradient passes straight back),
        so changing the copy in place leaves this tensor alone, as in PyTorch."""
        a = self
        def backward(grad):
            a._accumulate(grad)
        return self._make(self.data.copy(), (a,), "clone", backward)

    def numpy(self) -> np.ndarray:
        """The data itself (shared, as in PyTorch); refused while the tensor requires grad."""
        if self.requires_grad:
            raise RuntimeError("numpy(): can't call numpy() on a tensor that requires grad; use "
                               "tensor.detach().numpy() (as in PyTorch), or .data")
        return self.data

    def tolist(self) -> Any:
        return self.data.tolist()

    def __array__(self, dtype: DTypeLike = None, copy: bool | None = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors can become a Python number; "
                             f"this one has shape {self.shape}")
        return self.data.item()

    def __index__(self) -> int:
        """A one-element integer tensor as an index: ``names[logits.argmax()]``, as PyTorch."""
        if self.data.dtype.kind not in "iu" or self.data.size != 1:
            raise TypeError(f"only integer tensors of a single element can be used as an index; "
                            f"this one has dtype {self.dtype} and shape {self.shape}")
        return int(self.data.item())

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.data.size != 1:
            raise ValueError(f"the truth value of a tensor of shape {self.shape} is ambiguous; "
                             "use .any() or .all()")
        return bool(self.data.item())

    # ---- graph plumbing ----------------------------------------------------------------
    @staticmethod
    def _make(data: Any, parents: tuple[Tensor, ...], op: str,
              backward: Callable[[np.ndarray], None]) -> Tensor:
        """The output of an op: it keeps parents and closure only if a parent needs grad."""
        out = Tensor.__new__(Tensor)
        out.data = data if type(data) is np.ndarray else np.asarray(data)
        out.grad, out.label, out._op, out._tick, out._base = None, "", op, _clock[0], None
        out.requires_grad, out._prev, out._backward = False, (), None
        if _mode.grad_enabled:
            for p in parents:
                if p.requires_grad:
                    out.requires_grad, out._prev, out._backward = True, parents, backward
                    break
        if _mode.anomaly and out.data.dtype.kind == "f" and not np.isfinite(out.data).all():
            shapes = ", ".join(str(p.shape) for p in parents)
            raise AnomalyError(f"{op}: forward produced nan or inf from inputs of shape {shapes}")
        return out

    def _accumulate(self, grad: np.ndarray) -> None:
        """Add `grad` (d loss / d self) into ``self.grad``.

        The engine never writes into a stored gradient (a second contribution makes a
        new array), so a closure may pass its upstream array on without copying it.
        """
        data = self.data
        if type(grad) is not np.ndarray or grad.dtype != data.dtype:
            grad = np.asarray(grad, dtype=data.dtype)
        if grad.shape != data.shape:  # reported by _check_grads, which knows the op
            _state.bad = (grad.shape, data.shape)
            return
        if self.grad is None:
            # a leaf's grad is the user's to read and edit: give it a plain, writeable array
            if self._backward is None and not (grad.flags.c_contiguous and grad.flags.writeable):
                grad = grad.copy()
            self.grad = grad
        else:
            self.grad = self.grad + grad

    def _coerce(self, other: Any, op: str) -> Tensor:
        """Turn the other operand of a binary op into a Tensor (a constant if it is a number)."""
        if isinstance(other, Tensor):
            return other
        kind = type(other)
        if kind is float or kind is int or kind is bool or isinstance(other, numbers.Number):
            # as in PyTorch, a Python number takes this tensor's dtype, unless it is a float
            # meeting an integer tensor (float32) or an int meeting a bool tensor (int64)
            dt = self.data.dtype
            if dt.kind in "biu" and isinstance(other, (float, np.floating)):
                dt = np.dtype(np.float32)
            elif dt.kind == "b" and not isinstance(other, (bool, np.bool_)):
                dt = np.dtype(np.int64)
            return Tensor._wrap(np.asarray(other, dtype=dt))
        if isinstance(other, (np.ndarray, list, tuple)):
            return Tensor(other)
        if kind.__name__ == "Value":
            raise TypeError(f"{op}: cannot mix Tensor and Value; use Tensor(v.data) or Value ops")
        raise TypeError(f"{op}: unsupported operand of type {kind.__name__}")

    def backward(self, grad: Any = None) -> None:
        """Fill ``.grad`` of every leaf that requires grad with d(self)/d(leaf).

        A scalar is seeded with 1; a non-scalar needs `grad` of its own shape (the
        vector in a vector-Jacobian product), as in PyTorch. Leaf grads accumulate.
        """
        if not self.requires_grad:
            raise RuntimeError("backward: this tensor does not require grad: no input had "
                               "requires_grad=True, or it was computed under no_grad")
        if grad is None:
            if self.data.size != 1:
                raise RuntimeError(f"backward: grad can be implied only for a scalar output; this "
                                   f"tensor has shape {self.shape}: reduce it (.sum(), .mean()) "
                                   "or pass backward(grad) of the same shape")
            seed = np.ones_like(self.data)
        else:  # a copy: the engine keeps the seed as a .grad
            seed = np.array(grad.data if isinstance(grad, Tensor) else grad,
                            dtype=self.data.dtype)
            if seed.shape != self.shape:
                raise ValueError(f"backward: grad has shape {seed.shape} but the tensor has shape "
                                 f"{self.shape}")
        _state.bad = None
        autograd.backward(self, seed, reset=_reset, after=_check_grads, before=_check_inputs)

def _reset(node: Tensor) -> None:
    node.grad = None


def _check_inputs(node: Tensor) -> None:
    """Run by the driver before each closure: no input changed in place since the op ran."""
    if node._tick < _clock[0]:  # something changed in place since: was it an input?
        for p in node._prev:   # a view's memory also changes when its base's does
            if p._tick > node._tick or (p._base is not None and p._base._tick > node._tick):
                raise RuntimeError(f"{node._op} backward: its input of shape {p.shape} was changed "
                                   "in place (x += ..., x[i] = ...) after the op used it, so "
                                   "the gradient would be wrong (PyTorch refuses it too); "
                                   "change a copy instead: x = x + ..., or x.clone()")


def _check_grads(node: Tensor) -> None:
    """Run by the driver after each closure: every gradient has its tensor's shape."""
    bad = _state.bad
    if bad is not None:
        _state.bad = None
        raise RuntimeError(f"{node._op} backward: gradient of shape {bad[0]} for an input of "
                           f"shape {bad[1]} (a bug in that op's backward: a gradient must have "
                           "the shape of its input; see unbroadcast)")
    if _mode.anomaly:
        for p in node._prev:
            if p.grad is not None and not np.isfinite(p.grad).all():
                shapes = ", ".join(str(q.shape) for q in node._prev)
                raise AnomalyError(f"{node._op}: backward produced nan or inf in a gradient "
                                   f"(inputs of shape {shapes})")
