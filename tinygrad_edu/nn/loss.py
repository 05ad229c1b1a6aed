"""Loss modules, as ``torch.nn``'s: ``criterion = nn.MSELoss(); loss = criterion(pred, y)``.

Each holds its settings (reduction, weights) and calls the function of the same name,
which does the work in one graph node: the elementwise losses are in loss_elementwise.py,
the class-index ones (cross-entropy, NLL) in loss_classes.py. Those functions are also
``nn.functional.mse_loss`` and so on.
"""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor
from .loss_classes import cross_entropy, nll_loss
from .loss_elementwise import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    check_reduction,
    hinge_loss,
    l1_loss,
    mse_loss,
)
from .module import Module

__all__ = ["MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "CrossEntropyLoss", "NLLLoss",
           "HingeLoss"]


# ---- the modules ----------------------------------------------------------------------------
class _Loss(Module):
    def __init__(self, reduction: str = "mean") -> None:
        super().__init__()
        check_reduction(reduction, type(self).__name__)
        self.reduction = reduction


class MSELoss(_Loss):
    """``loss = mean((input - target)^2)``; see `mse_loss`."""

    def forward(self, input: Any, target: Any) -> Any:
        return mse_loss(input, target, self.reduction)


class L1Loss(_Loss):
    """``loss = mean(|input - target|)``; see `l1_loss`."""

    def forward(self, input: Any, target: Any) -> Any:
        return l1_loss(input, target, self.reduction)


class BCELoss(_Loss):
    """Binary cross-entropy on probabilities; see `binary_cross_entropy`."""

    def __init__(self, weight: Any = None, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight = weight

    def forward(self, input: Any, target: Any) -> Any:
        return binary_cross_entropy(input, target, self.weight, self.reduction)


class BCEWithLogitsLoss(_Loss):
    """Binary cross-entropy on logits (raw scores), stable for any logit; the usual choice
    for two classes. See `binary_cross_entropy_with_logits`."""

    def __init__(self, weight: Any = None, reduction: str = "mean",
                 pos_weight: Any = None) -> None:
        super().__init__(reduction)
        self.weight, self.pos_weight = weight, pos_weight

    def forward(self, input: Any, target: Any) -> Any:
        return binary_cross_entropy_with_logits(input, target, self.weight, self.reduction,
                                                self.pos_weight)


class CrossEntropyLoss(_Loss):
    """Softmax cross-entropy on logits (N, C) with class-index targets (N,) or class
    probabilities (N, C); see `cross_entropy`."""

    def __init__(self, weight: Any = None, ignore_index: int = -100,
                 reduction: str = "mean", label_smoothing: float = 0.0) -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index
        self.label_smoothing = label_smoothing

    def forward(self, input: Any, target: Any) -> Tensor:
        return cross_entropy(input, target, self.weight, self.ignore_index, self.reduction,
                             self.label_smoothing)


class NLLLoss(_Loss):
    """Negative log-likelihood on log-probabilities; see `nll_loss`."""

    def __init__(self, weight: Any = None, ignore_index: int = -100,
                 reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.weight, self.ignore_index = weight, ignore_index

    def forward(self, input: Any, target: Any) -> Tensor:
        return nll_loss(input, target, self.weight, self.ignore_index, self.reduction)


class HingeLoss(_Loss):
    """The max-margin loss of micrograd's demo, ``mean(relu(margin - y * score))`` with
    labels y in {-1, +1}. Not a PyTorch class; see `hinge_loss`."""

    def __init__(self, margin: float = 1.0, reduction: str = "mean") -> None:
        super().__init__(reduction)
        self.margin = margin

    def forward(self, input: Any, target: Any) -> Any:
        return hinge_loss(input, target, self.margin, self.reduction)

    def extra_repr(self) -> str:
        return "" if self.margin == 1.0 else f"margin={self.margin}"
