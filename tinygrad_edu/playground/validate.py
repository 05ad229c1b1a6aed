"""What the playground accepts: every field, its range, and a clear message when it is wrong.

The page is not trusted: any JSON can arrive. `parse_config` turns a request body into a
`Config` or raises `BadRequest` whose message names the field, the value and the range.
The limits keep one request small enough that a laptop stays responsive.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field
from typing import Any

__all__ = ["BadRequest", "Config", "LIMITS", "DEFAULT_NOISE", "parse_config", "parse_int",
           "parse_float", "parse_choice"]


class BadRequest(ValueError):
    """A request the server refuses; ``status`` is the HTTP code (400 unless said)."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


LIMITS = {
    "max_body_bytes": 512 * 1024,      # any request body
    "max_csv_bytes": 256 * 1024,       # an uploaded CSV, inside the body
    "max_csv_rows": 2000,
    "max_abs_feature": 1e6,            # larger coordinates overflow float32 as they train
    "min_points": 10,
    "max_points": 2000,                # generated points, train + test
    "max_layers": 6,                   # hidden layers
    "max_neurons": 32,                 # per hidden layer
    "max_epochs_per_request": 200,
    "max_seconds_per_request": 0.25,   # a step stops early after this much training time
    "max_sessions": 32,                # live sessions; the least recently used is evicted
    "session_idle_seconds": 1800,      # a session unused this long is dropped
    "max_concurrent_training": 2,      # requests training at once (the others wait)
}

DATASETS = ("xor", "circles", "gaussian", "spiral", "moons", "csv")
ACTIVATIONS = ("relu", "tanh", "sigmoid")
LOSSES = ("bce", "mse")
OPTIMIZERS = ("sgd", "momentum", "adam")

# Each generator's noise means something different (a jitter, a blob's spread), so the page
# sets a sensible default whenever the dataset changes.
DEFAULT_NOISE = {"xor": 0.15, "circles": 0.1, "gaussian": 0.6, "spiral": 0.05, "moons": 0.1,
                 "csv": 0.0}


@dataclass
class Config:
    """One playground configuration: the data, the network and how it trains."""

    dataset: str = "spiral"
    noise: float = 0.05
    points: int = 400
    test_size: float = 0.2
    seed: int = 0
    hidden: list[int] = field(default_factory=lambda: [16, 16])
    activation: str = "tanh"
    loss: str = "bce"
    optimizer: str = "adam"
    lr: float = 0.03
    batch_size: int = 32
    l2: float = 0.0
    csv: str | None = None

    def to_dict(self) -> dict[str, Any]:
        d = asdict(self)
        d.pop("csv")
        return d


def parse_int(obj: dict, name: str, lo: int, hi: int, default: int) -> int:
    v = obj.get(name, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not float(v).is_integer():
        raise BadRequest(f"{name} must be a whole number from {lo} to {hi}, got {v!r}")
    if not lo <= v <= hi:  # compared before int(): int(1e308) would print 309 digits
        raise BadRequest(f"{name} must be from {lo} to {hi}, got {v}")
    return int(v)


def parse_float(obj: dict, name: str, lo: float, hi: float, default: float,
                lo_open: bool = False) -> float:
    v = obj.get(name, default)
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise BadRequest(f"{name} must be a number from {lo} to {hi}, got {v!r}")
    v = float(v)
    if v < lo or v > hi or (lo_open and v == lo):
        side = ">" if lo_open else ">="
        raise BadRequest(f"{name} must be {side} {lo} and <= {hi}, got {v}")
    return v


def parse_choice(obj: dict, name: str, choices: tuple[str, ...], default: str) -> str:
    v = obj.get(name, default)
    if v not in choices:
        raise BadRequest(f"{name} must be one of {', '.join(choices)}; got {v!r}")
    return v


def parse_config(obj: Any, base: Config | None = None) -> Config:
    """Validate a JSON object into a `Config`; absent fields keep ``base``'s (or defaults)."""
    if not isinstance(obj, dict):
        raise BadRequest(f"expected a JSON object of settings, got {type(obj).__name__}")
    base = base or Config()
    known = set(Config.__dataclass_fields__)
    unknown = sorted(set(obj) - known)
    if unknown:
        raise BadRequest(f"unknown setting(s): {', '.join(map(str, unknown))}; known: "
                         f"{', '.join(sorted(known))}")
    L = LIMITS
    hidden = obj.get("hidden", base.hidden)
    if not isinstance(hidden, list) or len(hidden) > L["max_layers"]:
        raise BadRequest(f"hidden must be a list of at most {L['max_layers']} layer sizes, "
                         f"got {hidden!r}"[:200])
    for i, n in enumerate(hidden):
        if isinstance(n, bool) or not isinstance(n, int) or not 1 <= n <= L["max_neurons"]:
            raise BadRequest(f"hidden layer {i + 1} must have 1 to {L['max_neurons']} neurons, "
                             f"got {n!r}")
    csv = obj.get("csv", base.csv)
    if csv is not None:
        if not isinstance(csv, str):
            raise BadRequest("csv must be the text of a CSV file")
        if len(csv.encode("utf-8")) > L["max_csv_bytes"]:
            raise BadRequest(f"the CSV file is larger than {L['max_csv_bytes'] // 1024} KiB",
                             status=413)
    cfg = Config(
        dataset=parse_choice(obj, "dataset", DATASETS, base.dataset),
        noise=parse_float(obj, "noise", 0.0, 1.0, base.noise),
        points=parse_int(obj, "points", L["min_points"], L["max_points"], base.points),
        test_size=parse_float(obj, "test_size", 0.05, 0.9, base.test_size),
        seed=parse_int(obj, "seed", 0, 2**31 - 1, base.seed),
        hidden=list(hidden),
        activation=parse_choice(obj, "activation", ACTIVATIONS, base.activation),
        loss=parse_choice(obj, "loss", LOSSES, base.loss),
        optimizer=parse_choice(obj, "optimizer", OPTIMIZERS, base.optimizer),
        lr=parse_float(obj, "lr", 0.0, 10.0, base.lr, lo_open=True),
        batch_size=parse_int(obj, "batch_size", 1, L["max_points"], base.batch_size),
        l2=parse_float(obj, "l2", 0.0, 1.0, base.l2),
        csv=csv,
    )
    if cfg.dataset == "csv" and cfg.csv is None:
        raise BadRequest("dataset csv needs the file: send its text as \"csv\"")
    return cfg
