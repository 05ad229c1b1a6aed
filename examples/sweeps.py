"""Learning rate and hidden size, compared: the second source tutorial's experiments.

Trains a 2-h-1 network on XOR (sigmoid units, MSE, full-batch gradient descent, as the
tutorial) for every learning rate and hidden size, then writes the loss curves and the
final loss/accuracy bars as PNGs. Also works on the spiral (and the other toy datasets)::

    python examples/sweeps.py                       # XOR, lr 0.1 1 10, hidden 2 4 8 16
    python examples/sweeps.py spiral --lr 0.1 1 --hidden 8 16 --epochs 300
    tinygrad-edu sweep xor --lr 0.1 1 10 --hidden 2 4 8 16     # the same, from the CLI
"""

from __future__ import annotations

import argparse
import time

from tinygrad_edu.data import DATASETS
from tinygrad_edu.sweep import sweep


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("dataset", nargs="?", default="xor", choices=sorted(DATASETS))
    parser.add_argument("--lr", type=float, nargs="+", default=[0.1, 1, 10])
    parser.add_argument("--hidden", type=int, nargs="+", default=[2, 4, 8, 16])
    parser.add_argument("--epochs", type=int, default=None,
                        help="default: 1000 for xor (the tutorial's), 200 otherwise")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--out", default="out/sweep", help="folder for the pictures")
    args = parser.parse_args(argv)

    start = time.perf_counter()
    result = sweep(args.dataset, lrs=args.lr, hidden=args.hidden, epochs=args.epochs,
                   seed=args.seed, out_dir=args.out)
    s = result.settings
    print(f"{result.dataset}: {len(result.runs)} runs of {s['epochs']} epochs, "
          f"{s['activation']} hidden units, loss {s['loss']}, {s['optimizer']}, "
          f"batch size {s['batch_size'] or 'full'}, in {time.perf_counter() - start:.1f} s")
    print(result.table())
    solved = [r for r in result.runs if r.final_accuracy == 1.0]
    if result.dataset == "xor":
        print(f"{len(solved)} of {len(result.runs)} runs classify all four XOR points. Too small "
              "a learning rate barely moves in this many epochs; two hidden units can stall.")
    finished = [r for r in result.runs if not r.diverged]
    if finished:
        best = min(finished, key=lambda r: r.final_loss)
        acc = "" if best.final_accuracy is None else f", accuracy {best.final_accuracy:.0%}"
        print(f"lowest final loss: lr {best.lr:g}, hidden {best.label}: "
              f"{best.final_loss:.3g}{acc}")
    for name, path in result.files.items():
        print(f"wrote {name}: {path}")


if __name__ == "__main__":
    main()
