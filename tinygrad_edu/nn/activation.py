"""Activation layers: the nonlinearity between two Linear layers, as modules.

Each wraps the Tensor method of the same name, so ``nn.ReLU()(x)`` is ``x.relu()``.
`Lambda` turns any function of Tensors into a layer: a custom activation needs no
derivative, autograd differentiates the ops it is built from.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from . import functional as F
from .module import Module

__all__ = ["ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Identity", "Lambda"]


class ReLU(Module):
    """max(0, x), elementwise."""

    def forward(self, input: Any) -> Any:
        return F.relu(input)


class LeakyReLU(Module):
    """x for x > 0, else negative_slope * x: a small slope keeps negative units learning."""

    def __init__(self, negative_slope: float = 0.01) -> None:
        super().__init__()
        self.negative_slope = negative_slope

    def forward(self, input: Any) -> Any:
        return F.leaky_relu(input, self.negative_slope)

    def extra_repr(self) -> str:
        return f"negative_slope={self.negative_slope}"


class Tanh(Module):
    """tanh(x), elementwise: outputs in (-1, 1)."""

    def forward(self, input: Any) -> Any:
        return F.tanh(input)


class Sigmoid(Module):
    """1 / (1 + e^-x), elementwise: outputs in (0, 1)."""

    def forward(self, input: Any) -> Any:
        return F.sigmoid(input)


class Softmax(Module):
    """exp(x) / sum(exp(x)) along `dim`: each slice becomes a probability distribution."""

    def __init__(self, dim: int | None = None) -> None:
        super().__init__()
        self.dim = dim

    def forward(self, input: Any) -> Any:
        return F.softmax(input, self.dim)

    def extra_repr(self) -> str:
        return f"dim={self.dim}"


class LogSoftmax(Softmax):
    """log(softmax(x)) along `dim`, computed stably; pair it with NLLLoss."""

    def forward(self, input: Any) -> Any:
        return F.log_softmax(input, self.dim)


class Identity(Module):
    """Returns its input unchanged (a placeholder, e.g. for "no activation")."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__()  # PyTorch's Identity ignores any arguments too

    def forward(self, input: Any) -> Any:
        return input


class Lambda(Module):
    """A layer made from a function of Tensors, e.g. ``Lambda(lambda x: x * x.sigmoid())``.

    Not in PyTorch (there you would subclass Module); here it lets `MLP` and `Sequential`
    take any callable as an activation and still show it in the printed model. A model
    holding one cannot be saved by ``tinygrad_edu.save``: the file stores no code.
    """

    def __init__(self, fn: Callable[[Any], Any], name: str | None = None) -> None:
        super().__init__()
        if not callable(fn):
            raise TypeError(f"Lambda: expected a function, got {type(fn).__name__}")
        self.fn = fn
        self.name = name or getattr(fn, "__name__", type(fn).__name__)

    def forward(self, input: Any) -> Any:
        return self.fn(input)

    def extra_repr(self) -> str:
        return f"fn={self.name}"
