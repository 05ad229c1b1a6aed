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
