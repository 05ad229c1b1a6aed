"""What the command line accepts: the argument types, their caps, and `build_parser`.

Each argument type rejects a bad value with a message naming it, so argparse reports
"argument --lr: must be a finite number > 0, got 0" rather than a traceback later.
"""

from __future__ import annotations

import argparse
import math
import re
from collections.abc import Callable
from pathlib import Path
from typing import NoReturn

from .errors import CLIError

PROG = "tinygrad-edu"
LOSSES = ("bce", "mse", "ce", "hinge")
OPTIMIZERS = ("adam", "adamw", "sgd")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")

# Caps on the counts a user types: a toy-problem tool, so a few extra zeros are a typo that
# would otherwise mean hours of training or gigabytes of memory, not a bigger experiment.
MAX_SAMPLES = 100_000    # --samples (the spiral's per arm, so up to 200,000 rows)
MAX_EPOCHS = 100_000     # --epochs (spiral's default 500 take about a second)
MAX_WIDTH = 4_096        # units in one hidden layer
MAX_LAYERS = 16          # hidden layers
MAX_SWEEP_RUNS = 100     # learning rates x hidden sizes in one sweep


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and never exits by itself."""

    def error(self, message: str) -> NoReturn:
        raise CLIError(f"{message} (see {self.prog} --help)")


# ---- argument types: each rejects a bad value with a message naming it --------------------


def _float_arg(ok: Callable[[float], bool], requirement: str) -> Callable[[str], float]:
    """An argparse type: a number for which ok(x) holds, or a message stating the requirement."""
    def parse(text: str) -> float:
        text = text.strip()   # see _protect_numbers: a leading space
        try:
            x = float(text)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
        if not (math.isfinite(x) and ok(x)):
            raise argparse.ArgumentTypeError(f"must be a finite number{requirement}, got {text}")
        return x
    return parse


_positive_float = _float_arg(lambda x: x > 0, " > 0")
_nonnegative_float = _float_arg(lambda x: x >= 0, " >= 0")
_finite_float = _float_arg(lambda x: True, "")


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {n}")
    return n


def _count_upto(limit: int, why: str) -> Callable[[str], int]:
    """A whole number in 1..limit; above it, a message that says why there is a cap."""
    def parse(text: str) -> int:
        n = _positive_int(text)
        if n > limit:
            raise argparse.ArgumentTypeError(f"must be at most {limit}, got {n} ({why})")
        return n
    return parse


_samples = _count_upto(MAX_SAMPLES, "a toy dataset: more points only make each epoch slower")
_epochs = _count_upto(MAX_EPOCHS, "that many would train for hours; these problems settle "
                      "in thousands")
_width = _count_upto(MAX_WIDTH, "per hidden layer; a wider net only memorises a 2-D toy set")


def _seed(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= n < 2**32:
        raise argparse.ArgumentTypeError(f"must be between 0 and 2**32 - 1, got {n}")
    return n


def _port(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if not 0 <= n <= 65535:
        raise argparse.ArgumentTypeError(f"must be 0..65535, got {n}")
    return n


def _split(text: str) -> float:
    x = _nonnegative_float(text)
    if x >= 1:
        raise argparse.ArgumentTypeError(f"must be a fraction in [0, 1), got {text}")
    return x


# ---- the parser ----------------------------------------------------------------------------


def build_parser() -> argparse.ArgumentParser:
    """The whole command line (exposed so the docs and tests can list it)."""
    # the commands imported here, not at the top: their modules import this one's caps
    from .. import __version__
    from . import expressions, playground, saved_models, training

    p = _Parser(prog=PROG, description="A tiny, readable autograd engine: train small "
                "networks, draw their graphs, step through backpropagation.")
    p.add_argument("--version", action="version", version=f"{PROG} {__version__}")
    sub = p.add_subparsers(dest="command", metavar="COMMAND", parser_class=_Parser)

    t = sub.add_parser("train", help="train an MLP on a toy dataset or a CSV file",
                       description="Train an MLP with the library's fit() loop; write "
                       "model.npz, boundary.png and loss.png into --out.")
    t.add_argument("dataset", metavar="DATASET",
                   help="xor, spiral, circles, moons, gaussian, blobs, or a CSV file "
                   "(x1,x2,label per line)")
    t.add_argument("--hidden", type=_width, nargs="+", default=[16, 8], metavar="N",
                   help=f"hidden layer sizes, up to {MAX_LAYERS} layers of {MAX_WIDTH} "
                   "(default: 16 8, the tutorial's 2-16-8-1)")
    t.add_argument("--activation", choices=ACTIVATIONS, default="relu",
                   help="hidden activation (default: relu)")
    t.add_argument("--loss", choices=LOSSES, default="bce",
                   help="bce: BCEWithLogitsLoss on a logit; mse: MSELoss on a sigmoid output; "
                   "ce: CrossEntropyLoss over one output per class; hinge: HingeLoss on a "
                   "score (default: bce)")
    t.add_argument("--optimizer", choices=OPTIMIZERS, default="adam", help="(default: adam)")
    t.add_argument("--lr", type=_positive_float, default=0.01, help="learning rate "
                   "(default: 0.01)")
    t.add_argument("--momentum", type=_nonnegative_float, default=0.0, metavar="M",
                   help="SGD momentum (default: 0)")
    t.add_argument("--weight-decay", type=_nonnegative_float, default=0.0, metavar="L2",
                   help="L2 penalty (AdamW: decoupled decay) (default: 0)")
    t.add_argument("--epochs", type=_epochs, default=500, metavar="N",
                   help=f"1..{MAX_EPOCHS} (default: 500)")
    t.add_argument("--batch-size", type=_positive_int, default=None, metavar="N",
                   help="mini-batch size (default: the whole training set each step)")
    t.add_argument("--samples", type=_samples, default=None, metavar="N",
                   help=f"dataset size, at most {MAX_SAMPLES} (spiral: points per arm, default "
                   "200; xor: at least 4, one per corner; others: rows, at least 2)")
    t.add_argument("--noise", type=_nonnegative_float, default=None, metavar="STD",
                   help="dataset noise (default: the dataset's own; spiral 0.2)")
    t.add_argument("--data-seed", type=_seed, default=None, metavar="SEED",
                   help="seed of the dataset (default: the dataset's own; spiral 42, the "
                   "tutorial's data)")
    t.add_argument("--seed", type=_seed, default=0,
                   help="seed of the weights, the shuffling and the split (default: 0)")
    t.add_argument("--test-split", type=_split, default=None, metavar="FRACTION",
                   help="fraction held out for testing (default: 0.2; 0 for xor, whose 4 "
                   "points are the whole problem)")
    t.add_argument("--out", type=Path, default=Path("out"), metavar="DIR",
                   help="where to write model.npz, boundary.png, loss.png (default: out)")
    t.add_argument("--gif", action="store_true", help="also write training.gif, the "
                   "boundary evolving")
    t.add_argument("--quiet", action="store_true", help="no progress bar")
    t.set_defaults(func=training.cmd_train)

    g = sub.add_parser("graph", help="draw the graph of an expression, with values and grads",
                       description="Parse an expression safely (numbers, variables, + - * / "
                       "**, tanh exp log sigmoid relu sqrt abs), run backward, and draw it.")
    g.add_argument("expression", metavar="EXPR", help='e.g. "tanh(a*b + c)" (one that '
                   'starts with a minus, like "-a*b", works too)')
    g.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE", dest="assignments",
                   help="variable values, e.g. --set a=2 b=-3 c=10")
    g.add_argument("--out", type=Path, default=Path("graph.svg"), metavar="FILE",
                   help="output file: .svg, .png, .pdf, or .dot for the DOT source only "
                   "(default: graph.svg)")
    g.add_argument("--rankdir", choices=("LR", "TB", "RL", "BT"), default="LR",
                   help="layout direction (default: LR, left to right)")
    g.set_defaults(func=expressions.cmd_graph)

    e = sub.add_parser("explain", help="print the backward pass step by step as a table",
                       description="Print the backward pass as a table, one row per node: the "
                       "worked XOR example of the tutorial by default, or EXPR.")
    e.add_argument("expression", metavar="EXPR", nargs="?", default=None,
                   help="an expression to explain instead of the worked XOR example")
    e.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE", dest="assignments",
                   help="variable values for EXPR")
    e.add_argument("--format", choices=("text", "markdown", "html"), default="text",
                   help="(default: text)")
    e.set_defaults(func=expressions.cmd_explain)

    pr = sub.add_parser("predict", help="run a saved model on one or more points",
                        description="Print P(class 1) and the class for each point.")
    pr.add_argument("model", type=Path, metavar="MODEL", help="a model.npz written by train")
    pr.add_argument("features", type=_finite_float, nargs="+", metavar="X",
                    help="the features of one point (x1 x2), or of several in a row")
    pr.set_defaults(func=saved_models.cmd_predict)

    i = sub.add_parser("info", help="describe a saved model", description="Print a saved "
                       "model's layers, parameter shapes and count.")
    i.add_argument("model", type=Path, metavar="MODEL")
    i.set_defaults(func=saved_models.cmd_info)

    s = sub.add_parser("sweep", help="train over several learning rates and hidden sizes",
                       description="Train one model per (learning rate, hidden size) pair and "
                       "plot the loss curves and the final loss/accuracy bars.")
    s.add_argument("dataset", metavar="DATASET",
                   help="a built-in dataset: xor, spiral, circles, moons, gaussian, blobs")
    s.add_argument("--lr", type=_positive_float, nargs="+", default=None, metavar="LR",
                   help="learning rates (default: the sweep's own, 0.1 1 10)")
    s.add_argument("--hidden", type=_width, nargs="+", default=None, metavar="N",
                   help="hidden sizes, one hidden layer each (default: 2 4 8 16)")
    s.add_argument("--epochs", type=_epochs, default=None, metavar="N",
                   help=f"epochs per run, at most {MAX_EPOCHS} (default: xor 1000, others "
                   "200)")
    s.add_argument("--loss", choices=("mse", "bce"), default=None,
                   help="mse on a sigmoid output, or bce on logits (default: xor mse, others "
                   "bce)")
    s.add_argument("--activation", choices=ACTIVATIONS, default=None,
                   help="hidden activation (default: xor sigmoid, others tanh)")
    s.add_argument("--optimizer", choices=("sgd", "adam"), default="sgd",
                   help="(default: sgd, as the tutorial)")
    s.add_argument("--seed", type=_seed, default=0, help="(default: 0)")
    s.add_argument("--out", type=Path, default=Path("sweep"), metavar="DIR",
                   help="where to write loss_curves.png, final.png, sweep.json (default: "
                   "sweep)")
    s.add_argument("--quiet", action="store_true", help="no progress output")
    s.set_defaults(func=training.cmd_sweep)

    x = sub.add_parser("export", help="hand a saved model to PyTorch or ONNX",
                       description="Write a saved model as a PyTorch state_dict (--torch) "
                       "and/or an ONNX file (--onnx).")
    x.add_argument("model", type=Path, metavar="MODEL")
    x.add_argument("--onnx", type=Path, default=None, metavar="FILE", help="e.g. model.onnx")
    x.add_argument("--torch", type=Path, default=None, metavar="FILE", help="e.g. model.pt")
    x.set_defaults(func=saved_models.cmd_export)

    pg = sub.add_parser("playground", help="a local web page that trains a network live",
                        description="Serve the playground page until Ctrl-C.")
    pg.add_argument("--port", type=_port, default=8000, metavar="N",
                    help="port (0: any free one; default 8000)")
    pg.add_argument("--host", default="127.0.0.1", metavar="ADDRESS",
                    help="address to bind (default: loopback)")
    pg.add_argument("--open", action="store_true", help="open the page in a web browser")
    pg.add_argument("--verbose", action="store_true", help="log every request")
    pg.set_defaults(func=playground.cmd_playground)
    return p


_EXPRESSION_COMMANDS = ("graph", "explain")
_VALUE_OPTIONS = ("--out", "--rankdir", "--format")   # options of theirs that take one value
# what argparse would take for an option name; "---a" or "--2*a" can only be an expression
_OPTION_LIKE = re.compile(r"--[A-Za-z][A-Za-z0-9_-]*(=.*)?\Z", re.DOTALL)


def _protect_numbers(argv: list[str]) -> list[str]:
    """argparse takes "-1" and "-0.5" for numbers but "-1e-3" or "-3." for options, so
    `predict m.npz -1e-3 2` would fail: predict's negative numbers get a leading space
    (a plain argument; float() ignores it)."""
    command = next((i for i, a in enumerate(argv) if not a.startswith("-")), None)
    if command is None or argv[command] != "predict":
        return argv
    out = list(argv)
    for i in range(command + 1, len(out)):
        if out[i] == "--":
            break
        if out[i].startswith("-"):
            try:
                float(out[i])
            except ValueError:
                continue
            out[i] = " " + out[i]
    return out


def _protect_expression(argv: list[str]) -> list[str]:
    """Make sure argparse sees graph's and explain's expression as their EXPR.

    argparse reads an argument that starts with "-" as an option, so `graph "-a*b"` would
    fail: such an expression gets a leading space (a plain argument; the commands strip it).
    --set takes every value after it, so in `graph --set a=2 b=3 "a*b"` the expression would
    be read as a --set value: the first value without "=" moves before --set. "-h" stays
    help; a value of --out/--rankdir/--format stays that; "--" works as usual."""
    command = next((i for i, a in enumerate(argv) if not a.startswith("-")), None)
    if command is None or argv[command] not in _EXPRESSION_COMMANDS:
        return argv
    out = argv[: command + 1]
    seen = False            # the expression has been found
    in_set = False          # reading --set's values
    takes_value = False     # the token before is an option that takes one value
    for i in range(command + 1, len(argv)):
        a = argv[i]
        if a == "--":
            out += argv[i:]
            break
        if takes_value:
            out.append(a)
            takes_value = False
            continue
        if a == "-h" or _OPTION_LIKE.match(a):
            name = a.partition("=")[0]
            given = "=" in a
            in_set = not given and "--set".startswith(name)
            takes_value = not given and any(o.startswith(name) for o in _VALUE_OPTIONS)
            out.append(a)
            continue
        text = " " + a if a.startswith("-") else a
        if seen or (in_set and "=" in a):
            out.append(a)      # a second expression or an assignment: argparse's to judge
        elif in_set:
            out.insert(command + 1, text)   # the expression, out of --set's values
            seen = True
        else:
            out.append(text)
            seen = True
    return out
