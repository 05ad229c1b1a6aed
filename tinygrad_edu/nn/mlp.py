"""`MLP`: a multilayer perceptron in one line, as a `Sequential` you could have written.

``MLP(2, [16, 8], 1)`` is exactly ``Sequential(Linear(2, 16), ReLU(), Linear(16, 8),
ReLU(), Linear(8, 1))``: the same layers, the same state_dict keys ("0.weight",
"0.bias", "2.weight", ...) as that ``torch.nn.Sequential``, and 193 parameters.
PyTorch has no MLP class in ``torch.nn``; this one only saves typing.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from ..tensor_factory import Seed, rng
from .activation import Identity, Lambda, LeakyReLU, ReLU, Sigmoid, Tanh
from .container import Sequential
from .dropout import Dropout
from .linear import Linear
from .module import Module

__all__ = ["MLP", "make_activation", "ACTIVATIONS"]

ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU, "tanh": Tanh, "sigmoid": Sigmoid, "leaky_relu": LeakyReLU,
    "identity": Identity, "linear": Identity,
}
ActivationLike = str | Module | type | Callable[[Any], Any] | None


def make_activation(activation: ActivationLike) -> Module:
    """A layer from a name ("relu", "tanh", "sigmoid", "leaky_relu", "identity"/"linear"),
    a Module class (instantiated), a Module (used as is) or a function of Tensors (wrapped
    in `Lambda`, so autograd differentiates it)."""
    if activation is None:
        return Identity()
    if isinstance(activation, str):
        key = activation.lower()
        if key not in ACTIVATIONS:
            raise ValueError(f"unknown activation {activation!r}; choose one of "
                             f"{sorted(ACTIVATIONS)}, or pass a Module or a function")
        return ACTIVATIONS[key]()
    if isinstance(activation, type) and issubclass(activation, Module):
        return activation()
    if isinstance(activation, Module):
        return activation
    if callable(activation):
        return Lambda(activation)
    raise TypeError(f"activation must be a name, a Module or a function, got "
                    f"{type(activation).__name__}")


def _sizes(hidden: int | Sequence[int]) -> list[int]:
    sizes = [hidden] if isinstance(hidden, (int, np.integer)) else list(hidden)
    for n in sizes:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
            raise ValueError(f"MLP: hidden sizes must be positive ints, got {hidden!r}")
    return [int(n) for n in sizes]


class MLP(Sequential):
    """Linear layers of sizes ``in_features -> *hidden -> out_features``, each hidden one
    followed by `activation` (and `Dropout(dropout)` if dropout > 0); `out_activation`,
    if given, follows the last. With no out_activation the output is raw scores (logits),
    what BCEWithLogitsLoss, CrossEntropyLoss and MSELoss want.

    `activation` is a name, a Module class (one instance per layer), a Module instance
    (shared by every layer) or any function of Tensors. `seed` (an int or a numpy
    Generator) makes the starting weights and the dropout masks reproducible.
    """

    def __init__(self, in_features: int, hidden: int | Sequence[int], out_features: int,
                 activation: ActivationLike = "relu", out_activation: ActivationLike = None,
                 bias: bool = True, dropout: float = 0.0, dtype: Any = None,
                 seed: Seed = None) -> None:
        sizes = _sizes(hidden)
        if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) \
                or not 0 <= dropout < 1:
            raise ValueError(f"MLP: dropout must be a probability in [0, 1), got {dropout!r}")
        gen = rng(seed)
        dims = [in_features, *sizes, out_features]
        layers: list[Module] = []
        for i in range(len(dims) - 1):
            layers.append(Linear(dims[i], dims[i + 1], bias=bias, dtype=dtype, seed=gen))
            if i < len(dims) - 2:
                layers.append(make_activation(activation))
                if dropout > 0:
                    layers.append(Dropout(dropout, seed=gen.spawn(1)[0]))
        if out_activation is not None:
            layers.append(make_activation(out_activation))
        super().__init__(*layers)
        self.in_features, self.hidden, self.out_features = in_features, tuple(sizes), out_features
