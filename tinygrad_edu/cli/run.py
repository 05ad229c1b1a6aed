"""The ``tinygrad-edu`` command (also ``python -m tinygrad_edu``).

Each subcommand is a thin shell over the library: ``train`` calls ``train.fit``, ``graph``
``viz.draw_graph`` on an expression parsed by `expr` (never ``eval``), ``explain``
``viz.explain``, and so on. Mistakes (bad arguments, unknown datasets, unreadable files,
training that diverged) end in ONE line on stderr and exit code 2, never a traceback; any
other exception is a bug of ours: its traceback is printed, then "internal error", exit code
1. ``main(argv)`` returns the exit code, so tests call it in-process.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
import traceback
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

__all__ = ["main", "build_parser", "CLIError"]

PROG = "tinygrad-edu"
LOSSES = ("bce", "mse", "ce", "hinge")
OPTIMIZERS = ("adam", "adamw", "sgd")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
DEBUG_ENV = "TINYGRAD_EDU_DEBUG"  # set it to let any error propagate (for a debugger)

# Caps on the counts a user types: a toy-problem tool, so a few extra zeros are a typo that
# would otherwise mean hours of training or gigabytes of memory, not a bigger experiment.
MAX_SAMPLES = 100_000    # --samples (the spiral's per arm, so up to 200,000 rows)
MAX_EPOCHS = 100_000     # --epochs (spiral's default 500 take about a second)
MAX_WIDTH = 4_096        # units in one hidden layer
MAX_LAYERS = 16          # hidden layers
MAX_SWEEP_RUNS = 100     # learning rates x hidden sizes in one sweep


class CLIError(Exception):
    """A mistake in what the user asked for: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and never exits by itself."""

    def error(self, message: str) -> NoReturn:
        raise CLIError(f"{message} (see {self.prog} --help)")


# ---- argument types: each rejects a bad value with a message naming it --------------------


def _float_arg(ok: Callable[[float], bool], requirement: str) -> Callable[[str], float]:
    """An argparse type: a number for which ok(x) holds, or a message stating the requirement."""
    def parse(text: str) -> float:
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
    from .. import __version__

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
    t.set_defaults(func=cmd_train)

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
    g.set_defaults(func=cmd_graph)

    e = sub.add_parser("explain", help="print the backward pass step by step as a table",
                       description="Print the backward pass as a table, one row per node: the "
                       "worked XOR example of the tutorial by default, or EXPR.")
    e.add_argument("expression", metavar="EXPR", nargs="?", default=None,
                   help="an expression to explain instead of the worked XOR example")
    e.add_argument("--set", nargs="+", default=[], metavar="NAME=VALUE", dest="assignments",
                   help="variable values for EXPR")
    e.add_argument("--format", choices=("text", "markdown", "html"), default="text",
                   help="(default: text)")
    e.set_defaults(func=cmd_explain)

    pr = sub.add_parser("predict", help="run a saved model on one or more points",
                        description="Print P(class 1) and the class for each point.")
    pr.add_argument("model", type=Path, metavar="MODEL", help="a model.npz written by train")
    pr.add_argument("features", type=_finite_float, nargs="+", metavar="X",
                    help="the features of one point (x1 x2), or of several in a row")
    pr.set_defaults(func=cmd_predict)

    i = sub.add_parser("info", help="describe a saved model", description="Print a saved "
                       "model's layers, parameter shapes and count.")
    i.add_argument("model", type=Path, metavar="MODEL")
    i.set_defaults(func=cmd_info)

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
    s.set_defaults(func=cmd_sweep)

    x = sub.add_parser("export", help="hand a saved model to PyTorch or ONNX",
                       description="Write a saved model as a PyTorch state_dict (--torch) "
                       "and/or an ONNX file (--onnx).")
    x.add_argument("model", type=Path, metavar="MODEL")
    x.add_argument("--onnx", type=Path, default=None, metavar="FILE", help="e.g. model.onnx")
    x.add_argument("--torch", type=Path, default=None, metavar="FILE", help="e.g. model.pt")
    x.set_defaults(func=cmd_export)

    pg = sub.add_parser("playground", help="a local web page that trains a network live",
                        description="Serve the playground page until Ctrl-C.")
    pg.add_argument("--port", type=_port, default=8000, metavar="N",
                    help="port (0: any free one; default 8000)")
    pg.add_argument("--host", default="127.0.0.1", metavar="ADDRESS",
                    help="address to bind (default: loopback)")
    pg.add_argument("--open", action="store_true", help="open the page in a web browser")
    pg.add_argument("--verbose", action="store_true", help="log every request")
    pg.set_defaults(func=cmd_playground)
    return p


# ---- datasets and models -------------------------------------------------------------------


def _dataset(name: str, samples: int | None, noise: float | None, seed: int | None,
             labels: str) -> tuple[np.ndarray, np.ndarray, str]:
    """(X, y, description) for a built-in dataset name or a CSV file."""
    from .. import data

    key = name.lower()
    if key in data.DATASETS:
        kwargs: dict[str, Any] = {"labels": labels}
        given = []   # the options behind the arguments, to name them in an error
        if samples is not None:
            kwargs["n_points" if key == "spiral" else "n_samples"] = samples
            given.append(f"--samples {samples}")
        if noise is not None:
            kwargs["cluster_std" if key == "blobs" else "noise"] = noise
            given.append(f"--noise {noise:g}")
        if seed is not None:
            kwargs["seed"] = seed
        try:
            X, y = data.DATASETS[key](**kwargs)
        except data.DataError as err:
            raise CLIError(f"cannot make {key} with {' '.join(given) or 'its defaults'}: "
                           f"{err}") from None
        return X, y, key
    path = Path(name)
    if path.suffix.lower() == ".csv" or path.exists():
        if not path.is_file():
            raise CLIError(f"cannot read {name}: no such file")
        X, y = data.load_csv(path, labels=labels)
        return X, y, str(path)
    raise CLIError(f"unknown dataset {name!r}: choose one of {', '.join(data.DATASETS)}, "
                   "or give a CSV file of x1,x2,label rows")


def _check_out_dir(out: Path) -> None:
    """Fail now, not after training, if `out` cannot become a folder we can write in.

    Nothing is created yet (a run that fails leaves no empty folder): the nearest part of
    the path that exists must be a folder, writable if `out` is still to be made in it."""
    if out.exists():
        if not out.is_dir():
            raise CLIError(f"--out {out}: it is a file, not a folder")
        if not os.access(out, os.W_OK | os.X_OK):
            raise CLIError(f"--out {out}: the folder is not writable")
        return
    parent = out.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise CLIError(f"--out {out}: {parent} is a file, so no folder can be made under it")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise CLIError(f"--out {out}: cannot make the folder: {parent} is not writable")


def _build(args: argparse.Namespace, n_in: int, n_classes: int) -> tuple[Any, Any]:
    """The MLP and the loss for --loss (its output layer follows the loss)."""
    from .. import nn

    out, out_act, loss = {
        "bce": (1, None, nn.BCEWithLogitsLoss),
        "mse": (1, "sigmoid", nn.MSELoss),
        "ce": (max(n_classes, 2), None, nn.CrossEntropyLoss),
        "hinge": (1, None, nn.HingeLoss),
    }[args.loss]
    model = nn.MLP(n_in, list(args.hidden), out, activation=args.activation,
                   out_activation=out_act, seed=args.seed)
    return model, loss()


def _optimizer(args: argparse.Namespace, params: list) -> Any:
    from .. import optim

    if args.optimizer == "sgd":
        return optim.SGD(params, lr=args.lr, momentum=args.momentum,
                         weight_decay=args.weight_decay)
    if args.momentum:
        raise CLIError("--momentum is for --optimizer sgd (Adam keeps its own momentum)")
    cls = optim.Adam if args.optimizer == "adam" else optim.AdamW
    return cls(params, lr=args.lr, weight_decay=args.weight_decay)


def _targets(y: np.ndarray, loss: str) -> np.ndarray:
    """Labels in the form the loss expects: 0/1 floats, +-1 for hinge, class ids for ce."""
    classes = np.unique(y)
    if loss == "ce":
        return y
    if not set(classes.tolist()) <= {0.0, 1.0}:
        raise CLIError(f"--loss {loss} needs labels 0 and 1, but the data has classes "
                       f"{', '.join(f'{c:g}' for c in classes)}; use --loss ce")
    return 2.0 * y - 1.0 if loss == "hinge" else y


# ---- subcommands -----------------------------------------------------------------------------


def cmd_train(args: argparse.Namespace) -> int:
    from .. import data
    from ..train import evaluate, fit

    if len(args.hidden) > MAX_LAYERS:
        raise CLIError(f"--hidden: at most {MAX_LAYERS} hidden layers, got {len(args.hidden)}")
    _check_out_dir(args.out)
    labels = "int" if args.loss == "ce" else "float"
    X, y, name = _dataset(args.dataset, args.samples, args.noise, args.data_seed, labels)
    # class ids run 0..k-1 (a CSV may skip one: labels 0 and 2 still need 3 outputs)
    n_classes = int(np.max(y)) + 1 if len(y) else 0
    if len(np.unique(y)) < 2:
        raise CLIError(f"{name} has only one class; a classifier needs two or more")
    y = _targets(y, args.loss)
    split = args.test_split if args.test_split is not None else (0.0 if name == "xor" else 0.2)
    if split > 0:
        try:
            X_train, X_test, y_train, y_test = data.train_test_split(X, y, split, seed=args.seed)
        except data.DataError as err:
            raise CLIError(f"--test-split {split}: {err}") from None
        validation = (X_test, y_test)
    else:
        X_train, y_train, validation = X, y, None
    model, loss_fn = _build(args, X.shape[1], n_classes)
    optimizer = _optimizer(args, model.parameters())
    print(f"{PROG} train: {name}, {len(X_train)} train / "
          f"{len(validation[0]) if validation else 0} test points; model "
          f"{X.shape[1]}-{'-'.join(map(str, args.hidden))}-{n_classes if args.loss == 'ce' else 1}"
          f" {args.activation} ({model.num_parameters()} parameters), {args.loss} loss, "
          f"{args.optimizer} lr {args.lr:g}, {args.epochs} epochs", flush=True)

    recorder = None
    callbacks: list[Callable] = []
    if args.gif:
        from ..plot import BoundaryRecorder

        recorder = BoundaryRecorder(X_train, y_train, every=max(1, args.epochs // 60))
        callbacks.append(recorder)
    start = time.perf_counter()
    # numpy's overflow warnings would only repeat, in many lines, what fit's nan guard says
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        history = fit(model, X_train, y_train, loss_fn, optimizer, epochs=args.epochs,
                      batch_size=args.batch_size, validation=validation, seed=args.seed,
                      callbacks=callbacks, progress=not args.quiet)
    seconds = time.perf_counter() - start

    out: Path = args.out
    out.mkdir(parents=True, exist_ok=True)
    from ..io import save

    written = [out / "model.npz"]
    save(model, written[0])
    try:
        from .. import plot

        plot.decision_boundary(model, X, y, title=f"{name}: decision boundary",
                               path=out / "boundary.png")
        plot.loss_curves(history, title=f"{name}: training", path=out / "loss.png")
        written += [out / "boundary.png", out / "loss.png"]
        if recorder is not None:
            recorder.capture(model, args.epochs, history)
            written.append(plot.animate_training(recorder, out / "training.gif"))
    except ImportError as err:
        print(f"{PROG} train: note: no pictures ({err})", file=sys.stderr)
    print(f"wrote {', '.join(map(str, written))}")

    train_loss, train_acc = evaluate(model, X_train, y_train, loss_fn)
    line = f"final: train loss {train_loss:.4f} acc {_percent(train_acc)}"
    if validation is not None:
        test_loss, test_acc = evaluate(model, validation[0], validation[1], loss_fn)
        line += f" | test loss {test_loss:.4f} acc {_percent(test_acc)}"
    print(f"{line} | {seconds:.1f}s")
    return 0


def _percent(x: float | None) -> str:
    return "-" if x is None else f"{x:.1%}"


def _load(path: Path) -> Any:
    from ..io import load

    if not path.exists():
        raise CLIError(f"cannot read {path}: no such file")
    if path.is_dir():
        raise CLIError(f"cannot read {path}: it is a folder, not a model file")
    return load(path)


def _in_features(model: Any) -> int:
    for p in model.parameters():
        shape = getattr(p.data, "shape", ())
        if len(shape) == 2:
            return int(shape[1])  # Linear weight: (out_features, in_features)
    raise CLIError("cannot tell how many features the model takes (no Linear weight found)")


def cmd_predict(args: argparse.Namespace) -> int:
    from ..plot import output_kind, predict_proba

    model = _load(args.model)
    n = _in_features(model)
    values = list(args.features)
    if len(values) % n:
        raise CLIError(f"the model takes {n} features per point, got {len(values)} numbers "
                       f"(give a multiple of {n})")
    X = np.asarray(values, dtype=np.float64).reshape(-1, n)
    p = predict_proba(model, X)
    kind = output_kind(model)
    for x, pi in zip(X, p):
        point = " ".join(f"{v:g}" for v in x)
        if np.ndim(pi) == 0:
            print(f"{point} -> P(class 1) = {pi:.4f} -> class {int(pi > 0.5)}")
        else:
            probs = ", ".join(f"{q:.4f}" for q in pi)
            print(f"{point} -> P = [{probs}] -> class {int(np.argmax(pi))}")
    if kind == "logit":
        print("(the model outputs logits; sigmoid/softmax turned them into probabilities)")
    return 0


def cmd_info(args: argparse.Namespace) -> int:
    model = _load(args.model)
    print(f"{args.model}: {type(model).__name__}, {model.num_parameters()} parameters")
    print(repr(model))
    for name, p in model.named_parameters():
        shape = tuple(getattr(p.data, "shape", ()))
        dtype = getattr(p.data, "dtype", "float")
        print(f"  {name:<24} {str(shape):<12} {dtype}")
    return 0


def cmd_graph(args: argparse.Namespace) -> int:
    from .. import expr, viz

    text = args.expression.strip()   # see _protect_expression for the leading space
    values = expr.parse_assignments(args.assignments)
    parsed = expr.parse(text)
    root = parsed.build(values)
    root.backward()
    print(f"{text} = {root.data:.6g}{_value_note(root)}")
    for name in parsed.variables:
        grad = _leaf(root, name).grad
        print(f"  d/d{name} = {grad:.6g}{_grad_note(grad)}")
    out: Path = args.out
    suffix = out.suffix.lower()
    if suffix not in (".svg", ".png", ".pdf", ".dot", ".gv"):
        raise CLIError(f"--out {out}: end it in .svg, .png or .pdf (or .dot for the DOT "
                       "source only)")
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

        text = args.expression.strip()   # see _protect_expression for the leading space
        root = expr.parse(text).build(expr.parse_assignments(args.assignments))
        note = _value_note(root)
        root.label, params = "f", None  # the table's captions read df/d(node)
        print(f"f = {text} = {root.data:.6g}{note}\n")
    sys.stdout.write(viz.explain(root, format=args.format, params=params))
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from .. import data
    from ..sweep import sweep

    if args.dataset.lower() not in data.DATASETS:
        raise CLIError(f"unknown dataset {args.dataset!r}: choose one of "
                       f"{', '.join(data.DATASETS)} (sweep takes no CSV file)")
    runs = len(args.lr or (0.1, 1, 10)) * len(args.hidden or (2, 4, 8, 16))
    if runs > MAX_SWEEP_RUNS:
        raise CLIError(f"{runs} runs (learning rates x hidden sizes) is more than "
                       f"{MAX_SWEEP_RUNS}; sweep fewer values at a time")
    _check_out_dir(args.out)
    kwargs: dict[str, Any] = {"out_dir": args.out, "seed": args.seed,
                              "progress": not args.quiet, "optimizer": args.optimizer}
    for name in ("epochs", "loss", "activation"):
        if getattr(args, name) is not None:
            kwargs[name] = getattr(args, name)
    if args.lr is not None:
        kwargs["lrs"] = args.lr
    if args.hidden is not None:
        kwargs["hidden"] = args.hidden
    print(f"{PROG} sweep: {args.dataset}, {len(args.lr or (0.1, 1, 10))} learning rate(s) x "
          f"{len(args.hidden or (2, 4, 8, 16))} hidden size(s)", flush=True)
    # numpy's overflow warnings would only repeat, in many lines, what the table says
    with np.errstate(over="ignore", invalid="ignore", divide="ignore"):
        result = sweep(args.dataset, **kwargs)
    print(result.table())
    print(f"wrote {', '.join(result.files.values())}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.onnx is None and args.torch is None:
        raise CLIError("say what to write: --onnx FILE and/or --torch FILE")
    from .. import interop

    model = _load(args.model)
    if args.torch is not None:
        args.torch.parent.mkdir(parents=True, exist_ok=True)
        try:   # a dtype torch lacks (the rest of what to_torch refuses is our own error class)
            interop.save_torch(model, args.torch)
        except TypeError as err:
            raise CLIError(f"cannot write {args.torch}: {err}") from None
        source = interop.torch_source(model)
        print(f"wrote {args.torch}: a PyTorch state_dict. Load it with:\n")
        print("import torch")
        if "OrderedDict" in source:
            print("from collections import OrderedDict")
        print(f"\nmodel = {source}")
        print(f"model.load_state_dict(torch.load({str(args.torch)!r}, weights_only=True))")
    if args.onnx is not None:
        args.onnx.parent.mkdir(parents=True, exist_ok=True)
        try:   # a layer setting or model shape ONNX cannot express
            interop.export_onnx(model, args.onnx)
        except (ValueError, TypeError) as err:
            raise CLIError(f"cannot write {args.onnx}: {err}") from None
        if args.torch is not None:
            print()   # keep the code above a block of its own, to copy as a whole
        print(f"wrote {args.onnx}: ONNX (input 'input', output 'output'), checked against "
              "ONNX Runtime")
    return 0


def cmd_playground(args: argparse.Namespace) -> int:
    from .. import playground

    argv = ["--port", str(args.port), "--host", args.host]
    argv += ["--open"] if args.open else []
    argv += ["--verbose"] if args.verbose else []
    try:
        return int(playground.main(argv) or 0)
    except SystemExit as done:  # its own argument checks end this way
        return int(done.code or 0)


# ---- main ------------------------------------------------------------------------------------


def _message(err: BaseException) -> str:
    """An exception's text on one line."""
    text = " ".join(line.strip() for line in str(err).splitlines() if line.strip())
    return text or type(err).__name__


def _is_user_error(err: BaseException) -> bool:
    """Whether `err` is about what the user asked for (one line, exit 2) rather than a bug
    of ours (traceback, exit 1). Only our own error classes qualify, not their bases: a
    ValueError or RuntimeError from deep inside is a bug, and hiding it would hide the bug."""
    from ..data import DataError
    from ..expr import ExpressionError
    from ..interop import UnsupportedModuleError
    from ..io import ModelFileError
    from ..train import TrainingDiverged

    if isinstance(err, (CLIError, DataError, ExpressionError, ModelFileError, TrainingDiverged,
                        UnsupportedModuleError)):
        return True
    if isinstance(err, OSError):   # a path or port the user gave: missing, unwritable, busy
        return True
    # a missing optional extra: our messages for those all say what to pip install
    return isinstance(err, ImportError) and "pip install" in str(err)


_EXPRESSION_COMMANDS = ("graph", "explain")
_VALUE_OPTIONS = ("--out", "--rankdir", "--format")   # options of theirs that take one value


def _protect_expression(argv: list[str]) -> list[str]:
    """argparse reads an argument that starts with "-" as an option, so `graph "-a*b"`
    would fail. Give graph's and explain's expression a leading space (which makes it a
    plain argument; the commands strip it). "-h" stays help; "--" works as usual."""
    command = next((i for i, a in enumerate(argv) if not a.startswith("-")), None)
    if command is None or argv[command] not in _EXPRESSION_COMMANDS:
        return argv
    out = list(argv)
    for i in range(command + 1, len(out)):
        a, before = out[i], out[i - 1]
        if a == "--":
            break
        takes_value = before.startswith("--") and "=" not in before and any(
            opt.startswith(before) for opt in _VALUE_OPTIONS)
        if a.startswith("-") and not a.startswith("--") and a != "-h" and len(a) > 1 \
                and not takes_value:
            out[i] = " " + a
            break   # one expression per command
    return out


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 a usage or input error, 1 a bug
    of ours, reported with its traceback)."""
    parser = build_parser()
    argv = _protect_expression(list(sys.argv[1:] if argv is None else argv))
    try:
        args = parser.parse_args(argv)
    except CLIError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    except SystemExit as done:  # --help and --version end here
        return int(done.code or 0)
    if args.command is None:
        names = ", ".join(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
        print(f"{PROG}: error: give a command: {names} (see {PROG} --help)", file=sys.stderr)
        return 2
    where = f"{PROG} {args.command}"
    try:
        return int(args.func(args) or 0)
    except KeyboardInterrupt:
        print(f"\n{where}: interrupted", file=sys.stderr)
        return 130
    except Exception as err:
        if os.environ.get(DEBUG_ENV):
            raise
        if _is_user_error(err):
            print(f"{where}: error: {_message(err)}", file=sys.stderr)
            return 2
        traceback.print_exc(file=sys.stderr)
        print(f"{where}: internal error: {type(err).__name__}: {_message(err)} (a bug in "
              "tinygrad_edu, not in what you asked for: please report it with the traceback "
              "above)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
