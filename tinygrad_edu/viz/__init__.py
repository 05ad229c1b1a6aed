"""Seeing the graph: `draw_graph` (a Graphviz picture), `render` (svg/png/pdf) and
`explain` (the backward pass as a table), with `worked_example` to try them on.

Drawing needs only the ``graphviz`` Python package; saving an image (and Jupyter's
inline display) also needs Graphviz's ``dot`` program.
"""

from .explain import ParentStep, Step, backward_steps, explain
from .graph import GraphvizNotFoundError, draw_graph, render
from .xor_example import WORKED_PARAMETERS, worked_example, worked_example_parameters

__all__ = [
    "draw_graph",
    "render",
    "GraphvizNotFoundError",
    "explain",
    "backward_steps",
    "Step",
    "ParentStep",
    "worked_example",
    "worked_example_parameters",
    "WORKED_PARAMETERS",
]
