"""Adam and AdamW: momentum on the gradient, scaled per parameter by its recent size.

PyTorch's documented algorithm (t counts steps from 1, g is the gradient, x the parameter)::

    x = x * (1 - lr * weight_decay)               AdamW (decoupled weight decay)
    g = g + weight_decay * x                      Adam with weight_decay (L2 in the gradient)
    m = m + (1 - beta1) * (g - m)                 running mean of g
    v = beta2 * v + (1 - beta2) * g * g           running mean of g^2
    v_max = max(v_max, v); use v_max for v        amsgrad
    x = x - lr / (1 - beta1^t) * m / (sqrt(v) / sqrt(1 - beta2^t) + eps)

The two ``1 - beta^t`` factors undo the bias of m and v towards their zero start.
"""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, _number

__all__ = ["Adam", "AdamW"]


class Adam(Optimizer):
    """``Adam(params, lr=1e-3, betas=(0.9, 0.999), eps=1e-8, weight_decay=0, amsgrad=False)``,
    with ``torch.optim.Adam``'s names, defaults and update rule."""

    _decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        defaults = {"lr": lr, "betas": betas, "eps": eps, "weight_decay": weight_decay,
                    "amsgrad": amsgrad, "maximize": maximize}
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        name = type(self).__name__
        _number("epsilon", group["eps"], name)
        _number("weight_decay", group["weight_decay"], name)
        betas = group["betas"]
        if not isinstance(betas, (tuple, list)) or len(betas) != 2:
            raise TypeError(f"{name}: betas must be a pair (beta1, beta2), got {betas!r}")
        for i, b in enumerate(betas):
            _number(f"beta parameter at index {i}", b, name)
            if not b < 1:
                raise ValueError(f"{name}: Invalid beta parameter at index {i}: {b} (it must be "
                                 "in [0, 1))")

    def _moments(self, state: dict, like: np.ndarray | float, amsgrad: bool) -> None:
        if "step" not in state:                 # allocated once, on the first step
            zero = np.zeros_like(like) if isinstance(like, np.ndarray) else 0.0
            state["step"] = 0
            state["exp_avg"] = zero
            state["exp_avg_sq"] = zero.copy() if isinstance(zero, np.ndarray) else 0.0
            if amsgrad:
                state["max_exp_avg_sq"] = zero.copy() if isinstance(zero, np.ndarray) else 0.0

    def _update_array(self, x: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], \
            group["weight_decay"]
        amsgrad = group["amsgrad"]
        self._moments(state, x, amsgrad)
        state["step"] += 1
        t = state["step"]
        if group["maximize"]:
            g = -g
        if wd != 0:
            if self._decoupled:
                x *= 1 - lr * wd
            else:
                g = g + wd * x
        m, v = state["exp_avg"], state["exp_avg_sq"]
        m += (1 - beta1) * (g - m)              # in place: the buffers are allocated once
        v *= beta2
        v += (1 - beta2) * g * g
        if amsgrad:
            np.maximum(state["max_exp_avg_sq"], v, out=state["max_exp_avg_sq"])
            v = state["max_exp_avg_sq"]
        denom = np.sqrt(v)
        denom /= (1 - beta2 ** t) ** 0.5
        denom += eps
        x -= (lr / (1 - beta1 ** t)) * (m / denom)

    def _update_scalar(self, x: float, g: float, state: dict, group: dict) -> float:
        lr, (beta1, beta2), eps, wd = group["lr"], group["betas"], group["eps"], \
            group["weight_decay"]
        self._moments(state, x, group["amsgrad"])
        state["step"] += 1
        t = state["step"]
        if group["maximize"]:
            g = -g
        if wd != 0:
            if self._decoupled:
                x = x * (1 - lr * wd)
            else:
                g = g + wd * x
        m = state["exp_avg"] = state["exp_avg"] + (1 - beta1) * (g - state["exp_avg"])
        v = state["exp_avg_sq"] = beta2 * state["exp_avg_sq"] + (1 - beta2) * g * g
        if group["amsgrad"]:
            v = state["max_exp_avg_sq"] = max(state["max_exp_avg_sq"], v)
        denom = math.sqrt(v) / (1 - beta2 ** t) ** 0.5 + eps
        return x - (lr / (1 - beta1 ** t)) * (m / denom)


class AdamW(Adam):
    """Adam with decoupled weight decay: ``x *= 1 - lr * weight_decay`` before the Adam
    step, instead of adding ``weight_decay * x`` to the gradient. As ``torch.optim.AdamW``,
    its default weight_decay is 1e-2."""

    _decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *,
                 maximize: bool = False) -> None:
        super().__init__(params, lr=lr, betas=betas, eps=eps, weight_decay=weight_decay,
                         amsgrad=amsgrad, maximize=maximize)
