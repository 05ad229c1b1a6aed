"""The graph pictures the docs show, drawn from real computations by `viz.draw_graph`.

    python examples/graph.py [--out docs/images] [--format svg|png]

1. expression_graph: micrograd's neuron, tanh(x1*w1 + x2*w2 + b), parsed by the same
   safe parser as ``tinygrad-edu graph`` and drawn after backward (values and grads);
2. xor_step_graph: one full-batch training step of a 2-2-1 sigmoid network of `Value`s on
   the four XOR points, parameters named by ``named_parameters()``;
3. worked_example_graph: the third tutorial's worked XOR example (one input, BCE loss);
4. tensor_graph: the same kind of step in the Tensor engine: a whole batch per node.

Needs Graphviz's ``dot`` program for svg/png (``apt-get install graphviz``); without it
the DOT sources are still written and the script says how to finish the job.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from tinygrad_edu import Tensor, Value, data, expr, nn, viz
from tinygrad_edu.autograd import topological_order


def expression_graph():
    """micrograd's neuron with the lecture's numbers: the output is tanh(0.8814) = 0.7071."""
    source = "tanh(x1*w1 + x2*w2 + b)"
    root = expr.evaluate(source, {"x1": 2.0, "x2": 0.0, "w1": -3.0, "w2": 1.0,
                                  "b": 6.8813735870195432})
    root.label = "o"
    root.backward()
    return root, None, f"{source} = {root.data:.4f}"


def xor_step_graph():
    """One gradient step's graph: MSE over the 4 XOR points through one shared network."""
    model = nn.scalar.MLP(2, [2, 1], activation="sigmoid", out_activation="sigmoid", seed=3)
    X, y = data.xor()
    errors = [(model(x.tolist()) - t) ** 2 for x, t in zip(X, y.ravel().tolist())]
    loss = Value.sum(errors) * (1 / len(errors))
    loss.label = "loss"
    model.zero_grad()
    loss.backward()
    return loss, model.named_parameters(), f"MSE loss {loss.data:.4f} over 4 points"


def worked_example_graph():
    loss = viz.worked_example()
    loss.backward()
    return loss, viz.worked_example_parameters(loss), f"BCE loss {loss.data:.4f}"


def tensor_graph():
    model = nn.MLP(2, [3], 1, activation="tanh", seed=0)
    X, y = data.xor()
    inputs = Tensor(X, dtype=np.float32, label="X")
    loss = nn.BCEWithLogitsLoss()(model(inputs), Tensor(y, dtype=np.float32, label="y"))
    loss.label = "loss"
    model.zero_grad()
    loss.backward()
    return loss, model.named_parameters(), f"BCEWithLogits loss {loss.item():.4f}"


PICTURES = {
    "expression_graph": expression_graph,
    "xor_step_graph": xor_step_graph,
    "worked_example_graph": worked_example_graph,
    "tensor_graph": tensor_graph,
}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=Path("docs/images"),
                        help="folder for the pictures (default: docs/images)")
    parser.add_argument("--format", choices=("svg", "png"), default="svg")
    args = parser.parse_args(argv)
    args.out.mkdir(parents=True, exist_ok=True)
    missing_dot = False
    for name, build in PICTURES.items():
        root, params, what = build()
        graph = viz.draw_graph(root, params=params, rankdir="LR")
        nodes = len(topological_order(root))
        path = args.out / f"{name}.{args.format}"
        try:
            viz.render(graph, path)
        except viz.GraphvizNotFoundError:
            missing_dot = True
            print(f"{name}: {what}; {nodes} nodes -> wrote only {path.with_suffix('.dot')}")
            continue
        path.with_suffix(".dot").unlink()  # the picture is what the docs need
        print(f"{name}: {what}; {nodes} nodes -> wrote {path}")
    if missing_dot:
        print("Graphviz's `dot` is not installed, so only the DOT sources were written. "
              "Install it (apt-get install graphviz, brew install graphviz) and run again.",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
