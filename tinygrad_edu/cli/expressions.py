"""`graph` and `explain`: an expression parsed by `expr` (never ``eval``), its backward
pass drawn or tabulated, and a note on why a value or gradient is inf or nan."""

from __future__ import annotations

import argparse
import math
import sys
from pathlib import Path
from typing import Any

from .errors import CLIError
from .paths import check_out_file


def cmd_graph(args: argparse.Namespace) -> int:
    from .. import expr, viz

    text = args.expression.strip()   # see args._protect_expression: the leading space
    out: Path = args.out
    suffix = out.suffix.lower()
    # the output is checked first: a bad --out should not follow a printed result
    if suffix not in (".svg", ".png", ".pdf", ".dot", ".gv"):
        raise CLIError(f"--out {out}: end it in .svg, .png or .pdf (or .dot for the DOT "
                       "source only)")
    check_out_file(out, "--out", "graph.svg")
    if suffix not in (".dot", ".gv"):
        check_out_file(out.with_suffix(".dot"), "--out (its DOT source)", "graph.dot")
    values = expr.parse_assignments(args.assignments)
    parsed = expr.parse(text)
    root = parsed.build(values)
    root.backward()
    print(f"{text} = {root.data:.6g}{_value_note(root)}")
    for name in parsed.variables:
        grad = _leaf(root, name).grad
        print(f"  d/d{name} = {grad:.6g}{_grad_note(grad)}")
    out.parent.mkdir(parents=True, exist_ok=True)
    graph = viz.draw_graph(root, rankdir=args.rankdir)
    try:
        written = viz.render(graph, out)
    except viz.GraphvizNotFoundError:
        raise CLIError(f"Graphviz's `dot` program is not installed, so {out} was not drawn; "
                       f"the DOT source is in {out.with_suffix('.dot')} (install Graphviz: "
                       "apt-get install graphviz, brew install graphviz, or "
                       "https://graphviz.org/download/)") from None
    if suffix in (".dot", ".gv"):
        print(f"wrote the DOT source to {written} (render it with: dot -Tsvg {written} -o "
              f"{written.with_suffix('.svg')})")
    else:
        print(f"wrote {written} (and its DOT source {out.with_suffix('.dot')})")
    return 0


def _value_note(root: Any) -> str:
    """Why a result is inf or nan (nothing for a finite one): the inputs are finite and
    division by zero is refused, so an inf is an overflow; a nan says where it came from."""
    if math.isfinite(root.data):
        return ""
    if math.isinf(root.data):
        return ": overflow (beyond float64's largest number, about 1.8e308)"
    from ..autograd import topological_order

    first = next(n for n in topological_order(root) if not math.isfinite(n.data))
    if first is not root and math.isinf(first.data):
        where = first.label or first._op
        return f": not a number, because {where} overflowed to {first.data:g} first"
    return ": not a number (an undefined result, such as inf - inf)"


def _grad_note(grad: float) -> str:
    if math.isinf(grad):
        return ": too large for float64 (an overflow, or an infinitely steep slope)"
    if math.isnan(grad):
        return ": not a number (the slope is undefined here, or an overflow met another)"
    return ""


def _leaf(root: Any, name: str) -> Any:
    from ..autograd import topological_order

    for node in topological_order(root):
        if not node._prev and node.label == name:
            return node
    raise CLIError(f"{name} does not reach the output")


def cmd_explain(args: argparse.Namespace) -> int:
    from .. import viz

    if args.expression is None:
        if args.assignments:
            raise CLIError("--set needs an expression to set variables in")
        root = viz.worked_example()
        params = viz.worked_example_parameters(root)
    else:
        from .. import expr

        text = args.expression.strip()   # see args._protect_expression: the leading space
        root = expr.parse(text).build(expr.parse_assignments(args.assignments))
        note = _value_note(root)
        root.label, params = "f", None  # the table's captions read df/d(node)
        print(f"f = {text} = {root.data:.6g}{note}\n")
    sys.stdout.write(viz.explain(root, format=args.format, params=params))
    return 0
