"""`explain`: the backward pass as a table, one row per node in the order the driver visits it.

Nothing is re-derived per op: each row comes from calling the node's own backward closure.
For a Value, calling it with upstream grad 1 (its parents' grads set to 0 meanwhile) reads
off the local derivatives; calling it again with the real upstream grad gives each parent's
contribution, which is then added to that parent's grad exactly as the driver adds it.
"""

from __future__ import annotations

import html
import textwrap
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..autograd import topological_order
from ._format import check_node, fmt_value, is_tensor, node_name, one_line, parameter_names

__all__ = ["explain", "backward_steps", "Step", "ParentStep"]


@dataclass(frozen=True)
class ParentStep:
    """What one node hands to one parent during backward."""

    name: str
    local: float | None  # d(node)/d(parent); None for a Tensor (a Jacobian, not shown)
    contribution: Any  # local * upstream (for a Tensor: the vector-Jacobian product)
    grad_after: Any  # the parent's grad once this contribution is added


@dataclass(frozen=True)
class Step:
    """One node's turn in the backward pass."""

    position: int  # place in topological order (unlabelled nodes are named n<position>)
    name: str
    op: str  # "" for a leaf
    value: Any
    grad: Any  # upstream: d(root)/d(node), complete by the time the driver gets here
    parents: tuple[ParentStep, ...]
    shape: tuple[int, ...] | None  # Tensors only


def _zero(node: Any) -> Any:
    return None if is_tensor(node) else 0.0


def _copy(x: Any) -> Any:
    return np.array(x, copy=True) if isinstance(x, np.ndarray) else x


def _add(grad: Any, contribution: Any) -> Any:
    if contribution is None:
        return grad
    if grad is None:
        return _copy(contribution)
    return grad + contribution


def backward_steps(root: Any, params: Any = None, max_nodes: int | None = 1000) -> list[Step]:
    """Run backward from the scalar `root`, recording every step (the data behind `explain`).

    Like ``zero_grad()`` followed by ``root.backward()``: every grad in the graph is reset
    first, so afterwards each ``.grad`` holds exactly what the table shows.
    """
    check_node(root, "explain")
    if max_nodes is not None and (not isinstance(max_nodes, int) or isinstance(max_nodes, bool)
                                  or max_nodes < 1):
        raise ValueError(f"explain: max_nodes must be a positive int or None, got {max_nodes!r}")
    names = parameter_names(params)
    order = topological_order(root)
    if max_nodes is not None and len(order) > max_nodes:
        raise ValueError(f"explain: the graph has {len(order):,} nodes, more than "
                         f"max_nodes={max_nodes:,}; a table is readable for a few dozen. "
                         "Explain a smaller expression (one example, a tiny net), or pass "
                         f"max_nodes={len(order)} (or None).")
    before = after = None
    if is_tensor(root):
        # the checks Tensor.backward runs, so a table never shows what backward refuses
        from ..tensor import _check_grads, _check_inputs, _state

        before, after = _check_inputs, _check_grads
        _state.bad = None
        if not root.requires_grad:
            raise RuntimeError("explain: this tensor does not require grad: no input had "
                               "requires_grad=True, or it was computed under no_grad")
        if root.data.size != 1:
            raise ValueError(f"explain: the root must be a scalar (a loss), got shape "
                             f"{tuple(root.data.shape)}; reduce it first, e.g. out.sum()")
        seed: Any = np.ones_like(root.data)
    else:
        seed = 1.0
    position = {id(n): i for i, n in enumerate(order)}
    for node in order:
        node.grad = _zero(node)
    root.grad = seed

    steps = []
    for node in reversed(order):
        upstream = _copy(node.grad)
        parents = list({id(p): p for p in node._prev}.values())  # a*a: one parent, twice
        fn = node._backward
        handed: list[ParentStep] = []
        if fn is not None and parents and node.grad is not None:
            if before is not None:
                before(node)  # an input changed in place since the op ran: refuse
            saved = [p.grad for p in parents]
            locals_: list[float | None] = [None] * len(parents)
            if not is_tensor(node):
                for p in parents:
                    p.grad = 0.0
                fn(1.0)
                locals_ = [p.grad for p in parents]
            for p in parents:
                p.grad = _zero(p)
            fn(node.grad)
            for p, old, local in zip(parents, saved, locals_):
                contribution = _copy(p.grad)
                p.grad = _add(old, contribution)
                handed.append(ParentStep(node_name(p, position[id(p)], names), local,
                                         contribution, _copy(p.grad)))
            if after is not None:
                after(node)  # a gradient of the wrong shape, or nan in anomaly mode
        i = position[id(node)]
        shape = tuple(node.data.shape) if is_tensor(node) else None
        steps.append(Step(i, node_name(node, i, names), node._op, _copy(node.data), upstream,
                          tuple(handed), shape))
    return steps


_HEAD = ["step", "node", "op", "shape", "value", "grad", "parent", "local", "contribution",
         "parent grad"]
_NUMERIC = {"step", "value", "grad", "local", "contribution", "parent grad"}


def _caption(steps: list[Step], tensors: bool) -> list[str]:
    root = one_line(steps[0].name)
    lines = [f"Backward pass from {root}, one row per node in the order the driver visits "
             f"them. grad = d{root}/d(node), complete when the row is reached; each parent "
             "gets contribution = local derivative x grad, added to its grad (parent grad "
             "is the running total)."]
    if tensors:
        lines.append("Tensor nodes: the local derivative is a Jacobian, so it is not shown; "
                     "contribution is its product with grad (the vector-Jacobian product). "
                     "Arrays of more than 6 numbers are summarised by min, mean and max.")
    return lines


def _rows(steps: list[Step], tensors: bool) -> list[list[list[str]]]:
    """Per node, its lines of cells: the first carries the node, the rest only a parent."""
    out = []
    for k, s in enumerate(steps, 1):
        # one line per name: a newline in a label would break the text and Markdown tables
        node_cells = [str(k), one_line(s.name), one_line(s.op) or "leaf",
                      str(s.shape) if tensors else "", fmt_value(s.value), fmt_value(s.grad)]
        blank = [""] * len(node_cells)
        if not s.parents:
            out.append([node_cells + ["", "", "", ""]])
            continue
        lines = []
        for j, p in enumerate(s.parents):
            local = "-" if p.local is None else fmt_value(p.local)
            lines.append((node_cells if j == 0 else blank)
                         + [one_line(p.name), local, fmt_value(p.contribution),
                            fmt_value(p.grad_after)])
        out.append(lines)
    return out


def _columns(tensors: bool) -> list[int]:
    # Tensor graphs show shapes; their local derivatives are Jacobians, left out.
    drop = "local" if tensors else "shape"
    return [i for i, h in enumerate(_HEAD) if h != drop]


def _text(caption: list[str], head: list[str], rows: list[list[list[str]]]) -> str:
    flat = [line for node in rows for line in node]
    widths = [max(len(c) for c in col) for col in zip(head, *flat)]

    def fmt(cells: list[str]) -> str:
        parts = [c.rjust(w) if h in _NUMERIC else c.ljust(w)
                 for c, w, h in zip(cells, widths, head)]
        return "  ".join(parts).rstrip()

    rule = "  ".join("-" * w for w in widths)
    wrapped = [line for c in caption for line in textwrap.wrap(c, width=88)]
    return "\n".join(wrapped + ["", fmt(head), rule] + [fmt(c) for c in flat]) + "\n"


# CommonMark lets any ASCII punctuation be backslash-escaped: & so that "&amp;" stays text,
# ~ (strikethrough) and $ (Jupyter renders $...$ as maths) as well as the usual markup.
_MD_SPECIAL = str.maketrans({c: "\\" + c for c in "\\|*_`<>[]#&~$"})


def _markdown(caption: list[str], head: list[str], rows: list[list[list[str]]]) -> str:
    def fmt(cells: list[str]) -> str:
        return "| " + " | ".join(c.translate(_MD_SPECIAL) for c in cells) + " |"

    align = "|" + "|".join("---:" if h in _NUMERIC else "---" for h in head) + "|"
    caption = [c.translate(_MD_SPECIAL) for c in caption]
    lines = [line for node in rows for line in node]
    return "\n".join(caption + ["", fmt(head), align]
                     + [fmt(c) for c in lines]) + "\n"


def _html(caption: list[str], head: list[str], rows: list[list[list[str]]],
          node_cols: int) -> str:
    e = html.escape
    out = ['<table class="tinygrad-edu-explain">',
           f"<caption>{' '.join(e(c) for c in caption)}</caption>",
           "<thead><tr>" + "".join(f"<th>{e(h)}</th>" for h in head) + "</tr></thead>", "<tbody>"]
    for node in rows:
        span = f' rowspan="{len(node)}"' if len(node) > 1 else ""
        for j, cells in enumerate(node):
            tds = []
            for c, (cell, h) in enumerate(zip(cells, head)):
                if c < node_cols and j > 0:
                    continue  # covered by the rowspan of the node's first line
                attrs = (span if c < node_cols else "") + (
                    ' style="text-align:right"' if h in _NUMERIC else "")
                tds.append(f"<td{attrs}>{e(cell)}</td>")
            out.append("<tr>" + "".join(tds) + "</tr>")
    out += ["</tbody>", "</table>"]
    return "\n".join(out) + "\n"


def explain(root: Any, format: str = "text", params: Any = None,
            max_nodes: int | None = 1000) -> str:
    """The backward pass from the scalar `root` as a table: ``"text"`` (aligned for a
    terminal), ``"markdown"`` or ``"html"``.

    Each row is one node, in the order the driver visits it: its op, value and grad (the
    upstream gradient), then for each parent the local derivative, the contribution
    (local x grad) and the parent's grad after adding it. It runs backward itself: all
    grads in the graph are reset first and afterwards hold the values shown.
    """
    if format not in ("text", "markdown", "html"):
        raise ValueError(f"explain: format must be 'text', 'markdown' or 'html', got {format!r}")
    steps = backward_steps(root, params=params, max_nodes=max_nodes)
    tensors = steps[0].shape is not None
    keep = _columns(tensors)
    head = [_HEAD[i] for i in keep]
    rows = [[[cells[i] for i in keep] for cells in node] for node in _rows(steps, tensors)]
    caption = _caption(steps, tensors)
    if format == "text":
        return _text(caption, head, rows)
    if format == "markdown":
        return _markdown(caption, head, rows)
    node_cols = sum(1 for i in keep if i < 6)
    return _html(caption, head, rows, node_cols)
