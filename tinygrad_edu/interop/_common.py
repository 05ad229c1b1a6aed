"""What interop can translate, and how it asks for the optional packages it needs.

One table serves both directions and ONNX: our layer names are PyTorch's, and so are
the attributes that configure them (``negative_slope``, ``dim``, ``p``), so a layer
crosses over by name with its settings copied attribute by attribute.
"""

from __future__ import annotations

import importlib
from types import ModuleType
from typing import Any

__all__ = ["ACTIVATIONS", "SUPPORTED", "UnsupportedModuleError", "require", "unsupported",
           "where", "plain_sequential"]

# layer name (ours and torch.nn's) -> (its settings, the ONNX op or None if dropped,
# ONNX attribute name for each setting). Dropout has no ONNX node: export is for inference.
ACTIVATIONS: dict[str, tuple[tuple[str, ...], str | None, dict[str, str]]] = {
    "ReLU": ((), "Relu", {}),
    "LeakyReLU": (("negative_slope",), "LeakyRelu", {"negative_slope": "alpha"}),
    "Tanh": ((), "Tanh", {}),
    "Sigmoid": ((), "Sigmoid", {}),
    "Softmax": (("dim",), "Softmax", {"dim": "axis"}),
    "LogSoftmax": (("dim",), "LogSoftmax", {"dim": "axis"}),
    "Identity": ((), "Identity", {}),
    "Dropout": (("p",), None, {}),
}

SUPPORTED = ("Sequential", "MLP", "Linear", *ACTIVATIONS)


class UnsupportedModuleError(TypeError):
    """A layer with no translation; the message says where it is and lists what has one."""


def where(path: str) -> str:
    """A layer's dotted name (its state_dict prefix) in words."""
    return f"layer {path!r}" if path else "the model itself"


def unsupported(fn: str, path: str, module: Any, reason: str = "") -> UnsupportedModuleError:
    if reason:
        return UnsupportedModuleError(f"{fn}: {where(path)}: {reason}")
    kind = type(module)
    # a class that only shares a supported layer's name (nn.scalar.MLP, a subclass with its
    # own forward) is named in full: "MLP has no translation; supported: MLP" says nothing
    name = f"{kind.__module__}.{kind.__qualname__}" if kind.__name__ in SUPPORTED \
        else kind.__name__
    reason = f"{name} has no translation"
    if kind.__module__ == "tinygrad_edu.nn.scalar":
        reason += (" (it computes with scalar Values; build the model from nn.Linear "
                   "layers, or nn.MLP, to translate it)")
    if kind.__name__ == "Lambda":  # ours: how MLP wraps a custom activation function
        reason = (f"Lambda(fn={getattr(module, 'name', '?')}) runs a Python function, which has "
                  "no translation (in PyTorch, write it as a torch.nn.Module subclass)")
    return UnsupportedModuleError(f"{fn}: {where(path)}: {reason}; supported layers: "
                                  + ", ".join(SUPPORTED))


def require(name: str, fn: str, extra: str) -> ModuleType:
    """Import an optional package, or say which extra of ours installs it."""
    try:
        return importlib.import_module(name)
    except ImportError as e:
        raise ImportError(f"{fn} needs the optional package {name!r}, which is not installed: "
                          f'pip install "tinygrad_edu[{extra}]"') from e


def plain_sequential(module: Any, base: type, own_params: int) -> bool:
    """A Sequential, or a subclass (like our MLP) that only chains its children: a subclass
    with its own forward or its own weights computes something the chain does not."""
    return isinstance(module, base) and type(module).forward is base.forward and own_params == 0
