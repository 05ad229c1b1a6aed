"""`sweep`: train one small network per (learning rate, hidden size) and compare them.

The second source tutorial's experiments: XOR with a 2-h-1 sigmoid network, MSE and
full-batch gradient descent, over learning rates 0.1, 1 and 10 and hidden sizes 2, 4, 8
and 16. Every run starts from the same seed and goes through `fit`. `sweep` draws the loss
curves (log scale, one panel per learning rate) and bars of final loss and accuracy, and
writes them with a JSON of the numbers into `out_dir`. ``tinygrad-edu sweep`` calls it.
"""

from __future__ import annotations

import json
import math
import time
from collections.abc import Sequence
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from .train import TrainingDiverged, evaluate, fit

__all__ = ["sweep", "SweepResult", "SweepRun", "PRESETS"]

# Per dataset: the model's activations, the loss and the epochs, unless the caller says otherwise.
# xor is the tutorial's set-up; the others output logits for BCEWithLogitsLoss (the stable pair).
PRESETS: dict[str, dict[str, Any]] = {
    "xor": {"activation": "sigmoid", "loss": "mse", "epochs": 1000, "batch_size": None},
    "spiral": {"activation": "tanh", "loss": "bce", "epochs": 200, "batch_size": 32},
}
_DEFAULT = {"activation": "tanh", "loss": "bce", "epochs": 200, "batch_size": 32}


@dataclass
class SweepRun:
    """One training run of the grid. ``final_loss``/``final_accuracy`` are measured on the
    trained model; both are None when the run diverged (``diverged_epoch`` says when)."""

    lr: float
    hidden: tuple[int, ...]
    loss: list[float]
    accuracy: list[float]
    final_loss: float | None
    final_accuracy: float | None
    diverged_epoch: int | None = None
    seconds: float = 0.0

    @property
    def diverged(self) -> bool:
        return self.diverged_epoch is not None

    @property
    def label(self) -> str:
        return "-".join(map(str, self.hidden))


@dataclass
class SweepResult:
    """All runs of a sweep, the settings they shared, and the files written."""

    dataset: str
    settings: dict[str, Any]
    runs: list[SweepRun]
    files: dict[str, str] = field(default_factory=dict)

    def run(self, lr: float, hidden: int | Sequence[int]) -> SweepRun:
        key = (float(lr), _hidden(hidden))
        for r in self.runs:
            if (r.lr, r.hidden) == key:
                return r
        raise KeyError(f"no run with lr={lr} and hidden={hidden}")

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        for r, run in zip(d["runs"], self.runs):
            r["diverged"] = run.diverged
        return d

    def table(self) -> str:
        """The runs as a text table: one row per run; a diverged run says at which epoch."""
        lines = [f"{'lr':>8}  {'hidden':>8}  {'final loss':>11}  {'accuracy':>8}  time"]
        for r in self.runs:
            note = ""
            if r.diverged:
                loss, acc = "-", "-"
                note = f"  diverged at epoch {r.diverged_epoch}"
            else:
                loss = f"{r.final_loss:.3g}"
                acc = "-" if r.final_accuracy is None else f"{r.final_accuracy:.0%}"
            lines.append(f"{r.lr:>8g}  {r.label:>8}  {loss:>11}  {acc:>8}  "
                         f"{r.seconds:.2f}s{note}")
        return "\n".join(lines)


def sweep(dataset: str | tuple[Any, Any] = "xor", lrs: float | Sequence[float] = (0.1, 1, 10),
          hidden: int | Sequence[int | Sequence[int]] = (2, 4, 8, 16), epochs: int | None = None,
          out_dir: str | Path | None = "sweep", seed: int = 0, activation: str | None = None,
          loss: str | None = None, optimizer: str = "sgd",
          batch_size: int | None | str = "auto", progress: bool = False) -> SweepResult:
    """Train ``MLP(2, h, 1)`` for every learning rate in `lrs` and hidden size `h` in `hidden`.

    `dataset` is a name from ``data.DATASETS`` (default arguments) or an ``(X, y)`` pair with
    0/1 labels. `loss` is "mse" (sigmoid output, as the tutorial) or "bce" (raw scores and
    BCEWithLogitsLoss); it and `activation` and `epochs` default per dataset (`PRESETS`).
    `optimizer` is "sgd" or "adam"; `batch_size` None is full batch ("auto": the preset's).
    A hidden entry may be a list of sizes for a deeper net; a single number in `lrs` or
    `hidden` is a grid of one. A run that diverges is recorded
    as such, not raised (and drawn as such). With `out_dir` (None to skip; the folder is made
    before training, so a bad path fails at once), writes loss_curves.png, final.png (needs
    matplotlib) and sweep.json there.
    """
    from . import data as datasets
    from . import nn, optim

    name, (X, y) = _dataset(dataset, datasets)
    preset = {**PRESETS.get(name, _DEFAULT)}
    activation = activation or preset["activation"]
    loss_name = (loss or preset["loss"]).lower()
    epochs = preset["epochs"] if epochs is None else epochs
    batch_size = preset["batch_size"] if batch_size == "auto" else batch_size
    if loss_name not in ("mse", "bce"):
        raise ValueError(f"sweep: loss must be 'mse' or 'bce', got {loss!r}")
    if optimizer not in ("sgd", "adam"):
        raise ValueError(f"sweep: optimizer must be 'sgd' or 'adam', got {optimizer!r}")
    lrs = _learning_rates(lrs)
    # one size is a grid of one; a list in the list is one deeper net
    sizes = [_hidden(hidden)] if isinstance(hidden, (int, np.integer)) else \
        [_hidden(h) for h in hidden]
    if not sizes:
        raise ValueError("sweep: give at least one hidden size")
    criterion = nn.MSELoss() if loss_name == "mse" else nn.BCEWithLogitsLoss()
    out_activation = "sigmoid" if loss_name == "mse" else None
    settings = {"activation": activation, "loss": loss_name, "optimizer": optimizer,
                "epochs": epochs, "batch_size": batch_size, "seed": seed, "lrs": lrs,
                "hidden": [list(h) for h in sizes], "n_samples": len(X)}

    out = None
    if out_dir is not None:  # before training: an unusable folder should not cost a sweep
        out = Path(out_dir)
        out.mkdir(parents=True, exist_ok=True)
    runs = []
    for lr in lrs:
        for h in sizes:
            model = nn.MLP(X.shape[1], list(h), 1, activation=activation,
                           out_activation=out_activation, seed=seed)
            params = model.parameters()
            opt = optim.SGD(params, lr=lr) if optimizer == "sgd" else optim.Adam(params, lr=lr)
            runs.append(_run(model, X, y, criterion, opt, lr, h, epochs, batch_size, seed,
                             progress))
    result = SweepResult(name, settings, runs)
    if out is not None:
        result.files["loss_curves"] = str(_plot_curves(result, out / "loss_curves.png"))
        result.files["final"] = str(_plot_final(result, out / "final.png"))
        result.files["json"] = str(out / "sweep.json")
        (out / "sweep.json").write_text(json.dumps(result.to_dict(), indent=1))
    return result


def _run(model: Any, X: np.ndarray, y: np.ndarray, criterion: Any, opt: Any, lr: float,
         h: tuple[int, ...], epochs: int, batch_size: int | None, seed: int,
         progress: bool) -> SweepRun:
    """One fit; a run that diverges keeps the curve it drew until then."""
    start = time.perf_counter()
    hist = None
    try:
        # a run that overflows is recorded as diverged; numpy's warnings would only repeat
        # that in many lines
        with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
            hist = fit(model, X, y, criterion, opt, epochs, batch_size=batch_size, seed=seed,
                       progress=progress)
            final_loss, final_acc = evaluate(model, X, y, criterion)
        if not math.isfinite(final_loss):
            raise TrainingDiverged("the final loss is not finite", epochs)
        return SweepRun(lr, h, hist.loss, hist.accuracy, final_loss, final_acc,
                        seconds=time.perf_counter() - start)
    except TrainingDiverged as e:
        seen = e.history or hist  # the epochs fit finished before it stopped
        return SweepRun(lr, h, list(seen.loss) if seen else [],
                        list(seen.accuracy) if seen else [], None, None,
                        diverged_epoch=e.epoch, seconds=time.perf_counter() - start)


def _dataset(dataset: Any, datasets: Any) -> tuple[str, tuple[np.ndarray, np.ndarray]]:
    if isinstance(dataset, str):
        gen = datasets.DATASETS.get(dataset.lower())
        if gen is None:
            raise ValueError(f"sweep: unknown dataset {dataset!r}; choose one of "
                             f"{sorted(datasets.DATASETS)}, or pass (X, y)")
        return dataset.lower(), gen()
    if isinstance(dataset, (tuple, list)) and len(dataset) == 2:
        X, y = (np.asarray(a) for a in dataset)
        if X.ndim != 2:
            raise ValueError(f"sweep: X must be 2-D (samples, features), got shape {X.shape}")
        if y.ndim > 2 or (y.ndim == 2 and y.shape[1] != 1) or len(y) != len(X):
            raise ValueError(f"sweep: y must hold one label per row of X ({len(X)} rows), "
                             f"got shape {y.shape}")
        labels = np.unique(y)
        # the models have one output for BCEWithLogitsLoss or a sigmoid and MSE: two classes
        if y.dtype.kind not in "biuf" or not set(labels.tolist()) <= {0, 1}:
            shown = labels[:6].tolist() if y.dtype.kind in "biuf" else y.dtype
            raise ValueError(f"sweep: the labels must be 0 and 1 (one output, two classes), got "
                             f"{shown}")
        return "custom", (X, y.reshape(-1, 1).astype(np.float64))
    raise TypeError(f"sweep: dataset must be a name or an (X, y) pair, got "
                    f"{type(dataset).__name__}")


def _learning_rates(lrs: Any) -> list[float]:
    try:
        out = [float(lrs)] if isinstance(lrs, (int, float, np.number)) else \
            [float(lr) for lr in lrs]
    except (TypeError, ValueError):
        out = []
    if not out or any(not (lr > 0 and math.isfinite(lr)) for lr in out):
        raise ValueError(f"sweep: learning rates must be positive numbers, got {lrs!r}")
    return out


def _hidden(h: int | Sequence[int]) -> tuple[int, ...]:
    sizes = (h,) if isinstance(h, (int, np.integer)) else tuple(h)
    if not sizes or any(isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1
                        for n in sizes):
        raise ValueError(f"sweep: a hidden size must be a positive int (or a list of them), "
                         f"got {h!r}")
    return tuple(int(n) for n in sizes)


# ---- pictures (matplotlib's object API: no pyplot, no global state, no window) --------------
def _figure(width: float, height: float) -> Any:
    try:
        from matplotlib.figure import Figure
    except ImportError:
        raise ImportError("sweep plots need matplotlib: pip install 'tinygrad_edu[plot]' "
                          "(or pass out_dir=None to skip the pictures)") from None
    return Figure(figsize=(width, height), dpi=100, layout="constrained")


def _plot_curves(result: SweepResult, path: Path) -> Path:
    lrs = result.settings["lrs"]
    fig = _figure(4.2 * len(lrs), 3.6)
    axes = fig.subplots(1, len(lrs), sharey=True, squeeze=False)[0]
    drawn: list[float] = []
    empty = []   # panels whose runs all diverged before a finite loss
    for ax, lr in zip(axes, lrs):
        before = len(drawn)
        for i, run in enumerate(r for r in result.runs if r.lr == lr):
            color = f"C{i}"
            curve = [v for v in run.loss if math.isfinite(v) and v > 0]
            label = f"hidden {run.label}"
            if run.diverged:
                label += f" (diverged at epoch {run.diverged_epoch})"
            if curve:
                ax.plot(range(1, len(curve) + 1), curve, color=color, label=label)
                drawn += curve
            if run.diverged:  # an x where it blew up (alone in the legend if no finite loss)
                ax.plot([len(curve)] if curve else [], [curve[-1]] if curve else [], "x",
                        color=color, markersize=9, label=None if curve else label)
        if len(drawn) == before:
            empty.append(ax)
        ax.set_title(f"learning rate {lr:g}")
        ax.set_xlabel("epoch")
        ax.grid(True, alpha=0.3)
        ax.legend(fontsize=8)
    for ax in axes:
        ax.set_yscale("log")
    for ax in empty:
        ax.set_xlim(0, 1)
        ax.text(0.5, 0.5, "every run diverged\nbefore a finite loss", transform=ax.transAxes,
                ha="center", va="center")
    if not drawn:  # no finite loss anywhere: nothing to scale the log axis by
        axes[0].set_ylim(0.1, 10)
    axes[0].set_ylabel(f"training loss ({result.settings['loss']}, log scale)")
    fig.suptitle(f"{result.dataset}: loss curves")
    fig.savefig(path)
    return path


def _final_figure(result: SweepResult) -> Any:
    """Bars of final loss (log scale) and accuracy per hidden size, one colour per learning
    rate. A diverged run has no final numbers: its loss bar is hatched up to the top of the
    axis and labelled "diverged", and it has no accuracy bar."""
    from matplotlib.patches import Patch

    lrs = result.settings["lrs"]
    labels = ["-".join(map(str, h)) for h in result.settings["hidden"]]
    fig = _figure(10, 3.8)
    ax_loss, ax_acc = fig.subplots(1, 2)
    width = 0.8 / len(lrs)
    x = np.arange(len(labels))
    finished = [r.final_loss for r in result.runs if not r.diverged
                and r.final_loss is not None and math.isfinite(r.final_loss)
                and r.final_loss > 0]
    # the log axis spans the runs that finished; with none, any finite span will do
    lo, hi = (min(finished) / 3, max(finished) * 3) if finished else (0.1, 10.0)
    for j, lr in enumerate(lrs):
        runs = [result.run(lr, tuple(h)) for h in result.settings["hidden"]]
        pos = x + (j - (len(lrs) - 1) / 2) * width
        color = f"C{j}"
        for p, r in zip(pos, runs):
            if r.diverged:
                ax_loss.bar(p, hi - lo, width, bottom=lo, facecolor="none", edgecolor=color,
                            hatch="//")
                ax_loss.text(p, 0.97, f"diverged at epoch {r.diverged_epoch}", rotation=90,
                             transform=ax_loss.get_xaxis_transform(), ha="center", va="top",
                             fontsize=7)
                ax_acc.text(p, 0.02, "diverged", rotation=90, ha="center", va="bottom",
                            fontsize=7)
                continue
            loss = r.final_loss if r.final_loss is not None else lo
            ax_loss.bar(p, max(loss, lo) - lo, width, bottom=lo, color=color)
            if r.final_accuracy is not None:
                ax_acc.bar(p, r.final_accuracy, width, color=color)
    for ax in (ax_loss, ax_acc):
        ax.set_xticks(x, labels)
        ax.set_xlim(-0.5, len(labels) - 0.5)
        ax.set_xlabel("hidden size")
        ax.grid(True, axis="y", alpha=0.3)
    handles = [Patch(color=f"C{j}", label=f"lr {lr:g}") for j, lr in enumerate(lrs)]
    if any(r.diverged for r in result.runs):
        handles.append(Patch(facecolor="none", edgecolor="0.3", hatch="//", label="diverged"))
    fig.legend(handles=handles, loc="outside right center", fontsize=8)
    ax_loss.set_yscale("log")
    ax_loss.set_ylim(lo, hi)
    ax_loss.set_title("final loss (log scale)")
    ax_acc.set_ylim(0, 1.05)
    ax_acc.set_title("final accuracy")
    fig.suptitle(f"{result.dataset}: after {result.settings['epochs']} epochs")
    return fig


def _plot_final(result: SweepResult, path: Path) -> Path:
    _final_figure(result).savefig(path)
    return path
