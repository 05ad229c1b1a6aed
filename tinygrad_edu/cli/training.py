"""`train` and `sweep`: a dataset by name or CSV file, the model and optimizer the options
ask for, and the checks that must fail before training starts rather than after it."""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

from .args import MAX_LAYERS, MAX_SWEEP_RUNS, PROG
from .errors import CLIError

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


# ---- the commands ----------------------------------------------------------------------------


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
    if len(history.loss) > 1 and history.loss[-1] > 2 * history.loss[0]:
        # Adam's steps are at most lr, so a huge lr ends with a huge but finite loss that
        # fit's nan guard does not catch
        print(f"{PROG} train: note: the training loss rose from {history.loss[0]:.4g} to "
              f"{history.loss[-1]:.4g}: training diverged; try a lower --lr (it is "
              f"{args.lr:g})", file=sys.stderr)

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
