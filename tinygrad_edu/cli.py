"""The ``tinygrad-edu`` command (also ``python -m tinygrad_edu``).

Each subcommand is a thin shell over the library: ``train`` calls ``train.fit``, ``graph``
``viz.draw_graph`` on an expression parsed by `expr` (never ``eval``), ``explain``
``viz.explain``, and so on. Mistakes (bad arguments, unknown datasets, unreadable files)
end in ONE line on stderr and exit code 2, never a traceback; ``main(argv)`` returns the
exit code, so tests call it in-process.
"""

from __future__ import annotations

import argparse
import math
import os
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any, NoReturn

import numpy as np

__all__ = ["main", "build_parser", "CLIError"]

PROG = "tinygrad-edu"
LOSSES = ("bce", "mse", "ce", "hinge")
OPTIMIZERS = ("adam", "adamw", "sgd")
ACTIVATIONS = ("relu", "tanh", "sigmoid", "leaky_relu")
DEBUG_ENV = "TINYGRAD_EDU_DEBUG"  # set it to see the traceback of an internal error


class CLIError(Exception):
    """A mistake in what the user asked for: printed as one line, exit code 2."""


class _Parser(argparse.ArgumentParser):
    """argparse, but a usage error is one line (no usage dump) and never exits by itself."""

    def error(self, message: str) -> NoReturn:
        raise CLIError(f"{message} (see {self.prog} --help)")


# ---- argument types: each rejects a bad value with a message naming it --------------------


def _positive_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(x) and x > 0):
        raise argparse.ArgumentTypeError(f"must be a finite number > 0, got {text}")
    return x


def _nonnegative_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not (math.isfinite(x) and x >= 0):
        raise argparse.ArgumentTypeError(f"must be a finite number >= 0, got {text}")
    return x


def _finite_float(text: str) -> float:
    try:
        x = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not math.isfinite(x):
        raise argparse.ArgumentTypeError(f"must be a finite number, got {text}")
    return x


def _positive_int(text: str) -> int:
    try:
        n = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if n < 1:
        raise argparse.ArgumentTypeError(f"must be >= 1, got {n}")
    return n


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
    from . import __version__

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
    t.add_argument("--hidden", type=_positive_int, nargs="+", default=[16, 8], metavar="N",
                   help="hidden layer sizes (default: 16 8, the tutorial's 2-16-8-1)")
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
    t.add_argument("--epochs", type=_positive_int, default=500, metavar="N",
                   help="(default: 500)")
    t.add_argument("--batch-size", type=_positive_int, default=None, metavar="N",
                   help="mini-batch size (default: the whole training set each step)")
    t.add_argument("--samples", type=_positive_int, default=None, metavar="N",
                   help="dataset size (spiral: points per arm, default 200; others: rows)")
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
    g.add_argument("expression", metavar="EXPR", help='e.g. "tanh(a*b + c)"')
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
    s.add_argument("--hidden", type=_positive_int, nargs="+", default=None, metavar="N",
                   help="hidden sizes, one hidden layer each (default: 2 4 8 16)")
    s.add_argument("--epochs", type=_positive_int, default=None, metavar="N",
                   help="epochs per run (default: xor 1000, others 200)")
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
    from . import data

    key = name.lower()
    if key in data.DATASETS:
        kwargs: dict[str, Any] = {"labels": labels}
        if samples is not None:
            kwargs["n_points" if key == "spiral" else "n_samples"] = samples
        if noise is not None:
            kwargs["cluster_std" if key == "blobs" else "noise"] = noise
        if seed is not None:
            kwargs["seed"] = seed
        X, y = data.DATASETS[key](**kwargs)
        return X, y, key
    path = Path(name)
    if path.suffix.lower() == ".csv" or path.exists():
        if not path.is_file():
            raise CLIError(f"cannot read {name}: no such file")
        X, y = data.load_csv(path, labels=labels)
        return X, y, str(path)
    raise CLIError(f"unknown dataset {name!r}: choose one of {', '.join(data.DATASETS)}, "
                   "or give a CSV file of x1,x2,label rows")


def _build(args: argparse.Namespace, n_in: int, n_classes: int) -> tuple[Any, Any]:
    """The MLP and the loss for --loss (its output layer follows the loss)."""
    from . import nn

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
    from . import optim

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
    from . import data
    from .train import evaluate, fit

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
        from .plot import BoundaryRecorder

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
    from .io import save

    written = [out / "model.npz"]
    save(model, written[0])
    try:
        from . import plot

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
    from .io import load

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
    from .plot import output_kind, predict_proba

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
    from . import expr, viz

    values = expr.parse_assignments(args.assignments)
    root = expr.parse(args.expression).build(values)
    root.backward()
    print(f"{args.expression} = {root.data:.6g}")
    for name in expr.parse(args.expression).variables:
        print(f"  d/d{name} = {_leaf(root, name).grad:.6g}")
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


def _leaf(root: Any, name: str) -> Any:
    from .autograd import topological_order

    for node in topological_order(root):
        if not node._prev and node.label == name:
            return node
    raise CLIError(f"{name} does not reach the output")


def cmd_explain(args: argparse.Namespace) -> int:
    from . import viz

    if args.expression is None:
        if args.assignments:
            raise CLIError("--set needs an expression to set variables in")
        root = viz.worked_example()
        params = viz.worked_example_parameters(root)
    else:
        from . import expr

        root = expr.parse(args.expression).build(expr.parse_assignments(args.assignments))
        root.label, params = "f", None  # the table's captions read df/d(node)
        print(f"f = {args.expression} = {root.data:.6g}\n")
    sys.stdout.write(viz.explain(root, format=args.format, params=params))
    return 0


def cmd_sweep(args: argparse.Namespace) -> int:
    from .sweep import sweep

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
    result = sweep(args.dataset, **kwargs)
    print(result.table())
    print(f"wrote {', '.join(result.files.values())}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    if args.onnx is None and args.torch is None:
        raise CLIError("say what to write: --onnx FILE and/or --torch FILE")
    from . import interop

    model = _load(args.model)
    if args.torch is not None:
        args.torch.parent.mkdir(parents=True, exist_ok=True)
        module = interop.save_torch(model, args.torch)
        print(f"wrote {args.torch}: a PyTorch state_dict. Load it with:")
        print(f"  model = {_one_line(repr(module))}")
        print(f"  model.load_state_dict(torch.load({str(args.torch)!r}, weights_only=True))")
    if args.onnx is not None:
        args.onnx.parent.mkdir(parents=True, exist_ok=True)
        interop.export_onnx(model, args.onnx)
        print(f"wrote {args.onnx}: ONNX (input 'input', output 'output'), checked against "
              "ONNX Runtime")
    return 0


def _one_line(text: str) -> str:
    return " ".join(part.strip() for part in text.splitlines())


def cmd_playground(args: argparse.Namespace) -> int:
    from . import playground

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


def _user_errors() -> tuple[type[BaseException], ...]:
    from .data import DataError
    from .expr import ExpressionError

    # ValueError covers bad data and files (json, npz), TypeError unsupported layers in
    # export, OSError unreadable or unwritable paths, ImportError a missing optional extra.
    # FloatingPointError is training that diverged (train.TrainingDiverged): the message
    # names the epoch and suggests a lower learning rate.
    return (CLIError, DataError, ExpressionError, ValueError, TypeError, OSError, ImportError,
            RuntimeError, EOFError, FloatingPointError)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 a usage or input error)."""
    parser = build_parser()
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
    except _user_errors() as err:
        if os.environ.get(DEBUG_ENV):
            raise
        print(f"{where}: error: {_message(err)}", file=sys.stderr)
        return 2
    except Exception as err:
        if os.environ.get(DEBUG_ENV):
            raise
        print(f"{where}: internal error: {type(err).__name__}: {_message(err)} (set "
              f"{DEBUG_ENV}=1 for the traceback; please report it)", file=sys.stderr)
        return 1


if __name__ == "__main__":
    raise SystemExit(main())
