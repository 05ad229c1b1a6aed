"""One batch through one model: the part of training that knows what a model and a loss are.

`fit` (train.py) runs the loop; this module turns rows into what the model takes and
its outputs into a loss and an accuracy. A Tensor model gets the batch as one Tensor; an
`nn.scalar` model over `Value` gets one list of numbers per row, and the nn losses turn
its outputs into ONE loss node for the batch. `accuracy_for` holds the accuracy rules.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np

from .tensor import Tensor
from .value import Value

__all__ = ["accuracy_for"]

AccuracyFn = Callable[[np.ndarray, np.ndarray], float]
Accuracy = AccuracyFn | str | None

# Losses that compare the model's output with y element by element (so the shapes must agree).
_ELEMENTWISE = {"MSELoss", "L1Loss", "BCELoss", "BCEWithLogitsLoss", "HingeLoss",
                "SmoothL1Loss", "HuberLoss"}
_LOGIT_LOSSES = {"BCEWithLogitsLoss", "HingeLoss"}  # their outputs are scores: decide at 0


@dataclass
class _Data:
    """Rows checked and converted once, with what every batch needs to know about them."""

    X: np.ndarray
    y: np.ndarray
    scalar: bool
    params: list[Any]
    accuracy: AccuracyFn | None
    who: str = "fit"   # for errors: the function called, and which data ("validation ")
    what: str = ""


def _prepare(model: Any, X: Any, y: Any, loss: Any, accuracy: Accuracy,
             what: str = "", who: str = "fit") -> _Data:
    params = _params(model)
    scalar = bool(params) and isinstance(params[0], Value)
    X, y = _arrays(params, X, y, loss, scalar, what, who)
    return _Data(X, y, scalar, params, _resolve_accuracy(accuracy, loss, y), who, what)


# ---- accuracy ------------------------------------------------------------------------------
def accuracy_for(loss: Any, y: Any) -> AccuracyFn | None:
    """The accuracy rule fit uses for this loss and these labels (None: not a classifier).

    - CrossEntropyLoss: the argmax of the outputs is the predicted class;
    - BCEWithLogitsLoss and HingeLoss: outputs are scores, positive means class 1 (> 0);
    - any other loss (BCELoss, MSELoss, your own) with labels 0/1: outputs > 0.5 (a
      probability, e.g. after a sigmoid); with labels -1/1: outputs > 0 (e.g. after tanh);
      with one-hot rows: the argmax; with other labels (regression): no accuracy.
    """
    kind = type(loss).__name__
    y = np.asarray(y.data if isinstance(y, Tensor) else y)
    if kind == "CrossEntropyLoss":
        return _argmax_accuracy
    labels = np.unique(y)
    if y.ndim == 2 and y.shape[1] > 1:
        one_hot = set(labels.tolist()) <= {0, 1} and np.all(y.sum(axis=1) == 1)
        return _argmax_accuracy if one_hot else None
    if set(labels.tolist()) <= {0, 1}:
        label_cut, out_cut = 0.5, 0.5
    elif set(labels.tolist()) <= {-1, 1}:
        label_cut, out_cut = 0.0, 0.0
    else:
        return None
    if kind in _LOGIT_LOSSES:
        out_cut = 0.0

    def binary_accuracy(out: np.ndarray, target: np.ndarray) -> float:
        hits = (out.reshape(target.shape) > out_cut) == (target > label_cut)
        return np.count_nonzero(hits) / hits.size
    binary_accuracy.__doc__ = f"fraction of rows with (output > {out_cut}) == (y > {label_cut})"
    return binary_accuracy


def _argmax_accuracy(out: np.ndarray, target: np.ndarray) -> float:
    pred = out.argmax(axis=-1)
    true = target.argmax(axis=-1) if target.ndim == out.ndim else target.reshape(pred.shape)
    return np.count_nonzero(pred == true) / pred.size


def _resolve_accuracy(accuracy: Accuracy, loss: Any, y: np.ndarray) -> AccuracyFn | None:
    if accuracy == "auto":
        return accuracy_for(loss, y)
    if accuracy is None or callable(accuracy):
        return accuracy
    raise TypeError(f"accuracy must be 'auto', None or a function (outputs, y) -> float, "
                    f"got {accuracy!r}")


# ---- models of Tensors and models of Values --------------------------------------------------
def _params(model: Any) -> list[Any]:
    return list(model.parameters()) if hasattr(model, "parameters") else []


def _features(params: list[Any], X: Any, scalar: bool, what: str = "",
              who: str = "fit") -> np.ndarray:
    """X as a 2-D float array: float64 for Value models (one list of numbers per row), the
    parameters' dtype for Tensor models."""
    X = np.asarray(X.data if isinstance(X, Tensor) else X)
    if X.ndim != 2:
        raise ValueError(f"{who}: {what}X must be 2-D (samples, features), got shape {X.shape}")
    if X.dtype.kind not in "fiub":
        raise TypeError(f"{who}: {what}X must hold numbers, got dtype {X.dtype}")
    if not np.isfinite(X).all():
        raise ValueError(f"{who}: {what}X contains nan or inf; clean the data before training")
    if scalar:
        return X.astype(np.float64, copy=False)
    floats = [p for p in params if isinstance(p, Tensor) and p.data.dtype.kind == "f"]
    return X.astype(floats[0].data.dtype if floats else np.float32, copy=False)


def _arrays(params: list[Any], X: Any, y: Any, loss: Any, scalar: bool,
            what: str = "", who: str = "fit") -> tuple[np.ndarray, np.ndarray]:
    X = _features(params, X, scalar, what, who)
    y = np.asarray(y.data if isinstance(y, Tensor) else y)
    if len(y) != len(X):
        raise ValueError(f"{who}: {what}X has {len(X)} rows but {what}y has {len(y)}")
    if len(X) == 0:
        raise ValueError(f"{who}: {what}X has no rows")
    if type(loss).__name__ != "CrossEntropyLoss" and y.dtype.kind in "fiub":
        y = y.astype(X.dtype, copy=False)  # BCE/MSE targets: numbers in the model's dtype
    return X, y


def _check_like_training(data: _Data, val: _Data) -> None:
    """Validation rows must look like training rows: caught here, not after an epoch."""
    if val.X.shape[1:] != data.X.shape[1:]:
        raise ValueError(f"fit: validation X has {val.X.shape[1]} features per row but X has "
                         f"{data.X.shape[1]}")
    if val.y.shape[1:] != data.y.shape[1:]:
        hint = f", e.g. y_val.reshape(-1, {data.y.shape[1]})" \
            if data.y.ndim == 2 and val.y.size == len(val.y) * data.y.shape[1] else ""
        raise ValueError(f"fit: validation y has shape {val.y.shape} but y has shape "
                         f"{data.y.shape}: give both the same shape per row{hint}")


def _batch_size(batch_size: Any, who: str = "fit") -> int | None:
    if batch_size is None:
        return None
    if isinstance(batch_size, bool) or not isinstance(batch_size, (int, np.integer)) \
            or batch_size < 1:
        raise ValueError(f"{who}: batch_size must be None (full batch) or an int >= 1, "
                         f"got {batch_size!r}")
    return int(batch_size)


def _set_mode(model: Any, training: bool) -> bool:
    """Switch train/eval mode if the model has modes; return the mode it had."""
    was = getattr(model, "training", True)
    if hasattr(model, "train") and was != training:
        model.train(training)
    return was


def _outputs(model: Any, xb: np.ndarray, scalar: bool) -> tuple[Any, np.ndarray]:
    """(what the model returned, its numbers as an array of shape (rows, outputs))."""
    if not scalar:
        out = model(Tensor(xb))
        if not isinstance(out, Tensor):
            raise TypeError(f"fit: the model must return a Tensor, got {type(out).__name__}")
        return out, out.data
    preds = [model(row) for row in xb.tolist()]
    nums = np.array([[p.data] if isinstance(p, Value) else [v.data for v in p] for p in preds])
    return preds, nums


def _forward(model: Any, xb: np.ndarray, yb: np.ndarray, loss: Callable,
             scalar: bool, who: str = "fit", what: str = "") -> tuple[Any, np.ndarray]:
    """The batch's loss (a graph node) and the model's outputs as numbers."""
    out, nums = _outputs(model, xb, scalar)
    if scalar:
        return _value_batch_loss(loss, out, yb), nums
    if type(loss).__name__ in _ELEMENTWISE and out.shape != yb.shape:
        hint = ", e.g. y.reshape(-1, 1)" if yb.size == out.data.size and out.ndim == 2 else ""
        raise ValueError(f"{who}: the model outputs shape {out.shape} but {what}y has shape "
                         f"{yb.shape}: "
                         f"{type(loss).__name__} compares them element by element, so give y "
                         f"the outputs' shape{hint}")
    return loss(out, Tensor(yb)), nums


def _rows_total(loss: Any, value: float, rows: int) -> float:
    """The batch's loss summed over its rows, so that an epoch's total / N is a mean per row
    for uneven batches: a "mean" loss (the default) is scaled by the rows, a "sum" loss
    already is that sum. Train and validation losses then compare whatever the batching."""
    return value if getattr(loss, "reduction", "mean") == "sum" else value * rows


def _loss_value(node: Any) -> float:
    data = np.asarray(node.data)
    if data.size != 1:
        raise ValueError(f"fit: the loss must be one number (reduction 'mean' or 'sum'), got "
                         f"shape {data.shape}")
    return float(data)


# Value models: the nn losses take lists of Values, so a batch is ONE loss node; a loss
# of your own is called per sample, loss(prediction, target), and averaged.
def _value_batch_loss(loss: Any, preds: list[Any], yb: np.ndarray) -> Value:
    kind = type(loss).__name__
    if kind == "CrossEntropyLoss":
        _check_value_cross_entropy(loss)
        terms = [_value_cross_entropy(p, t) for p, t in zip(preds, yb.tolist())]
        return Value.sum(terms) if loss.reduction == "sum" else _mean(terms)
    if kind in _ELEMENTWISE:
        flat = [v for p in preds for v in ([p] if isinstance(p, Value) else p)]
        return loss(flat, yb.reshape(-1).tolist())
    if not callable(loss):
        raise TypeError(f"fit: loss must be callable, got {kind}")
    return _mean([loss(p, t) for p, t in zip(preds, yb.tolist())])


def _mean(terms: list[Value]) -> Value:
    return terms[0] if len(terms) == 1 else Value.sum(terms) * (1.0 / len(terms))


def _check_value_cross_entropy(loss: Any) -> None:
    # the Value path below is plain -log softmax; say so rather than ignore what it lacks
    if getattr(loss, "weight", None) is not None or getattr(loss, "label_smoothing", 0.0):
        raise ValueError("fit: CrossEntropyLoss with weight= or label_smoothing= needs a Tensor "
                         "model; for a Value model use CrossEntropyLoss() or your own loss")
    if loss.reduction not in ("mean", "sum"):
        raise ValueError(f"fit: the loss must be one number (reduction 'mean' or 'sum'), got "
                         f"reduction {loss.reduction!r}")


def _value_cross_entropy(pred: Any, target: Any) -> Value:
    """-log softmax(z)[t] = logsumexp(z) - z[t] for one sample's list of logits."""
    logits = [pred] if isinstance(pred, Value) else list(pred)
    t = target[0] if isinstance(target, list) and len(target) == 1 else target
    if isinstance(t, list) or not (0 <= t < len(logits) and t == int(t)):
        raise ValueError(f"fit: CrossEntropyLoss needs one class index 0..{len(logits) - 1} "
                         f"per sample, got {target!r}")
    m = max(z.data for z in logits)  # shift by the max so exp never overflows
    return Value.sum([(z - m).exp() for z in logits]).log() + m - logits[int(t)]
