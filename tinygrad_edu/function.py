"""New differentiable functions from a forward pass and its derivative, written by hand.

Two ways, the smaller first:

- ``custom_op(f, df)``: an elementwise function and its derivative, the source tutorials'
  ``(f, df)`` activation pairs. The op works on `Value` and on `Tensor` and adds ONE node to
  the graph, whose backward is the chain rule: ``x.grad += grad * df(x)``.
- `Function`: forward and backward of any number of inputs, shaped like
  ``torch.autograd.Function`` (``forward(ctx, ...)``, ``backward(ctx, grad)``, ``.apply``).

Both compute on plain floats and numpy arrays; the engine does the bookkeeping. Check a
hand-written derivative with `gradcheck`: it is the one thing autograd cannot check for you.
"""

from __future__ import annotations

import numbers
from collections.abc import Callable
from typing import Any

import numpy as np

from .tensor import Tensor, unbroadcast
from .value import Value

__all__ = ["custom_op", "CustomOp", "Function", "FunctionCtx"]

ArrayFn = Callable[[Any], Any]


def _is_plain(x: object) -> bool:
    return isinstance(x, (numbers.Real, np.ndarray, np.generic))


class CustomOp:
    """An elementwise op made by `custom_op`: call it on a Value, a Tensor, or plain numbers.

    ``op.f`` and ``op.df`` are the functions it was made from; ``op.name`` names its graph
    nodes. On plain numbers or numpy arrays it just returns ``f(x)`` (handy for plotting).
    """

    def __init__(self, f: ArrayFn, df: ArrayFn, name: str | None = None) -> None:
        if not callable(f) or not callable(df):
            raise TypeError(f"custom_op(f, df): f and df must be functions, got "
                            f"{type(f).__name__} and {type(df).__name__}")
        if name is None:
            name = getattr(f, "__name__", "") or "custom_op"
            name = "custom_op" if name == "<lambda>" else name
        self.f, self.df, self.name = f, df, name
        self.__name__ = name  # so nn.scalar and reprs can name it like a function

    def __repr__(self) -> str:
        return f"custom_op({self.name!r})"

    def __call__(self, x: Any) -> Any:
        if isinstance(x, Value):
            return self._on_value(x)
        if isinstance(x, Tensor):
            return self._on_tensor(x)
        if isinstance(x, np.ndarray):
            return self._array(self.f, x, "f")
        if _is_plain(x):
            return self._float(self.f, x, "f")
        raise TypeError(f"{self.name}: expected a Value, a Tensor or numbers, got "
                        f"{type(x).__name__}")

    # ---- the two engines: forward and backward side by side ----------------------------
    def _on_value(self, x: Value) -> Value:
        xd = x.data
        y = self._float(self.f, xd, "f")
        def backward(grad):                        # chain rule: d(out)/dx = df(x)
            x.grad += self._float(self.df, xd, "df") * grad
        return Value._make(y, (x,), self.name, backward)

    def _on_tensor(self, x: Tensor) -> Tensor:
        xd = x.data
        y = self._array(self.f, xd, "f")
        def backward(grad):                        # elementwise chain rule: grad * df(x)
            x._accumulate(grad * self._array(self.df, xd, "df"))
        return Tensor._make(y, (x,), self.name, backward)

    # ---- calling the user's functions, with errors in the user's terms --------------------
    def _call(self, fn: ArrayFn, x: Any, which: str) -> Any:
        try:
            return fn(x)
        except Exception as e:
            kind = f"an array of shape {np.shape(x)}" if isinstance(x, np.ndarray) else f"x={x!r}"
            hint = ""
            if isinstance(x, np.ndarray) and isinstance(e, TypeError):
                hint = " (write it with numpy functions, np.exp rather than math.exp, so it " \
                       "works elementwise on arrays)"
            msg = f"custom op {self.name!r}: {which} failed on {kind}: {e}{hint}"
            try:
                err = type(e)(msg)  # the same kind of error, now saying where it came from
            except Exception:
                err = RuntimeError(msg)
            raise err from e

    def _float(self, fn: ArrayFn, x: float, which: str) -> float:
        out = self._call(fn, x, which)
        try:
            return float(out)
        except (TypeError, ValueError):
            raise TypeError(f"custom op {self.name!r}: {which}({x!r}) must return one number, "
                            f"got {type(out).__name__} {np.shape(out)}") from None

    def _array(self, fn: ArrayFn, x: np.ndarray, which: str) -> np.ndarray:
        raw = self._call(fn, x, which)
        out = np.asarray(raw)
        if out.dtype.kind not in "biuf":  # complex would lose its imaginary part below
            raise TypeError(f"custom op {self.name!r}: {which} must return real numbers, got "
                            f"{type(raw).__name__} of dtype {out.dtype}")
        if out.shape != x.shape:
            if type(raw) not in (int, float):  # only a plain constant (d/dx of 2x is 2) spreads
                raise ValueError(f"custom op {self.name!r}: {which} must be elementwise, but it "
                                 f"turned an input of shape {x.shape} into shape {out.shape} "
                                 "(return an array of the input's shape, or a plain number "
                                 "for a constant)")
            out = np.full(x.shape, raw, dtype=np.result_type(x.dtype, float))
        if x.dtype.kind == "f" and out.dtype != x.dtype:
            out = out.astype(x.dtype)  # keep the input's precision, as built-in ops do
        elif out is x:
            out = x.copy()  # f = identity must not hand back the input's own array
        return out


def custom_op(f: ArrayFn, df: ArrayFn, name: str | None = None) -> CustomOp:
    """A differentiable elementwise op from a function ``f`` and its derivative ``df``.

    Both take the op's INPUT x (a float or a numpy array) and work elementwise; ``df(x)``
    is the slope of f at x. The result works on Value and Tensor, and as an activation::

        softplus = custom_op(lambda x: np.log1p(np.exp(x)),
                             lambda x: 1 / (1 + np.exp(-x)), name="softplus")
    """
    return CustomOp(f, df, name)


class FunctionCtx:
    """What `Function.forward` leaves for `Function.backward`, as PyTorch's ``ctx``.

    ``save_for_backward(*arrays)`` stores arrays read back as ``ctx.saved_tensors``;
    any other attribute may be set too. ``ctx.needs_input_grad[i]`` says whether input
    i wants a gradient. It holds plain arrays only, never graph nodes (no cycles).
    """

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self.saved_tensors: tuple[Any, ...] = ()

    def save_for_backward(self, *values: Any) -> None:
        self.saved_tensors = values


class Function:
    """Subclass with two static methods, then call ``MyFunction.apply(*inputs)``::

        class Mul(Function):
            @staticmethod
            def forward(ctx, a, b):              # a, b: numpy arrays (or floats)
                ctx.save_for_backward(a, b)
                return a * b
            @staticmethod
            def backward(ctx, grad):             # one gradient per input of forward
                a, b = ctx.saved_tensors
                return grad * b, grad * a

    Inputs may be Values or Tensors (not both), or constants (their gradient is ignored).
    A Tensor input's gradient may keep the broadcast output's shape: it is summed back.
    A gradient smaller than its input is an error, as in PyTorch.
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any) -> Any:
        raise NotImplementedError("a Function subclass must define forward(ctx, *inputs)")

    @staticmethod
    def backward(ctx: FunctionCtx, grad: Any) -> Any:
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *args: Any) -> Any:
        name = cls.__name__
        values = [a for a in args if isinstance(a, Value)]
        tensors = [a for a in args if isinstance(a, Tensor)]
        if values and tensors:
            raise TypeError(f"{name}.apply: cannot mix Value and Tensor inputs")
        raw = [a.data if isinstance(a, (Value, Tensor)) else a for a in args]
        needs = tuple(isinstance(a, Value) or (isinstance(a, Tensor) and a.requires_grad)
                      for a in args)
        ctx = FunctionCtx(needs)
        out = cls.forward(ctx, *raw)
        if not values and not tensors:
            return out  # plain numbers in, plain numbers out: nothing to differentiate

        def grads_for(grad: Any) -> tuple[Any, ...]:
            gs = cls.backward(ctx, grad)
            gs = gs if isinstance(gs, tuple) else (gs,)
            if len(gs) != len(args):
                raise RuntimeError(f"{name}.backward returned {len(gs)} gradient(s), but "
                                   f"forward took {len(args)} input(s): return one per input "
                                   "(None for an input that needs none)")
            return gs

        if values:
            parents = tuple(values)
            def backward(grad):
                for a, g in zip(args, grads_for(grad)):
                    if isinstance(a, Value) and g is not None:
                        a.grad += _number(g, name)
            return Value._make(_number(out, name, "forward"), parents, name, backward)

        out = _numeric(out, f"{name}.forward", "the output")
        floats = [t.data.dtype for t in tensors if t.data.dtype.kind == "f"]
        if floats and out.dtype.kind == "f" and out.dtype != floats[0]:
            out = out.astype(floats[0])  # keep the inputs' precision, as built-in ops do
        def backward(grad):
            for i, (a, g) in enumerate(zip(args, grads_for(grad))):
                if isinstance(a, Tensor) and a.requires_grad and g is not None:
                    a._accumulate(_shaped(g, a.shape, name, i))
        return Tensor._make(out, tuple(tensors), name, backward)


def _number(x: Any, name: str, where: str = "backward") -> float:
    try:
        return float(x)
    except (TypeError, ValueError):
        raise TypeError(f"{name}.{where} must return numbers for Value inputs, got "
                        f"{type(x).__name__} {np.shape(x)}") from None


def _shaped(g: Any, shape: tuple[int, ...], name: str, i: int) -> np.ndarray:
    """A gradient brought to its input's shape: axes the input was broadcast along are
    summed back. As in PyTorch, a gradient SMALLER than its input is an error, not spread
    over it: ``g[:1]`` for a (3, 2) input is almost always a slip in `backward`."""
    g = _numeric(g, f"{name}.backward", f"the gradient for input {i}")
    if g.shape == shape:
        return g
    try:
        both = np.broadcast_shapes(shape, g.shape)
    except ValueError:
        both = None
    if both == g.shape:  # the input was broadcast up to the gradient's shape
        return unbroadcast(g, shape)
    hint = ""
    if both == shape:
        hint = (" (if forward reduced the input, spread the gradient back yourself: "
                "np.broadcast_to(grad, a.shape))")
    raise RuntimeError(f"{name}.backward: the gradient for input {i} has shape {g.shape}, "
                       f"which does not fit the input's shape {shape}{hint}")


def _numeric(x: Any, who: str, what: str) -> np.ndarray:
    """`x` as a real-number array, or a TypeError saying whose result it was."""
    try:
        arr = np.asarray(x)
    except Exception:  # e.g. a ragged list
        arr = np.asarray(None)
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{who}: {what} must be real numbers, got {type(x).__name__} of "
                        f"dtype {arr.dtype}")
    return arr
