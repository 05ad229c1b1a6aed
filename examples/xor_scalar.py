"""XOR with the scalar engine: a 2-4-1 network of `Value`s learns the truth table.

XOR is the classic problem a single neuron cannot solve: no straight line separates
(0,1) and (1,0) from (0,0) and (1,1). One hidden layer of tanh units bends the space
enough; a sigmoid output and binary cross-entropy turn the score into a probability.

Run: ``python examples/xor_scalar.py [--epochs 300] [--lr 1.0] [--seed 0]``
(deterministic for a given seed; takes well under a second).
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Callable
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run from a checkout, uninstalled

from tinygrad_edu import Value, data, no_grad, optim  # noqa: E402
from tinygrad_edu.nn.scalar import MLP  # noqa: E402


def bce(p: Value, target: float) -> Value:
    """Binary cross-entropy of one prediction p in (0, 1) against a 0/1 target."""
    return -(target * p.log() + (1 - target) * (1 - p).log())


def xor_rows() -> tuple[list[list[float]], list[float]]:
    """The truth table as plain Python lists: (0,0)->0, (0,1)->1, (1,0)->1, (1,1)->0."""
    X, y = data.xor(labels="int")
    return X.tolist(), [float(t) for t in y]


def train(epochs: int = 300, lr: float = 1.0, seed: int = 0, every: int = 50,
          log: Callable[[str], None] = print) -> tuple[MLP, list[float]]:
    """Full-batch gradient descent on the 4 XOR rows; returns the model and its losses."""
    X, y = xor_rows()
    model = MLP(2, [4, 1], activation="tanh", out_activation="sigmoid", seed=seed)
    # opt.step() is plain gradient descent: `for p in params: p.data -= lr * p.grad`.
    # Swap in optim.Adam(model.parameters(), lr=0.05) and nothing else changes.
    opt = optim.SGD(model.parameters(), lr=lr)
    losses = []
    for epoch in range(1, epochs + 1):
        loss = Value.sum(bce(model(x), t) for x, t in zip(X, y)) / len(X)
        opt.zero_grad()
        loss.backward()
        opt.step()
        losses.append(loss.data)
        if epoch == 1 or epoch % every == 0:
            log(f"epoch {epoch:4d}   loss {loss.data:.4f}")
    return model, losses


@no_grad()  # predictions need no graph
def predict(model: MLP, X: list[list[float]]) -> list[float]:
    return [model(x).data for x in X]


def main() -> None:
    parser = argparse.ArgumentParser(description="Train XOR with the scalar Value engine.")
    parser.add_argument("--epochs", type=int, default=300)
    parser.add_argument("--lr", type=float, default=1.0)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()

    model, _ = train(args.epochs, args.lr, args.seed)
    X, y = xor_rows()
    probs = predict(model, X)
    correct = 0
    print("\n  x1  x2  target  p(1)    prediction")
    for (x1, x2), t, p in zip(X, y, probs):
        pred = int(p > 0.5)
        correct += pred == t
        print(f"  {x1:.0f}   {x2:.0f}   {t:.0f}       {p:.3f}   {pred}")
    print(f"\naccuracy: {correct}/{len(y)} = {100 * correct / len(y):.0f}%")


if __name__ == "__main__":
    main()
