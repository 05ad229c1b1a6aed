"""The XOR step-through: one input through a 2-2-1 sigmoid network, node by node.

The values and gradients come from the `Value` engine itself: a real forward pass, and the
real backward pass as `viz.backward_steps` records it (the data behind `viz.explain`).
Each step shows the local derivative that the chain rule multiplies in, so
``grad = upstream grad * local`` can be checked by eye.
"""

from __future__ import annotations

import math
from typing import Any

from ..value import Value
from ..viz.explain import backward_steps
from .validate import BadRequest

__all__ = ["WORKED_EXAMPLE", "trace", "parse_params"]

#: The source tutorial's hand-worked example: trained weights, input (1, 0), target 1, BCE.
WORKED_EXAMPLE: dict[str, Any] = {
    "w1": [[5.0, 5.0], [5.0, 5.0]], "b1": [-2.5, -7.5], "v": [10.0, -10.0], "b_out": -5.0,
    "x": [1.0, 0.0], "target": 1.0, "loss": "bce", "lr": 1.0,
}

_MAX_ABS = 100.0
WORKED_NAMES = ("w11", "w12", "w21", "w22", "b1", "b2", "v1", "v2", "b_out")


def _num(obj: dict, path: str, lo: float = -_MAX_ABS, hi: float = _MAX_ABS) -> float:
    """The number at ``path`` ("w1.0.1" = obj["w1"][0][1]), checked to lie in [lo, hi]."""
    v: Any = obj
    for k in path.split("."):
        if isinstance(v, list):
            try:
                v = v[int(k)]
            except (IndexError, ValueError):
                v = None
        elif isinstance(v, dict):
            v = v.get(k)
        else:
            v = None
    if isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v):
        raise BadRequest(f"{path} must be a number from {lo:g} to {hi:g}, got {v!r}")
    if not lo <= v <= hi:
        raise BadRequest(f"{path} must be from {lo:g} to {hi:g}, got {v}")
    return float(v)


def parse_params(obj: Any) -> dict[str, Any]:
    """Validate the step-through request: weights, input, target, loss and learning rate."""
    if not isinstance(obj, dict):
        raise BadRequest("expected a JSON object with w1, b1, v, b_out, x, target")
    loss = obj.get("loss", "bce")
    if loss not in ("bce", "mse"):
        raise BadRequest(f"loss must be bce or mse, got {loss!r}")
    p = {
        "w1": [[_num(obj, f"w1.{i}.{j}") for j in range(2)] for i in range(2)],
        "b1": [_num(obj, f"b1.{i}") for i in range(2)],
        "v": [_num(obj, f"v.{i}") for i in range(2)],
        "b_out": _num(obj, "b_out"),
        "x": [_num(obj, f"x.{i}", -10, 10) for i in range(2)],
        "target": _num(obj, "target", 0, 1),
        "loss": loss,
        "lr": _num(obj, "lr", 0, 100) if "lr" in obj else 1.0,
    }
    return p


def _f(x: float) -> str:
    return f"{x:.3f}"


def _g(x: float) -> str:
    # A number as a term in a sum: negatives in parentheses, as the tutorial writes them.
    return f"({x:g})" if x < 0 else f"{x:g}"


def _named(v: Value, label: str) -> Value:
    v.label = label
    return v


def _graph(p: dict[str, Any]) -> dict[str, Value]:
    """The loss of the 2-2-1 net on one input, as labelled Values (as viz.worked_example)."""
    n: dict[str, Value] = {}
    for name, value in [("x1", p["x"][0]), ("x2", p["x"][1]),
                        ("w11", p["w1"][0][0]), ("w12", p["w1"][0][1]),
                        ("w21", p["w1"][1][0]), ("w22", p["w1"][1][1]),
                        ("b1", p["b1"][0]), ("b2", p["b1"][1]),
                        ("v1", p["v"][0]), ("v2", p["v"][1]), ("b_out", p["b_out"])]:
        n[name] = Value(value, label=name)
    # One dot node per neuron, as nn.scalar builds it: z = w . x + b.
    n["z1"] = _named(Value.dot([n["w11"], n["w12"]], [n["x1"], n["x2"]], bias=n["b1"]), "z1")
    n["z2"] = _named(Value.dot([n["w21"], n["w22"]], [n["x1"], n["x2"]], bias=n["b2"]), "z2")
    n["h1"], n["h2"] = _named(n["z1"].sigmoid(), "h1"), _named(n["z2"].sigmoid(), "h2")
    n["z_out"] = _named(Value.dot([n["v1"], n["v2"]], [n["h1"], n["h2"]], bias=n["b_out"]),
                        "z_out")
    yh = n["y_hat"] = _named(n["z_out"].sigmoid(), "y_hat")
    t = p["target"]
    if p["loss"] == "bce":
        if not 0.0 < yh.data < 1.0:
            raise BadRequest(f"y_hat rounds to exactly {yh.data:g}, so the BCE loss is infinite; "
                             "use smaller weights")
        # BCE: L = -[y log(y_hat) + (1 - y) log(1 - y_hat)]
        n["loss"] = _named(-(t * yh.log() + (1 - t) * (1 - yh).log()), "L")
    else:
        n["loss"] = _named((yh - t) ** 2, "L")
    return n


def trace(params: dict[str, Any]) -> dict[str, Any]:
    """Forward and backward steps for one input, each with value, local derivative, grad.

    The backward numbers are `viz.backward_steps`' record of the engine's own backward pass:
    each local derivative is read off the node's backward closure, not re-derived here.
    """
    p = params
    n = _graph(p)
    steps = backward_steps(n["loss"])              # runs the real backward, recording it
    local = {(s.name, q.name): q.local for s in steps for q in s.parents}
    v = {k: node.data for k, node in n.items()}
    t = p["target"]
    yh = v["y_hat"]
    if p["loss"] == "bce":
        loss_formula = (f"-[y log ŷ + (1-y) log(1-ŷ)] = -[{t:g} log {_f(yh)} + "
                        f"{_g(1 - t)} log {_f(1 - yh)}]")
        dl_dyh = "-y/ŷ + (1-y)/(1-ŷ)"
    else:
        loss_formula = f"(ŷ - y)² = ({_f(yh)} - {t:g})²"
        dl_dyh = "2(ŷ - y)"

    fwd = [
        ("x1", "x₁", "input"), ("x2", "x₂", "input"),
        ("z1", "z₁", f"x₁·w₁₁ + x₂·w₁₂ + b₁ = {_g(v['x1'])}·{_g(v['w11'])} + "
                     f"{_g(v['x2'])}·{_g(v['w12'])} + {_g(v['b1'])}"),
        ("h1", "h₁", f"σ(z₁) = σ({_f(v['z1'])})"),
        ("z2", "z₂", f"x₁·w₂₁ + x₂·w₂₂ + b₂ = {_g(v['x1'])}·{_g(v['w21'])} + "
                     f"{_g(v['x2'])}·{_g(v['w22'])} + {_g(v['b2'])}"),
        ("h2", "h₂", f"σ(z₂) = σ({_f(v['z2'])})"),
        ("z_out", "z_out", f"h₁·v₁ + h₂·v₂ + b_out = {_f(v['h1'])}·{_g(v['v1'])} + "
                           f"{_f(v['h2'])}·{_g(v['v2'])} + {_g(v['b_out'])}"),
        ("y_hat", "ŷ", f"σ(z_out) = σ({_f(v['z_out'])})"),
        ("loss", "L", loss_formula),
    ]
    forward = [{"id": i, "label": lab, "formula": f, "value": v[i]} for i, lab, f in fwd]

    # (id, label, local-derivative formula, node whose grad flows in). The loss terms
    # between L and y_hat are folded into one step: there the upstream grad is dL/dL = 1.
    bwd = [
        ("loss", "L", "∂L/∂L", None),
        ("y_hat", "ŷ", f"∂L/∂ŷ = {dl_dyh}", "loss"),
        ("z_out", "z_out", "∂ŷ/∂z_out = ŷ(1-ŷ)", "y_hat"),
        ("v1", "v₁", "∂z_out/∂v₁ = h₁", "z_out"),
        ("v2", "v₂", "∂z_out/∂v₂ = h₂", "z_out"),
        ("b_out", "b_out", "∂z_out/∂b_out = 1", "z_out"),
        ("h1", "h₁", "∂z_out/∂h₁ = v₁", "z_out"),
        ("h2", "h₂", "∂z_out/∂h₂ = v₂", "z_out"),
        ("z1", "z₁", "∂h₁/∂z₁ = h₁(1-h₁)", "h1"),
        ("z2", "z₂", "∂h₂/∂z₂ = h₂(1-h₂)", "h2"),
        ("w11", "w₁₁", "∂z₁/∂w₁₁ = x₁", "z1"),
        ("w12", "w₁₂", "∂z₁/∂w₁₂ = x₂", "z1"),
        ("b1", "b₁", "∂z₁/∂b₁ = 1", "z1"),
        ("w21", "w₂₁", "∂z₂/∂w₂₁ = x₁", "z2"),
        ("w22", "w₂₂", "∂z₂/∂w₂₂ = x₂", "z2"),
        ("b2", "b₂", "∂z₂/∂b₂ = 1", "z2"),
    ]
    grad = {i: n[i].grad for i, *_ in bwd}
    names = {"loss": "L"}
    backward = []
    for i, lab, lf, up in bwd:
        if up is None:
            loc = 1.0
        elif up == "loss":
            loc = grad["y_hat"]                    # dL/dy_hat through the loss terms
        else:
            loc = local[(names.get(up, up), i)]
        backward.append({"id": i, "label": lab, "local_formula": lf, "local": loc,
                         "upstream": up, "upstream_grad": grad[up] if up else None,
                         "grad": grad[i], "value": v[i]})

    lr = p["lr"]
    new = {k: v[k] - lr * grad[k] for k in WORKED_NAMES}
    update = {"w1": [[new["w11"], new["w12"]], [new["w21"], new["w22"]]],
              "b1": [new["b1"], new["b2"]], "v": [new["v1"], new["v2"]], "b_out": new["b_out"]}
    return {"params": p, "forward": forward, "backward": backward, "loss": v["loss"],
            "prediction": int(yh > 0.5), "update": update}
