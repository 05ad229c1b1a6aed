"""Pictures of training: the decision boundary, the loss curves, and a GIF of learning.

Drawing needs matplotlib (``pip install 'tinygrad_edu[plot]'``); without a display the
Agg backend is chosen, so the functions work on servers and in tests. `predict_proba`
needs only numpy, so the command line uses it to print predictions.

Each drawing function takes an optional ``ax`` (draw into your figure) and ``path``
(save the figure there and close it, when the function made the figure itself).
"""

from __future__ import annotations

import math
import os
import sys
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np

from .autograd import no_grad
from .value import Value

__all__ = [
    "decision_boundary",
    "loss_curves",
    "animate_training",
    "BoundaryRecorder",
    "predict_proba",
    "output_kind",
]

CMAP = "RdBu_r"          # class 0 blue, class 1 red, as the source tutorial's pictures
SCALAR_RESOLUTION = 50   # a Value model evaluates point by point: 2,500 forwards, not 40,000


# ---- matplotlib, loaded on first use -------------------------------------------------------


def _headless() -> bool:
    if os.environ.get("MPLBACKEND"):
        return False  # the user chose a backend; respect it
    if sys.platform.startswith(("win", "darwin")):
        return False
    return not (os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def _pyplot() -> Any:
    try:
        import matplotlib
    except ImportError:
        raise ImportError("tinygrad_edu.plot needs matplotlib: pip install "
                          "'tinygrad_edu[plot]' (or pip install matplotlib)") from None
    if "matplotlib.pyplot" not in sys.modules and _headless():
        matplotlib.use("Agg")  # no display: draw to files only, never try to open a window
    import matplotlib.pyplot as plt

    return plt


def _axes(ax: Any, figsize: tuple[float, float]) -> tuple[Any, bool]:
    """The axes to draw on, and whether we made its figure (so we may save and close it)."""
    if ax is not None:
        return ax, False
    fig, ax = _pyplot().subplots(figsize=figsize)
    return ax, True


def _finish(fig: Any, path: str | os.PathLike | None, made: bool) -> None:
    if path is None:
        return
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=100, bbox_inches="tight")
    if made:
        _pyplot().close(fig)


# ---- evaluating a model on many points ----------------------------------------------------


def _is_scalar(model: Any) -> bool:
    params = model.parameters() if hasattr(model, "parameters") else []
    return any(isinstance(p, Value) for p in params)


def _leaf_modules(model: Any) -> list[Any]:
    if not hasattr(model, "modules"):
        return []
    return [m for m in model.modules() if next(iter(m.children()), None) is None]


def output_kind(model: Any) -> str:
    """What the model's last layer outputs: ``"probability"`` (a sigmoid or softmax ends
    it), ``"tanh"`` (a tanh in (-1, 1)), or ``"logit"`` (anything else: a raw score whose
    sign decides the class, what BCEWithLogitsLoss and CrossEntropyLoss expect)."""
    # nn.scalar.MLP: the last neuron's activation name.
    layers = getattr(model, "layers", None)
    if isinstance(layers, list) and layers and hasattr(layers[-1], "neurons"):
        act = layers[-1].neurons[0].activation
        return {"sigmoid": "probability", "tanh": "tanh"}.get(act, "logit")
    leaves = _leaf_modules(model)
    last = type(leaves[-1]).__name__.lower() if leaves else ""
    if last == "lambda":  # MLP(out_activation=F.sigmoid) holds Lambda(fn=sigmoid)
        last = str(getattr(leaves[-1], "name", "")).lower()
    if last in ("sigmoid", "softmax"):
        return "probability"
    if last == "tanh":
        return "tanh"
    return "logit"


def _param_dtype(model: Any) -> Any:
    for p in getattr(model, "parameters", list)():
        if not isinstance(p, Value):
            return p.data.dtype
    return np.float64


def _forward(model: Any, points: np.ndarray, batch_size: int = 65536) -> np.ndarray:
    """Raw model outputs for each row of `points`, as an (n, k) float64 array."""
    was_training = getattr(model, "training", None)
    if was_training and hasattr(model, "eval"):
        model.eval()  # dropout off while we look
    try:
        with no_grad():
            if _is_scalar(model):
                rows = []
                for x in points.tolist():
                    out = model(x)
                    out = out if isinstance(out, (list, tuple)) else [out]
                    rows.append([float(o.data) if isinstance(o, Value) else float(o) for o in out])
                return np.asarray(rows, dtype=np.float64).reshape(len(points), -1)
            from .tensor import Tensor

            dtype = _param_dtype(model)
            chunks = []
            for start in range(0, len(points), batch_size):
                out = model(Tensor(points[start:start + batch_size], dtype=dtype))
                chunks.append(np.asarray(getattr(out, "data", out), dtype=np.float64))
            out = np.concatenate(chunks)
            return out.reshape(len(points), -1)
    finally:
        if was_training and hasattr(model, "train"):
            model.train()


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 0.5 * (1.0 + np.tanh(0.5 * z))  # overflow-free form of 1 / (1 + e^-z)


def _softmax(z: np.ndarray) -> np.ndarray:
    e = np.exp(z - z.max(axis=1, keepdims=True))
    return e / e.sum(axis=1, keepdims=True)


def predict_proba(model: Any, X: Any, output: str = "auto") -> np.ndarray:
    """P(class 1) for each row of `X` (shape (n,)), or class probabilities (n, k) for a
    model with k > 2 outputs. Works for Tensor models and for `nn.scalar` models.

    ``output`` says what the model returns: ``"logit"`` (sigmoid or softmax is applied),
    ``"probability"`` (used as is), ``"tanh"`` (mapped from (-1, 1) to (0, 1)) or
    ``"auto"``, which reads it off the model's last layer (see `output_kind`).
    """
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2:
        raise ValueError(f"predict_proba: X must be 2-D (samples, features), got shape {X.shape}")
    if output not in ("auto", "logit", "probability", "tanh"):
        raise ValueError("predict_proba: output must be 'auto', 'logit', 'probability' or "
                         f"'tanh', got {output!r}")
    kind = output_kind(model) if output == "auto" else output
    z = _forward(model, X)
    if z.shape[1] == 1:
        z = z[:, 0]
        if kind == "logit":
            return _sigmoid(z)
        if kind == "tanh":
            return np.clip((z + 1.0) / 2.0, 0.0, 1.0)
        return np.clip(z, 0.0, 1.0)
    p = _softmax(z) if kind == "logit" else z
    return p[:, 1] if p.shape[1] == 2 else p


# ---- the decision boundary ----------------------------------------------------------------


def _grid(X: np.ndarray, resolution: int, padding: float | None,
          caller: str) -> tuple[np.ndarray, np.ndarray]:
    lo, hi = X.min(axis=0), X.max(axis=0)
    span = float((hi - lo).max())
    size = float(np.abs(X).max())
    # points that coincide (or a single point) have no extent to take 15% of: give them a
    # window of their own, or the plot would be a few float64 steps wide
    tiny = 1e-9 * max(1.0, size)
    if padding is None:
        pad = 0.15 * span if span > tiny else max(1.0, 0.1 * size)
    else:
        if isinstance(padding, bool) or not isinstance(padding, (int, float, np.number)) or \
                not (math.isfinite(padding) and padding >= 0):
            raise ValueError(f"{caller}: padding must be a finite number >= 0 (or None for "
                             f"15% of the data's extent), got {padding!r}")
        pad = float(padding)
        flat = [i for i in range(2) if hi[i] - lo[i] + 2 * pad <= tiny]
        if flat:
            i = flat[0]
            raise ValueError(f"{caller}: every point has x{i + 1} = {lo[i]:g}, so padding="
                             f"{padding!r} leaves no area to draw; pass padding > 0 or None")
    xs = np.linspace(lo[0] - pad, hi[0] + pad, resolution)
    ys = np.linspace(lo[1] - pad, hi[1] + pad, resolution)
    return np.meshgrid(xs, ys)


def _classes(y: Any, n: int) -> np.ndarray:
    y = np.asarray(y).reshape(-1) if y is not None else np.zeros(n)
    if len(y) != n:
        raise ValueError(f"decision_boundary: X has {n} rows but y has {len(y)} labels")
    if set(np.unique(y).tolist()) <= {-1.0, 1.0}:
        y = (y > 0).astype(np.int64)  # labels +-1 (hinge loss) -> classes 0 and 1
    return y


def _check_points(X: Any, caller: str) -> np.ndarray:
    X = np.asarray(X, dtype=np.float64)
    if X.ndim != 2 or X.shape[1] != 2 or len(X) == 0:
        raise ValueError(f"{caller}: X must have shape (n, 2) (two features to plot), got "
                         f"shape {X.shape}")
    bad = np.flatnonzero(~np.isfinite(X).all(axis=1))
    if len(bad):
        raise ValueError(f"{caller}: X has {len(bad)} row(s) with nan or inf, which have no "
                         f"place on the plot (first: row {bad[0]}, {X[bad[0]].tolist()})")
    return X


def _draw_field(ax: Any, xx: np.ndarray, yy: np.ndarray, p: np.ndarray,
                colorbar: bool) -> None:
    if p.ndim == 1:
        field = ax.contourf(xx, yy, p.reshape(xx.shape), levels=np.linspace(0, 1, 11),
                            cmap=CMAP, alpha=0.75, vmin=0, vmax=1)
        ax.contour(xx, yy, p.reshape(xx.shape), levels=[0.5], colors="k", linewidths=1.5)
        if colorbar:
            ax.figure.colorbar(field, ax=ax, label="P(class 1)")
    else:
        k = p.shape[1]
        cls = p.argmax(axis=1).reshape(xx.shape)
        ax.contourf(xx, yy, cls, levels=np.arange(k + 1) - 0.5, cmap="tab10", alpha=0.45,
                    vmin=0, vmax=9)


def _scatter(ax: Any, X: np.ndarray, cls: np.ndarray, multiclass: bool) -> None:
    size = 25 if len(X) > 50 else 90  # XOR's four corners should be easy to see
    cmap, top = ("tab10", 9) if multiclass else (CMAP, 1)
    ax.scatter(X[:, 0], X[:, 1], c=cls, cmap=cmap, vmin=0, vmax=top, edgecolors="k", s=size,
               linewidths=0.6)


def decision_boundary(model: Any, X: Any, y: Any = None, ax: Any = None,
                      resolution: int | None = None, padding: float | None = None,
                      output: str = "auto", title: str | None = None, colorbar: bool = True,
                      path: str | os.PathLike | None = None) -> Any:
    """Colour the plane by the model's P(class 1), draw the 0.5 contour and the points.

    Tensor models evaluate the whole ``resolution x resolution`` grid (default 200) in one
    batch under ``no_grad``; `nn.scalar` models go point by point (default resolution 50).
    ``output`` is as in `predict_proba`: logits get a sigmoid, probabilities are used as
    they are. A model with more than two outputs colours each class's region instead.
    The window is the data's extent plus ``padding`` on each side (default 15% of the
    extent; points that all coincide get a window of their own). Returns the matplotlib Axes.
    """
    X = _check_points(X, "decision_boundary")
    cls = _classes(y, len(X))
    if resolution is None:
        resolution = SCALAR_RESOLUTION if _is_scalar(model) else 200
    if not isinstance(resolution, int) or resolution < 2:
        raise ValueError(f"decision_boundary: resolution must be an int >= 2, got {resolution!r}")
    xx, yy = _grid(X, resolution, padding, "decision_boundary")
    p = predict_proba(model, np.column_stack([xx.ravel(), yy.ravel()]), output=output)
    ax, made = _axes(ax, (6.4, 5.2))
    _draw_field(ax, xx, yy, p, colorbar)
    _scatter(ax, X, cls, p.ndim == 2)
    ax.set_xlim(xx.min(), xx.max())
    ax.set_ylim(yy.min(), yy.max())
    ax.set_xlabel("$x_1$")
    ax.set_ylabel("$x_2$")
    ax.set_title(title if title is not None else "Decision boundary")
    _finish(ax.figure, path, made)
    return ax


# ---- loss and accuracy curves -------------------------------------------------------------

_SERIES = {  # our name -> the names a History (or a dict) may use for it
    "train_loss": ("train_loss", "loss"),
    "val_loss": ("val_loss", "validation_loss", "test_loss"),
    "train_accuracy": ("train_accuracy", "train_acc", "accuracy", "acc"),
    "val_accuracy": ("val_accuracy", "val_acc", "validation_accuracy", "test_accuracy"),
}


def _as_dict(history: Any) -> dict[str, Any]:
    if isinstance(history, Mapping):
        return dict(history)
    for name in ("to_dict", "as_dict"):
        if callable(getattr(history, name, None)):
            return dict(getattr(history, name)())
    if hasattr(history, "__dict__"):
        return {k: v for k, v in vars(history).items() if not k.startswith("_")}
    raise TypeError(f"loss_curves: expected a History or a dict of lists, got "
                    f"{type(history).__name__}")


def _series(history: Any) -> dict[str, np.ndarray]:
    """The per-epoch curves a history holds, under our four names (missing ones left out)."""
    d = _as_dict(history)
    out: dict[str, np.ndarray] = {}
    empty: list[str] = []   # loss lists that are there but hold nothing to draw
    for ours, names in _SERIES.items():
        for name in names:
            values = d.get(name)
            if values is None or isinstance(values, (str, bytes)) or np.ndim(values) != 1:
                continue
            arr = np.array([np.nan if v is None else float(v) for v in values])
            if len(arr) and not np.all(np.isnan(arr)):
                out[ours] = arr
                break
            if ours == "train_loss":
                empty.append("empty" if len(arr) == 0 else "all nan")
    if "train_loss" not in out:
        if "empty" in empty:
            raise ValueError("loss_curves: the history is empty (no epoch recorded yet); "
                             "plot it after training")
        if empty:
            raise ValueError("loss_curves: every recorded loss is nan, so there is no curve "
                             "to draw (did training diverge in its first epoch?)")
        raise ValueError("loss_curves: the history has no per-epoch loss (expected a "
                         f"'train_loss' or 'loss' list; it has: {', '.join(d) or 'nothing'})")
    return out


def _epochs(history: Any, n: int) -> np.ndarray:
    d = _as_dict(history)
    epochs = d.get("epoch")
    if epochs is None:  # not `or`: an array has no truth value
        epochs = d.get("epochs")
    if isinstance(epochs, (Sequence, np.ndarray)) and np.ndim(epochs) == 1 and len(epochs) == n:
        return np.asarray(epochs, dtype=np.float64)
    return np.arange(1, n + 1)


def loss_curves(history: Any, ax: Any = None, log_scale: bool = False,
                title: str | None = None, path: str | os.PathLike | None = None) -> list[Any]:
    """Plot train (and validation) loss per epoch, and accuracy beside it when recorded.

    `history` is what ``fit`` returns, or a dict of lists (``train_loss``/``loss``,
    ``val_loss``, ``train_accuracy``/``accuracy``, ``val_accuracy``). With ``ax=None``
    a figure with one panel per quantity is made; pass one Axes to draw only the loss
    there, or a pair for loss and accuracy. Returns the list of Axes drawn on. An empty
    history (no epoch yet) raises ValueError; a single epoch is drawn as a dot.
    """
    curves = _series(history)
    has_acc = "train_accuracy" in curves or "val_accuracy" in curves
    made = ax is None
    if made:
        plt = _pyplot()
        fig, axes = plt.subplots(1, 2 if has_acc else 1, figsize=(11 if has_acc else 6, 4.2))
        axes = list(np.atleast_1d(axes))
    else:
        axes = list(ax) if isinstance(ax, (list, tuple, np.ndarray)) else [ax]
        fig = axes[0].figure
    epochs = _epochs(history, len(curves["train_loss"]))
    panels = [("loss", "train_loss", "val_loss"), ("accuracy", "train_accuracy", "val_accuracy")]
    for a, (what, train, val) in zip(axes, panels if has_acc else panels[:1]):
        for key, label, style in ((train, "train", "-"), (val, "validation", "--")):
            if key in curves:
                n = len(curves[key])
                # one epoch is one point: a line through it would draw nothing
                a.plot(epochs[:n], curves[key], style, label=label, linewidth=1.6,
                       marker="o" if n == 1 else None)
        a.set_xlabel("epoch")
        a.set_ylabel(what)
        if what == "loss" and log_scale:
            drawn = np.concatenate([curves[k] for k in (train, val) if k in curves])
            if np.any(np.isfinite(drawn) & (drawn > 0)):
                a.set_yscale("log")
            else:  # log of zero is -inf: keep the linear axis and say why
                a.set_ylabel("loss (linear: no value > 0 to put on a log scale)")
        if what == "accuracy":
            a.set_ylim(-0.02, 1.02)
        a.grid(True, alpha=0.3)
        a.legend()
    axes[0].set_title(title if title is not None else "Training")
    _finish(fig, path, made)
    return axes[: 2 if has_acc else 1]


# ---- a GIF of the boundary while training -------------------------------------------------


class BoundaryRecorder:
    """A ``fit`` callback that snapshots the decision boundary every `every` epochs.

    >>> rec = BoundaryRecorder(X, y, every=10)
    >>> fit(model, X, y, loss, opt, epochs=200, callbacks=[rec])   # doctest: +SKIP
    >>> animate_training(rec, "training.gif")                       # doctest: +SKIP

    It stores P(class 1) on a ``resolution x resolution`` grid (default 80) per frame,
    with the epoch and the latest loss and accuracy for the frame's title.
    """

    def __init__(self, X: Any, y: Any = None, every: int = 10, resolution: int = 80,
                 padding: float | None = None, output: str = "auto",
                 max_frames: int = 400) -> None:
        if not isinstance(every, int) or every < 1:
            raise ValueError(f"BoundaryRecorder: every must be an int >= 1, got {every!r}")
        if isinstance(resolution, bool) or not isinstance(resolution, int) or resolution < 2:
            raise ValueError(f"BoundaryRecorder: resolution must be an int >= 2, got "
                             f"{resolution!r}")
        self.X = _check_points(X, "BoundaryRecorder")
        self.y = _classes(y, len(self.X))
        self.every, self.output, self.max_frames = every, output, max_frames
        self.xx, self.yy = _grid(self.X, resolution, padding, "BoundaryRecorder")
        self._points = np.column_stack([self.xx.ravel(), self.yy.ravel()])
        self.frames: list[tuple[int, np.ndarray, str]] = []

    def __call__(self, epoch: int, history: Any = None, model: Any = None) -> None:
        if epoch % self.every == 0 or epoch == 1:
            self.capture(model, epoch, history)

    def capture(self, model: Any, epoch: int, history: Any = None) -> None:
        """Snapshot `model` now (call it after training to be sure the last state is in)."""
        if self.frames and self.frames[-1][0] == epoch:
            return
        if len(self.frames) >= self.max_frames:
            return
        p = predict_proba(model, self._points, output=self.output)
        self.frames.append((epoch, p, _caption(epoch, history)))


def _caption(epoch: int, history: Any) -> str:
    text = f"epoch {epoch}"
    if history is None:
        return text
    try:
        curves = _series(history)
    except (TypeError, ValueError):
        return text
    loss = curves["train_loss"][-1]
    if math.isfinite(loss):
        text += f"   loss {loss:.4f}"
    acc = curves.get("train_accuracy")
    if acc is not None and math.isfinite(acc[-1]):
        text += f"   accuracy {acc[-1]:.1%}"
    return text


def animate_training(recorder: BoundaryRecorder, path: str | os.PathLike, fps: int = 10,
                     dpi: int = 80, hold_last: float = 1.5,
                     on_frame: Callable[[int], None] | None = None) -> Path:
    """Write the recorder's frames as an animated GIF (matplotlib's PillowWriter; no
    ffmpeg needed). The last frame is held for ``hold_last`` seconds. Returns the path."""
    if not recorder.frames:
        raise ValueError("animate_training: the recorder has no frames; pass it to fit(..., "
                         "callbacks=[recorder]) or call recorder.capture(model, epoch) first")
    for name, value in (("fps", fps), ("dpi", dpi)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)) or \
                not (math.isfinite(value) and value > 0):
            raise ValueError(f"animate_training: {name} must be a number > 0, got {value!r}")
    plt = _pyplot()
    from matplotlib.animation import PillowWriter

    path = Path(path)
    if path.suffix.lower() != ".gif":
        raise ValueError(f"animate_training: write a .gif, got {str(path)!r}")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(5.6, 5.0))
    writer = PillowWriter(fps=fps)
    last = len(recorder.frames) - 1
    try:
        with writer.saving(fig, str(path), dpi):
            for i, (_, p, caption) in enumerate(recorder.frames):
                ax.clear()
                _draw_field(ax, recorder.xx, recorder.yy, p, colorbar=False)
                _scatter(ax, recorder.X, recorder.y, p.ndim == 2)
                ax.set_xlim(recorder.xx.min(), recorder.xx.max())
                ax.set_ylim(recorder.yy.min(), recorder.yy.max())
                ax.set_title(caption)
                repeats = max(1, round(hold_last * fps)) if i == last else 1
                for _ in range(repeats):
                    writer.grab_frame()
                if on_frame is not None:
                    on_frame(i)
    finally:
        plt.close(fig)
    return path
