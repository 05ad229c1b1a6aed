"""The Tensor engine side by side with PyTorch CPU and with hand-written numpy.

Two workloads, every engine starting from the same weights:

- "spiral": the tutorial's two-arm spiral (400 points), MLP 2 -> 16 -> 8 -> 1 with ReLU,
  BCE-with-logits, Adam lr 0.01, 500 full-batch epochs, float64 (so the final losses
  can be compared: ours must equal PyTorch's to 1e-6, asserted below).
- "wide": MLP 784 -> 512 -> 512 -> 10, batch 256 of seeded random data, softmax
  cross-entropy, Adam lr 1e-3, 100 steps, float32 (every library's default).

Engines: tinygrad_edu (nn + optim, what users run), PyTorch at 1 thread and at its
default thread count, and numpy written by hand (forward, backward and Adam of the same
math, in place where it can be: the floor of what any numpy engine can reach). Times are
per training step (zero_grad, forward, loss, backward, optimizer step), the best of
several repeats with Python's GC on. This is a benchmark, not a test: it asserts the
numbers agree, never how fast anything is.

Run: ``.venv/bin/python benchmarks/bench_tensor.py [--repeats 5] [--only spiral]`` (about
two minutes on a quiet 2-core machine). ``--quick`` (what tests/test_benchmarks.py runs)
takes 2 steps per workload, once: a check that every engine still runs and agrees, in
seconds, whose times mean nothing. Without PyTorch its rows are skipped, with a note.
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from tinygrad_edu import Tensor, nn  # noqa: E402
from tinygrad_edu.data import spiral  # noqa: E402
from tinygrad_edu.optim import Adam  # noqa: E402

WORKLOADS = {
    # name: (layer sizes, steps, dtype, learning rate)
    "spiral": ((2, 16, 8, 1), 500, np.float64, 0.01),
    "wide": ((784, 512, 512, 10), 100, np.float32, 1e-3),
}
BETAS, EPS = (0.9, 0.999), 1e-8


# ---- data and weights shared by every engine ----------------------------------------------
def make_data(name: str, dtype: type) -> tuple[np.ndarray, np.ndarray]:
    if name == "spiral":
        X, y = spiral(n_points=200, noise=0.2, seed=42)  # the tutorial's data, bit for bit
        return X.astype(dtype), y.astype(dtype)
    rng = np.random.RandomState(0)
    X = rng.standard_normal((256, 784)).astype(dtype)
    y = rng.randint(0, 10, size=256).astype(np.int64)
    return X, y


def make_weights(sizes: tuple[int, ...], dtype: type) -> list[np.ndarray]:
    """[W1, b1, W2, b2, ...] drawn like torch.nn.Linear's default: U(-1/sqrt(in), 1/sqrt(in))."""
    rng = np.random.RandomState(1)
    out = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:]):
        bound = 1 / np.sqrt(fan_in)
        out.append(rng.uniform(-bound, bound, (fan_out, fan_in)).astype(dtype))
        out.append(rng.uniform(-bound, bound, fan_out).astype(dtype))
    return out


# ---- engines: each returns a `step()` that trains once and returns the loss ----------------
def ours(name: str, X: np.ndarray, y: np.ndarray, weights: list[np.ndarray],
         lr: float) -> Callable[[], float]:
    """What a user writes: nn.MLP, the nn loss, optim.Adam."""
    sizes = [weights[0].shape[1]] + [w.shape[0] for w in weights[::2]]
    model = nn.MLP(sizes[0], sizes[1:-1], sizes[-1], activation="relu", dtype=X.dtype)
    model.load_state_dict({f"{2 * k}.{kind}": weights[2 * k + (kind == "bias")]
                           for k in range(len(weights) // 2) for kind in ("weight", "bias")})
    loss_fn = nn.BCEWithLogitsLoss() if name == "spiral" else nn.CrossEntropyLoss()
    opt = Adam(model.parameters(), lr=lr, betas=BETAS, eps=EPS)
    Xt = Tensor(X)

    def step() -> float:
        opt.zero_grad()
        loss = loss_fn(model(Xt), y)
        loss.backward()
        opt.step()
        return loss.item()
    return step


def ours_unfused(name: str, X: np.ndarray, y: np.ndarray, weights: list[np.ndarray],
                 lr: float) -> Callable[[], float]:
    """The same model from elementary Tensor ops: x @ W.T + b, and the loss written out
    (what fusing a layer or a loss into one graph node saves)."""
    params = [Tensor(w, requires_grad=True) for w in weights]
    opt = Adam(params, lr=lr, betas=BETAS, eps=EPS)
    Xt, n_layers = Tensor(X), len(params) // 2
    target = Tensor(y) if name == "spiral" else Tensor(np.eye(10, dtype=X.dtype)[y])

    def step() -> float:
        opt.zero_grad()
        h = Xt
        for k in range(n_layers):
            h = h @ params[2 * k].T + params[2 * k + 1]
            if k < n_layers - 1:
                h = h.relu()
        if name == "spiral":      # max(z, 0) - z y + log(1 + e^-|z|)
            loss = (h.relu() - h * target + (-h.abs()).exp().log1p()).mean()
        else:
            loss = -(h.log_softmax(axis=1) * target).sum(axis=1).mean()
        loss.backward()
        opt.step()
        return loss.item()
    return step


def numpy_by_hand(name: str, X: np.ndarray, y: np.ndarray, weights: list[np.ndarray],
                  lr: float) -> Callable[[], float]:
    P = [w.copy() for w in weights]
    m = [np.zeros_like(p) for p in P]
    v = [np.zeros_like(p) for p in P]
    n_layers, n = len(P) // 2, len(X)
    t = 0
    onehot = None if name == "spiral" else np.eye(10, dtype=X.dtype)[y]

    def step() -> float:
        nonlocal t
        t += 1
        hs, zs = [X], []
        for k in range(n_layers):                       # forward
            z = hs[-1] @ P[2 * k].T
            z += P[2 * k + 1]
            zs.append(z)
            if k < n_layers - 1:
                hs.append(np.maximum(z, 0))
        if onehot is None:                              # BCE with logits
            e = np.exp(-np.abs(z))
            loss = (np.maximum(z, 0) - z * y + np.log1p(e)).mean()
            dz = (np.where(z >= 0, 1 / (1 + e), e / (1 + e)) - y) / n
        else:                                           # softmax cross-entropy
            shifted = z - z.max(axis=1, keepdims=True)
            ez = np.exp(shifted)
            s = ez.sum(axis=1, keepdims=True)
            loss = -((shifted - np.log(s)) * onehot).sum(axis=1).mean()
            dz = (ez / s - onehot) / n
        grads = [None] * len(P)
        for k in reversed(range(n_layers)):             # backward
            grads[2 * k] = dz.T @ hs[k]
            grads[2 * k + 1] = dz.sum(axis=0)
            if k:
                dz = dz @ P[2 * k]
                dz *= zs[k - 1] > 0
        c1, c2 = 1 - BETAS[0] ** t, 1 - BETAS[1] ** t   # Adam, in place
        for p, g, mi, vi in zip(P, grads, m, v):
            mi *= BETAS[0]
            mi += (1 - BETAS[0]) * g
            vi *= BETAS[1]
            vi += (1 - BETAS[1]) * g * g
            denom = np.sqrt(vi / c2)
            denom += EPS
            p -= (lr / c1) * mi / denom
        return float(loss)
    return step


def pytorch(threads: int) -> Callable:
    def build(name: str, X: np.ndarray, y: np.ndarray, weights: list[np.ndarray],
              lr: float) -> Callable[[], float]:
        import torch
        torch.set_num_threads(threads)
        layers: list = []
        for k in range(len(weights) // 2):
            lin = torch.nn.Linear(weights[2 * k].shape[1], weights[2 * k].shape[0],
                                  dtype=torch.from_numpy(weights[0]).dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(weights[2 * k]))
                lin.bias.copy_(torch.from_numpy(weights[2 * k + 1]))
            layers += [lin, torch.nn.ReLU()]
        model = torch.nn.Sequential(*layers[:-1])
        loss_fn = torch.nn.BCEWithLogitsLoss() if name == "spiral" else torch.nn.CrossEntropyLoss()
        opt = torch.optim.Adam(model.parameters(), lr=lr, betas=BETAS, eps=EPS)
        Xt, yt = torch.from_numpy(X), torch.from_numpy(y)

        def step() -> float:
            opt.zero_grad()
            loss = loss_fn(model(Xt), yt)
            loss.backward()
            opt.step()
            return loss.item()
        return step
    return build


# ---- running and reporting ----------------------------------------------------------------
def measure(engines: list[tuple[str, Callable]], name: str, repeats: int,
            steps: int | None = None) -> dict[str, tuple[float, float]]:
    """label -> (best seconds per step, final loss). Every repeat runs each engine once from
    fresh weights, round-robin, so a burst of load from elsewhere hits them all alike.
    ``steps`` overrides the workload's own number of steps."""
    sizes, default_steps, dtype, lr = WORKLOADS[name]
    steps = default_steps if steps is None else steps
    X, y = make_data(name, dtype)
    weights = make_weights(sizes, dtype)
    best = {label: float("inf") for label, _ in engines}
    final = {label: float("nan") for label, _ in engines}
    for r in range(repeats):
        for label, build in engines:
            print(f"{name}, run {r + 1}/{repeats}: {label}", file=sys.stderr, flush=True)
            step = build(name, X, y, weights, lr)
            t0 = time.perf_counter()
            for _ in range(steps):
                final[label] = step()
            best[label] = min(best[label], (time.perf_counter() - t0) / steps)
    return {label: (best[label], final[label]) for label, _ in engines}


def machine() -> str:
    model = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                model = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{model}, {os.cpu_count()} cores"


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--repeats", type=int, default=5, help="fresh runs per engine (best)")
    parser.add_argument("--only", choices=sorted(WORKLOADS), help="run one workload")
    parser.add_argument("--no-torch", action="store_true", help="skip PyTorch")
    parser.add_argument("--quick", action="store_true",
                        help="2 steps per workload, 1 run: checks, not timings (tests)")
    args = parser.parse_args(argv)
    steps = {n: 2 if args.quick else WORKLOADS[n][1] for n in WORKLOADS}
    repeats = 1 if args.quick else args.repeats

    engines: list[tuple[str, Callable]] = [
        ("numpy by hand (the floor)", numpy_by_hand),
        ("tinygrad_edu (nn + optim)", ours),
        ("tinygrad_edu, unfused Tensor ops", ours_unfused),
    ]
    torch_version = "not installed"
    if not args.no_torch:
        try:
            import torch
            torch_version = torch.__version__
            default_threads = torch.get_num_threads()
            engines += [("PyTorch CPU, 1 thread", pytorch(1)),
                        (f"PyTorch CPU, {default_threads} threads (default)",
                         pytorch(default_threads))]
        except ImportError:
            print("PyTorch is not installed (pip install torch): its rows are skipped",
                  flush=True)

    names = [args.only] if args.only else list(WORKLOADS)
    load_before = os.getloadavg()[0]
    results = {name: measure(engines, name, repeats, steps[name]) for name in names}
    load_after = os.getloadavg()[0]

    print(f"\nMachine: {machine()}; Python {platform.python_version()}, numpy "
          f"{np.__version__}, PyTorch {torch_version}. Per training step, best of "
          f"{repeats} runs (load average {load_before:.1f} before, {load_after:.1f} "
          "after).\n")
    if args.quick:
        print("(--quick: 2 steps per workload, too few for the times to mean anything)\n")
    labels = [label for label, _ in engines]
    head = "| engine | " + " | ".join(
        f"{n} ({'us' if n == 'spiral' else 'ms'} / step)" for n in names) + " |"
    print(head)
    print("|---|" + "---:|" * len(names))
    for label in labels:
        cells = []
        for n in names:
            sec = results[n][label][0]
            cells.append(f"{sec * 1e6:.0f}" if n == "spiral" else f"{sec * 1e3:.2f}")
        print(f"| {label} | " + " | ".join(cells) + " |")
    ref = "tinygrad_edu (nn + optim)"
    for other in labels:
        if other == ref:
            continue
        cells = [f"{results[n][ref][0] / results[n][other][0]:.2f}x" for n in names]
        print(f"| ratio: tinygrad_edu / {other} | " + " | ".join(cells) + " |")

    print()
    for n in names:
        losses = {label: results[n][label][1] for label in labels}
        line = ", ".join(f"{label}: {loss:.10f}" for label, loss in losses.items())
        print(f"{n}: final loss after {steps[n]} steps: {line}")
    torch_rows = [label for label in labels if label.startswith("PyTorch")]
    if "spiral" in names and torch_rows:
        diff = max(abs(results["spiral"][ref][1] - results["spiral"][row][1])
                   for row in torch_rows)
        print(f"spiral: |tinygrad_edu - PyTorch| after {steps['spiral']} epochs (float64) = "
              f"{diff:.3e}")
        assert diff < 1e-6, f"spiral losses differ from PyTorch's by {diff:.3e}"
    if "spiral" in names:
        for other in labels:  # numpy by hand and the unfused ops: the same math, float64
            diff = abs(results["spiral"][ref][1] - results["spiral"][other][1])
            assert diff < 1e-6, f"spiral losses of {ref} and {other} differ by {diff:.3e}"
    if "wide" in names:
        # float32 and BLAS in a different order: rounding apart, nothing more (measured
        # after 100 steps: 5e-9, at a loss of 2e-7; after 2 steps they agree to 1e-10)
        diff = max(abs(results["wide"][ref][1] - results["wide"][other][1]) for other in labels)
        assert diff < 1e-4, f"wide losses differ by up to {diff:.3e} between engines"


if __name__ == "__main__":
    main()
