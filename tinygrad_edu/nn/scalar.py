"""micrograd-style models over `Value`: lists of Values (or numbers) in, Values out.

A neuron computes ``activation(w . x + b)``. The weighted sum and bias are one `Value.dot`
node, so a neuron adds two nodes to the graph (dot, activation) instead of micrograd's 2n + 1.
Weights start uniform in [-1, 1] and biases at 0, as in micrograd.
"""

from __future__ import annotations

import numbers
import random
from collections.abc import Callable, Sequence

from ..value import Value
from .module import Module

__all__ = ["Neuron", "Layer", "MLP"]

Activation = str | Callable[[Value], Value] | None
_ACTIVATIONS: dict[str, Callable[[Value], Value] | None] = {
    "tanh": Value.tanh,
    "relu": Value.relu,
    "sigmoid": Value.sigmoid,
    "linear": None,
}


def _resolve(activation: Activation) -> Callable[[Value], Value] | None:
    if activation is None:
        return None
    if callable(activation):
        return activation
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)} or a function of "
                         f"a Value, got {activation!r}")
    return _ACTIVATIONS[activation]


def _name(activation: Activation) -> str:
    if activation is None:
        return "linear"
    return activation if isinstance(activation, str) else getattr(activation, "__name__", "?")


def _count(n: int, what: str) -> int:
    """A size argument: a whole number >= 0 (0 is allowed, as in torch.nn.Linear)."""
    if isinstance(n, bool) or not isinstance(n, numbers.Integral):
        raise TypeError(f"{what} must be a whole number, got {n!r}")
    if n < 0:
        raise ValueError(f"{what} must be >= 0, got {n}")
    return int(n)


def _inputs(x: Sequence[Value | float] | Value | float, owner: str) -> Sequence[Value | float]:
    if hasattr(x, "__len__") and not isinstance(x, str):
        return x
    if isinstance(x, (Value, numbers.Real)):  # one input may be a bare number
        return [x]
    raise TypeError(f"{owner}: expected a list of numbers or Values, got {type(x).__name__}")


def _rng(seed: int | random.Random | None) -> random.Random:
    """A seed gives a private generator (reproducible); None uses the `random` module's
    global one, as micrograd does (so ``random.seed(...)`` controls it)."""
    if seed is None or seed is random:  # a Layer hands its generator on to its neurons
        return random  # type: ignore[return-value]
    if isinstance(seed, random.Random):
        return seed
    return random.Random(seed)


class Neuron(Module):
    """``activation(w . x + b)`` with `nin` weights.

    `activation` is "tanh" (the default, as in the micrograd lecture), "relu",
    "sigmoid", "linear", or any function of a Value (a custom activation; autograd
    differentiates it). `seed` is an int, a ``random.Random``, or None.
    """

    def __init__(self, nin: int, activation: Activation = "tanh",
                 seed: int | random.Random | None = None) -> None:
        super().__init__()
        nin = _count(nin, "Neuron: nin")
        rng = _rng(seed)
        self.w = [Value(rng.uniform(-1, 1)) for _ in range(nin)]
        self.b = Value(0.0)
        self.activation = _name(activation)
        self._act = _resolve(activation)

    def forward(self, x: Sequence[Value | float]) -> Value:
        x = _inputs(x, f"Neuron({len(self.w)})")
        if len(x) != len(self.w):
            raise ValueError(f"Neuron({len(self.w)}): expected {len(self.w)} inputs, got "
                             f"{len(x)}")
        return self._out(x)

    def _out(self, x: Sequence[Value | float]) -> Value:  # x already checked (Layer does it once)
        out = Value.dot(self.w, x, bias=self.b)  # one node for w . x + b
        return out if self._act is None else self._act(out)

    def extra_repr(self) -> str:
        return f"{len(self.w)}, activation={self.activation!r}"


class Layer(Module):
    """`nout` neurons that all read the same `nin` inputs. Returns a list of Values, or
    a single Value when ``nout == 1`` (as micrograd)."""

    def __init__(self, nin: int, nout: int, activation: Activation = "tanh",
                 seed: int | random.Random | None = None) -> None:
        super().__init__()
        nin, nout = _count(nin, "Layer: nin"), _count(nout, "Layer: nout")
        _resolve(activation)  # a bad name fails here, even for a layer of 0 neurons
        rng = _rng(seed)
        self.nin = nin
        self.neurons = [Neuron(nin, activation, seed=rng) for _ in range(nout)]

    def _outputs(self, x: Sequence[Value | float]) -> list[Value]:
        x = _inputs(x, f"Layer({self.nin}, {len(self.neurons)})")
        if len(x) != self.nin:
            raise ValueError(f"Layer({self.nin}, {len(self.neurons)}): expected {self.nin} "
                             f"inputs, got {len(x)}")
        return [n._out(x) for n in self.neurons]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        out = self._outputs(x)
        return out[0] if len(out) == 1 else out


class MLP(Module):
    """Layers of sizes ``nin -> sizes[0] -> ... -> sizes[-1]``.

    Hidden layers use `activation`; the last layer uses `out_activation`, which is
    None (linear) by default, as in micrograd. ``MLP(2, [16, 16, 1], "relu")`` is
    micrograd's ``MLP(2, [16, 16, 1])``.
    """

    def __init__(self, nin: int, sizes: Sequence[int], activation: Activation = "tanh",
                 out_activation: Activation = None,
                 seed: int | random.Random | None = None) -> None:
        super().__init__()
        if not isinstance(sizes, Sequence) or isinstance(sizes, str):
            raise TypeError(f"MLP: sizes must be a list of layer sizes such as [16, 16, 1], "
                            f"got {sizes!r}")
        if not sizes:
            raise ValueError("MLP: sizes must list at least one layer size")
        # both names are checked even when one is unused: MLP(2, [1], "Tanh") must not
        # quietly build a linear model
        _resolve(activation)
        _resolve(out_activation)
        nin = _count(nin, "MLP: nin")
        sizes = [_count(n, f"MLP: sizes[{i}]") for i, n in enumerate(sizes)]
        rng = _rng(seed)
        dims = [nin, *sizes]
        self.layers = [Layer(dims[i], dims[i + 1],
                             activation if i < len(sizes) - 1 else out_activation, seed=rng)
                       for i in range(len(sizes))]

    def forward(self, x: Sequence[Value | float]) -> Value | list[Value]:
        for layer in self.layers:
            x = layer._outputs(x)
        return x[0] if len(x) == 1 else x
