"""`diagnose`: the debugging checklist run for you before training.

The source tutorial's checklist, in order: look at the data (shapes, label values, class
balance), at the untrained model's outputs (do they vary with the input?), at the first
loss (a model that knows nothing should score about ln 2 = 0.693 on balanced binary
cross-entropy, ln C for C classes), and at the gradients after one backward pass (does
every parameter get one, and is it non-zero?). Each finding comes with advice.

    report = diagnose(model, X, y, nn.BCEWithLogitsLoss())
    print(report)            # a readable checklist
    report.ok, report.problems, report.grad_norms   # the same, as data
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

from .autograd import no_grad
from .batch import _Data, _forward, _outputs, _prepare, _set_mode
from .tensor import Tensor
from .value import Value

__all__ = ["diagnose", "Report", "Check"]

_BINARY = {"BCELoss", "BCEWithLogitsLoss"}
_MARK = {"ok": "[ok]  ", "warn": "[warn]", "fail": "[FAIL]"}


@dataclass
class Check:
    """One line of the checklist: what was checked, how it went, and what to do about it."""

    name: str
    status: str  # "ok", "warn" or "fail"
    message: str
    advice: str = ""


@dataclass
class Report:
    """What `diagnose` found. ``print(report)`` shows the checklist; every number is a field."""

    model: str
    loss: str
    n_samples: int
    x_shape: tuple[int, ...]
    y_shape: tuple[int, ...]
    label_values: list[float] | None = None
    class_balance: dict[str, float] | None = None
    output_shape: tuple[int, ...] | None = None
    output_std: float | None = None
    outputs_vary: bool | None = None
    initial_loss: float | None = None
    expected_loss: float | None = None
    expected_reason: str = ""
    grad_norms: dict[str, float | None] = field(default_factory=dict)
    dead_units: dict[str, tuple[int, int]] = field(default_factory=dict)
    checks: list[Check] = field(default_factory=list)

    @property
    def problems(self) -> list[Check]:
        """The checks that warned or failed."""
        return [c for c in self.checks if c.status != "ok"]

    @property
    def ok(self) -> bool:
        """True when nothing failed (warnings are allowed)."""
        return all(c.status != "fail" for c in self.checks)

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        lines = [f"diagnose: {self.model} on {self.n_samples} samples, loss {self.loss}"]
        for c in self.checks:
            lines.append(f"  {_MARK[c.status]} {c.name:<10} {c.message}")
            if c.advice:
                lines.append(f"  {'':<6} {'':<10} -> {c.advice}")
        if self.grad_norms:
            width = max(9, *(len(k) for k in self.grad_norms))
            lines.append(f"  {'parameter':<{width}}  gradient norm")
            for name, g in self.grad_norms.items():
                note = "None (no gradient)" if g is None else f"{g:.3g}" + \
                    ("  <- zero" if g == 0 else "")
                lines.append(f"  {name:<{width}}  {note}")
        verdict = "no problems found" if not self.problems else \
            f"{len(self.problems)} problem(s) found"
        lines.append(f"  {verdict}")
        return "\n".join(lines)


def diagnose(model: Any, X: Any, y: Any, loss: Any, max_samples: int = 1024) -> Report:
    """Run the checklist on `model` with data (X, y) and `loss`; returns a printable `Report`.

    Uses at most `max_samples` rows. The model's parameters and gradients are left as they
    were (the one backward pass it makes is undone), and so is its train/eval mode.
    """
    data = _prepare(model, X, y, loss, None, who="diagnose")
    Xa, ya = data.X[:max_samples], data.y[:max_samples]
    data = _Data(Xa, ya, data.scalar, data.params, None)
    kind = type(loss).__name__
    report = Report(model=type(model).__name__, loss=kind, n_samples=len(Xa),
                    x_shape=tuple(np.shape(X)), y_shape=tuple(np.shape(y)))
    _check_data(report, Xa, ya, kind, given=(X, y))
    out = _check_outputs(report, model, data, kind)
    if out is not None:
        _check_loss(report, model, data, loss, kind, out)
    _check_gradients(report, model, data, loss)
    if not data.scalar:
        _check_dead_relus(report, model, Xa)
    return report


# ---- 1. the data -----------------------------------------------------------------------------
def _described(given: Any, used: np.ndarray) -> str:
    """Shape and dtype as the user passed them, then as the checks use them if different."""
    shape, dtype = tuple(np.shape(given)), getattr(given, "dtype", None)
    if shape[:1] != used.shape[:1]:          # cut to max_samples rows
        shape = used.shape[:1] + shape[1:]
    # `is None` first: a numpy dtype == None is True for float64
    if shape == used.shape and (dtype is None or dtype == used.dtype):
        return f"{used.shape} {used.dtype}"
    seen = f"{shape} {dtype}" if dtype is not None else f"{shape}"
    if shape == used.shape:
        return f"{seen} (as {used.dtype})"
    return f"{seen} (as {used.shape} {used.dtype})"


def _check_data(report: Report, X: np.ndarray, y: np.ndarray, kind: str,
                given: tuple[Any, Any] | None = None) -> None:
    gx, gy = given if given is not None else (X, y)
    msg = f"X {_described(gx, X)}, y {_described(gy, y)}"
    if not np.isfinite(y.astype(float)).all():
        report.checks.append(Check("data", "fail", msg + "; y contains nan or inf",
                                   "clean or drop the rows with missing labels"))
        return
    values = np.unique(y)
    status, advice = "ok", ""
    if len(values) <= 20:
        report.label_values = [float(v) for v in values]
        counts = {_fmt(v): float(np.mean(y == v)) for v in values}
        report.class_balance = counts
        msg += "; labels " + ", ".join(f"{k} ({v:.0%})" for k, v in counts.items())
        smallest = min(counts.values())
        if len(counts) > 1 and smallest < 0.2:
            status = "warn"
            advice = (f"the classes are imbalanced: always answering the largest class already "
                      f"scores {max(counts.values()):.0%} accuracy, so watch the loss as well, or "
                      "weigh the classes (pos_weight / weight)")
        if len(counts) == 1:
            status, advice = "fail", "every label is the same: there is nothing to learn"
    if kind in _BINARY and not set(values.tolist()) <= {0, 1}:
        status = "fail"
        advice = (f"{kind} needs labels 0 and 1, got {_list(values)}: map them, e.g. "
                  "y = (y == positive_label).astype(float)")
    if kind == "HingeLoss" and not set(values.tolist()) <= {-1, 1}:
        status = "fail"
        advice = f"HingeLoss needs labels -1 and +1, got {_list(values)}: use 2 * y - 1"
    std, mean = X.std(axis=0), X.mean(axis=0)
    if status == "ok" and len(X) > 1:
        if np.any(std == 0):
            cols = ", ".join(str(i) for i in np.flatnonzero(std == 0))
            status, advice = "warn", f"feature column(s) {cols} never change: they carry no signal"
        elif np.any(std > 10) or np.any(np.abs(mean) > 10 * np.maximum(std, 1e-12)):
            status = "warn"
            advice = ("the features are far from mean 0, std 1 (means "
                      f"{_list(mean)}, stds {_list(std)}): standardise them, "
                      "X = (X - X.mean(0)) / X.std(0), so the first steps are sensible")
    report.checks.append(Check("data", status, msg, advice))


# ---- 2. the untrained outputs ----------------------------------------------------------------
def _check_outputs(report: Report, model: Any, data: _Data, kind: str) -> np.ndarray | None:
    was = _set_mode(model, False)
    try:
        with no_grad():
            _, out = _outputs(model, data.X, data.scalar)
    except Exception as e:  # a model that cannot run on this data: say so, in its words
        report.checks.append(Check("outputs", "fail", f"the model failed on X: {e}",
                                   "check that X has the number of features the first layer "
                                   "expects"))
        return None
    finally:
        _set_mode(model, was)
    report.output_shape = tuple(out.shape)
    std = float(out.std(axis=0).max()) if len(out) > 1 else 0.0
    scale = 1.0 + float(np.abs(out).mean())
    report.output_std = std
    report.outputs_vary = len(out) < 2 or std > 1e-7 * scale
    if not np.isfinite(out).all():
        report.checks.append(Check("outputs", "fail", "the outputs contain nan or inf",
                                   "look for huge weights or inputs, or a log/division of 0"))
        return out
    if not report.outputs_vary:
        report.checks.append(Check(
            "outputs", "fail", f"the same output ({_fmt(out.flat[0])}) for every input",
            "the input does not reach the output: weights all zero, a layer whose ReLUs are "
            "all off (dead), or an input that is not used in forward()"))
        return out
    msg = f"vary across inputs (std {std:.3g}), range {_fmt(out.min())} to {_fmt(out.max())}"
    if kind == "BCEWithLogitsLoss" and _ends_with(model, "Sigmoid"):
        report.checks.append(Check(
            "outputs", "warn", msg + "; the model ends with a Sigmoid",
            "BCEWithLogitsLoss applies the sigmoid itself: remove the model's last Sigmoid, "
            "or use BCELoss"))
    elif kind == "BCELoss" and (out.min() < 0 or out.max() > 1):
        report.checks.append(Check(
            "outputs", "fail", msg + "; BCELoss needs probabilities in [0, 1]",
            "end the model with a Sigmoid, or (better) keep raw scores and use "
            "BCEWithLogitsLoss"))
    else:
        report.checks.append(Check("outputs", "ok", msg))
    return out


# ---- 3. the first loss ----------------------------------------------------------------------
def _expected(kind: str, y: np.ndarray, out: np.ndarray) -> tuple[float | None, str]:
    if kind in _BINARY:
        return math.log(2), "ln 2: a model that knows nothing says 0.5 for every input"
    if kind == "CrossEntropyLoss" and out.ndim == 2:
        c = out.shape[1]
        return math.log(c), f"ln {c}: a model that knows nothing gives each of {c} classes 1/{c}"
    if kind == "MSELoss":
        if set(np.unique(y).tolist()) <= {0, 1} and out.min() >= 0 and out.max() <= 1:
            return 0.25, "a sigmoid output near 0.5 is off by 0.5 on every 0/1 label"
        return float(np.mean((y - y.mean()) ** 2)), "the loss of always answering mean(y)"
    if kind == "HingeLoss":
        return 1.0, "scores near 0 miss the margin of 1 everywhere"
    return None, ""


def _check_loss(report: Report, model: Any, data: _Data, loss: Any, kind: str,
                out: np.ndarray) -> None:
    was = _set_mode(model, False)
    try:
        with no_grad():
            value = float(np.asarray(_forward(model, data.X, data.y, loss, data.scalar)[0].data))
    except Exception as e:
        report.checks.append(Check("loss", "fail", f"the loss could not be computed: {e}"))
        return
    finally:
        _set_mode(model, was)
    report.initial_loss = value
    expected, why = _expected(kind, data.y, out)
    report.expected_loss, report.expected_reason = expected, why
    msg = f"initial {value:.4f}"
    if expected is None:
        report.checks.append(Check("loss", "ok", msg + " (no reference value for this loss)"))
        return
    msg += f", expected about {expected:.4f} ({why})"
    if not math.isfinite(value):
        report.checks.append(Check("loss", "fail", msg, "the loss is not finite before training: "
                                   "check the data and the model's last layer"))
    elif value > (1.5 if kind in _BINARY or kind == "CrossEntropyLoss" else 4) * expected + 0.05:
        report.checks.append(Check(
            "loss", "warn", msg,
            "the untrained model is confidently wrong: outputs are large. Use smaller starting "
            "weights, standardise the inputs, and check that the output layer matches the loss"))
    else:
        report.checks.append(Check("loss", "ok", msg))


# ---- 4. the gradients of one backward pass ---------------------------------------------------
def _check_gradients(report: Report, model: Any, data: _Data, loss: Any) -> None:
    named = list(model.named_parameters()) if hasattr(model, "named_parameters") else \
        [(str(i), p) for i, p in enumerate(data.params)]
    if not named:
        report.checks.append(Check("gradients", "fail", "the model has no parameters",
                                   "register them: assign Parameters or layers in __init__"))
        return
    saved = [p.grad for _, p in named]
    for _, p in named:
        p.grad = 0.0 if isinstance(p, Value) else None
    was = _set_mode(model, True)
    try:
        node, _ = _forward(model, data.X, data.y, loss, data.scalar)
        node.backward()
        norms = {name: _norm(p.grad) for name, p in named}
    except Exception as e:
        report.checks.append(Check("gradients", "fail", f"one training step failed: {e}"))
        return
    finally:
        _set_mode(model, was)
        for (_, p), g in zip(named, saved):
            p.grad = g
    report.grad_norms = norms
    missing = [k for k, g in norms.items() if g is None]
    zero = [k for k, g in norms.items() if g == 0]
    bad = [k for k, g in norms.items() if g is not None and not math.isfinite(g)]
    if bad:
        report.checks.append(Check("gradients", "fail", f"nan or inf in {', '.join(bad)}",
                                   "find the op that makes them with detect_anomaly()"))
    if missing:
        report.checks.append(Check(
            "gradients", "fail", f"no gradient at all for {', '.join(missing)}",
            "these parameters are not used by forward(), or the graph was cut on the way "
            "(.detach(), no_grad, or computing with .data)"))
    if zero:
        report.checks.append(Check(
            "gradients", "fail", f"gradient exactly zero for {', '.join(zero)}",
            "nothing flows back to them, so they will never learn: with ReLU, the units "
            "feeding them may be dead (pre-activation <= 0 for every input); re-initialise, "
            "lower the learning rate, or try LeakyReLU"))
    if not (bad or missing or zero):
        report.checks.append(Check("gradients", "ok", f"every parameter gets a non-zero "
                                   f"gradient ({len(norms)} tensors)"))


def _check_dead_relus(report: Report, model: Any, X: np.ndarray) -> None:
    """In a Sequential model, count the ReLU units that are off (0) for every input."""
    layers = getattr(model, "_modules", {})
    if type(model).__name__ not in ("Sequential", "MLP") or not layers:
        return
    was = _set_mode(model, False)
    try:
        with no_grad():
            h: Any = Tensor(X)
            for name, layer in layers.items():
                h = layer(h)
                if type(layer).__name__ == "ReLU" and h.data.ndim == 2:
                    dead = int(np.sum(np.all(h.data <= 0, axis=0)))
                    report.dead_units[name] = (dead, h.data.shape[1])
    except Exception:
        return  # the outputs check has already reported a model that fails on X
    finally:
        _set_mode(model, was)
    for name, (dead, total) in report.dead_units.items():
        if dead == total:
            report.checks.append(Check(
                "relu", "fail", f"layer {name} (ReLU): all {total} units are off for every input",
                "the layer before it outputs <= 0 everywhere (e.g. a large negative bias): "
                "nothing after it can learn; re-initialise it"))
        elif dead > total // 2:
            report.checks.append(Check(
                "relu", "warn", f"layer {name} (ReLU): {dead} of {total} units are off for "
                f"every input", "they get no gradient; a smaller learning rate or LeakyReLU "
                "keeps units alive"))


# ---- small helpers ---------------------------------------------------------------------------
def _ends_with(model: Any, name: str) -> bool:
    layers = list(getattr(model, "_modules", {}).values())
    return bool(layers) and type(layers[-1]).__name__ == name


def _norm(g: Any) -> float | None:
    if g is None:
        return None
    return float(np.sqrt(np.sum(np.square(np.asarray(g, dtype=np.float64)))))


def _fmt(v: Any) -> str:
    v = float(v)
    return str(int(v)) if v.is_integer() else f"{v:.4g}"


def _list(values: Any) -> str:
    return "[" + ", ".join(_fmt(v) for v in np.asarray(values).reshape(-1)[:8]) + "]"
