"""What ``make demo`` runs: the spiral, end to end, with the configuration that solves it.

    python examples/demo.py [--out out] [--no-gif]

Trains 2-64-64-1 ReLU with Adam on the two-arm spiral at noise 0.05 (see examples/spiral.py
and docs/spiral.md for why not the tutorial's noise 0.2), holds out 20% for testing, and
writes the decision boundary, the loss and accuracy curves, a GIF of the boundary forming
and the trained model into --out, then says where they are.
"""

from __future__ import annotations

import os

os.environ.setdefault("OMP_NUM_THREADS", "1")  # tiny matrices: BLAS threads only add overhead

import argparse  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from pathlib import Path  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parent))  # examples/ itself, for spiral.py
import spiral  # noqa: E402


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the results")
    parser.add_argument("--no-gif", action="store_true", help="skip the animation")
    parser.add_argument("--quick", action="store_true", help="a few epochs only (tests)")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    spiral.QUICK = args.quick
    start = time.perf_counter()
    result = spiral.solve(args.out, gif=not args.no_gif, scale=20 if args.quick else 1,
                          progress=True, prefix="spiral")
    files = list(result["files"])
    try:
        from tinygrad_edu.io import save
    except ImportError:  # io.py not there: keep the pictures anyway
        save = None
    if save is not None:
        files.append(args.out / "spiral_model.npz")
        save(result["model"], files[-1])
    print(f"\ndemo done in {time.perf_counter() - start:.0f}s: train accuracy "
          f"{result['train_accuracy']:.1%}, test accuracy {result['test_accuracy']:.1%}")
    print(f"Open the pictures in {args.out.resolve()}:")
    for f in files:
        print(f"  {f}")
    print("Next: python examples/spiral.py (the tutorial's configuration, honestly), "
          "tinygrad-edu train spiral --help")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
