"""Tensor ops, part 1: arithmetic (+ - * / ** and negation) and matrix products.

Broadcasting in a forward pass copies values along new or size-1 axes, so the backward
pass must sum the gradient back over those axes: `unbroadcast` does that, for every op.
`Tensor` inherits these methods from `ArithOps`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

import numpy as np

from .autograd import _mode

if TYPE_CHECKING:
    from .tensor import Tensor

__all__ = ["ArithOps", "unbroadcast", "result_dtype"]


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
    if grad.shape != shape:
        ones = tuple([i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1])
        grad = grad.sum(axis=ones, keepdims=True)
    return grad


# A clock that ticks at every in-place change. A tensor's ``_tick`` is the time it was made
# by an op or last changed in place; a parent whose tick is later than its child's was
# changed after the child's op used it, and backward refuses it (PyTorch's version check).
_clock = [0]


def _touch(t: Any) -> None:
    _clock[0] += 1
    t._tick = _clock[0]
    if t._base is not None:    # a change through a view is a change of the tensor it views
        t._base._tick = _clock[0]


def _category(dt: np.dtype) -> int:
    return 0 if dt.kind == "b" else 1 if dt.kind in "iu" else 2   # bool < int < float


def result_dtype(*arrays: np.ndarray) -> np.dtype:
    """PyTorch's type promotion, where it differs from numpy's.

    The highest kind (bool < int < float) wins, and only operands of that kind set the size:
    an int64 array meeting a float32 one gives float32 (numpy: float64). A 0-d operand
    (one number in a tensor) sets the dtype only if its kind is higher than every
    dimensioned operand's, so float32 weights times a 0-d float64 tensor stay float32.
    """
    dims = [a.dtype for a in arrays if a.ndim]
    zero = [a.dtype for a in arrays if not a.ndim]
    def top(dts: list[np.dtype]) -> tuple[int, np.dtype]:
        c = max(map(_category, dts))
        return c, np.result_type(*[d for d in dts if _category(d) == c])
    if not dims or not zero:
        return top(dims or zero)[1]
    (cd, dd), (cz, dz) = top(dims), top(zero)
    return dz if cz > cd else dd


def _promote(A: np.ndarray, B: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """A and B cast to their `result_dtype`."""
    dt = result_dtype(A, B)
    return A.astype(dt, copy=False), B.astype(dt, copy=False)


def _transposed(x: np.ndarray) -> bool:
    # True for a transposed view such as W.T: computing its gradient transposed too keeps
    # the gradient that the transpose hands back to W contiguous (faster optimizer steps)
    return x.flags.f_contiguous and not x.flags.c_contiguous


class ArithOps:
    """Arithmetic and matmul, mixed into `Tensor`."""

    __slots__ = ()

    data: np.ndarray

    # ---- arithmetic: one closure per op, gradients unbroadcast to each input's shape ------
    def _binary(self, other: Any, op: str, fn: Callable) -> tuple[Tensor, np.ndarray]:
        b = other if isinstance(other, ArithOps) else self._coerce(other, op)
        A, B = self.data, b.data
        if A.dtype != B.dtype:
            A, B = _promote(A, B)
        try:
            return b, fn(A, B)
        except ValueError as e:
            try:
                np.broadcast_shapes(A.shape, B.shape)
            except ValueError:
                raise ValueError(f"{op}: shapes {self.shape} and {b.shape} do not broadcast") \
                    from None
            raise ValueError(f"{op}: {e}") from None

    def __add__(self, other: Any) -> Tensor:
        b, out = self._binary(other, "add", np.add)
        a = self
        def backward(grad):                         # d(a+b)/da = d(a+b)/db = 1
            if a.requires_grad:
                a._accumulate(unbroadcast(grad, a.data.shape))
            if b.requires_grad:
                gb = unbroadcast(grad, b.data.shape)
                # never one array for two inputs: a user may edit one leaf's grad in place
                b._accumulate(gb.copy() if gb is grad and a.requires_grad else gb)
        return self._make(out, (a, b), "add", backward)

    def __sub__(self, other: Any) -> Tensor:
        b, out = self._binary(other, "sub", np.subtract)
        a = self
        def backward(grad):
            if a.requires_grad:
                a._accumulate(unbroadcast(grad, a.data.shape))
            if b.requires_grad:
                b._accumulate(unbroadcast(-grad, b.data.shape))
        return self._make(out, (a, b), "sub", backward)

    def __mul__(self, other: Any) -> Tensor:
        b, out = self._binary(other, "mul", np.multiply)
        a = self
        def backward(grad):                         # d(ab)/da = b, d(ab)/db = a
            if a.requires_grad:
                a._accumulate(unbroadcast(grad * b.data, a.data.shape))
            if b.requires_grad:
                b._accumulate(unbroadcast(grad * a.data, b.data.shape))
        return self._make(out, (a, b), "mul", backward)

    def __truediv__(self, other: Any) -> Tensor:
        b, out = self._binary(other, "div", np.true_divide)
        a = self
        if out.dtype == np.float64 and a.data.dtype.kind in "biu" and b.data.dtype.kind in "biu":
            out = out.astype(np.float32)            # int / int is float32, as in PyTorch
        def backward(grad):                         # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
            if a.requires_grad:
                a._accumulate(unbroadcast(grad / b.data, a.data.shape))
            if b.requires_grad:
                b._accumulate(unbroadcast(-grad * out / b.data, b.data.shape))
        return self._make(out, (a, b), "div", backward)

    def __pow__(self, other: Any) -> Tensor:
        b, out = self._binary(other, "pow", np.power)
        a = self
        def backward(grad):                         # d(a^b)/da = b a^(b-1), d/db = a^b ln a
            with np.errstate(divide="ignore", invalid="ignore"):
                if a.requires_grad:                 # as PyTorch: 0 where b == 0, even at a == 0
                    ga = np.where(b.data == 0, 0.0, grad * b.data * a.data ** (b.data - 1))
                    a._accumulate(unbroadcast(ga, a.data.shape))
                if b.requires_grad:                 # as PyTorch: 0 where a == 0 and b >= 0
                    gb = np.where((a.data == 0) & (b.data >= 0), 0.0, grad * out * np.log(a.data))
                    b._accumulate(unbroadcast(gb, b.data.shape))
        return self._make(out, (a, b), "pow", backward)

    def __neg__(self) -> Tensor:
        a = self
        def backward(grad):
            a._accumulate(-grad)
        return self._make(-self.data, (a,), "neg", backward)

    def __pos__(self) -> Tensor:
        return self

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

    # PyTorch's method spellings of the operators
    add, sub, mul, div, pow, neg = __add__, __sub__, __mul__, __truediv__, __pow__, __neg__

    # ---- in place: x += y writes into x's memory, as in PyTorch ----------------------------
    def _inplace(self, other: Any, op: str, fn: Callable, outplace: Callable) -> Tensor:
        """`x op= y` changes x, so every name for x sees it (and ``for p in params:
        p -= lr * p.grad`` under no_grad updates the parameters, as in PyTorch).

        It writes into x's memory, as PyTorch does; if an op recorded earlier used x, its
        backward then refuses to run (PyTorch's version check). While the graph is recorded,
        a leaf that requires grad is refused, as in PyTorch, and on a tensor in a graph the
        result is a new tensor, as ``x = x + y`` (PyTorch writes in place there too)."""
        if _mode.grad_enabled and self.requires_grad and self._backward is None:
            raise RuntimeError(f"{op}: a leaf tensor that requires grad (shape {self.shape}) "
                               "cannot change in place while the graph is recorded; update "
                               "parameters inside `with no_grad():`, as in PyTorch")
        b = other if isinstance(other, ArithOps) else self._coerce(other, op)
        if _mode.grad_enabled and (self.requires_grad or b.requires_grad):
            return outplace(self, b)
        out = self._binary(b, op, fn)[1]
        if out.shape != self.shape:
            raise ValueError(f"{op}: in place, the result must keep the tensor's shape "
                             f"{self.shape}, but {self.shape} and {b.shape} broadcast to "
                             f"{out.shape}")
        if not np.can_cast(out.dtype, self.data.dtype, "same_kind"):
            raise TypeError(f"{op}: in place, a {out.dtype} result cannot be stored in this "
                            f"{self.data.dtype} tensor (as in PyTorch); assign a new tensor "
                            f"instead: x = x.{op}(y)")
        if not self.data.flags.writeable:
            raise ValueError(f"{op}: this tensor's data is read-only (an expand() result "
                             "repeats one value in many places); copy it first")
        self.data[...] = out
        _touch(self)
        return self

    def __iadd__(self, other: Any) -> Tensor:
        return self._inplace(other, "add", np.add, ArithOps.__add__)

    def __isub__(self, other: Any) -> Tensor:
        return self._inplace(other, "sub", np.subtract, ArithOps.__sub__)

    def __imul__(self, other: Any) -> Tensor:
        return self._inplace(other, "mul", np.multiply, ArithOps.__mul__)

    def __itruediv__(self, other: Any) -> Tensor:
        return self._inplace(other, "div", np.true_divide, ArithOps.__truediv__)

    def __matmul__(self, other: Any) -> Tensor:
        """Matrix product, with numpy's rules for 1-D operands and broadcast batch axes."""
        b = other if isinstance(other, ArithOps) else self._coerce(other, "matmul")
        a, A, B = self, self.data, b.data
        if A.ndim == 0 or B.ndim == 0:
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: both operands need at least 1 dim")
        k_a, k_b = A.shape[-1], B.shape[-2] if B.ndim > 1 else B.shape[0]
        if k_a != k_b:
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: inner sizes {k_a} and {k_b} differ")
        if A.dtype != B.dtype:
            A, B = _promote(A, B)
        try:
            out = np.matmul(A, B)
        except ValueError:
            raise ValueError(f"matmul: {a.shape} @ {b.shape}: batch shapes {a.shape[:-2]} and "
                             f"{b.shape[:-2]} do not broadcast") from None
        def backward(grad):
            G = np.ascontiguousarray(grad)          # a broadcast grad would miss BLAS
            if A.ndim == 2 and B.ndim == 2:
                if a.requires_grad:                 # dL/dA = G B^T
                    a._accumulate(G @ B.T)
                if b.requires_grad:                 # dL/dB = A^T G, made in B's memory order
                    b._accumulate((G.T @ A).T if _transposed(B) else A.T @ G)
                return
            # treat 1-D operands as a row (a) or a column (b) matrix, as the forward did
            A2 = A if A.ndim > 1 else A[None, :]
            B2 = B if B.ndim > 1 else B[:, None]
            G = G if B.ndim > 1 else G[..., None]
            G = G if A.ndim > 1 else G[..., None, :]
            if a.requires_grad:
                ga = unbroadcast(G @ np.swapaxes(B2, -1, -2), A2.shape)
                a._accumulate(ga.reshape(A.shape))
            if b.requires_grad:
                gb = unbroadcast(np.swapaxes(A2, -1, -2) @ G, B2.shape)
                b._accumulate(gb.reshape(B.shape))
        return self._make(out, (a, b), "matmul", backward)

    def __rmatmul__(self, other: Any) -> Tensor:
        return self._coerce(other, "matmul") @ self

    def matmul(self, other: Any) -> Tensor:
        return self @ other

