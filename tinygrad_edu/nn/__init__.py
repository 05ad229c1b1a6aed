"""Neural-network building blocks: `Module`, `Parameter`, and `scalar` (micrograd-style
models over `Value`). `Parameter` is imported on first use, so scalar models work
without the Tensor engine."""

from typing import Any

from . import scalar
from .module import Module

__all__ = ["Module", "Parameter", "scalar"]


def __getattr__(name: str) -> Any:
    if name == "Parameter":
        from .parameter import Parameter

        return Parameter
    raise AttributeError(f"module 'tinygrad_edu.nn' has no attribute {name!r}")


# ---- Tensor layers, containers, losses (these import the Tensor engine) ----------------------
from . import functional, init, utils  # noqa: E402
from .activation import Identity, Lambda, LeakyReLU, LogSoftmax, ReLU, Sigmoid, Softmax, Tanh  # noqa: E402,I001
from .container import ModuleList, Sequential  # noqa: E402
from .dropout import Dropout  # noqa: E402
from .linear import Linear  # noqa: E402
from .loss import (  # noqa: E402
    BCELoss,
    BCEWithLogitsLoss,
    CrossEntropyLoss,
    HingeLoss,
    L1Loss,
    MSELoss,
    NLLLoss,
)
from .mlp import MLP  # noqa: E402

__all__ += [
    "functional", "init", "utils",
    "Linear", "Sequential", "ModuleList", "MLP", "Dropout",
    "ReLU", "LeakyReLU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Identity", "Lambda",
    "MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
    "HingeLoss",
]
