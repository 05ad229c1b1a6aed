"""XOR with the scalar engine: a 2-4-1 network of `Value`s learns the truth table.

    python examples/xor_scalar.py [--out out] [--epochs 300] [--lr 1.0] [--seed 0]

XOR is the classic problem a single neuron cannot solve: no straight line separates
(0,1) and (1,0) from (0,0) and (1,1). One hidden layer of tanh units bends the space
enough; a sigmoid output and binary cross-entropy turn the score into a probability.
Training is the library's `fit` loop, full batch, plain gradient descent.

Before training, it draws the graph of one training step for one sample (its loss after
backward, so every box shows its value and its gradient) into --out as
xor_scalar_step.svg. Without Graphviz's ``dot`` program it writes the DOT source
(xor_scalar_step.dot) and says so. Deterministic for a given seed; takes about a second.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

import numpy as np

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

from tinygrad_edu import Value, data, nn, optim, viz  # noqa: E402
from tinygrad_edu.nn.scalar import MLP  # noqa: E402
from tinygrad_edu.train import History, fit, predict  # noqa: E402


def make_model(seed: int = 0) -> MLP:
    """2 inputs -> 4 tanh units -> 1 sigmoid output, weights uniform in [-1, 1]."""
    return MLP(2, [4, 1], activation="tanh", out_activation="sigmoid", seed=seed)


def train(model: MLP, epochs: int = 300, lr: float = 1.0, every: int = 50,
          log: Callable[[str], None] = print) -> History:
    """Full-batch gradient descent on the 4 XOR rows with `fit`; logs every `every` epochs."""
    X, y = data.xor()

    def report(epoch: int, history: History, _model: MLP) -> None:
        if epoch == 1 or epoch % every == 0:
            log(f"epoch {epoch:4d}   loss {history.loss[-1]:.4f}   "
                f"accuracy {history.accuracy[-1]:.0%}")

    # SGD is plain gradient descent: `for p in params: p.data -= lr * p.grad`.
    # Swap in optim.Adam(model.parameters(), lr=0.05) and nothing else changes.
    opt = optim.SGD(model.parameters(), lr=lr)
    return fit(model, X, y, nn.BCELoss(), opt, epochs, progress=False, callbacks=[report])


def one_step(model: MLP, x: tuple[float, float] = (0.0, 1.0), target: float = 1.0) -> Value:
    """The loss of one sample after backward: what one per-sample training step computes.

    The inputs are labelled Values (not plain floats) so that the graph shows them too.
    """
    inputs = [Value(v, label=f"x{i + 1}") for i, v in enumerate(x)]
    loss = nn.BCELoss()(model(inputs), [target])
    loss.label = "loss"
    model.zero_grad()
    loss.backward()
    return loss


def draw_step(model: MLP, out: Path) -> tuple[Path, bool]:
    """Render `one_step`'s graph to out/xor_scalar_step.svg; returns (path, drawn).

    Without Graphviz's `dot`, `viz.render` still writes the DOT source and drawn is False.
    """
    loss = one_step(model)
    graph = viz.draw_graph(loss, params=model.named_parameters())
    out.mkdir(parents=True, exist_ok=True)
    path = out / "xor_scalar_step.svg"
    try:
        viz.render(graph, path)
    except viz.GraphvizNotFoundError:
        return path.with_suffix(".dot"), False
    path.with_suffix(".dot").unlink()  # the picture is the point; the source is in graph.source
    return path, True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("out"), help="folder for the graph")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args(argv)

    model = make_model(args.seed)
    path, drawn = draw_step(model, args.out)
    if drawn:
        print(f"graph of one training step (sample (0, 1), target 1): wrote {path}")
    else:
        print(f"graph of one training step: Graphviz's `dot` is not installed, so it wrote "
              f"only the DOT source {path}\n  (install graphviz, then: "
              f"dot -Tsvg {path} -o {path.with_suffix('.svg')})")

    print(f"\ntraining 2-4-1 tanh/sigmoid, BCE, full-batch SGD lr {args.lr:g}")
    train(model, args.epochs, args.lr)

    X, y = data.xor()
    probs = predict(model, X).ravel()
    targets = y.ravel()
    print("\n  x1  x2  target  p(1)    prediction")
    for (x1, x2), t, p in zip(X, targets, probs):
        print(f"  {x1:.0f}   {x2:.0f}   {t:.0f}       {p:.3f}   {int(p > 0.5)}")
    correct = int(np.sum((probs > 0.5) == (targets > 0.5)))
    print(f"\naccuracy: {correct}/{len(targets)} = {100 * correct / len(targets):.0f}%")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
