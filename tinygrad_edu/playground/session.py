"""One browser tab's training run (`Session`) and the bounded set of live runs (`SessionStore`).

A session owns its data, its model and its history, behind a lock: requests from one tab
are served one at a time, while different tabs train side by side (a few at once).
"""

from __future__ import annotations

import math
import secrets
import threading
import time
from collections import OrderedDict
from typing import Any

import numpy as np

from .. import data
from .trainer import Trainer
from .validate import LIMITS, BadRequest, Config

__all__ = ["Session", "SessionStore", "NAN_MESSAGE"]

BOUNDARY_RES = 64          # decision-boundary heatmap: BOUNDARY_RES x BOUNDARY_RES cells
NEURON_RES = 20            # each neuron's mini heatmap (12 for big networks: smaller frames)
NAN_MESSAGE = "loss is NaN: lower the learning rate, then press Reset"
RISING_FACTOR = 2.0        # a train loss this many times its starting value counts as diverging
DATA_KEYS = ("dataset", "noise", "points", "test_size", "seed", "csv")
MODEL_KEYS = ("hidden", "activation", "loss", "optimizer")


def make_data(cfg: Config) -> tuple[np.ndarray, np.ndarray]:
    """The configured dataset as ``X (n, 2)``, ``y (n, 1)`` float64."""
    try:
        return _generate(cfg)
    except data.DataError as e:  # the user's data or settings, so a 400 in their words
        raise BadRequest(str(e)) from None


def _generate(cfg: Config) -> tuple[np.ndarray, np.ndarray]:
    n, noise, seed = cfg.points, cfg.noise, cfg.seed
    if cfg.dataset == "csv":
        return data.parse_csv(cfg.csv or "", name="uploaded CSV",
                              max_rows=LIMITS["max_csv_rows"])
    if cfg.dataset == "spiral":
        return data.spiral(n_points=n // 2, noise=noise, seed=seed)
    if cfg.dataset == "xor":
        X, y = data.xor(n_samples=n, noise=noise, seed=seed)
        return X - 0.5, y                  # centred on the origin, like the other sets
    fn = {"circles": data.circles, "moons": data.moons, "gaussian": data.gaussian}
    return fn[cfg.dataset](n_samples=n, noise=noise, seed=seed)


def _extent(X: np.ndarray) -> list[float]:
    # A square window around the data with a margin, so the boundary shows beyond the points.
    lo, hi = X.min(0), X.max(0)
    centre = (lo + hi) / 2
    half = max(float((hi - lo).max()) / 2 * 1.15, 0.5)
    return [float(centre[0] - half), float(centre[0] + half),
            float(centre[1] - half), float(centre[1] + half)]


def _grid(extent: list[float], res: int) -> np.ndarray:
    # Row 0 is the top of the picture (largest y), as a canvas draws it.
    xs = np.linspace(extent[0], extent[1], res)
    ys = np.linspace(extent[3], extent[2], res)
    gx, gy = np.meshgrid(xs, ys)
    return np.column_stack([gx.ravel(), gy.ravel()])


def _r(a: np.ndarray, nd: int = 3) -> list:
    # Finite numbers only: JSON has no NaN, and a diverged net must not break the page.
    return np.round(np.nan_to_num(a, nan=0.0, posinf=1e9, neginf=-1e9), nd).tolist()


def _finite(x: float) -> float | None:
    return x if math.isfinite(x) else None


class Session:
    """Data, model, optimizer, epoch counter and history of one tab."""

    def __init__(self, sid: str, cfg: Config) -> None:
        self.id = sid
        self.lock = threading.Lock()
        self.last_used = time.monotonic()
        self.cfg = cfg
        self._load_data()
        self._build_model()

    # ---- (re)building ------------------------------------------------------------------
    def _load_data(self) -> None:
        X, y = make_data(self.cfg)
        if len(X) < 4:
            raise BadRequest(f"the dataset has {len(X)} rows; at least 4 are needed")
        biggest = float(np.abs(X).max())
        if biggest > LIMITS["max_abs_feature"]:
            raise BadRequest(f"the data has a coordinate of size {biggest:.3g}; the network "
                             f"computes in float32, so keep them within "
                             f"{LIMITS['max_abs_feature']:g} (scale the data first)")
        labels = sorted(set(np.unique(y).tolist()))
        if not set(labels) <= {0.0, 1.0}:
            shown = ", ".join(f"{v:g}" for v in labels[:10])
            raise BadRequest(f"the playground classifies two classes, labelled 0 and 1; the "
                             f"data has labels {shown}")
        if len(labels) < 2:
            # One class trains to a meaningless 100% accuracy: say so instead.
            raise BadRequest(f"every row has label {labels[0]:g}; a classifier needs rows of "
                             "both classes, 0 and 1")
        try:
            self.X_train, self.X_test, self.y_train, self.y_test = data.train_test_split(
                X, y, test_size=self.cfg.test_size, seed=self.cfg.seed)
        except data.DataError as e:
            raise BadRequest(f"cannot split the {len(X)} rows into train and test sets: {e} "
                             "(upload more rows or lower the test fraction)") from None
        self.extent = _extent(X)

    def _build_model(self) -> None:
        self.trainer = Trainer(self.cfg)
        self.rng = np.random.default_rng(self.cfg.seed)
        self.epoch = 0
        self.diverged: str | None = None
        self.metrics = self._evaluate()
        self.start_loss = self.metrics["train_loss"]

    def configure(self, cfg: Config) -> str:
        """Apply new settings; returns what was rebuilt: "data", "model" or "live".

        Learning rate, L2 and batch size change in place (training goes on, as PyTorch's
        ``param_groups[0]["lr"] = ...`` does); new data or a new network starts over.
        If anything fails, the session keeps its previous settings, data and model.
        """
        # Rebuilding replaces attributes (it never mutates the old data or model; the one
        # in-place change, set_hyper, comes last), so a shallow copy restores everything.
        saved = dict(self.__dict__)
        try:
            return self._apply(saved["cfg"], cfg)
        except BaseException:
            self.__dict__.clear()
            self.__dict__.update(saved)
            raise

    def _apply(self, old: Config, cfg: Config) -> str:
        self.cfg = cfg
        if any(getattr(old, k) != getattr(cfg, k) for k in DATA_KEYS):
            self._load_data()
            self._build_model()
            return "data"
        if any(getattr(old, k) != getattr(cfg, k) for k in MODEL_KEYS):
            self._build_model()
            return "model"
        self.trainer.set_hyper(cfg.lr, cfg.l2)
        return "live"

    def reset(self) -> None:
        """Fresh weights from the same seed: the same start as the first time."""
        self._build_model()

    # ---- training ----------------------------------------------------------------------
    def _evaluate(self) -> dict[str, Any]:
        with np.errstate(all="ignore"):
            tr_loss, tr_acc = self.trainer.evaluate(self.X_train, self.y_train)
            te_loss, te_acc = self.trainer.evaluate(self.X_test, self.y_test)
        return {"epoch": self.epoch, "train_loss": _finite(tr_loss), "test_loss": _finite(te_loss),
                "train_accuracy": tr_acc, "test_accuracy": te_acc}

    def step(self, epochs: int, max_seconds: float) -> list[dict[str, Any]]:
        """Train up to ``epochs`` epochs, stopping early after ``max_seconds`` or on NaN.

        Returns the metrics after each epoch run (possibly none, if the run had diverged).
        """
        out: list[dict[str, Any]] = []
        start = time.perf_counter()
        bs = min(self.cfg.batch_size, len(self.X_train))
        for _ in range(epochs):
            if self.diverged:
                break
            try:
                with np.errstate(all="ignore"):
                    self.trainer.train_epoch(self.X_train, self.y_train, bs, self.rng)
            except (FloatingPointError, OverflowError):
                self.diverged = NAN_MESSAGE
            self.epoch += 1
            self.metrics = self._evaluate()
            if self.metrics["train_loss"] is None:
                self.diverged = NAN_MESSAGE
            out.append(self.metrics)
            if time.perf_counter() - start > max_seconds:
                break
        return out

    # ---- what the page draws -----------------------------------------------------------
    def warning(self) -> str | None:
        """A loss well above where it started: not NaN yet, but heading the wrong way."""
        now, start = self.metrics["train_loss"], self.start_loss
        if self.diverged or now is None or start is None or self.epoch < 5:
            return None
        if now > RISING_FACTOR * start:
            return (f"loss is diverging ({start:.3g} at the start, {now:.3g} now): "
                    "lower the learning rate")
        return None

    def state(self) -> dict[str, Any]:
        return {"session": self.id, "config": self.cfg.to_dict(), "epoch": self.epoch,
                "metrics": self.metrics, "diverged": self.diverged, "warning": self.warning()}

    def points(self) -> dict[str, Any]:
        return {"extent": self.extent,
                "train": {"x": _r(self.X_train), "y": self.y_train[:, 0].astype(int).tolist()},
                "test": {"x": _r(self.X_test), "y": self.y_test[:, 0].astype(int).tolist()}}

    def frame(self) -> dict[str, Any]:
        """Output probability over a grid, every neuron's activation map, and the weights."""
        with np.errstate(all="ignore"):
            prob = self.trainer.layer_outputs(_grid(self.extent, BOUNDARY_RES))[-1]
            res = NEURON_RES if sum(self.cfg.hidden) <= 64 else 12
            layers = self.trainer.layer_outputs(_grid(self.extent, res))
            weights = self.trainer.weights()
        return {
            "epoch": self.epoch,
            "extent": self.extent,
            "boundary": {"res": BOUNDARY_RES, "p": _r(prob.reshape(-1), 3)},
            "neurons": {"res": res,
                        "layers": [[_r(layer[:, j], 2) for j in range(layer.shape[1])]
                                   for layer in layers]},
            "weights": [{"w": _r(W), "b": _r(b)} for W, b in weights],
        }


class SessionStore:
    """Live sessions, at most ``max_sessions``; the least recently used goes first."""

    def __init__(self, max_sessions: int = LIMITS["max_sessions"],
                 idle_seconds: float = LIMITS["session_idle_seconds"],
                 max_training: int = LIMITS["max_concurrent_training"]) -> None:
        self.max_sessions = max_sessions
        self.idle_seconds = idle_seconds
        self._sessions: OrderedDict[str, Session] = OrderedDict()
        self._lock = threading.Lock()
        self.training = threading.BoundedSemaphore(max_training)

    def __len__(self) -> int:
        return len(self._sessions)

    def create(self, cfg: Config) -> Session:
        session = Session(secrets.token_urlsafe(12), cfg)  # built outside the store's lock
        with self._lock:
            self._expire()
            while len(self._sessions) >= self.max_sessions:
                self._sessions.popitem(last=False)
            self._sessions[session.id] = session
        return session

    def get(self, sid: str) -> Session:
        with self._lock:
            self._expire()
            session = self._sessions.get(sid)
            if session is None:
                raise BadRequest(f"no session {sid!r} (it may have expired): reload the page",
                                 status=404)
            self._sessions.move_to_end(sid)
            session.last_used = time.monotonic()
            return session

    def close(self, sid: str) -> bool:
        with self._lock:
            return self._sessions.pop(sid, None) is not None

    def _expire(self) -> None:
        now = time.monotonic()
        for sid in [s for s, v in self._sessions.items()
                    if now - v.last_used > self.idle_seconds]:
            del self._sessions[sid]


