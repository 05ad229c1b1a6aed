"""`Value`: one Python float, its gradient, and how it was made.

Each op computes its result and, right beside it, a closure ``backward(grad)`` that
adds ``local derivative * grad`` into each input's ``.grad``. The closure captures the
inputs, never the output (see autograd.py), so graphs are freed promptly.

Any Python function built from these ops is differentiable, so a custom activation
needs no hand-written derivative::

    def swish(x):                  # x * sigmoid(x); autograd finds d/dx for you
        return x * x.sigmoid()
"""

from __future__ import annotations

import math
import numbers
import operator
from collections.abc import Callable, Iterable, Sequence

from . import autograd
from .autograd import AnomalyError, _mode

__all__ = ["Value"]

Number = float | int


def _const(other: object, op: str) -> float:
    """A Python number used as a constant operand (no wrapper Value is made for it)."""
    kind = type(other)
    if kind is float:                          # fast path: isinstance(x, Real) costs ~0.6 us
        return other  # type: ignore[return-value]
    if kind is int or isinstance(other, numbers.Real):
        try:
            return float(other)  # type: ignore[arg-type]
        except OverflowError:  # an int past 1.8e308: float() would not name the op
            bits = other.bit_length()  # type: ignore[attr-defined]
            raise OverflowError(f"{op}: an integer of {bits} bits is too large for a float "
                                "(the largest is about 1.8e308)") from None
    name = kind.__name__
    if any(c.__name__ == "Tensor" for c in kind.__mro__):  # Tensor or a subclass (Parameter)
        raise TypeError(f"{op}: cannot mix Value and Tensor; use Tensor for arrays of numbers")
    if name == "ndarray":
        raise TypeError(f"{op}: cannot mix Value and a numpy array; use Tensor for arrays")
    if kind.__module__ != "builtins":  # numpy's bool prints as 'bool': say whose it is
        name = f"{kind.__module__}.{name}"
    raise TypeError(f"{op}: unsupported operand of type {name} (expected Value or a number)")


def _split(items: Iterable[Value | Number], op: str) -> tuple[list[float], list[Value]]:
    """The number held by each item, and which items are Values (the rest are constants)."""
    data: list[float] = []
    nodes: list[Value] = []
    for x in items:
        if isinstance(x, Value):
            data.append(x.data)
            nodes.append(x)
        else:
            data.append(_const(x, op))
    return data, nodes


def _pow(a: float, b: float) -> float:
    """a ** b, but inf instead of OverflowError (as PyTorch)."""
    try:
        return a ** b
    except OverflowError:
        return -math.inf if a < 0 and b % 2 == 1 else math.inf


def _pow_slope(a: float, b: float) -> float:
    """d(a^b)/da = b a^(b-1), with PyTorch's values where that formula breaks down."""
    if b == 0:       # a^0 = 1 is flat everywhere; the formula gives 0 * inf = nan at a = 1e-320
        return 0.0
    if a == 0 and b < 1:
        return math.inf
    return b * _pow(a, b - 1)


def _no_gradient(grad: float) -> None:
    """The backward of an output whose local slope is 0 (relu at x <= 0): nothing flows.
    One shared function, so such nodes allocate no closure at all."""


class Value:
    """A scalar that remembers how it was computed, so it can backpropagate.

    >>> a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    >>> c = a * b + 1
    >>> c.backward()
    >>> a.grad, b.grad
    (-3.0, 2.0)

    **Differs** from a torch tensor: ``==`` and ``hash`` go by identity (as micrograd), since
    Values are graph nodes kept in sets and parameter lists, where every bias starts at 0.0;
    ``<`` is a TypeError. Compare numbers with ``v.data``. ``bool(v)`` is ``v.data != 0``.
    """

    __slots__ = ("data", "grad", "label", "_prev", "_backward", "_op")
    # numpy must not broadcast over a Value (``array * v`` would silently build an object
    # array); with this, numpy returns NotImplemented and our reflected op raises TypeError.
    __array_ufunc__ = None

    def __init__(self, data: Number, label: str = "") -> None:
        if isinstance(data, Value):
            raise TypeError("Value(...) takes a number; to copy a Value use Value(v.data)")
        self.data = float(_const(data, "Value"))
        self.grad = 0.0
        self.label = label
        self._prev: tuple[Value, ...] = ()
        self._backward: Callable[[float], None] | None = None
        self._op = ""

    @property
    def op(self) -> str:
        """The name of the op that made this Value ('' for a leaf)."""
        return self._op

    def __repr__(self) -> str:
        label = f", label={self.label!r}" if self.label else ""
        return f"Value(data={self.data!r}, grad={self.grad!r}{label})"

    def __float__(self) -> float:
        return self.data

    def __int__(self) -> int:
        return int(self.data)

    def __bool__(self) -> bool:  # as a one-element torch tensor (object's was always True)
        return self.data != 0

    @staticmethod
    def _make(data: float, parents: tuple, op: str, backward: Callable[[float], None]) -> Value:
        """The output of an op; under no_grad it keeps no parents and no closure."""
        out = Value.__new__(Value)
        out.data, out.grad, out.label = data, 0.0, ""
        if _mode.grad_enabled:
            out._prev, out._backward, out._op = parents, backward, op
        else:
            out._prev, out._backward, out._op = (), None, op
        if _mode.anomaly and not math.isfinite(data):
            args = ", ".join(repr(p.data) for p in parents)
            raise AnomalyError(f"{op}: forward produced {data} from input(s) {args}")
        return out

    def _accumulate(self, grad: float) -> None:
        self.grad += grad

    # ---- arithmetic ---------------------------------------------------------------
    def __add__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            def backward(grad):
                self.grad += grad
                other.grad += grad
            return Value._make(self.data + other.data, (self, other), "+", backward)
        c = _const(other, "+")
        def backward(grad):
            self.grad += grad
        return Value._make(self.data + c, (self,), "+", backward)

    def __mul__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            def backward(grad):                # d(ab)/da = b, d(ab)/db = a
                self.grad += other.data * grad
                other.grad += self.data * grad
            return Value._make(self.data * other.data, (self, other), "*", backward)
        c = _const(other, "*")
        def backward(grad):
            self.grad += c * grad
        return Value._make(self.data * c, (self,), "*", backward)

    def __pow__(self, other: Value | Number) -> Value:
        x = self.data
        if isinstance(other, Value):
            return _pow_values(self, other)
        c = _const(other, "**")
        if x < 0 and not c.is_integer():  # c is a float (from _const)
            raise ValueError(f"pow: {x} ** {c} is not a real number (negative base, "
                             "non-integer exponent)")
        if x == 0 and c < 0:
            raise ZeroDivisionError(f"pow: 0.0 ** {c} divides by zero")
        d = _pow_slope(x, c)
        def backward(grad):                    # d(x^c)/dx = c x^(c-1)
            self.grad += d * grad
        return Value._make(_pow(x, c), (self,), f"**{c:g}", backward)

    def __rpow__(self, other: Number) -> Value:
        return _pow_values(Value(_const(other, "**")), self, const_base=True)

    def __neg__(self) -> Value:
        def backward(grad):
            self.grad -= grad
        return Value._make(-self.data, (self,), "neg", backward)

    def __sub__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            def backward(grad):
                self.grad += grad
                other.grad -= grad
            return Value._make(self.data - other.data, (self, other), "-", backward)
        return self + (-_const(other, "-"))

    def __rsub__(self, other: Number) -> Value:
        c = _const(other, "-")
        def backward(grad):
            self.grad -= grad
        return Value._make(c - self.data, (self,), "-", backward)

    def __truediv__(self, other: Value | Number) -> Value:
        if isinstance(other, Value):
            if other.data == 0:
                raise ZeroDivisionError(f"div: {self.data} / 0.0 (the denominator Value is 0)")
            def backward(grad):                # d(a/b)/da = 1/b, d(a/b)/db = -a/b^2
                self.grad += grad / other.data
                # a/b/b, not a/(b*b): b*b underflows to 0 for tiny b (1e-320)
                other.grad -= (self.data / other.data) * grad / other.data
            return Value._make(self.data / other.data, (self, other), "/", backward)
        c = _const(other, "/")
        if c == 0:
            raise ZeroDivisionError(f"div: {self.data} / 0")
        # a true division, not self * (1 / c): 1 / 5e-324 is inf, and 0 * inf is nan
        def backward(grad):
            self.grad += grad / c
        return Value._make(self.data / c, (self,), "/", backward)

    def __rtruediv__(self, other: Number) -> Value:
        c, x = _const(other, "/"), self.data
        if x == 0:
            raise ZeroDivisionError(f"div: {c} / 0.0 (the denominator Value is 0)")
        d = -(c / x) / x                       # not c / (x*x): x*x underflows to 0 for x = 1e-200
        def backward(grad):                    # d(c/x)/dx = -c/x^2
            self.grad += d * grad
        return Value._make(c / x, (self,), "/", backward)

    __radd__ = __add__
    __rmul__ = __mul__

    # ---- functions ---------------------------------------------------------------
    def exp(self) -> Value:
        try:
            e = math.exp(self.data)
        except OverflowError:  # as PyTorch: exp of a huge number is inf, not an exception
            e = math.inf
        def backward(grad):                    # d(e^x)/dx = e^x
            self.grad += e * grad
        return Value._make(e, (self,), "exp", backward)

    def log(self) -> Value:
        x = self.data
        if x <= 0:
            raise ValueError(f"log: input must be > 0, got {x}")
        def backward(grad):                    # d(ln x)/dx = 1/x
            self.grad += grad / x
        return Value._make(math.log(x), (self,), "log", backward)

    def sqrt(self) -> Value:
        if self.data < 0:
            raise ValueError(f"sqrt: input must be >= 0, got {self.data}")
        s = math.sqrt(self.data)
        d = 0.5 / s if s != 0 else math.inf    # as PyTorch: the slope at 0 is inf (at nan, nan)
        def backward(grad):
            self.grad += d * grad
        return Value._make(s, (self,), "sqrt", backward)

    def tanh(self) -> Value:
        t = math.tanh(self.data)               # math.tanh saturates cleanly at +-1
        def backward(grad):                    # d(tanh x)/dx = 1 - tanh^2 x
            self.grad += (1 - t * t) * grad
        return Value._make(t, (self,), "tanh", backward)

    def sigmoid(self) -> Value:
        x = self.data
        e = math.exp(-abs(x))                  # exp of a number <= 0 never overflows
        s = 1.0 / (1.0 + e) if x >= 0 else e / (1.0 + e)
        d = e / ((1.0 + e) * (1.0 + e))        # = s (1 - s), without the cancellation in 1 - s
        def backward(grad):                    # d(sigma x)/dx = sigma (1 - sigma)
            self.grad += d * grad
        return Value._make(s, (self,), "sigmoid", backward)

    def relu(self) -> Value:
        """max(0, x). Its slope at exactly 0 is taken as 0, as PyTorch does."""
        if not self.data <= 0:  # also nan, which as in torch.relu stays nan and passes grad
            def backward(grad):                # slope 1
                self.grad += grad
            return Value._make(self.data, (self,), "relu", backward)
        return Value._make(0.0, (self,), "relu", _no_gradient)

    def leaky_relu(self, negative_slope: float = 0.01) -> Value:
        """x for x > 0, else negative_slope * x (slope at 0: negative_slope, as PyTorch)."""
        if type(negative_slope) is not float:
            if not isinstance(negative_slope, numbers.Real):  # a Value slope would nest Values
                raise TypeError("leaky_relu: negative_slope must be a number, got "
                                f"{type(negative_slope).__name__}")
            negative_slope = float(negative_slope)
        k = 1.0 if self.data > 0 else negative_slope
        def backward(grad):
            self.grad += k * grad
        return Value._make(k * self.data, (self,), "leaky_relu", backward)

    def __abs__(self) -> Value:
        """|x|, with slope sign(x) and sign(0) = 0, as PyTorch."""
        s = (self.data > 0) - (self.data < 0)
        def backward(grad):
            self.grad += s * grad
        return Value._make(abs(self.data), (self,), "abs", backward)

    abs = __abs__

    # ---- many inputs, one node ---------------------------------------------------------
    @staticmethod
    def sum(values: Iterable[Value | Number]) -> Value:
        """The sum of many Values as ONE node (micrograd would build n-1 '+' nodes)."""
        data, nodes = _split(values, "sum")
        parents = tuple(nodes)
        def backward(grad):                    # d(sum)/dv_i = 1
            for n in parents:
                n.grad += grad
        return Value._make(float(sum(data)), parents, "sum", backward)

    @staticmethod
    def dot(a: Sequence[Value | Number], b: Sequence[Value | Number],
            bias: Value | Number | None = None) -> Value:
        """``sum_i a_i * b_i (+ bias)`` as ONE node, so a neuron is two nodes, not 2n + 2.

        The local derivative of a_i is b_i, of b_i is a_i, and of the bias 1. Either
        side may hold plain numbers (constants: no wrapper Values are made for them).
        """
        if not (hasattr(a, "__len__") and hasattr(b, "__len__")):  # generators, as Value.sum
            try:
                a, b = list(a), list(b)
            except TypeError:
                raise TypeError(f"dot: a and b must be lists of Values or numbers, got "
                                f"{type(a).__name__} and {type(b).__name__}") from None
        if len(a) != len(b):
            raise ValueError(f"dot: lengths {len(a)} and {len(b)} differ")
        ad, na = _split(a, "dot")
        bd, nb = _split(b, "dot")
        # coefs[i] is the local derivative of parents[i]; an all-Value side reuses the data
        ca = bd if len(na) == len(bd) else [d for x, d in zip(a, bd) if isinstance(x, Value)]
        cb = ad if len(nb) == len(ad) else [d for y, d in zip(b, ad) if isinstance(y, Value)]
        nodes, coefs = na + nb, ca + cb
        total = sum(map(operator.mul, ad, bd))
        if isinstance(bias, Value):
            nodes.append(bias)
            coefs.append(1.0)
            total += bias.data
        elif bias is not None:
            total += _const(bias, "dot")
        parents = tuple(nodes)
        def backward(grad):
            for n, c in zip(parents, coefs):
                n.grad += c * grad
        return Value._make(float(total), parents, "dot", backward)

    # ---- backward ------------------------------------------------------------------
    def backward(self) -> None:
        """Fill ``.grad`` of every Value this one depends on with d(self)/d(that).

        Intermediate grads are reset first; leaf grads (inputs, parameters) accumulate
        across calls until you zero them, exactly as in PyTorch.
        """
        after = _check_finite if _mode.anomaly else None
        try:
            autograd.backward(self, 1.0, reset=_reset, after=after)
        except TypeError:  # usually a grad set to None (a PyTorch habit): name that Value
            for node in autograd.topological_order(self):
                if not isinstance(node.grad, numbers.Real):
                    raise TypeError(f"backward: {node!r} has grad {node.grad!r}; a Value's grad "
                                    "is a number: reset it with v.grad = 0.0 (zero_grad() "
                                    "does), not None") from None
            raise


def _reset(node: Value) -> None:
    node.grad = 0.0


def _check_finite(node: Value) -> None:
    for p in node._prev:
        if not math.isfinite(p.grad):
            args = ", ".join(repr(q.data) for q in node._prev)
            raise AnomalyError(f"{node._op}: backward produced gradient {p.grad} for an input "
                               f"(inputs: {args})")


def _pow_values(base: Value, exp: Value, const_base: bool = False) -> Value:
    """base ** exp where the exponent is a Value: gradients flow to base and exponent."""
    a, b = float(base.data), float(exp.data)
    if a < 0 and not b.is_integer():
        raise ValueError(f"pow: base {a} < 0 with non-integer exponent {b} is not a real number")
    if a == 0 and b < 0:
        raise ZeroDivisionError(f"pow: 0.0 ** {b} divides by zero")
    out = _pow(a, b)
    da = _pow_slope(a, b)
    # d(a^b)/db = a^b ln a; at a = 0 PyTorch takes it as 0, for a < 0 it is nan.
    db = out * math.log(a) if a > 0 else (0.0 if a == 0 else math.nan)
    if const_base:
        def backward(grad):
            exp.grad += db * grad
        return Value._make(out, (exp,), "**", backward)
    def backward(grad):
        base.grad += da * grad
        exp.grad += db * grad
    return Value._make(out, (base, exp), "**", backward)
