"""`draw_graph`: a computation graph as a Graphviz picture; `render`: save it as svg/png/pdf.

Each Value (or Tensor) is a record box ``name | data | grad``; each op is a small oval
between its inputs and its output, as in micrograd's trace. Node ids come from the
topological order, so the same graph always gives the same DOT source.
"""

from __future__ import annotations

import shutil
import subprocess
from collections import Counter, deque
from pathlib import Path
from typing import TYPE_CHECKING, Any

from ..autograd import topological_order
from ._format import (
    COLOURS,
    OP_COLOUR,
    category,
    check_node,
    fmt_array,
    fmt_num,
    grad_norm,
    is_tensor,
    node_name,
    one_line,
    parameter_names,
)

if TYPE_CHECKING:
    import graphviz

__all__ = ["draw_graph", "render", "GraphvizNotFoundError"]


def _graphviz() -> Any:
    """The graphviz package, imported on first use so `import tinygrad_edu` needs only numpy."""
    try:
        import graphviz
    except ImportError:
        raise ImportError("draw_graph needs the graphviz Python package: "
                          "pip install graphviz (and Graphviz's dot program to save images)") \
            from None
    return graphviz

_RECORD_SPECIAL = str.maketrans({c: "\\" + c for c in "{}|<>\""})


def _plain(text: str) -> str:
    """Text for an ordinary label line: whitespace runs (a newline too) become one space,
    unprintable characters their escapes; then backslashes are doubled and & written as
    &amp; (dot reads entities in every label: "&amp;" would show as "&")."""
    return one_line(text).replace("\\", "\\\\").replace("&", "&amp;")


def _record_field(text: str) -> str:
    """Text for one field of a record label: as `_plain`, then the characters that record
    syntax gives a meaning ({ } | < >) and quotes escaped."""
    return _plain(text).translate(_RECORD_SPECIAL)


def _label(text: str) -> str:
    # nohtml: a label like "<lambda>" must never be taken for an HTML-like label.
    return _graphviz().nohtml(text)


def _fields(node: Any, name: str, show_data: bool, show_grad: bool) -> list[str]:
    if is_tensor(node):
        fields = [name, f"{tuple(node.data.shape)} {node.data.dtype}"]
        if show_data:
            fields.append(fmt_array(node.data))
        if show_grad:
            fields.append("grad None" if node.grad is None else f"grad norm {grad_norm(node.grad)}")
        return fields
    fields = [name]
    if show_data:
        fields.append(f"data {fmt_num(node.data)}")
    if show_grad:
        fields.append(f"grad {fmt_num(node.grad)}")
    return fields


def _nearest(root: Any, limit: int) -> dict[int, Any]:
    """The `limit` nodes closest to the root (breadth-first over _prev): linear time."""
    kept = {id(root): root}
    queue = deque([root])
    while queue and len(kept) < limit:
        for parent in queue.popleft()._prev:
            if id(parent) not in kept:
                kept[id(parent)] = parent
                queue.append(parent)
                if len(kept) >= limit:
                    break
    return kept


ARROWS_PER_NODE = 3  # dot's time grows with arrows: a dense layer is slow at few nodes


def _arrows(nodes: Any, kept: dict[int, Any] | None = None) -> int:
    """Arrows drawn for `nodes`: op -> node, parent -> op for each drawn parent, and one
    from the summary box where some parents are not drawn."""
    total = 0
    for node in nodes:
        if node._prev:
            if kept is None:
                total += 1 + len(node._prev)
            else:
                drawn = sum(id(p) in kept for p in node._prev)
                total += 1 + drawn + (drawn < len(node._prev))
    return total


def _select(root: Any, max_nodes: int) -> dict[int, Any]:
    """The most nodes nearest the output that fit both budgets (a breadth-first prefix,
    its length found by bisection: a few passes over at most max_nodes nodes)."""
    nearest = list(_nearest(root, max_nodes).items())
    budget = ARROWS_PER_NODE * max_nodes
    lo, hi = 1, len(nearest)
    while lo < hi:
        mid = (lo + hi + 1) // 2
        kept = dict(nearest[:mid])
        if _arrows(kept.values(), kept) <= budget:
            lo = mid
        else:
            hi = mid - 1
    return dict(nearest[:lo])


def _legend() -> str:
    rows = "".join(f'<TR><TD BGCOLOR="{colour}">{kind}</TD></TR>'
                   for kind, colour in COLOURS.items())
    rows += f'<TR><TD BGCOLOR="{OP_COLOUR}">op</TD></TR>'
    table = '<TABLE BORDER="0" CELLBORDER="1" CELLSPACING="0">'
    return f"<{table}<TR><TD><B>legend</B></TD></TR>{rows}</TABLE>>"


def draw_graph(
    root: Any,
    rankdir: str = "LR",
    show_data: bool = True,
    show_grad: bool = True,
    params: Any = None,
    max_nodes: int | None = 500,
    legend: bool = True,
) -> graphviz.Digraph:
    """The graph that computed `root`, as a ``graphviz.Digraph`` (shown inline in Jupyter).

    Boxes are coloured by kind: parameters, inputs, intermediates, the output (see the
    legend). ``params`` (``model.named_parameters()``, a dict name -> node, or a list of
    nodes) names and colours the parameters. Unlabelled nodes are called ``n<k>``, k their
    place in topological order, the same names `explain` uses.

    A graph of more than ``max_nodes`` nodes, or more than ``3 * max_nodes`` arrows, is
    collapsed: the nodes nearest the output are drawn and the rest become one summary box
    counting them by op, because ``dot`` slows down fast: a 3,000-node chain takes it about
    2 s, but one training step of 3,000 nodes and 31,000 arrows had not finished in 400 s.
    Pass a larger ``max_nodes`` (or None) to draw everything.
    """
    check_node(root, "draw_graph")
    if rankdir not in ("LR", "RL", "TB", "BT"):
        raise ValueError(f"draw_graph: rankdir must be 'LR', 'RL', 'TB' or 'BT', got {rankdir!r}")
    if max_nodes is not None and (not isinstance(max_nodes, int)
                                  or isinstance(max_nodes, bool) or max_nodes < 1):
        raise ValueError(f"draw_graph: max_nodes must be a positive int or None, got {max_nodes!r}")
    names = parameter_names(params)
    order = topological_order(root)
    position = {id(n): i for i, n in enumerate(order)}
    arrows = _arrows(order)
    collapsed = max_nodes is not None and (
        len(order) > max_nodes or arrows > ARROWS_PER_NODE * max_nodes)
    shown = _select(root, max_nodes) if collapsed else None

    g = _graphviz().Digraph(
        "tinygrad_edu",
        graph_attr={"rankdir": rankdir},
        node_attr={"fontname": "Helvetica", "fontsize": "10", "style": "filled"},
    )
    hidden_parents: Counter[int] = Counter()
    for i, node in enumerate(order):
        if shown is not None and id(node) not in shown:
            continue
        nid = f"n{i}"
        fields = _fields(node, node_name(node, i, names), show_data, show_grad)
        label = "{ " + " | ".join(_record_field(f) for f in fields) + " }"
        g.node(nid, _label(label), shape="record",
               fillcolor=COLOURS[category(node, root, names)])
        if node._prev:
            g.node(f"{nid}_op", _label(_plain(node._op or "?")), shape="ellipse",
                   fillcolor=OP_COLOUR, height="0.3")
            g.edge(f"{nid}_op", nid)
            for parent in node._prev:  # a*a draws two arrows: the op has two operands
                if shown is None or id(parent) in shown:
                    g.edge(f"n{position[id(parent)]}", f"{nid}_op")
                else:
                    hidden_parents[i] += 1
    if collapsed:
        _add_summary(g, order, arrows, shown, hidden_parents, max_nodes)
    if legend:
        g.node("legend", _legend(), shape="plaintext", style="")
    return g


def _add_summary(g: graphviz.Digraph, order: list, arrows: int, shown: dict,
                 hidden_parents: Counter, max_nodes: int) -> None:
    """One box for every node not drawn, counted by op, with arrows to where they feed in."""
    ops = Counter(n._op or "leaf" for n in order if id(n) not in shown)
    total = len(order) - len(shown)
    enough = max(len(order), -(-arrows // ARROWS_PER_NODE))
    lines = [f"{total:,} more nodes not drawn: the graph has {len(order):,} nodes and "
             f"{arrows:,} arrows;",
             f"max_nodes={max_nodes:,} draws at most {max_nodes:,} nodes and "
             f"{ARROWS_PER_NODE * max_nodes:,} arrows."]
    top = ops.most_common(6)
    lines += [f"{count:,} x {op}" for op, count in top]
    if len(ops) > len(top):
        lines.append(f"and {sum(ops.values()) - sum(c for _, c in top):,} in other ops")
    lines += [f"Pass max_nodes={enough} (or None) to draw everything;",
              "dot may take minutes (3,000 densely linked nodes can take over 400 s)."]
    g.node("collapsed", _label("\\l".join(_plain(s) for s in lines) + "\\l"),
           shape="note", fillcolor="whitesmoke")
    for i in sorted(hidden_parents):
        count = hidden_parents[i]
        g.edge("collapsed", f"n{i}_op", label=f"{count:,}" if count > 1 else None,
               style="dashed")


class GraphvizNotFoundError(RuntimeError):
    """Graphviz's ``dot`` program is not installed (the Python package alone cannot draw)."""


_FORMATS = {".svg": "svg", ".png": "png", ".pdf": "pdf"}


def render(graph: graphviz.Digraph, path: str | Path) -> Path:
    """Write `graph` to `path` as svg, png or pdf (chosen by the suffix); returns the path.
    Missing folders on the way are made.

    The DOT source is always written beside it first (``graph.svg`` -> ``graph.dot``), so
    when Graphviz's ``dot`` program is missing you keep the source and get an error that
    says how to install it. A path ending in ``.dot`` or ``.gv`` writes the source only.
    """
    path = Path(path)
    suffix = path.suffix.lower()
    source = path if suffix in (".dot", ".gv") else path.with_suffix(".dot")
    if suffix not in _FORMATS and source != path:
        raise ValueError(f"render: cannot tell the format of {str(path)!r} from its suffix; "
                         "end it in .svg, .png or .pdf (or .dot for the DOT source only)")
    source.parent.mkdir(parents=True, exist_ok=True)  # as plot's path= does
    source.write_text(graph.source, encoding="utf-8")
    if source == path:
        return path
    dot = shutil.which("dot")
    if dot is None:
        raise GraphvizNotFoundError(
            f"render: Graphviz's `dot` program is not on PATH, so {path} was not drawn; "
            f"the DOT source is in {source}.\nInstall Graphviz (the Python package alone "
            "cannot draw):\n  Debian/Ubuntu: sudo apt-get install graphviz\n"
            "  macOS: brew install graphviz\n  conda: conda install -c conda-forge graphviz\n"
            "  others: https://graphviz.org/download/\n"
            f"then run: dot -T{_FORMATS[suffix]} {source} -o {path}")
    done = subprocess.run([dot, f"-T{_FORMATS[suffix]}", str(source), "-o", str(path)],
                          capture_output=True, text=True)
    if done.returncode != 0:
        raise RuntimeError(f"render: dot failed on {source} (exit {done.returncode}): "
                           f"{done.stderr.strip()}")
    return path
