"""`Dropout`: randomly silence units while training, so no unit can rely on another."""

from __future__ import annotations

from typing import Any

import numpy as np

from ..tensor_factory import Seed, rng
from . import functional as F
from .module import Module

__all__ = ["Dropout"]


class Dropout(Module):
    """Zero each element with probability `p` in training mode and scale the rest by
    1 / (1 - p) (inverted dropout); in eval mode (``model.eval()``) it passes input through.

    `seed` (an int or a numpy Generator) makes the sequence of masks reproducible.
    """

    def __init__(self, p: float = 0.5, seed: Seed = None) -> None:
        super().__init__()
        if isinstance(p, bool) or not isinstance(p, (int, float, np.integer, np.floating)):
            raise TypeError(f"dropout probability has to be a number, but got {p!r}")
        if not 0 <= p <= 1:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p!r}")
        p = float(p)   # a numpy scalar works, and is saved as a plain number
        self.p = float(p)
        self._generator = rng(seed)

    def forward(self, input: Any) -> Any:
        return F.dropout(input, self.p, self.training, self._generator)

    def extra_repr(self) -> str:
        return f"p={self.p}"
