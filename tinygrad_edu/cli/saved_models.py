"""`predict`, `info` and `export`: the commands that read a model.npz written by train."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import Any

import numpy as np

from .errors import CLIError
from .paths import check_out_file


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
    dtype = np.dtype(getattr(model.parameters()[0].data, "dtype", np.float64))
    largest = float(np.finfo(dtype).max) if dtype.kind == "f" else math.inf
    big = [v for v in values if abs(v) > largest]
    if big:   # it would turn into inf and the answer into nan
        raise CLIError(f"{big[0]:g} is beyond the model's {dtype} range (largest about "
                       f"{largest:.3g})")
    with np.errstate(over="ignore", invalid="ignore"):
        p = predict_proba(model, X)
    bad = ~np.isfinite(np.reshape(p, (len(X), -1))).all(axis=1)
    if bad.any():   # nan > 0.5 is False: it would print "class 0" as if that were an answer
        point = " ".join(f"{v:g}" for v in X[np.argmax(bad)])
        raise CLIError(f"the model's output for the point {point} is not a number: its "
                       f"{dtype} arithmetic overflowed (the inputs are far larger than the "
                       "training data)")
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


def cmd_export(args: argparse.Namespace) -> int:
    if args.onnx is None and args.torch is None:
        raise CLIError("say what to write: --onnx FILE and/or --torch FILE")
    from .. import interop

    for path, option, example in ((args.torch, "--torch", "model.pt"),
                                  (args.onnx, "--onnx", "model.onnx")):
        if path is not None:   # before the model is read and the other file written
            check_out_file(path, option, example, not_same_as=args.model)
    if args.torch is not None and args.onnx is not None and \
            args.torch.absolute() == args.onnx.absolute():
        raise CLIError(f"--torch and --onnx are both {args.torch}: give two file names")
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
