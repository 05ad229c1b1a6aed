"""XOR three ways: the three source tutorials' set-ups, trained by the Tensor engine's `fit`.

    python examples/xor_tensor.py [--out out] [--quick]

1. 2-2-2-1, tanh/tanh/sigmoid, no bias on the output, MSE, per-sample SGD (first tutorial);
2. 2-4-1 sigmoid, MSE, full-batch gradient descent, lr 1.0 (second tutorial);
3. 2-2-1 sigmoid, binary cross-entropy, full batch, lr 1.0 (third tutorial).

The second and third tutorials start from ``np.random.seed(42)`` and ``randn * 0.5``
weights with zero biases; we load exactly those numbers, so the runs are theirs, step for
step. Where that start does not solve XOR in the tutorial's epoch count, the output says so
and shows the one change that does. ``--quick`` trains a few epochs only (for the tests).
Writes xor_boundaries.png (one panel per set-up) into --out.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # tiny matrices: BLAS threads only add overhead

import argparse  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

import numpy as np  # noqa: E402

from tinygrad_edu import data, nn, optim  # noqa: E402
from tinygrad_edu.train import fit, predict  # noqa: E402


def tutorial_start(model: nn.Module, seed: int = 42) -> nn.Module:
    """The tutorials' start: W = randn(fan_in, fan_out) * 0.5 per layer, in order, b = 0.

    Their W is (in, out) for ``X @ W``; a Linear's weight is (out, in), hence the ``.T``.
    """
    rs = np.random.RandomState(seed)
    for layer in model:
        if isinstance(layer, nn.Linear):
            layer.weight.data[...] = (rs.randn(layer.in_features, layer.out_features) * 0.5).T
            if layer.bias is not None:
                layer.bias.data[...] = 0.0
    return model


def report(name: str, model: nn.Module, X: np.ndarray, y: np.ndarray, history,
           seconds: float) -> float:
    out = predict(model, X).ravel()
    acc = float(np.mean((out > 0.5) == (y.ravel() > 0.5)))
    print(f"  {name}: final loss {history.loss[-1]:.4f}, accuracy {acc:.0%}  ({seconds:.1f}s)")
    for x, target, p in zip(X, y.ravel(), out):
        print(f"    {x.astype(int)} -> {p:.4f}  (target {target:.0f})")
    return acc


def train(model, X, y, loss, lr, epochs, batch_size=None, seed=0):
    start = time.perf_counter()
    history = fit(model, X, y, loss, optim.SGD(model.parameters(), lr=lr), epochs,
                  batch_size=batch_size, seed=seed, progress=False)
    return history, time.perf_counter() - start


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the picture")
    parser.add_argument("--quick", action="store_true", help="a few epochs only (tests)")
    args = parser.parse_args(argv)
    scale = 50 if args.quick else 1
    X, y = data.xor()
    f64 = np.float64  # float64 so the runs reproduce the tutorials' numpy arithmetic exactly
    models = []

    print("1. 2-2-2-1 tanh/tanh/sigmoid, MSE, per-sample SGD lr 0.1 (first tutorial)")
    model = nn.Sequential(nn.Linear(2, 2, dtype=f64, seed=0), nn.Tanh(),
                          nn.Linear(2, 2, dtype=f64, seed=1), nn.Tanh(),
                          nn.Linear(2, 1, bias=False, dtype=f64, seed=2), nn.Sigmoid())
    history, s = train(model, X, y, nn.MSELoss(), 0.1, 2000 // scale, batch_size=1)
    report("2000 epochs x 4 steps", model, X, y, history, s)
    models.append(("2-2-2-1 tanh, per sample", model))

    print("\n2. 2-4-1 sigmoid, MSE, full batch lr 1.0, the tutorial's start (second tutorial)")
    model = tutorial_start(nn.MLP(2, [4], 1, activation="sigmoid", out_activation="sigmoid",
                                  dtype=f64))
    history, s = train(model, X, y, nn.MSELoss(), 1.0, 1000 // scale)
    acc = report("1000 epochs (the tutorial's count)", model, X, y, history, s)
    if acc < 1 and not args.quick:
        print("  -> still on the plateau where every output is near 0.5; the same run, "
              "continued:")
        history, s = train(model, X, y, nn.MSELoss(), 1.0, 4000)
        report("5000 epochs", model, X, y, history, s)
    models.append(("2-4-1 sigmoid, MSE", model))

    print("\n3. 2-2-1 sigmoid, BCE, full batch lr 1.0, the tutorial's start (third tutorial)")
    model = tutorial_start(nn.MLP(2, [2], 1, activation="sigmoid", out_activation="sigmoid",
                                  dtype=f64))
    history, s = train(model, X, y, nn.BCELoss(), 1.0, 10000 // scale)
    acc = report("10000 epochs (the tutorial's count)", model, X, y, history, s)
    title = "2-2-1 sigmoid, BCE"
    if acc < 1 and not args.quick:
        print("  -> stuck in a local minimum: (0,1) and (1,1) both sit at 0.5, and more epochs "
              "do not help. Two hidden units leave no slack; the same run from "
              "np.random.seed(1):")
        model = tutorial_start(nn.MLP(2, [2], 1, activation="sigmoid",
                                      out_activation="sigmoid", dtype=f64), seed=1)
        history, s = train(model, X, y, nn.BCELoss(), 1.0, 10000)
        report("10000 epochs, seed 1", model, X, y, history, s)
        title += ", from seed 1"   # the panel shows this run, not the stuck one
    models.append((title, model))

    try:
        from tinygrad_edu import plot
    except ImportError:
        return 0
    import matplotlib.pyplot as plt

    fig, axes = plt.subplots(1, 3, figsize=(15, 4.4), gridspec_kw={"wspace": 0.3})
    for ax, (title, m) in zip(axes, models):
        plot.decision_boundary(m, X, y, ax=ax, padding=0.5, colorbar=False, title=title)
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / "xor_boundaries.png"
    fig.savefig(path, dpi=90, bbox_inches="tight")
    plt.close(fig)
    print(f"\nwrote {path}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
