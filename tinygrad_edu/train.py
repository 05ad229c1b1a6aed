"""`fit`: the one training loop, shared by the CLI, the examples and the playground.

Every step is the loop of the source tutorials, in PyTorch's order::

    optimizer.zero_grad(); out = model(xb); l = loss(out, yb); l.backward(); optimizer.step()

`fit` adds the chores around it: batching (per sample, mini-batch or full batch),
a `History` of loss and accuracy, validation, early stopping, callbacks, a progress
bar, and a guard that stops with `TrainingDiverged` the moment the loss turns nan or inf.
`train_epoch` and `evaluate` are the pieces `fit` is made of, public so that an
interactive stepper (the playground) advances one epoch at a time with the same code.

Models may be Tensor models (a batch in, a batch out) or `nn.scalar` models over `Value`
(one sample, a list of numbers, in; a Value or a list of Values out), trained sample by sample.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .autograd import no_grad
from .batch import (
    Accuracy,
    _batch_size,
    _check_like_training,
    _Data,
    _features,
    _forward,
    _loss_value,
    _outputs,
    _params,
    _prepare,
    _rows_total,
    _set_mode,
    accuracy_for,
)
from .value import Value

__all__ = ["fit", "History", "EarlyStopping", "TrainingDiverged", "train_epoch", "evaluate",
           "accuracy_for", "predict"]

Callback = Callable[[int, "History", Any], Any]


class TrainingDiverged(FloatingPointError):
    """The loss (or a parameter) became nan or inf: the steps were too large to follow the
    slope. ``epoch`` and ``batch`` (counted from 1) say where it happened; from `fit`,
    ``history`` holds the epochs before, to plot how it went."""

    def __init__(self, message: str, epoch: int, batch: int | None = None,
                 loss: float | None = None) -> None:
        super().__init__(message)
        self.epoch, self.batch, self.loss = epoch, batch, loss
        self.history: History | None = None


@dataclass
class History:
    """What `fit` recorded, one entry per epoch: plain lists of floats, ready for plots and JSON.

    ``loss``/``accuracy`` are the training values, each a mean per row over the epoch as
    measured during training (before each step, as the tutorials' loops print them; a
    ``reduction="sum"`` loss is summed over the epoch and divided by the rows, so that train
    and validation losses compare whatever the batch sizes);
    ``val_loss``/``val_accuracy`` are measured after the epoch. A list is empty when there is
    nothing to measure (no validation set; no accuracy for regression). Epochs count from 1.
    """

    loss: list[float] = field(default_factory=list)
    accuracy: list[float] = field(default_factory=list)
    val_loss: list[float] = field(default_factory=list)
    val_accuracy: list[float] = field(default_factory=list)
    epochs: list[int] = field(default_factory=list)
    stopped_early: bool = False
    stop_reason: str | None = None
    best_epoch: int | None = None

    def __len__(self) -> int:
        return len(self.epochs)

    def to_dict(self) -> dict[str, Any]:
        """A JSON-serialisable copy (``json.dumps(history.to_dict())`` works)."""
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> History:
        return cls(**d)

    def summary(self) -> str:
        """One line: the last epoch's numbers."""
        if not self.epochs:
            return "no epochs trained"
        parts = [f"epoch {self.epochs[-1]}", f"loss {self.loss[-1]:.4f}"]
        if self.accuracy:
            parts.append(f"accuracy {self.accuracy[-1]:.1%}")
        if self.val_loss:
            parts.append(f"val_loss {self.val_loss[-1]:.4f}")
        if self.val_accuracy:
            parts.append(f"val_accuracy {self.val_accuracy[-1]:.1%}")
        if self.stopped_early:
            parts.append(f"stopped early ({self.stop_reason}), best epoch {self.best_epoch}")
        return ", ".join(parts)


class EarlyStopping:
    """Stop when the monitored loss has not improved by more than `min_delta` for `patience`
    epochs in a row; with `restore_best_weights`, put back the weights of the best epoch.

    PyTorch has no early stopping; the names are Keras's. Unlike Keras, restoring is on by
    default and also happens when training runs to the end: you asked for the best model.
    ``monitor`` is "val_loss" (needs ``validation=`` in `fit`) or "loss". As in Keras, only
    the weights go back, not the optimizer's state (momentum, Adam's moments).
    """

    def __init__(self, patience: int = 10, min_delta: float = 0.0,
                 restore_best_weights: bool = True, monitor: str = "val_loss") -> None:
        if isinstance(patience, bool) or not isinstance(patience, int) or patience < 0:
            raise ValueError(f"EarlyStopping: patience must be an int >= 0, got {patience!r}")
        if not min_delta >= 0:
            raise ValueError(f"EarlyStopping: min_delta must be >= 0, got {min_delta!r}")
        if monitor not in ("val_loss", "loss"):
            raise ValueError(f"EarlyStopping: monitor must be 'val_loss' or 'loss', "
                             f"got {monitor!r}")
        self.patience, self.min_delta = patience, float(min_delta)
        self.restore_best_weights, self.monitor = restore_best_weights, monitor
        self.reset()

    def reset(self) -> None:
        self.best, self.best_epoch, self.wait = math.inf, None, 0
        self.best_state: dict[str, np.ndarray] | None = None

    def step(self, epoch: int, value: float, model: Any) -> bool:
        """Record one epoch's monitored value; True means: stop now."""
        if value < self.best - self.min_delta:
            self.best, self.best_epoch, self.wait = value, epoch, 0
            if self.restore_best_weights:
                self.best_state = _snapshot(model)
            return False
        self.wait += 1
        return self.wait >= self.patience  # as Keras: `patience` bad epochs, then stop

    def restore(self, model: Any) -> None:
        if self.restore_best_weights and self.best_state is not None:
            _load_snapshot(model, self.best_state)

    def __repr__(self) -> str:
        return (f"EarlyStopping(patience={self.patience}, min_delta={self.min_delta}, "
                f"restore_best_weights={self.restore_best_weights}, monitor={self.monitor!r})")


# ---- the pieces: one epoch of training, one evaluation ------------------------------------
def train_epoch(model: Any, X: Any, y: Any, loss: Callable, optimizer: Any,
                batch_size: int | None = None, rng: np.random.Generator | None = None, *,
                accuracy: Accuracy = "auto", epoch: int = 1) -> tuple[float, float | None]:
    """One pass over (X, y), one optimizer step per batch, in training mode.

    ``batch_size=None`` is full batch (one step per epoch); ``rng`` shuffles the rows (None
    keeps their order). Returns the epoch's (mean loss, accuracy or None), both measured on
    each batch before its step. Raises `TrainingDiverged` when the loss is nan or inf.
    """
    data = _prepare(model, X, y, loss, accuracy, who="train_epoch")
    result = _train_epoch(model, data, loss, optimizer, _batch_size(batch_size, "train_epoch"),
                          rng, epoch)
    _check_parameters(data.params, epoch, optimizer)
    return result


def _train_epoch(model: Any, data: _Data, loss: Callable, optimizer: Any, bs: int | None,
                 rng: np.random.Generator | None, epoch: int) -> tuple[float, float | None]:
    X, y, acc_fn = data.X, data.y, data.accuracy
    n = len(X)
    bs = n if bs is None else min(bs, n)
    order = rng.permutation(n) if rng is not None and bs < n else None
    n_batches = -(-n // bs)
    _set_mode(model, True)
    total, correct = 0.0, 0.0
    for b in range(n_batches):
        sel = slice(b * bs, (b + 1) * bs) if order is None else order[b * bs:(b + 1) * bs]
        xb, yb = X[sel], y[sel]
        optimizer.zero_grad()
        node, out = _forward(model, xb, yb, loss, data.scalar, data.who, data.what)
        value = _loss_value(node)
        if not math.isfinite(value):
            raise TrainingDiverged(
                f"fit: the loss became {value} at epoch {epoch}, batch {b + 1} of {n_batches}: "
                f"training diverged. Lower the learning rate{_lr_hint(optimizer)} and try again "
                "(if it stays, look for huge values in the data, or run the step under "
                "detect_anomaly() to find the op that made it).",
                epoch, b + 1, value)
        node.backward()
        optimizer.step()
        total += _rows_total(loss, value, len(xb))
        if acc_fn is not None:
            correct += float(acc_fn(out, yb)) * len(xb)  # a numpy scalar is no JSON
    return total / n, (correct / n if acc_fn is not None else None)


def evaluate(model: Any, X: Any, y: Any, loss: Callable, *, accuracy: Accuracy = "auto",
             batch_size: int | None = None) -> tuple[float, float | None]:
    """(mean loss, accuracy or None) over (X, y) under ``no_grad`` and ``model.eval()``.

    The model's training mode is restored afterwards. Batching only saves memory here.
    """
    data = _prepare(model, X, y, loss, accuracy, who="evaluate")
    return _evaluate(model, data, loss, _batch_size(batch_size, "evaluate"))


def _evaluate(model: Any, data: _Data, loss: Callable,
              bs: int | None = None) -> tuple[float, float | None]:
    X, y, acc_fn = data.X, data.y, data.accuracy
    n = len(X)
    bs = n if bs is None else bs
    was_training = _set_mode(model, False)
    total, correct = 0.0, 0.0
    try:
        with no_grad():
            for start in range(0, n, bs):
                xb, yb = X[start:start + bs], y[start:start + bs]
                node, out = _forward(model, xb, yb, loss, data.scalar, data.who, data.what)
                total += _rows_total(loss, _loss_value(node), len(xb))
                if acc_fn is not None:
                    correct += float(acc_fn(out, yb)) * len(xb)
    finally:
        _set_mode(model, was_training)
    return total / n, (correct / n if acc_fn is not None else None)


def predict(model: Any, X: Any) -> np.ndarray:
    """The model's outputs for the rows of X as a numpy array (no_grad, eval mode)."""
    params = _params(model)
    scalar = bool(params) and isinstance(params[0], Value)
    X = _features(params, X, scalar)
    was_training = _set_mode(model, False)
    try:
        with no_grad():
            return _outputs(model, X, scalar)[1]
    finally:
        _set_mode(model, was_training)


# ---- fit -----------------------------------------------------------------------------------
def fit(model: Any, X: Any, y: Any, loss: Callable, optimizer: Any, epochs: int,
        batch_size: int | None = None, validation: tuple[Any, Any] | None = None,
        shuffle: bool = True, seed: int | None = 0,
        callbacks: Callback | Sequence[Callback] = (),
        early_stopping: EarlyStopping | None = None, progress: bool = True,
        accuracy: Accuracy = "auto") -> History:
    """Train `model` on (X, y) for `epochs` epochs and return its `History`.

    - ``batch_size``: None = full batch (one step per epoch), 1 = per sample, else mini-batch.
      Rows are reshuffled each epoch (``shuffle``) from a generator seeded by ``seed``.
    - ``validation=(X_val, y_val)``: measured after every epoch (no_grad, eval mode).
    - ``early_stopping=EarlyStopping(...)``: stop when the validation loss stalls.
    - ``callbacks``: a function or a list of them, each called as ``cb(epoch, history, model)``
      after every epoch; one that returns True or "stop" ends training.
    - ``progress``: a tqdm bar with loss and accuracy, when tqdm is installed and the bar's
      stream (stderr) is a terminal.
    - ``accuracy``: "auto" (see `accuracy_for`), None for none, or ``fn(outputs, y) -> float``.

    X and y are numpy arrays (or Tensors); float features are converted to the model's
    parameter dtype, as you would call ``.float()`` in PyTorch. Raises `TrainingDiverged`
    (a FloatingPointError) naming the epoch and batch if the loss becomes nan or inf.
    """
    if isinstance(epochs, bool) or not isinstance(epochs, (int, np.integer)) or epochs < 0:
        raise ValueError(f"fit: epochs must be an int >= 0, got {epochs!r}")
    data = _prepare(model, X, y, loss, accuracy)
    bs = _batch_size(batch_size)
    if validation is not None:
        if not (isinstance(validation, (tuple, list)) and len(validation) == 2):
            raise TypeError("fit: validation must be a pair (X_val, y_val)")
        val = _prepare(model, validation[0], validation[1], loss, data.accuracy, "validation ")
        _check_like_training(data, val)
    if early_stopping is not None:
        if not isinstance(early_stopping, EarlyStopping):
            raise TypeError(f"fit: early_stopping must be an EarlyStopping, got "
                            f"{type(early_stopping).__name__}")
        if early_stopping.monitor == "val_loss" and validation is None:
            raise ValueError("fit: early stopping monitors the validation loss: pass "
                             "validation=(X_val, y_val), or use EarlyStopping(monitor='loss')")
        early_stopping.reset()
    callbacks = [callbacks] if callable(callbacks) else list(callbacks)
    for cb in callbacks:
        if not callable(cb):
            raise TypeError(f"fit: callbacks must be functions cb(epoch, history, model), "
                            f"got {cb!r}")
    rng = _rng(seed) if shuffle else None
    history = History()
    was_training = getattr(model, "training", True)
    bar = _progress_bar(int(epochs), progress)
    try:
        for epoch in range(1, int(epochs) + 1):
            tr_loss, tr_acc = _train_epoch(model, data, loss, optimizer, bs, rng, epoch)
            if validation is not None:
                v_loss, v_acc = _evaluate(model, val, loss)
                if not math.isfinite(v_loss):
                    raise TrainingDiverged(
                        f"fit: the validation loss became {v_loss} after epoch {epoch}: "
                        f"training diverged. Lower the learning rate{_lr_hint(optimizer)}.",
                        epoch, None, v_loss)
            # only whole epochs go in: every list keeps one entry per epoch
            history.epochs.append(epoch)
            history.loss.append(tr_loss)
            if tr_acc is not None:
                history.accuracy.append(tr_acc)
            if validation is not None:
                history.val_loss.append(v_loss)
                if v_acc is not None:
                    history.val_accuracy.append(v_acc)
            if bar is not None:
                bar.set_postfix(_postfix(history), refresh=False)
                bar.update(1)
            stop = None
            if early_stopping is not None:
                watched = history.val_loss if early_stopping.monitor == "val_loss" \
                    else history.loss
                if early_stopping.step(epoch, watched[-1], model):
                    stop = f"no improvement in {early_stopping.monitor} for " \
                           f"{early_stopping.patience} epochs"
            for cb in callbacks:
                answer = cb(epoch, history, model)
                if stop is None and (answer is True or (isinstance(answer, str)
                                                        and answer == "stop")):
                    stop = f"callback {getattr(cb, '__name__', type(cb).__name__)} asked to stop"
            if stop is not None:
                history.stopped_early, history.stop_reason = True, stop
                break
        if history.epochs:  # a last step can blow the weights up after the last finite loss
            _check_parameters(data.params, history.epochs[-1], optimizer)
    except TrainingDiverged as e:
        e.history = history
        raise
    finally:
        if bar is not None:
            bar.close()
        _set_mode(model, was_training)  # leave the model in the mode it came in
    if early_stopping is not None:
        early_stopping.restore(model)
        history.best_epoch = early_stopping.best_epoch
    elif history.epochs:
        watched = history.val_loss or history.loss
        history.best_epoch = history.epochs[int(np.argmin(watched))]
    return history


# ---- guards and the progress bar ------------------------------------------------------------
def _rng(seed: Any) -> np.random.Generator:
    try:
        return np.random.default_rng(seed)
    except (TypeError, ValueError):  # numpy says "expected non-negative integer": whose?
        raise ValueError(f"fit: seed must be an int >= 0 or None, got {seed!r}") from None


def _lr_hint(optimizer: Any) -> str:
    try:
        return f" (it is {optimizer.param_groups[0]['lr']:g})"
    except (AttributeError, IndexError, KeyError, TypeError, ValueError):
        return ""


def _check_parameters(params: list[Any], epoch: int, optimizer: Any) -> None:
    for p in params:
        ok = math.isfinite(p.data) if isinstance(p, Value) else np.isfinite(p.data).all()
        if not ok:
            raise TrainingDiverged(
                f"fit: a parameter became nan or inf during epoch {epoch}: training diverged. "
                f"Lower the learning rate{_lr_hint(optimizer)} and try again.", epoch)


def _postfix(history: History) -> dict[str, str]:
    out = {"loss": f"{history.loss[-1]:.4f}"}
    if history.accuracy:
        out["acc"] = f"{history.accuracy[-1]:.1%}"
    if history.val_loss:
        out["val_loss"] = f"{history.val_loss[-1]:.4f}"
    if history.val_accuracy:
        out["val_acc"] = f"{history.val_accuracy[-1]:.1%}"
    return out


def _progress_bar(total: int, progress: bool) -> Any:
    """A tqdm bar on stderr, or None when asked not to, without tqdm, or off a terminal."""
    stream = sys.stderr
    if not progress or not getattr(stream, "isatty", lambda: False)():
        return None
    try:
        from tqdm import tqdm
    except ImportError:
        return None
    return tqdm(total=total, desc="fit", unit="epoch", file=stream, dynamic_ncols=True)


# ---- weights for early stopping --------------------------------------------------------------
def _snapshot(model: Any) -> dict[str, np.ndarray]:
    if hasattr(model, "state_dict"):
        return model.state_dict()  # already copies
    return {str(i): np.array(p.data, copy=True) for i, p in enumerate(_params(model))}


def _load_snapshot(model: Any, state: dict[str, np.ndarray]) -> None:
    if hasattr(model, "load_state_dict"):
        model.load_state_dict(state)
        return
    for i, p in enumerate(_params(model)):
        if isinstance(p, Value):
            p.data = float(state[str(i)])
        else:
            p.data[...] = state[str(i)]
