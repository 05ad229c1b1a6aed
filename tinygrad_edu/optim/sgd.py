"""Stochastic gradient descent, with momentum, dampening, Nesterov and weight decay.

PyTorch's documented algorithm, step by step (g is the gradient, x the parameter)::

    g = g + weight_decay * x                      if weight_decay
    b = g (first step), else momentum * b + (1 - dampening) * g     if momentum
    g = g + momentum * b (nesterov), else g = b                       if momentum
    x = x - lr * g
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import numpy as np

from .optimizer import Optimizer, _number

__all__ = ["SGD"]


class SGD(Optimizer):
    """``SGD(params, lr=1e-3, momentum=0, dampening=0, weight_decay=0, nesterov=False)``,
    with ``torch.optim.SGD``'s names, defaults and update rule.

    >>> opt = SGD(model.parameters(), lr=0.1, momentum=0.9)   # doctest: +SKIP
    """

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 *, maximize: bool = False) -> None:
        defaults = {"lr": lr, "momentum": momentum, "dampening": dampening,
                    "weight_decay": weight_decay, "nesterov": nesterov, "maximize": maximize}
        super().__init__(params, defaults)

    def _validate(self, group: dict[str, Any]) -> None:
        super()._validate(group)
        _number("momentum", group["momentum"], "SGD")
        _number("weight_decay", group["weight_decay"], "SGD")
        _number("dampening", group["dampening"], "SGD", low=-float("inf"))
        if group["nesterov"] and (group["momentum"] <= 0 or group["dampening"] != 0):
            raise ValueError("SGD: Nesterov momentum requires a momentum and zero dampening")

    def _update_array(self, x: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
        if group["maximize"]:
            g = -g
        if wd != 0:
            g = g + wd * x
        if momentum != 0:
            buf = state.get("momentum_buffer")
            if buf is None:                     # the first step starts the buffer at g
                buf = state["momentum_buffer"] = np.array(g, copy=True)
            else:                               # in place: the buffer is allocated once
                buf *= momentum
                buf += (1 - group["dampening"]) * g
            g = g + momentum * buf if group["nesterov"] else buf
        x -= lr * g

    def _update_scalar(self, x: float, g: float, state: dict, group: dict) -> float:
        lr, momentum, wd = group["lr"], group["momentum"], group["weight_decay"]
        if group["maximize"]:
            g = -g
        if wd != 0:
            g = g + wd * x
        if momentum != 0:
            buf = state.get("momentum_buffer")
            buf = g if buf is None else momentum * buf + (1 - group["dampening"]) * g
            state["momentum_buffer"] = buf
            g = g + momentum * buf if group["nesterov"] else buf
        return x - lr * g
