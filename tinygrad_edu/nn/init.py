"""Weight initialisation, as ``torch.nn.init``: each function fills a tensor in place.

The scale of the starting weights decides whether signals grow or shrink layer by
layer. Kaiming (He) init keeps their variance steady through ReLU layers, Xavier
(Glorot) through tanh/sigmoid ones. `generator` is an int seed or a numpy Generator.
"""

from __future__ import annotations

import math
import warnings
from typing import Any

import numpy as np

from ..tensor_factory import Seed, rng

__all__ = ["calculate_gain", "uniform_", "normal_", "constant_", "zeros_", "ones_",
           "kaiming_uniform_", "kaiming_normal_", "xavier_uniform_", "xavier_normal_"]

_UNIT_GAIN = ("linear", "identity", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
              "conv_transpose2d", "conv_transpose3d", "sigmoid")


def calculate_gain(nonlinearity: str, param: float | None = None) -> float:
    """The factor that keeps a layer's output variance steady after `nonlinearity`:
    1 for linear and sigmoid, 5/3 for tanh, sqrt(2) for relu, sqrt(2 / (1 + a^2)) for
    leaky_relu with negative slope a (default 0.01), 3/4 for selu."""
    if nonlinearity in _UNIT_GAIN:
        return 1.0
    if nonlinearity == "tanh":
        return 5.0 / 3
    if nonlinearity == "relu":
        return math.sqrt(2.0)
    if nonlinearity == "leaky_relu":
        slope = 0.01 if param is None else param
        if isinstance(slope, bool) or not isinstance(slope, (int, float)):
            raise ValueError(f"negative_slope {slope!r} is not a valid number")
        return math.sqrt(2.0 / (1 + slope ** 2))
    if nonlinearity == "selu":
        return 3.0 / 4
    raise ValueError(f"Unsupported nonlinearity {nonlinearity!r}")


def _array(tensor: Any) -> np.ndarray:
    data = getattr(tensor, "data", tensor)
    if not isinstance(data, np.ndarray):
        raise TypeError(f"init: expected a Tensor, Parameter or numpy array, got "
                        f"{type(tensor).__name__}")
    return data


def _float_array(tensor: Any, fn: str) -> np.ndarray:
    """The array to fill with random numbers: an integer array would silently keep
    only the integer parts (mostly zeros), so it is refused, as PyTorch does."""
    data = _array(tensor)
    if data.dtype.kind != "f":
        raise TypeError(f"{fn}: can only fill a floating-point tensor with random numbers, "
                        f"got dtype {data.dtype}")
    return data


def _empty(data: np.ndarray) -> bool:
    """True (with PyTorch's warning) for a tensor with no elements: nothing to fill, and
    its fans could be 0."""
    if data.size == 0:
        warnings.warn("Initializing zero-element tensors is a no-op", UserWarning, stacklevel=3)
        return True
    return False


def _fans(data: np.ndarray) -> tuple[int, int]:
    """fan_in = inputs per output unit, fan_out = outputs per input unit (weight (out, in))."""
    if data.ndim < 2:
        raise ValueError(f"Fan in and fan out can not be computed for tensor with fewer than "
                         f"2 dimensions (got shape {data.shape})")
    receptive = int(np.prod(data.shape[2:])) if data.ndim > 2 else 1
    return data.shape[1] * receptive, data.shape[0] * receptive


def _fan(data: np.ndarray, mode: str) -> int:
    if mode not in ("fan_in", "fan_out"):
        raise ValueError(f"Mode {mode} not supported, please use one of fan_in, fan_out")
    fan_in, fan_out = _fans(data)
    return fan_in if mode == "fan_in" else fan_out


def uniform_(tensor: Any, a: float = 0.0, b: float = 1.0, generator: Seed = None) -> Any:
    """Fill with samples from U(a, b)."""
    data = _float_array(tensor, "uniform_")
    if not a <= b:
        raise ValueError(f"uniform_: expects a range [a, b) with a <= b, but got a={a} > b={b}")
    data[...] = rng(generator).uniform(a, b, size=data.shape)
    return tensor


def normal_(tensor: Any, mean: float = 0.0, std: float = 1.0, generator: Seed = None) -> Any:
    """Fill with samples from N(mean, std^2)."""
    data = _float_array(tensor, "normal_")
    if not std >= 0:
        raise ValueError(f"normal_: expects std >= 0.0, but found std {std}")
    data[...] = rng(generator).normal(mean, std, size=data.shape)
    return tensor


def constant_(tensor: Any, val: float) -> Any:
    """Fill `tensor` with `val`, in place; returns the tensor."""
    _array(tensor).fill(val)
    return tensor


def zeros_(tensor: Any) -> Any:
    """Fill `tensor` with zeros, in place; returns the tensor."""
    return constant_(tensor, 0.0)


def ones_(tensor: Any) -> Any:
    """Fill `tensor` with ones, in place; returns the tensor."""
    return constant_(tensor, 1.0)


def kaiming_uniform_(tensor: Any, a: float = 0.0, mode: str = "fan_in",
                     nonlinearity: str = "leaky_relu", generator: Seed = None) -> Any:
    """U(-bound, bound) with bound = gain * sqrt(3 / fan): He et al. 2015.

    ``nn.Linear`` uses a = sqrt(5), which makes bound = 1 / sqrt(fan_in).
    """
    data = _float_array(tensor, "kaiming_uniform_")
    if _empty(data):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(data, mode))
    return uniform_(tensor, -math.sqrt(3.0) * std, math.sqrt(3.0) * std, generator)


def kaiming_normal_(tensor: Any, a: float = 0.0, mode: str = "fan_in",
                    nonlinearity: str = "leaky_relu", generator: Seed = None) -> Any:
    """N(0, std^2) with std = gain / sqrt(fan): He et al. 2015."""
    data = _float_array(tensor, "kaiming_normal_")
    if _empty(data):
        return tensor
    std = calculate_gain(nonlinearity, a) / math.sqrt(_fan(data, mode))
    return normal_(tensor, 0.0, std, generator)


def xavier_uniform_(tensor: Any, gain: float = 1.0, generator: Seed = None) -> Any:
    """U(-a, a) with a = gain * sqrt(6 / (fan_in + fan_out)): Glorot & Bengio 2010."""
    data = _float_array(tensor, "xavier_uniform_")
    fan_in, fan_out = _fans(data)
    if _empty(data):
        return tensor
    bound = gain * math.sqrt(6.0 / (fan_in + fan_out))
    return uniform_(tensor, -bound, bound, generator)


def xavier_normal_(tensor: Any, gain: float = 1.0, generator: Seed = None) -> Any:
    """N(0, std^2) with std = gain * sqrt(2 / (fan_in + fan_out)): Glorot & Bengio 2010."""
    data = _float_array(tensor, "xavier_normal_")
    fan_in, fan_out = _fans(data)
    if _empty(data):
        return tensor
    return normal_(tensor, 0.0, gain * math.sqrt(2.0 / (fan_in + fan_out)), generator)
