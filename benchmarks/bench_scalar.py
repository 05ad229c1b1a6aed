"""Scalar engines side by side on micrograd's own demo workload.

MLP 2 -> 16 -> 16 -> 1 (ReLU, linear output) on 100 "moons" points, full batch, SVM hinge
loss ``relu(1 - y * score)`` averaged plus L2 ``1e-4 * sum(p * p)``, SGD with micrograd's
schedule ``lr = 1.0 - 0.9 * k / 100``. Every engine starts from the same weights, and
their losses must agree to 1e-9 at every step: same work, different speed.

Times are CPU seconds of this process (``time.process_time``): every engine here is
single-threaded Python, so on an idle machine that equals wall time, and on a shared one
other jobs do not inflate it. The cycle collector's work counts, since it runs in-process.

Run: ``.venv/bin/python benchmarks/bench_scalar.py [--steps 10] [--quick]``. The micrograd
rows need micrograd (``pip install micrograd``); without it they are skipped, with a note.
``--quick`` (what tests/test_benchmarks.py runs) takes 2 steps on 20 points, no warm-up:
a check that every engine still runs and agrees, in seconds, whose times mean nothing.
It is not a test and asserts nothing about time.
"""

from __future__ import annotations

import argparse
import gc
import platform
import random
import statistics
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinygrad_edu import Value  # noqa: E402
from tinygrad_edu.nn.scalar import MLP  # noqa: E402

ALPHA = 1e-4  # L2 strength of micrograd's demo


def moons(n: int = 100, noise: float = 0.1, seed: int = 1337) -> tuple[list, list]:
    """Two interleaved half circles (as sklearn's make_moons), labels -1 / +1."""
    rng = np.random.default_rng(seed)
    n_out, n_in = n // 2, n - n // 2
    t_out, t_in = np.linspace(0, np.pi, n_out), np.linspace(0, np.pi, n_in)
    X = np.concatenate([np.stack([np.cos(t_out), np.sin(t_out)], 1),
                        np.stack([1 - np.cos(t_in), 0.5 - np.sin(t_in)], 1)])
    X += rng.normal(scale=noise, size=X.shape)
    y = np.concatenate([-np.ones(n_out), np.ones(n_in)])
    return X.tolist(), y.tolist()


def micrograd_step(model, X, y, k: int) -> float:
    """One training step written exactly as micrograd's demo notebook writes it."""
    from micrograd.engine import Value as MGValue

    inputs = [list(map(MGValue, row)) for row in X]
    scores = list(map(model, inputs))
    losses = [(1 + -yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * sum(p * p for p in model.parameters())
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in model.parameters():
        p.data -= lr * p.grad
    return total.data


def ours_step(model, X, y, k: int) -> float:
    """The same step with tinygrad_edu: inputs stay plain floats (no wrapper Values),
    and the two sums are single nodes."""
    params = model.parameters()
    scores = [model(row) for row in X]
    losses = [(1 - yi * si).relu() for yi, si in zip(y, scores)]
    data_loss = Value.sum(losses) * (1.0 / len(losses))
    reg_loss = ALPHA * Value.dot(params, params)
    total = data_loss + reg_loss
    model.zero_grad()
    total.backward()
    lr = 1.0 - 0.9 * k / 100
    for p in params:
        p.data -= lr * p.grad
    return total.data


def numpy_losses(init: list[float], X, y, steps: int,
                 sizes: tuple[int, ...] = (2, 16, 16, 1)) -> list[float]:
    """The same steps in numpy, written by hand: an untimed reference for the losses that
    needs no other library (so the engines are checked even without micrograd)."""
    P, i = [], 0
    for nin, nout in zip(sizes, sizes[1:]):     # per neuron: its weights, then its bias
        block = np.array(init[i:i + nout * (nin + 1)]).reshape(nout, nin + 1)
        P.append((block[:, :nin].copy(), block[:, nin].copy()))
        i += nout * (nin + 1)
    X, y = np.array(X), np.array(y)
    losses = []
    for k in range(steps):
        hs, zs = [X], []
        for j, (W, b) in enumerate(P):
            zs.append(hs[-1] @ W.T + b)
            hs.append(np.maximum(zs[-1], 0) if j < len(P) - 1 else zs[-1])
        margin = 1 - y * hs[-1][:, 0]
        reg = sum((W * W).sum() + (b * b).sum() for W, b in P)
        losses.append(float(np.maximum(margin, 0).mean() + ALPHA * reg))
        dz = ((margin > 0) * -y / len(y))[:, None]  # d(mean hinge)/d(score)
        grads = []
        for j in reversed(range(len(P))):
            W, b = P[j]
            grads.append((dz.T @ hs[j] + 2 * ALPHA * W, dz.sum(axis=0) + 2 * ALPHA * b))
            if j:
                dz = (dz @ W) * (zs[j - 1] > 0)
        lr = 1.0 - 0.9 * k / 100
        for (W, b), (gW, gb) in zip(P, reversed(grads)):
            W -= lr * gW
            b -= lr * gb
    return losses


def run(step: Callable, make: Callable, X, y, steps: int, gc_off: bool,
        warmup: int = 2) -> tuple[list[float], list[float]]:
    """Time `steps` training steps of a fresh model, after `warmup` untimed steps on another.

    Each engine starts from the same heap state: earlier engines' garbage is collected and
    the allocator is warmed up first, so no engine pays for another's leftovers.
    """
    scratch = make()
    for k in range(warmup):
        step(scratch, X, y, k)
    del scratch
    gc.collect()
    model = make()
    losses, times = [], []
    for k in range(steps):
        if gc_off:
            gc.disable()
        t0 = time.process_time()
        losses.append(step(model, X, y, k))
        times.append(time.process_time() - t0)
        if gc_off:
            gc.enable()
            gc.collect()  # micrograd's cycles are freed here, outside the timed step
    return losses, times


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=None,
                        help="training steps per engine (default 10; 2 with --quick)")
    parser.add_argument("--quick", action="store_true",
                        help="2 steps on 20 points, no warm-up: checks, not timings (tests)")
    args = parser.parse_args(argv)
    steps = args.steps if args.steps is not None else 2 if args.quick else 10
    if steps < 1:
        parser.error(f"--steps must be at least 1, got {steps}")
    n_points, warmup = (20, 0) if args.quick else (100, 2)

    try:
        import micrograd.nn as mgnn
    except ImportError:
        mgnn = None
        print("micrograd is not installed (pip install micrograd): its rows are skipped, and "
              "tinygrad_edu's losses are checked against numpy written by hand only", flush=True)

    X, y = moons(n_points)
    # micrograd's demo seeds `random` with 1337 before building its MLP; ours draws the same
    # numbers in the same order (uniform(-1, 1) per weight, bias 0), so it needs no micrograd.
    init = [p.data for p in MLP(2, [16, 16, 1], activation="relu", seed=1337).parameters()]

    def mg_model():
        random.seed(0)
        m = mgnn.MLP(2, [16, 16, 1])
        for p, w in zip(m.parameters(), init):
            p.data = float(w)
        return m

    def our_model():
        m = MLP(2, [16, 16, 1], activation="relu", seed=0)
        params = m.parameters()
        assert len(params) == len(init), (len(params), len(init))
        for p, w in zip(params, init):
            p.data = float(w)
        return m

    rows = [] if mgnn is None else [
        ("micrograd 0.1.0 as shipped (GC on)", micrograd_step, mg_model, False),
        ("micrograd, GC disabled during its step", micrograd_step, mg_model, True),
    ]
    rows += [
        ("tinygrad_edu `Value`, GC on", ours_step, our_model, False),
        ("tinygrad_edu `Value`, GC disabled during its step", ours_step, our_model, True),
    ]
    results = []
    for name, step, make, gc_off in rows:
        print(f"running {name} ...", file=sys.stderr, flush=True)
        losses, times = run(step, make, X, y, steps, gc_off, warmup)
        results.append((name, losses, statistics.median(times)))

    ref = numpy_losses(init, X, y, steps)
    diff = max(abs(a - b) for _, losses, _ in results for a, b in zip(losses, ref))
    print(f"losses over {steps} steps: {ref[0]:.6f} -> {ref[-1]:.6f}; max difference "
          f"between engines and numpy written by hand: {diff:.2e}")
    assert all(len(losses) == steps for _, losses, _ in results)
    assert diff < 1e-9, f"engines disagree: max loss difference {diff:.3e}"

    print(f"\nmicrograd demo step (MLP 2-16-16-1, {n_points} moons, hinge + L2, full batch), "
          f"median of {steps} steps; Python {platform.python_version()}, "
          f"{platform.machine()}\n")
    if args.quick:
        print("(--quick: too few steps and points for the times to mean anything)\n")
    if mgnn is None:
        print("| engine | CPU seconds / step |")
        print("|---|---:|")
        for name, _, t in results:
            print(f"| {name} | {t:.4f} |")
        return
    stock, mg_nogc = results[0][2], results[1][2]
    print("| engine | CPU seconds / step | speed-up vs micrograd | vs micrograd, GC off |")
    print("|---|---:|---:|---:|")
    for name, _, t in results:
        print(f"| {name} | {t:.4f} | {stock / t:.1f}x | {mg_nogc / t:.1f}x |")


if __name__ == "__main__":
    main()
