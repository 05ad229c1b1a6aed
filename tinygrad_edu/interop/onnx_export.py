"""`export_onnx`: a model as an ONNX graph that ONNX Runtime (or any ONNX tool) can run.

Built node by node with the ``onnx`` package's helper API: one ``Gemm`` per `Linear`
(``y = x W^T + b``, so ``transB=1`` uses our (out, in) weight as it is) and one node per
activation. The batch dimension is left symbolic, so the file accepts any number of rows.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np

from .. import nn
from ._common import ACTIVATIONS, plain_sequential, require, unsupported, where

__all__ = ["export_onnx", "OPSET", "IR_VERSION"]

# Opset 17 and IR version 8, set explicitly. onnx 1.23 stamps new models with IR 14, which
# onnxruntime 1.31 refuses ("Unsupported model IR version"); a runtime loads any IR up to
# the one it was built for, so the oldest IR that can carry our opset reaches the most
# runtimes. Opset 17 (onnx 1.12, 2022; PyTorch's default export opset) already has every
# op we emit in its current form (Softmax/LogSoftmax along one axis since opset 13), and
# IR 8 is the version onnx.helper.find_min_ir_version_for pairs with it.
OPSET = 17
IR_VERSION = 8

_EXTRA = "onnx"


def _leaves(m: nn.Module, path: str) -> Iterator[tuple[str, nn.Module]]:
    """(dotted name, layer) for every Linear and activation, in the order they run."""
    name = type(m).__name__
    if plain_sequential(m, nn.Sequential, len(list(m.named_parameters(recurse=False)))):
        for n, child in m.named_children():
            yield from _leaves(child, f"{path}.{n}" if path else n)
    elif type(m) is nn.Linear or (name in ACTIVATIONS and type(m) is getattr(nn, name, None)):
        yield path, m
    else:
        raise unsupported("export_onnx", path, m)


def _axis(path: str, m: Any) -> int:
    if m.dim is None:  # the legacy implicit choice, ours and PyTorch's, for 2-D input
        return 1
    # The graph's tensors are (batch, features): an axis outside that would fail only when
    # a runtime first executes the file, so catch it here, at the call that caused it.
    if m.dim not in (-2, -1, 0, 1):
        raise ValueError(f"export_onnx: {where(path)}: {type(m).__name__}(dim={m.dim!r}) does "
                         "not name an axis of the exported (batch, features) input; use dim=1")
    return int(m.dim)


def export_onnx(model: nn.Module, path: str | os.PathLike, input_dim: int | None = None, *,
                verify: bool = True) -> Any:
    """Write `model` to `path` as an ONNX file (opset `OPSET`, IR `IR_VERSION`) and return
    the ``onnx.ModelProto``.

    The input is ``input`` of shape (batch, input_dim), float32, and the output is
    ``output``; weights are stored in float32 under their state_dict names. `input_dim`
    defaults to the first Linear's ``in_features``. Dropout is left out (the file is for
    inference). With `verify`, ONNX Runtime runs the graph on a random batch before the
    file is written, and a disagreement with `model` beyond float32 rounding is an error.
    """
    onnx = require("onnx", "export_onnx", _EXTRA)
    if verify:
        require("onnxruntime", "export_onnx", _EXTRA)
    from onnx import TensorProto, helper, numpy_helper

    if not isinstance(model, nn.Module):
        raise TypeError(f"export_onnx: expected a tinygrad_edu nn.Module, got "
                        f"{type(model).__name__}")
    layers = list(_leaves(model, ""))
    linears = [(p, m) for p, m in layers if type(m) is nn.Linear]
    if input_dim is None:
        if not linears:
            raise ValueError("export_onnx: the model has no Linear layer to read the input size "
                             "from; pass input_dim=")
        input_dim = int(linears[0][1].weight.shape[1])
    if isinstance(input_dim, bool) or not isinstance(input_dim, (int, np.integer)) \
            or input_dim < 1:
        raise ValueError(f"export_onnx: input_dim must be a positive int, got {input_dim!r}")

    nodes, weights = [], []
    current, width = "input", int(input_dim)
    for path_, m in layers:
        name = type(m).__name__
        if name == "Linear":
            out_features, in_features = m.weight.shape
            if in_features != width:
                raise ValueError(f"export_onnx: {where(path_)} takes {in_features} features but "
                                 f"receives {width} (from input_dim or the layer before)")
            # the state_dict's names: "weight" alone for a model that is one Linear
            prefix = f"{path_}." if path_ else ""
            inputs = [current, f"{prefix}weight"] + ([f"{prefix}bias"] if m.bias is not None
                                                     else [])
            for key, p in zip(inputs[1:], [m.weight, m.bias]):
                weights.append(numpy_helper.from_array(np.asarray(p.data, np.float32), key))
            node = helper.make_node("Gemm", inputs, [f"{path_}.out"], name=path_ or "Gemm",
                                    transB=1)
            width = int(out_features)
        else:
            settings, op, onnx_names = ACTIVATIONS[name]
            if op is None:  # Dropout: the identity at inference
                continue
            attrs: dict[str, Any] = {}
            for s in settings:
                value = _axis(path_, m) if s == "dim" else float(getattr(m, s))
                attrs[onnx_names[s]] = value
            node = helper.make_node(op, [current], [f"{path_}.out"], name=path_ or op, **attrs)
        nodes.append(node)
        current = node.output[0]
    if nodes:
        nodes[-1].output[0] = "output"
    else:  # only Dropout, or an empty Sequential: the graph still needs an output
        nodes.append(helper.make_node("Identity", ["input"], ["output"], name="Identity"))

    graph = helper.make_graph(
        nodes, type(model).__name__,
        [helper.make_tensor_value_info("input", TensorProto.FLOAT, ["batch", int(input_dim)])],
        [helper.make_tensor_value_info("output", TensorProto.FLOAT, ["batch", width])],
        initializer=weights)
    from .. import __version__

    proto = helper.make_model(graph, opset_imports=[helper.make_opsetid("", OPSET)],
                              ir_version=IR_VERSION, producer_name="tinygrad_edu",
                              producer_version=__version__)
    onnx.checker.check_model(proto, full_check=True)
    if verify:
        _verify(model, proto, int(input_dim))
    onnx.save_model(proto, os.fspath(path))
    return proto


def _verify(model: nn.Module, proto: Any, input_dim: int) -> None:
    """Run the graph in ONNX Runtime and in `model` (in eval mode) on the same batch."""
    import onnxruntime

    from ..autograd import no_grad
    from ..tensor import Tensor

    x = np.random.default_rng(0).standard_normal((5, input_dim)).astype(np.float32)
    session = onnxruntime.InferenceSession(proto.SerializeToString(),
                                           providers=["CPUExecutionProvider"])
    (theirs,) = session.run(["output"], {"input": x})
    modes = [(m, m.training) for m in model.modules()]
    try:
        model.eval()
        with no_grad():
            ours = np.asarray(model(Tensor(x)).data, dtype=np.float64)
    finally:
        for m, mode in modes:
            object.__setattr__(m, "training", mode)
    if ours.shape != theirs.shape or not np.allclose(theirs, ours, rtol=1e-4, atol=1e-5):
        worst = np.max(np.abs(theirs - ours)) if ours.shape == theirs.shape else "n/a"
        raise RuntimeError(f"export_onnx: ONNX Runtime's output (shape {theirs.shape}) differs "
                           f"from the model's (shape {ours.shape}) by up to {worst}; "
                           "nothing was written (please report this as a bug)")
