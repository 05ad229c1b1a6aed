"""The playground's one link to the engine: build, train, evaluate and probe a model.

TEMPORARY: a hand-written numpy MLP stands in until tinygrad_edu.nn / optim / train land;
only this module changes when they do.
"""

from __future__ import annotations

import numpy as np

from .validate import Config

__all__ = ["Trainer"]


def _act(name: str, z: np.ndarray) -> np.ndarray:
    if name == "relu":
        return np.maximum(z, 0)
    if name == "tanh":
        return np.tanh(z)
    return 1 / (1 + np.exp(-z))


def _dact(name: str, z: np.ndarray, a: np.ndarray) -> np.ndarray:
    if name == "relu":
        return (z > 0).astype(z.dtype)
    if name == "tanh":
        return 1 - a * a
    return a * (1 - a)


class Trainer:
    """A 2 -> hidden -> 1 network with one logit out, its loss and its optimizer."""

    def __init__(self, cfg: Config) -> None:
        rng = np.random.default_rng(cfg.seed)
        sizes = [2, *cfg.hidden, 1]
        self.W, self.b = [], []
        for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
            bound = 1 / np.sqrt(fan_in)
            self.W.append(rng.uniform(-bound, bound, (fan_out, fan_in)))
            self.b.append(rng.uniform(-bound, bound, fan_out))
        self.activation = cfg.activation
        self.loss = cfg.loss
        self.optimizer = cfg.optimizer
        self.lr = cfg.lr
        self.l2 = cfg.l2
        self.t = 0
        self.m = [np.zeros_like(p) for p in self.W + self.b]
        self.v = [np.zeros_like(p) for p in self.W + self.b]

    def set_hyper(self, lr: float, l2: float) -> None:
        self.lr, self.l2 = lr, l2

    def _forward(self, X):
        zs, acts = [], [X]
        a = X
        for i, (W, b) in enumerate(zip(self.W, self.b)):
            z = a @ W.T + b
            a = z if i == len(self.W) - 1 else _act(self.activation, z)
            zs.append(z)
            acts.append(a)
        return zs, acts

    def _loss(self, logit, y):
        p = 1 / (1 + np.exp(-logit))
        if self.loss == "bce":
            loss = np.mean(np.maximum(logit, 0) - logit * y + np.log1p(np.exp(-np.abs(logit))))
            dlogit = (p - y) / len(y)
        else:
            loss = np.mean((p - y) ** 2)
            dlogit = 2 * (p - y) * p * (1 - p) / len(y)
        return loss, dlogit

    def train_epoch(self, X: np.ndarray, y: np.ndarray, batch_size: int,
                    rng: np.random.Generator) -> None:
        from .. import data
        for Xb, yb in data.batches(X, y, batch_size, seed=rng):
            zs, acts = self._forward(Xb)
            _, g = self._loss(zs[-1], yb)
            grads_W, grads_b = [], []
            for i in range(len(self.W) - 1, -1, -1):
                grads_W.insert(0, g.T @ acts[i])
                grads_b.insert(0, g.sum(0))
                if i > 0:
                    g = (g @ self.W[i]) * _dact(self.activation, zs[i - 1], acts[i])
            self._update(self.W + self.b, grads_W + grads_b)

    def _update(self, params, grads):
        self.t += 1
        for k, (p, g) in enumerate(zip(params, grads)):
            g = g + self.l2 * p
            if self.optimizer == "sgd":
                p -= self.lr * g
            elif self.optimizer == "momentum":
                self.m[k] = 0.9 * self.m[k] + g
                p -= self.lr * self.m[k]
            else:
                self.m[k] = 0.9 * self.m[k] + 0.1 * g
                self.v[k] = 0.999 * self.v[k] + 0.001 * g * g
                mh = self.m[k] / (1 - 0.9 ** self.t)
                vh = self.v[k] / (1 - 0.999 ** self.t)
                p -= self.lr * mh / (np.sqrt(vh) + 1e-8)

    def evaluate(self, X: np.ndarray, y: np.ndarray) -> tuple[float, float]:
        zs, _ = self._forward(X)
        loss, _ = self._loss(zs[-1], y)
        acc = float(np.mean((zs[-1] > 0) == (y > 0.5)))
        return float(loss), acc

    def layer_outputs(self, X: np.ndarray) -> list[np.ndarray]:
        """Each hidden layer's activations (n, units), then the output probability (n, 1)."""
        zs, acts = self._forward(X)
        return acts[1:-1] + [1 / (1 + np.exp(-zs[-1]))]

    def weights(self) -> list[tuple[np.ndarray, np.ndarray]]:
        return [(W.copy(), b.copy()) for W, b in zip(self.W, self.b)]
