"""The worked XOR example: one forward and backward pass of a 2-2-1 sigmoid net by hand.

Trained weights W1 = [[5, 5], [5, 5]], b1 = (-2.5, -7.5), v = (10, -10), b_out = -5; the
input (1, 0) with target 1 gives y_hat ~ 0.970, and the BCE loss's backward pass gives
dL/dz_out = y_hat - y ~ -0.030, dL/dh1 ~ -0.30, dL/dz1 ~ -0.021 and dL/dw12 = 0.
"""

from __future__ import annotations

from ..autograd import topological_order
from ..value import Value

__all__ = ["worked_example", "worked_example_parameters", "WORKED_PARAMETERS"]

WORKED_PARAMETERS = ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "b_out")


def _named(v: Value, label: str) -> Value:
    v.label = label
    return v


def worked_example(x: tuple[float, float] = (1.0, 0.0), y: float = 1.0) -> Value:
    """The BCE loss L of the XOR net on one example, as a graph of labelled Values.

    The input is plain numbers; the leaves are the parameters w11, w12, w21, w22 (w_ij:
    hidden neuron i, input j), b1, b2, v1, v2, b_out. Each pre-activation (z1, z2, z_out)
    is one ``Value.dot(w, x, bias=b)`` node, as nn.scalar builds a neuron; then come the
    sigmoids h1, h2, y_hat and the loss terms up to L.
    """
    x1, x2 = float(x[0]), float(x[1])  # data, not parameters: no nodes, as in nn.scalar
    w11, w12 = Value(5.0, label="w11"), Value(5.0, label="w12")
    w21, w22 = Value(5.0, label="w21"), Value(5.0, label="w22")
    b1, b2 = Value(-2.5, label="b1"), Value(-7.5, label="b2")
    v1, v2 = Value(10.0, label="v1"), Value(-10.0, label="v2")
    b_out = Value(-5.0, label="b_out")

    z1 = _named(Value.dot([w11, w12], [x1, x2], bias=b1), "z1")
    z2 = _named(Value.dot([w21, w22], [x1, x2], bias=b2), "z2")
    h1, h2 = _named(z1.sigmoid(), "h1"), _named(z2.sigmoid(), "h2")
    z_out = _named(Value.dot([v1, v2], [h1, h2], bias=b_out), "z_out")
    y_hat = _named(z_out.sigmoid(), "y_hat")
    # BCE: L = -[y log(y_hat) + (1 - y) log(1 - y_hat)]
    log_y_hat = _named(y_hat.log(), "log(y_hat)")
    log_rest = _named(_named(1 - y_hat, "1-y_hat").log(), "log(1-y_hat)")
    total = _named(_named(y * log_y_hat, "y*log(y_hat)")
                   + _named((1 - y) * log_rest, "(1-y)*log(1-y_hat)"), "-L")
    return _named(-total, "L")


def worked_example_parameters(loss: Value) -> dict[str, Value]:
    """The nine parameters of a `worked_example` graph by name (for ``draw_graph(params=)``)."""
    found = {n.label: n for n in topological_order(loss) if not n._prev}
    return {name: found[name] for name in WORKED_PARAMETERS if name in found}
