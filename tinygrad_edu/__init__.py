"""tinygrad_edu: a tiny, readable autograd engine for learning how neural networks learn."""

from . import nn, optim, viz
from .autograd import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck
from .io import ModelFileError, load, save
from .tensor import Tensor, unbroadcast
from .tensor_factory import (
    arange,
    eye,
    full,
    full_like,
    ones,
    ones_like,
    rand,
    rand_like,
    randn,
    randn_like,
    zeros,
    zeros_like,
)
from .tensor_math import maximum, minimum, where
from .tensor_shape import cat, concatenate, stack
from .value import Value

__all__ = [
    "Value", "Tensor", "unbroadcast",
    "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly",
    "gradcheck", "GradcheckError",
    "zeros", "ones", "full", "randn", "rand", "arange", "eye",
    "zeros_like", "ones_like", "full_like", "randn_like", "rand_like",
    "maximum", "minimum", "where", "concatenate", "cat", "stack",
    "viz", "nn", "optim", "save", "load", "ModelFileError",
]
__version__ = "0.1.0"
