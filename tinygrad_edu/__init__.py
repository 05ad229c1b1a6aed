"""tinygrad_edu: a tiny, readable autograd engine for learning how neural networks learn."""

from .autograd import detect_anomaly, enable_grad, is_grad_enabled, no_grad
from .gradcheck import GradcheckError, gradcheck
from .value import Value

__all__ = [
    "Value",
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "gradcheck",
    "GradcheckError",
]
__version__ = "0.1.0"
