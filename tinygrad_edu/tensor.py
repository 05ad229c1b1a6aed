"""`Tensor`: a numpy array, its gradient, and how it was made.

The same idea as `Value`, one array at a time: each op computes its result with numpy
and, beside it, a closure ``backward(grad)`` that adds each input's share of ``grad``.
Broadcasting in a forward pass copies values along new or size-1 axes, so the backward
pass must sum the gradient back over those axes: `unbroadcast` does that, for every op.

This file holds the class, construction, arithmetic and matmul; tensor_math.py holds
elementwise functions and reductions, tensor_shape.py reshaping and indexing.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from . import autograd
from .autograd import AnomalyError, _mode
from .tensor_math import MathOps
from .tensor_shape import ShapeOps

__all__ = ["Tensor", "unbroadcast"]

DTypeLike = Any


def unbroadcast(grad: np.ndarray, shape: tuple[int, ...]) -> np.ndarray:
    """Sum `grad` down to `shape`, undoing numpy broadcasting.

    Broadcasting (3,) against (2, 3) repeats the (3,) row twice, so its gradient is
    the sum of the two rows' gradients: sum the added leading axes, then every axis
    that was 1 in `shape` but is wider in `grad`.
    """
    if grad.shape == shape:
        return grad
    extra = grad.ndim - len(shape)
    if extra:
        grad = grad.sum(axis=tuple(range(extra)))
    ones = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if ones:
        grad = grad.sum(axis=ones, keepdims=True)
    return grad


def _default_dtype(data: Any, arr: np.ndarray) -> np.dtype:
    # PyTorch's rule: Python floats (and lists of them) become float32; arrays keep theirs.
    if not isinstance(data, (np.ndarray, np.generic)) and arr.dtype == np.float64:
        return np.dtype(np.float32)
    return arr.dtype


class Tensor(MathOps, ShapeOps):
    """An n-dimensional array that records the ops on it, so it can backpropagate.

    >>> x = Tensor([[1.0, 2.0]], requires_grad=True)
    >>> (x * x).sum().backward()
    >>> x.grad
    array([[2., 4.]], dtype=float32)
    """

    __slots__ = ("data", "grad", "requires_grad", "label", "_prev", "_backward", "_op",
                 "__weakref__")
    __array_ufunc__ = None  # `ndarray + Tensor` defers to Tensor.__radd__ instead of unwrapping

    def __init__(self, data: Any, requires_grad: bool = False, dtype: DTypeLike = None,
                 label: str = "") -> None:
        if isinstance(data, Tensor):
            data = data.data
        elif type(data).__name__ == "Value":
            raise TypeError("Tensor(...): cannot build a Tensor from a Value; use Value.data")
        try:
            arr = np.asarray(data, dtype=dtype)
        except (ValueError, TypeError) as e:
            raise TypeError(f"Tensor(...): cannot make an array of {type(data).__name__}: {e}") \
                from None
        if arr.dtype == object or arr.dtype.kind in "USV":
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
        if requires_grad:
            self.requires_grad_(True)

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
        return self.data.shape if dim is None else self.data.shape[dim]

    def __len__(self) -> int:
        if self.data.ndim == 0:
            raise TypeError("len() of a 0-d tensor")
        return self.data.shape[0]

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
        if requires_grad and self.data.dtype.kind not in "f":
            raise TypeError(f"only floating-point tensors can require grad, got {self.data.dtype}"
                            " (make it with floats, e.g. [1.0, 2.0], or dtype='float32')")
        if not self.is_leaf:
            raise RuntimeError("requires_grad_: only leaf tensors can change it; use .detach()")
        self.requires_grad = requires_grad
        return self

    def detach(self) -> Tensor:
        """The same data (shared, not copied) cut off from the graph."""
        return Tensor(self.data, dtype=self.data.dtype)

    def numpy(self) -> np.ndarray:
        if self.requires_grad:
            raise RuntimeError("numpy(): this tensor requires grad; use tensor.detach().numpy() "
                               "(as in PyTorch), or .data")
        return self.data

    def __array__(self, dtype: DTypeLike = None, copy: bool | None = None) -> np.ndarray:
        return self.data if dtype is None else self.data.astype(dtype)

    def item(self) -> float | int | bool:
        if self.data.size != 1:
            raise ValueError(f"item: only one-element tensors can become a Python number; "
                             f"this one has shape {self.shape}")
        return self.data.item()

    def __float__(self) -> float:
        return float(self.item())

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
        out.grad, out.label, out._op = None, "", op
        if _mode.grad_enabled and any(p.requires_grad for p in parents):
            out.requires_grad, out._prev, out._backward = True, parents, backward
        else:
            out.requires_grad, out._prev, out._backward = False, (), None
        if _mode.anomaly and out.data.dtype.kind == "f" and not np.isfinite(out.data).all():
            shapes = ", ".join(str(p.shape) for p in parents)
            raise AnomalyError(f"{op}: forward produced nan or inf from inputs of shape {shapes}")
        return out

    def _accumulate(self, grad: np.ndarray) -> None:
        if grad.dtype != self.data.dtype:
            grad = grad.astype(self.data.dtype)
        if self.grad is None:
            # copy: the same upstream array may be handed to several inputs
            self.grad = np.array(grad, copy=True)
        else:
            self.grad += grad

    def _coerce(self, other: Any, op: str) -> Tensor:
        """Turn the other operand of a binary op into a Tensor (a constant if it is a number)."""
        if isinstance(other, Tensor):
            return other
        if isinstance(other, numbers.Number):
            # a Python scalar takes this tensor's float dtype, as in PyTorch
            dt = self.data.dtype
            if dt.kind not in "fc" and isinstance(other, float):
                dt = np.dtype(np.float32)
            return Tensor(np.asarray(other, dtype=dt))
        if isinstance(other, (np.ndarray, list, tuple)):
            return Tensor(other)
        if type(other).__name__ == "Value":
            raise TypeError(f"{op}: cannot mix Tensor and Value; use Tensor(v.data) or Value ops")
        raise TypeError(f"{op}: unsupported operand of type {type(other).__name__}")

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
        else:
            seed = np.asarray(grad.data if isinstance(grad, Tensor) else grad,
                              dtype=self.data.dtype)
            if seed.shape != self.shape:
                raise ValueError(f"backward: grad has shape {seed.shape} but the tensor has shape "
                                 f"{self.shape}")
        autograd.backward(self, seed, reset=_reset, after=_check_grads)

    # ---- arithmetic: one closure per op, gradients unbroadcast to each input's shape ------
    def _binary(self, other: Any, op: str, fn: Callable) -> tuple[Tensor, np.ndarray]:
        b = self._coerce(other, op)
        try:
            return b, fn(self.data, b.data)
        except ValueError:
            raise ValueError(f"{op}: shapes {self.shape} and {b.shape} do not broadcast") from None

    def __add__(self, other: Any) -> Tensor:
        b, out = self._binary(other, "add", np.add)
        a = self
        def backward(grad):
            if a.requires_grad:
                a._accumulate(unbroadcast(grad, a.shape))
            if b.requires_grad:
                b._accumulate(unbroadcast(grad, b.shape))
        return Tensor._make(out, (a, b), "add", backward)

    def __sub__(self, other: Any) -> Tensor:
        b, out = self._binary(other, "sub", np.subtract)
        a = self
        def backward(grad):
            if a.requires_grad:
                a._accumulate(unbroadcast(grad, a.shape))
            if b.requires_grad:
                b._accumulate(unbroadcast(-grad, b.shape))
        return Tensor._make(out, (a, b), "sub", backward)

    def __mul__(self, other: Any) -> Tensor:
        b, out = self._binary(other, "mul", np.multiply)
        a = self
        def backward(grad):                         # d(ab)/da = b, d(ab)/db = a
            if a.requires_grad:
                a._accumulate(unbroadcast(grad * b.data, a.shape))
            if b.requires_grad:
                b._accumulate(unbroadcast(grad * a.data, b.shape))
        return Tensor._make(out, (a, b), "mul", backward)

    def __truediv__(self, other: Any) -> Tensor:
        b, out = self._binary(other, "div", np.true_divide)
        a = self
        def backward(grad):                         # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
            if a.requires_grad:
                a._accumulate(unbroadcast(grad / b.data, a.shape))
            if b.requires_grad:
                b._accumulate(unbroadcast(-grad * a.data / (b.data * b.data), b.shape))
        return Tensor._make(out, (a, b), "div", backward)

    def __pow__(self, other: Any) -> Tensor:
        b, out = self._binary(other, "pow", np.power)
        a = self
        def backward(grad):                         # d(a^b)/da = b a^(b-1), d/db = a^b ln a
            if a.requires_grad:
                a._accumulate(unbroadcast(grad * b.data * a.data ** (b.data - 1), a.shape))
            if b.requires_grad:
                with np.errstate(divide="ignore", invalid="ignore"):
                    # as PyTorch: where a == 0 (and b >= 0) this slope is taken as 0
                    g = np.where(a.data == 0, 0.0, grad * out * np.log(a.data))
                b._accumulate(unbroadcast(g, b.shape))
        return Tensor._make(out, (a, b), "pow", backward)

    def __neg__(self) -> Tensor:
        a = self
        def backward(grad):
            a._accumulate(-grad)
        return Tensor._make(-self.data, (a,), "neg", backward)

    def __radd__(self, other: Any) -> Tensor:
        return self._coerce(other, "add") + self

    def __rsub__(self, other: Any) -> Tensor:
        return self._coerce(other, "sub") - self

    def __rmul__(self, other: Any) -> Tensor:
        return self._coerce(other, "mul") * self

    def __rtruediv__(self, other: Any) -> Tensor:
        return self._coerce(other, "div") / self

    def __rpow__(self, other: Any) -> Tensor:
        return self._coerce(other, "pow") ** self

    def __matmul__(self, other: Any) -> Tensor:
        """Matrix product, with numpy's rules for 1-D operands and broadcast batch axes."""
        b = self._coerce(other, "matmul")
        a = self
        if a.ndim == 0 or b.ndim == 0:
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: both operands need at least 1 dim")
        k_a, k_b = a.shape[-1], b.shape[-2] if b.ndim > 1 else b.shape[0]
        if k_a != k_b:
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: inner sizes {k_a} and {k_b} differ")
        try:
            out = np.matmul(a.data, b.data)
        except ValueError:
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: batch shapes {a.shape[:-2]} and "
                             f"{b.shape[:-2]} do not broadcast") from None
        def backward(grad):
            # treat 1-D operands as a row (a) or a column (b) matrix, as the forward did
            A = a.data if a.ndim > 1 else a.data[None, :]
            B = b.data if b.ndim > 1 else b.data[:, None]
            G = grad if b.ndim > 1 else grad[..., None]
            G = G if a.ndim > 1 else G[..., None, :]
            if a.requires_grad:                     # dL/dA = G B^T
                ga = unbroadcast(G @ np.swapaxes(B, -1, -2), A.shape)
                a._accumulate(ga.reshape(a.shape))
            if b.requires_grad:                     # dL/dB = A^T G
                gb = unbroadcast(np.swapaxes(A, -1, -2) @ G, B.shape)
                b._accumulate(gb.reshape(b.shape))
        return Tensor._make(out, (a, b), "matmul", backward)

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._coerce(other, "matmul") @ self

    def matmul(self, other: Any) -> Tensor:
        return self @ other

    # ---- comparisons: results carry no gradient ----------------------------------------
    def _compare(self, other: Any, op: str, fn: Callable) -> Tensor:
        b, out = self._binary(other, op, fn)
        return Tensor(out)

    def __lt__(self, other: Any) -> Tensor:
        return self._compare(other, "lt", np.less)

    def __le__(self, other: Any) -> Tensor:
        return self._compare(other, "le", np.less_equal)

    def __gt__(self, other: Any) -> Tensor:
        return self._compare(other, "gt", np.greater)

    def __ge__(self, other: Any) -> Tensor:
        return self._compare(other, "ge", np.greater_equal)

    def __eq__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, "eq", np.equal)

    def __ne__(self, other: Any) -> Tensor:  # type: ignore[override]
        return self._compare(other, "ne", np.not_equal)

    # ---- dtype casts (differentiable: the gradient is cast back) --------------------------
    def to(self, dtype: DTypeLike) -> Tensor:
        dt = np.dtype(dtype)
        if dt == self.data.dtype:
            return self
        a = self
        def backward(grad):
            a._accumulate(grad.astype(a.data.dtype))
        return Tensor._make(self.data.astype(dt), (a,), "to", backward)

    def float(self) -> Tensor:
        return self.to(np.float32)

    def double(self) -> Tensor:
        return self.to(np.float64)


def _reset(node: Tensor) -> None:
    node.grad = None


def _check_grads(node: Tensor) -> None:
    """Run by the driver after each closure: every gradient has its tensor's shape."""
    for p in node._prev:
        g = p.grad
        if g is None:
            continue
        if g.shape != p.data.shape:
            raise RuntimeError(f"{node._op} backward: gradient of shape {g.shape} for an input of "
                               f"shape {p.data.shape} (a bug in that op's backward)")
        if _mode.anomaly and not np.isfinite(g).all():
            shapes = ", ".join(str(q.shape) for q in node._prev)
            raise AnomalyError(f"{node._op}: backward produced nan or inf in a gradient "
                               f"(inputs of shape {shapes})")
