"""The playground's one link to the engine: build, train, evaluate and probe a model.

The model is an ``nn.MLP`` of the Tensor engine; an epoch is ``train.train_epoch``, the same
code `fit` runs, and the numbers on the page come from ``train.evaluate``. Frames (the
output and every neuron over a grid of points) are computed under ``no_grad``.
"""

from __future__ import annotations

import numpy as np

from .. import nn, optim
from ..autograd import no_grad
from ..tensor import Tensor
from ..train import evaluate, train_epoch
from .validate import Config

__all__ = ["Trainer"]


class Trainer:
    """A 2 -> hidden -> 1 network, its loss and its optimizer, as the settings describe.

    BCE trains the raw output (a logit) with ``BCEWithLogitsLoss``; MSE puts a sigmoid on
    the output and compares that probability with the 0/1 label, so both report the same
    kind of number on the page: the probability of class 1.
    """

    def __init__(self, cfg: Config) -> None:
        self.mse = cfg.loss == "mse"
        self.model = nn.MLP(2, list(cfg.hidden), 1, activation=cfg.activation,
                         out_activation="sigmoid" if self.mse else None, seed=cfg.seed)
        self.loss = nn.MSELoss() if self.mse else nn.BCEWithLogitsLoss()
        params = self.model.parameters()
        if cfg.optimizer == "adam":
            self.optimizer = optim.Adam(params, lr=cfg.lr, weight_decay=cfg.l2)
        else:
            momentum = 0.9 if cfg.optimizer == "momentum" else 0.0
            self.optimizer = optim.SGD(params, lr=cfg.lr, momentum=momentum, weight_decay=cfg.l2)
        self.linears = [m for m in self.model if isinstance(m, nn.Linear)]

    def set_hyper(self, lr: float, l2: float) -> None:
        """Change the learning rate and L2 mid-run, as PyTorch's ``param_groups`` allow."""
        for group in self.optimizer.param_groups:
            group["lr"] = lr
            group["weight_decay"] = l2

    def train_epoch(self, X: np.ndarray, y: np.ndarray, batch_size: int,
                    rng: np.random.Generator) -> None:
        """One epoch of mini-batch steps; raises FloatingPointError if the loss turns NaN."""
        train_epoch(self.model, X, y, self.loss, self.optimizer, batch_size, rng)

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        loss, acc = evaluate(self.model, X, y, self.loss)
        return float(loss), float(acc if acc is not None else 0.0)

    def layer_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        """Each hidden layer's activations (n, units), then the output probability (n, 1)."""
        dtype = self.linears[0].weight.data.dtype
        h = Tensor(np.asarray(X, dtype=dtype))
        out: list[np.ndarray] = []
        hidden = {id(lin) for lin in self.linears[:-1]}
        with no_grad():
            prev = None
            for m in self.model:
                h = m(h)
                # A hidden layer's output is its activation's: the module after its Linear.
                if prev is not None and id(prev) in hidden:
                    out.append(h.numpy().astype(np.float64))
                prev = m
        final = h.numpy().astype(np.float64)
        prob = final if self.mse else 1 / (1 + np.exp(-final))
        return out + [prob]

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each Linear's (weight (out, in), bias (out,)) as float64 copies."""
        return [(lin.weight.data.astype(np.float64),
                 lin.bias.data.astype(np.float64)) for lin in self.linears]
