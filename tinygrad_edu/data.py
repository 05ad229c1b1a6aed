"""Toy 2-D datasets and the small helpers that feed them to a model.

Every generator returns ``(X, y)`` as numpy arrays: ``X`` is float64 of shape ``(n, 2)``;
``y`` is float64 of shape ``(n, 1)`` by default, the shape ``nn.BCEWithLogitsLoss`` and
``nn.MSELoss`` want next to a model with one output (the tutorial's ``unsqueeze(1)``).
Pass ``labels="int"`` for int64 class indices of shape ``(n,)``, what ``nn.CrossEntropyLoss``
wants. Given the same seed, a generator returns the same arrays, bit for bit.

A ``seed`` is an int (fed to ``np.random.RandomState``, so old NumPy recipes reproduce
exactly), a ``np.random.Generator`` or ``RandomState`` (used as is), or None (fresh entropy).
"""

from __future__ import annotations

import csv
import io
import math
import os
from collections.abc import Iterator
from typing import Literal

import numpy as np

__all__ = [
    "DataError",
    "xor",
    "spiral",
    "circles",
    "moons",
    "blobs",
    "gaussian",
    "DATASETS",
    "train_test_split",
    "batches",
    "load_csv",
    "parse_csv",
]

Seed = int | np.random.Generator | np.random.RandomState | None
Labels = Literal["float", "int"]


class DataError(ValueError):
    """A dataset file or argument that cannot be used; the message says where and why."""


# ----------------------------------------------------------------------------- helpers


def _rng(seed: Seed) -> np.random.Generator | np.random.RandomState:
    # RandomState for ints: spiral(seed=42) must equal the tutorial's np.random.seed(42) data.
    # Both RNG kinds share the methods used below (standard_normal, normal, uniform, permutation).
    if isinstance(seed, (np.random.Generator, np.random.RandomState)):
        return seed
    if seed is None or (isinstance(seed, (int, np.integer)) and not isinstance(seed, bool)):
        if seed is not None and not 0 <= seed < 2**32:
            raise DataError(f"seed must be between 0 and 2**32 - 1, got {seed}")
        return np.random.RandomState(seed)
    raise DataError(f"seed must be an int, a np.random.Generator or None, got {seed!r}")


def _count(name: str, n: object, minimum: int = 1, why: str = "") -> int:
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < minimum:
        reason = f" ({why})" if why else ""
        raise DataError(f"{name} must be an int >= {minimum}{reason}, got {n!r}")
    return int(n)


def _noise(noise: object, name: str = "noise") -> float:
    if isinstance(noise, bool) or not isinstance(noise, (int, float, np.number)):
        raise DataError(f"{name} must be a number >= 0, got {noise!r}")
    if not (math.isfinite(float(noise)) and noise >= 0):
        raise DataError(f"{name} must be a finite number >= 0, got {noise!r}")
    return float(noise)


def _labels(y: np.ndarray, labels: Labels) -> np.ndarray:
    if labels == "float":
        return y.astype(np.float64).reshape(-1, 1)
    if labels == "int":
        return y.astype(np.int64).reshape(-1)
    raise DataError(f'labels must be "float" (shape (n, 1)) or "int" (shape (n,)), got {labels!r}')


def _shuffled(X: np.ndarray, y: np.ndarray, rng) -> tuple[np.ndarray, np.ndarray]:
    idx = rng.permutation(len(y))
    return X[idx], y[idx]


# ----------------------------------------------------------------------------- generators


def xor(n_samples: int = 4, noise: float = 0.0, seed: Seed = 0,
        labels: Labels = "float") -> tuple[np.ndarray, np.ndarray]:
    """The XOR truth table: inputs (0,0), (0,1), (1,0), (1,1) with targets 0, 1, 1, 0.

    With the defaults you get exactly those 4 rows in that order. ``n_samples > 4`` repeats
    the corners in the same order (when it is not a multiple of 4, the first ``n_samples % 4``
    corners get one row more) and ``noise`` adds Gaussian jitter, giving four noisy clouds
    (the playground's XOR); the order is kept, so shuffle when you batch. Fewer than 4 rows
    would drop a corner of the truth table, so ``n_samples < 4`` raises `DataError`.
    """
    n = _count("n_samples", n_samples, minimum=4, why="one row per corner of the XOR truth "
               "table")
    noise = _noise(noise)
    corners = np.array([[0.0, 0.0], [0.0, 1.0], [1.0, 0.0], [1.0, 1.0]])
    targets = np.array([0.0, 1.0, 1.0, 0.0])
    idx = np.arange(n) % 4
    X = corners[idx].copy()
    if noise > 0:
        X += _rng(seed).standard_normal((n, 2)) * noise
    return X, _labels(targets[idx], labels)


def spiral(n_points: int = 200, noise: float = 0.2, seed: Seed = 42,
           labels: Labels = "float") -> tuple[np.ndarray, np.ndarray]:
    """Two interleaved spiral arms, ``n_points`` each (so ``2 * n_points`` rows), shuffled.

    Arm 0 follows r = 0.5..2 over theta = 0..4pi (two full turns); arm 1 is the same curve
    rotated by pi. With ``seed=42`` this is bit for bit the source tutorial's data set, which
    drew its noise and shuffle from ``np.random.seed(42)`` in this same order.
    """
    n = _count("n_points", n_points)
    noise = _noise(noise)
    rng = _rng(seed)
    theta = np.linspace(0, 4 * np.pi, n)
    r = np.linspace(0.5, 2, n)
    # Four noise draws in the tutorial's order: x0, y0, x1, y1. Keep it, or seed 42 changes.
    x0 = r * np.cos(theta) + rng.standard_normal(n) * noise
    y0 = r * np.sin(theta) + rng.standard_normal(n) * noise
    x1 = r * np.cos(theta + np.pi) + rng.standard_normal(n) * noise
    y1 = r * np.sin(theta + np.pi) + rng.standard_normal(n) * noise
    X = np.column_stack([np.concatenate([x0, x1]), np.concatenate([y0, y1])])
    y = np.concatenate([np.zeros(n), np.ones(n)])
    X, y = _shuffled(X, y, rng)
    return X, _labels(y, labels)


def circles(n_samples: int = 200, noise: float = 0.1, factor: float = 0.5, seed: Seed = 0,
            labels: Labels = "float") -> tuple[np.ndarray, np.ndarray]:
    """A small circle (label 1) inside a large one (label 0), like sklearn's ``make_circles``.

    ``factor`` is the inner radius relative to the outer radius 1; ``noise`` is the standard
    deviation of the Gaussian jitter added to every coordinate. Rows come shuffled.
    """
    n = _count("n_samples", n_samples, minimum=2, why="one row per class")
    noise = _noise(noise)
    if isinstance(factor, bool) or not isinstance(factor, (int, float, np.number)) \
            or not 0 < factor < 1:
        raise DataError(f"factor must be between 0 and 1 (inner radius / outer), got {factor!r}")
    rng = _rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, 2 * np.pi, n_out, endpoint=False)
    t_in = np.linspace(0, 2 * np.pi, n_in, endpoint=False)
    X = np.concatenate([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        factor * np.column_stack([np.cos(t_in), np.sin(t_in)]),
    ])
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    X, y = _shuffled(X, y, rng)
    if noise > 0:
        X = X + rng.standard_normal(X.shape) * noise
    return X, _labels(y, labels)


def moons(n_samples: int = 200, noise: float = 0.1, seed: Seed = 0,
          labels: Labels = "float") -> tuple[np.ndarray, np.ndarray]:
    """Two interleaving half circles, like sklearn's ``make_moons``; rows come shuffled.

    The upper moon (label 0) is centred at (0, 0), the lower one (label 1) at (1, 0.5).
    """
    n = _count("n_samples", n_samples, minimum=2, why="one row per class")
    noise = _noise(noise)
    rng = _rng(seed)
    n_out = n // 2
    n_in = n - n_out
    t_out = np.linspace(0, np.pi, n_out)
    t_in = np.linspace(0, np.pi, n_in)
    X = np.concatenate([
        np.column_stack([np.cos(t_out), np.sin(t_out)]),
        np.column_stack([1 - np.cos(t_in), 1 - np.sin(t_in) - 0.5]),
    ])
    y = np.concatenate([np.zeros(n_out), np.ones(n_in)])
    X, y = _shuffled(X, y, rng)
    if noise > 0:
        X = X + rng.standard_normal(X.shape) * noise
    return X, _labels(y, labels)


def blobs(n_samples: int = 200, centers: int | np.ndarray = 2, cluster_std: float = 1.0,
          center_box: tuple[float, float] = (-10.0, 10.0), seed: Seed = 0,
          labels: Labels = "float") -> tuple[np.ndarray, np.ndarray]:
    """Gaussian clusters, one class each, like sklearn's ``make_blobs`` (2 features only).

    ``centers`` is a count (placed uniformly at random in ``center_box``) or a ``(k, 2)``
    array. Samples are split as evenly as possible across clusters; rows come shuffled.
    With more than two centers the float labels are class indices 0..k-1. Every cluster
    needs a row, so ``n_samples`` below the number of centers raises `DataError`.
    """
    n = _count("n_samples", n_samples)
    std = _noise(cluster_std, "cluster_std")
    rng = _rng(seed)
    if isinstance(centers, (int, np.integer)) and not isinstance(centers, bool):
        k = _count("centers", centers)
        box = np.asarray(center_box, dtype=object)
        if box.shape != (2,) or not all(isinstance(v, (int, float, np.number))
                                        and math.isfinite(v) for v in box):
            raise DataError(f"center_box must be a pair (low, high), got {center_box!r}")
        lo, hi = float(box[0]), float(box[1])
        c = rng.uniform(lo, hi, size=(k, 2))
    else:
        c = np.asarray(centers, dtype=np.float64)
        if c.ndim != 2 or c.shape[1] != 2 or len(c) == 0:
            raise DataError(f"centers must be an int or an array of shape (k, 2), got shape "
                            f"{c.shape}")
        k = len(c)
    if n < k:
        raise DataError(f"n_samples={n} is fewer than the {k} centers: every cluster (class) "
                        "needs at least one row")
    per = [n // k + (1 if i < n % k else 0) for i in range(k)]
    X = np.concatenate([c[i] + rng.standard_normal((m, 2)) * std for i, m in enumerate(per)])
    y = np.concatenate([np.full(m, float(i)) for i, m in enumerate(per)])
    X, y = _shuffled(X, y, rng)
    return X, _labels(y, labels)


def gaussian(n_samples: int = 200, noise: float = 1.0, seed: Seed = 0,
             labels: Labels = "float") -> tuple[np.ndarray, np.ndarray]:
    """Two Gaussian blobs centred at (2, 2) (label 1) and (-2, -2) (label 0).

    The TensorFlow Playground's "Gaussian" set: ``noise`` is each blob's standard deviation,
    so raising it makes the classes overlap. A thin wrapper over `blobs`; ``n_samples`` must
    be at least 2, one row per blob.
    """
    _count("n_samples", n_samples, minimum=2, why="one row per blob")
    X, y = blobs(n_samples, centers=np.array([[-2.0, -2.0], [2.0, 2.0]]),
                 cluster_std=_noise(noise), seed=seed, labels=labels)
    return X, y


#: The generators by name, for the CLI and the playground.
DATASETS = {
    "xor": xor,
    "spiral": spiral,
    "circles": circles,
    "moons": moons,
    "gaussian": gaussian,
    "blobs": blobs,
}


# ----------------------------------------------------------------------------- helpers


def train_test_split(X: np.ndarray, y: np.ndarray, test_size: float | int = 0.2, seed: Seed = 0,
                     shuffle: bool = True) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Split rows into train and test sets: returns ``X_train, X_test, y_train, y_test``.

    The order of sklearn's function of the same name. ``test_size`` is a fraction in (0, 1)
    (rounded up to whole rows) or a row count. ``shuffle=False`` keeps the last rows for test.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    n = len(X)
    if len(y) != n:
        raise DataError(f"X and y must have the same number of rows, got {n} and {len(y)}")
    if isinstance(test_size, bool):
        raise DataError(f"test_size must be a fraction in (0, 1) or a row count, got {test_size}")
    if isinstance(test_size, (int, np.integer)):
        n_test = int(test_size)
    elif isinstance(test_size, (float, np.floating)) and 0 < test_size < 1:
        n_test = math.ceil(float(test_size) * n)
    else:
        raise DataError(f"test_size must be a fraction in (0, 1) or a row count, got {test_size}")
    if not 0 < n_test < n:
        raise DataError(f"test_size={test_size} leaves {n - n_test} train and {n_test} test rows "
                        f"out of {n}; both sets need at least one row")
    idx = _rng(seed).permutation(n) if shuffle else np.arange(n)
    train, test = idx[: n - n_test], idx[n - n_test:]
    return X[train], X[test], y[train], y[test]


def batches(X: np.ndarray, y: np.ndarray, batch_size: int, shuffle: bool = True,
            seed: Seed = None) -> Iterator[tuple[np.ndarray, np.ndarray]]:
    """Yield ``(X_batch, y_batch)`` pairs that cover every row exactly once (one epoch).

    Like a PyTorch ``DataLoader`` with ``drop_last=False``: the last batch may be smaller.
    With ``shuffle=True`` the order is a fresh permutation drawn from ``seed``.
    """
    X = np.asarray(X)
    y = np.asarray(y)
    if len(X) != len(y):
        raise DataError(f"X and y must have the same number of rows, got {len(X)} and {len(y)}")
    bs = _count("batch_size", batch_size)
    idx = _rng(seed).permutation(len(X)) if shuffle else np.arange(len(X))
    for start in range(0, len(X), bs):
        sel = idx[start:start + bs]
        yield X[sel], y[sel]


# ----------------------------------------------------------------------------- CSV


def parse_csv(text: str, name: str = "<csv>", labels: Labels = "float",
              max_rows: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Parse CSV text of rows ``x1, x2, label`` into ``(X, y)``, as `load_csv` does a file.

    ``name`` is used in error messages. A first row that is not numeric is a header. Blank
    lines and lines starting with ``#`` are skipped. Labels must be whole numbers >= 0.
    """
    text = text.removeprefix("\ufeff")    # the byte order mark Excel's "CSV UTF-8" starts with
    rows: list[tuple[float, float]] = []
    targets: list[int] = []
    first = True                           # only the first row may be a header
    for lineno, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [c.strip() for c in row]
        if not any(cells) or cells[0].startswith("#"):
            continue
        if len(cells) != 3:
            raise DataError(f"{name} line {lineno}: expected 3 columns (x1, x2, label), "
                            f"got {len(cells)}: {','.join(row)!r}")
        try:
            x1, x2, lab = (float(c) for c in cells)
        except ValueError:
            if first and not any(_is_float(c) for c in cells):   # a header names columns
                first = False
                continue
            col, bad = next((k, c) for k, c in enumerate(cells, 1) if not _is_float(c))
            if not bad:
                raise DataError(f"{name} line {lineno}: column {col} is empty "
                                "(a missing value)") from None
            raise DataError(f"{name} line {lineno}: {bad!r} is not a number") from None
        first = False
        if not (math.isfinite(x1) and math.isfinite(x2)):
            raise DataError(f"{name} line {lineno}: features must be finite, got {x1}, {x2}")
        if not (math.isfinite(lab) and 0 <= lab < 2**31 and lab == int(lab)):
            raise DataError(f"{name} line {lineno}: label must be a class number 0, 1, ..., "
                            f"got {cells[2]!r}")
        rows.append((x1, x2))
        targets.append(int(lab))
        if max_rows is not None and len(rows) > max_rows:
            raise DataError(f"{name}: more than {max_rows} data rows")
    if not rows:
        raise DataError(f"{name}: no data rows (expected lines of x1, x2, label)")
    X = np.array(rows, dtype=np.float64)
    return X, _labels(np.array(targets), labels)


def _is_float(s: str) -> bool:
    try:
        float(s)
    except ValueError:
        return False
    return True


def load_csv(path: str | os.PathLike, labels: Labels = "float") -> tuple[np.ndarray, np.ndarray]:
    """Read a CSV of two feature columns and a class label into ``(X, y)``.

    The header row is optional. Problems raise `DataError` naming the file, the line and
    what is wrong; a missing file raises ``FileNotFoundError`` as ``open`` does.
    """
    with open(path, encoding="utf-8", newline="") as f:
        try:
            text = f.read()
        except UnicodeDecodeError as e:
            raise DataError(f"{os.fspath(path)}: not a UTF-8 text file ({e.reason} at byte "
                            f"{e.start})") from None
    return parse_csv(text, name=os.fspath(path), labels=labels)
