"""Shared helpers for pictures and tables: names, categories and short number strings.

Both engines share one node protocol (``_prev``, ``_backward``, ``_op``, ``label``,
``data``, ``grad``); a Tensor is told apart from a Value by its ``data`` being an ndarray.
"""

from __future__ import annotations

import unicodedata
from collections.abc import Iterable, Mapping
from typing import Any

import numpy as np

# After torchviz: parameters light blue, the output green; op nodes light gray.
COLOURS = {
    "parameter": "lightblue",
    "input": "lightgoldenrod1",
    "intermediate": "white",
    "output": "darkolivegreen1",
}
OP_COLOUR = "lightgray"
MAX_SHOWN = 6  # a Tensor with this many elements or fewer shows its values


def _visible(ch: str) -> str:
    # A control character or lone surrogate: NUL ends dot's input, \x01 makes an SVG
    # invalid XML, ESC restyles a terminal, a surrogate cannot be written as UTF-8.
    if unicodedata.category(ch) in ("Cc", "Cs") or ch in "\ufffe\uffff":
        return ascii(ch)[1:-1]
    return ch


def one_line(text: Any) -> str:
    """A label as one printable line: whitespace runs (a newline too) become one space,
    unprintable characters their Python escapes (\\x00)."""
    text = " ".join(str(text).split())
    if not text.isprintable():
        text = "".join(_visible(ch) for ch in text)
    return text


def is_tensor(node: Any) -> bool:
    return isinstance(node.data, np.ndarray)


def check_node(root: Any, caller: str) -> None:
    """A clear TypeError for anything that is not a graph node (a list, a number...)."""
    if not all(hasattr(root, a) for a in ("_prev", "_backward", "data", "grad")):
        raise TypeError(f"{caller}: expected a Value or a Tensor (the root of a graph), "
                        f"got {type(root).__name__}")


def fmt_num(x: Any) -> str:
    """Four significant digits: 0.9702, -0.02978, 10, 1.235e+06 (and nan, inf as such)."""
    x = float(x)
    return "0" if x == 0 else f"{x:.4g}"


def fmt_array(a: Any) -> str:
    """The values themselves for a few elements, else their min, mean and max."""
    a = np.asarray(a)
    if a.ndim == 0:
        return fmt_num(a)
    if a.size <= MAX_SHOWN:
        text = np.array2string(a, separator=", ", max_line_width=10**9,
                               formatter={"all": lambda v: fmt_num(v)})
        return " ".join(text.split())
    f = a.astype(np.float64)
    nan = int(np.isnan(f).sum())
    if nan == f.size:
        return f"all {f.size:,} nan"
    if nan:  # min and max of the rest, and how many are nan: one nan must not hide them
        rest = f[~np.isnan(f)]
        return (f"min {fmt_num(rest.min())}, mean nan, max {fmt_num(rest.max())}, "
                f"{nan:,} nan")
    return f"min {fmt_num(f.min())}, mean {fmt_num(f.mean())}, max {fmt_num(f.max())}"


def fmt_value(x: Any) -> str:
    """A float, an array, or None (no gradient)."""
    if x is None:
        return "None"
    return fmt_array(x) if isinstance(x, np.ndarray) else fmt_num(x)


def grad_norm(g: Any) -> str:
    if g is None:
        return "None"
    return fmt_num(np.linalg.norm(np.asarray(g, dtype=np.float64).ravel()))


def parameter_names(params: Any) -> dict[int, tuple[str, Any]] | None:
    """id(node) -> (name, node) from ``named_parameters()``, a dict name -> node, or an
    iterable of nodes (named by their labels). Nodes are matched by identity, and kept in
    the dict so that no id can be reused while it is in use."""
    if params is None:
        return None
    if callable(getattr(params, "named_parameters", None)):
        raise TypeError(f"params: got the {type(params).__name__} module itself; pass "
                        "model.named_parameters() (as torchviz takes dict(named_parameters()))")
    items: Iterable[Any] = params.items() if isinstance(params, Mapping) else params
    names: dict[int, tuple[str, Any]] = {}
    for item in items:
        if isinstance(item, tuple) and len(item) == 2 and isinstance(item[0], str):
            name, node = item
        else:
            name, node = getattr(item, "label", ""), item
        if not hasattr(node, "_prev"):
            raise TypeError(f"params: expected Values or Tensors (or (name, node) pairs as "
                            f"named_parameters() gives), got {type(node).__name__}")
        names[id(node)] = (name, node)
    return names


def node_name(node: Any, position: int, names: dict[int, tuple[str, Any]] | None) -> str:
    """A parameter's name, else the node's label, else n<position in topological order>."""
    if names is not None and id(node) in names and names[id(node)][0]:
        return names[id(node)][0]
    return node.label or f"n{position}"


def category(node: Any, root: Any, names: dict[int, tuple[str, Any]] | None) -> str:
    """output, intermediate, parameter or input (the colour legend's four kinds).

    With `params` given, exactly those leaves are parameters. Without it, a Tensor leaf
    that requires grad is a parameter (as in torchviz); a Value has no requires_grad, so
    every Value leaf is drawn as an input.
    """
    if node is root:
        return "output"
    if node._prev:
        return "intermediate"
    if names is not None:
        return "parameter" if id(node) in names else "input"
    return "parameter" if getattr(node, "requires_grad", False) else "input"
