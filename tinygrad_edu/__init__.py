"""tinygrad_edu: a tiny, readable autograd engine for learning how neural networks learn."""

from . import data, nn, optim, viz
from .autograd import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .diagnose import Report, diagnose
from .function import Function, custom_op
from .gradcheck import GradcheckError, gradcheck
from .io import ModelFileError, load, save
from .symbolic import activation_from_sympy  # sympy is imported only when it is called
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
from .tensor_select import maximum, minimum, where
from .tensor_shape import cat, concatenate, stack
from .train import EarlyStopping, History, TrainingDiverged, evaluate, fit, predict, train_epoch
from .value import Value

__all__ = [
    "Value", "Tensor", "unbroadcast",
    "no_grad", "enable_grad", "is_grad_enabled", "detect_anomaly",
    "gradcheck", "GradcheckError",
    "zeros", "ones", "full", "randn", "rand", "arange", "eye",
    "zeros_like", "ones_like", "full_like", "randn_like", "rand_like",
    "maximum", "minimum", "where", "concatenate", "cat", "stack",
    "data", "viz", "nn", "optim", "save", "load", "ModelFileError",
    "fit", "History", "EarlyStopping", "TrainingDiverged", "train_epoch", "evaluate", "predict",
    "custom_op", "Function", "activation_from_sympy", "diagnose", "Report",
]
__version__ = "0.1.0"
