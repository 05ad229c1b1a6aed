"""`Linear`: y = x W^T + b, the layer every network here is built from (``torch.nn.Linear``)."""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..tensor import Tensor
from ..tensor_factory import Seed, rng
from . import init
from .functional import linear
from .module import Module
from .parameter import Parameter

__all__ = ["Linear"]


def _features(name: str, n: Any) -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"Linear: {name} must be a positive int, got {n!r}")
    return int(n)


class Linear(Module):
    """A fully connected layer: ``weight`` (out_features, in_features), ``bias`` (out_features,).

    PyTorch's default init: ``kaiming_uniform_(weight, a=sqrt(5))``, which is
    U(-1/sqrt(in_features), 1/sqrt(in_features)), and the bias from the same range.
    `dtype` defaults to float32, as in PyTorch; `seed` (an int or a numpy Generator)
    makes the starting weights reproducible.

    >>> layer = Linear(2, 3, seed=0)
    >>> layer(Tensor([[1.0, 2.0]])).shape
    (1, 3)
    """

    def __init__(self, in_features: int, out_features: int, bias: bool = True,
                 dtype: Any = None, seed: Seed = None) -> None:
        super().__init__()
        self.in_features = _features("in_features", in_features)
        self.out_features = _features("out_features", out_features)
        dt = np.dtype(np.float32 if dtype is None else dtype)
        if dt.kind != "f":
            raise TypeError(f"Linear: dtype must be a float type, got {dt}")
        gen = rng(seed)
        self.weight = Parameter(np.empty((self.out_features, self.in_features), dtype=dt))
        init.kaiming_uniform_(self.weight, a=math.sqrt(5), generator=gen)
        if bias:
            bound = 1 / math.sqrt(self.in_features)
            self.bias = Parameter(np.empty(self.out_features, dtype=dt))
            init.uniform_(self.bias, -bound, bound, generator=gen)
        else:
            self.bias = None

    def forward(self, input: Any) -> Tensor:
        return linear(input, self.weight, self.bias)

    def extra_repr(self) -> str:
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")
