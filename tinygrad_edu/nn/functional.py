"""Stateless functions behind the layers, as ``torch.nn.functional`` (import it as ``F``).

``linear`` is one graph node, not three (matmul, transpose, add): its forward and
backward sit together below, so a layer costs one node and a few numpy calls. The
losses live in nn/loss.py and are re-exported here under PyTorch's names.
"""

from __future__ import annotations

import numbers
import warnings
from typing import Any

import numpy as np

from ..tensor import Tensor
from ..tensor_factory import Seed, rng
from .loss_classes import cross_entropy, nll_loss
from .loss_elementwise import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    hinge_loss,
    l1_loss,
    mse_loss,
)

__all__ = [
    "linear", "relu", "leaky_relu", "tanh", "sigmoid", "softmax", "log_softmax", "dropout",
    "mse_loss", "l1_loss", "binary_cross_entropy", "binary_cross_entropy_with_logits",
    "cross_entropy", "nll_loss", "hinge_loss",
]


def _tensor(x: Any, like: Tensor | None = None) -> Tensor:
    """Inputs may be arrays or lists; integer data takes the weight's float dtype."""
    if isinstance(x, Tensor):
        return x
    arr = np.asarray(x)
    if like is not None and arr.dtype.kind in "biu":
        return Tensor(arr, dtype=like.dtype)
    return Tensor(x)


def linear(input: Any, weight: Tensor, bias: Tensor | None = None) -> Tensor:
    """``input @ weight.T + bias`` for input (..., in), weight (out, in), bias (out,).

    Backward, with g = dL/d(out) of shape (..., out) and the batch axes flattened::

        dL/d(input)  = g @ weight                  (..., in)
        dL/d(weight) = g^T @ input                 (out, in): summed over the batch
        dL/d(bias)   = sum of g over the batch      (out,)

    Mixed float dtypes follow numpy's promotion, as every Tensor op here (PyTorch would
    raise instead); integer inputs take the weight's dtype.
    """
    x = _tensor(input, weight)
    W = weight if isinstance(weight, Tensor) else Tensor(weight)
    b = bias if bias is None or isinstance(bias, Tensor) else Tensor(bias)
    if W.ndim != 2:
        raise ValueError(f"linear: weight must be 2-D (out_features, in_features), got shape "
                         f"{W.shape}")
    n_out, n_in = W.shape
    if x.ndim == 0 or x.shape[-1] != n_in:
        raise ValueError(f"linear: input of shape {x.shape} has {x.shape[-1] if x.ndim else 0} "
                         f"features in its last dim, but the weight {W.shape} expects "
                         f"in_features={n_in}")
    if b is not None and b.shape != (n_out,):
        raise ValueError(f"linear: bias must have shape ({n_out},) to match weight {W.shape}, "
                         f"got {b.shape}")
    out = x.data @ W.data.T
    if b is not None:
        out += b.data                           # a fresh array, so in place is safe
    def backward(grad):
        # contiguous: a strided or broadcast upstream grad would make numpy skip BLAS
        g2 = np.ascontiguousarray(grad).reshape(-1, n_out)  # batch axes flattened: (rows, out)
        if x.requires_grad:
            x._accumulate(grad @ W.data)
        if W.requires_grad:
            W._accumulate(g2.T @ x.data.reshape(-1, n_in))
        if b is not None and b.requires_grad:
            b._accumulate(g2.sum(axis=0))
    parents = (x, W) if b is None else (x, W, b)
    return Tensor._make(out, parents, "linear", backward)


# ---- activations: each is the Tensor method of the same name ---------------------------------
def relu(input: Any) -> Any:
    """max(0, x), elementwise: ``input.relu()`` (a list or array becomes a Tensor first)."""
    return input.relu() if hasattr(input, "relu") else Tensor(input).relu()


def leaky_relu(input: Any, negative_slope: float = 0.01) -> Any:
    """x for x > 0, else negative_slope * x, elementwise: ``input.leaky_relu(negative_slope)``."""
    x = input if hasattr(input, "leaky_relu") else Tensor(input)
    return x.leaky_relu(negative_slope)


def tanh(input: Any) -> Any:
    """tanh(x), elementwise: ``input.tanh()`` (a list or array becomes a Tensor first)."""
    return input.tanh() if hasattr(input, "tanh") else Tensor(input).tanh()


def sigmoid(input: Any) -> Any:
    """1 / (1 + e^-x), elementwise: ``input.sigmoid()`` (a list or array becomes a Tensor)."""
    return input.sigmoid() if hasattr(input, "sigmoid") else Tensor(input).sigmoid()


def _softmax_dim(dim: int | None, ndim: int, name: str) -> int:
    if dim is not None:
        return dim
    # PyTorch's legacy guess, with its warning: 0 for 0-, 1- and 3-D input, else 1
    warnings.warn(f"Implicit dimension choice for {name} has been deprecated. Change the call "
                  "to include dim=X as an argument.", UserWarning, stacklevel=3)
    return 0 if ndim in (0, 1, 3) else 1


def softmax(input: Any, dim: int | None = None) -> Tensor:
    """exp(x) / sum(exp(x)) along `dim`. Without `dim`, PyTorch's deprecated guess (0 for
    0-, 1- and 3-D input, else 1) is used, with its warning."""
    x = _tensor(input)
    return x.softmax(_softmax_dim(dim, x.ndim, "softmax"))


def log_softmax(input: Any, dim: int | None = None) -> Tensor:
    """log(softmax(x)) along `dim`, computed stably (x - logsumexp(x)); `dim` as in `softmax`."""
    x = _tensor(input)
    return x.log_softmax(_softmax_dim(dim, x.ndim, "log_softmax"))


def dropout(input: Any, p: float = 0.5, training: bool = True, generator: Seed = None) -> Tensor:
    """Inverted dropout: zero each element with probability p and scale the survivors by
    1 / (1 - p), so the expected value is unchanged and evaluation needs no rescaling.

    `generator` is an int seed or a numpy Generator (a Dropout layer keeps its own).
    """
    if isinstance(p, bool) or not isinstance(p, numbers.Real) or not 0 <= p <= 1:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p!r}")
    x = _tensor(input)
    if not training or p == 0:
        return x
    if p == 1:
        keep = np.zeros(x.shape, dtype=x.dtype)  # everything dropped, as PyTorch
    else:
        keep = (rng(generator).random(x.shape) >= p).astype(x.dtype) / x.dtype.type(1 - p)
    def backward(grad):                         # the same mask and scale
        x._accumulate(grad * keep)
    return Tensor._make(x.data * keep, (x,), "dropout", backward)
