"""The ``tinygrad-edu`` command (also ``python -m tinygrad_edu``).

Each subcommand is a thin shell over the library: ``train`` calls ``train.fit``, ``graph``
``viz.draw_graph`` on an expression parsed by `expr` (never ``eval``), ``explain``
``viz.explain``, and so on. Mistakes (bad arguments, unknown datasets, unreadable files,
training that diverged) end in ONE line on stderr and exit code 2, never a traceback; any
other exception is a bug of ours: its traceback is printed, then "internal error", exit code
1. ``main(argv)`` returns the exit code, so tests call it in-process.

One module per idea:

- `run`: ``main``, which turns what went wrong into an exit code;
- `errors`: ``CLIError`` and which exceptions count as the user's mistake;
- `args`: the argument types, the caps on counts, ``build_parser``;
- `training` (train, sweep), `saved_models` (predict, info, export), `expressions`
  (graph, explain), `playground`: the commands, each ``cmd_<name>(args) -> exit code``.
"""

from .args import build_parser
from .errors import CLIError
from .run import main

__all__ = ["main", "build_parser", "CLIError"]
