"""Models across to PyTorch and back: `to_torch`, `from_torch`, `save_torch`, `torch_source`.

A `Sequential` (or `MLP`) of `Linear` layers and activations becomes the
``torch.nn.Sequential`` with the same layers, names, weights, dtype and train/eval mode,
so ``state_dict`` keys match one for one. torch is imported inside each function: it is
an optional extra, and ``import tinygrad_edu`` must never need it.
"""

from __future__ import annotations

import os
from collections import OrderedDict
from typing import Any

import numpy as np

from .. import nn
from ._common import ACTIVATIONS, plain_sequential, require, unsupported, where

__all__ = ["to_torch", "from_torch", "save_torch", "torch_source"]

_EXTRA = "torch"
_DTYPES = ("float32", "float64")  # the float types both engines compute in


def _join(path: str, name: str) -> str:
    return f"{path}.{name}" if path else name


# ---- ours -> torch ---------------------------------------------------------------------
def to_torch(model: nn.Module) -> Any:
    """The ``torch.nn`` module that computes what `model` computes, with copies of its
    weights in the same dtype. An `MLP` becomes a ``torch.nn.Sequential``; nested
    Sequentials stay nested, so ``state_dict()`` keys are the same on both sides."""
    torch = require("torch", "to_torch", _EXTRA)
    if not isinstance(model, nn.Module):
        raise TypeError(f"to_torch: expected a tinygrad_edu nn.Module, got {type(model).__name__}")
    return _to_torch(model, torch, "", {})


def _to_torch(m: nn.Module, torch: Any, path: str, done: dict[int, Any]) -> Any:
    # A layer used twice (shared weights) becomes one torch layer used twice: still shared.
    if id(m) in done:
        return done[id(m)]
    name = type(m).__name__
    if plain_sequential(m, nn.Sequential, len(list(m.named_parameters(recurse=False)))):
        out = torch.nn.Sequential(OrderedDict(
            (n, _to_torch(child, torch, _join(path, n), done))
            for n, child in m.named_children()))
    elif type(m) is nn.Linear:
        out = _linear_to_torch(m, torch, path)
    elif name in ACTIVATIONS and type(m) is getattr(nn, name, None):
        settings = ACTIVATIONS[name][0]
        out = getattr(torch.nn, name)(**{s: getattr(m, s) for s in settings})
    else:
        raise unsupported("to_torch", path, m)
    out.training = bool(m.training)  # this module only: each child set its own above
    done[id(m)] = out
    return out


def _linear_to_torch(m: Any, torch: Any, path: str) -> Any:
    w = m.weight.data
    if w.dtype.name not in _DTYPES:
        raise TypeError(f"to_torch: {where(path)} has weights of dtype {w.dtype}; "
                        f"expected one of {', '.join(_DTYPES)}")
    out_features, in_features = w.shape
    layer = torch.nn.Linear(in_features, out_features, bias=m.bias is not None,
                            dtype=getattr(torch, w.dtype.name))
    pairs = [(layer.weight, m.weight)] + ([(layer.bias, m.bias)] if m.bias is not None else [])
    with torch.no_grad():
        for theirs, ours in pairs:
            theirs.copy_(torch.from_numpy(np.array(ours.data)))
            theirs.requires_grad_(bool(ours.requires_grad))  # frozen stays frozen
    return layer


# ---- torch -> ours ---------------------------------------------------------------------
def from_torch(module: Any) -> nn.Module:
    """Our `Sequential` (or single layer) equivalent to a ``torch.nn`` module built from
    the supported layers, with copies of its weights (moved to the CPU) and its dtype.
    Nested Sequentials stay nested, so ``state_dict()`` keys are the same on both sides."""
    torch = require("torch", "from_torch", _EXTRA)
    if not isinstance(module, torch.nn.Module):
        raise TypeError(f"from_torch: expected a torch.nn.Module, got {type(module).__name__}")
    return _from_torch(module, torch, "", {})


def _from_torch(tm: Any, torch: Any, path: str, done: dict[int, nn.Module]) -> nn.Module:
    if id(tm) in done:  # shared stays shared
        return done[id(tm)]
    name = type(tm).__name__
    if tm._forward_hooks or tm._forward_pre_hooks:
        # a hook changes what the layer computes (weight_norm's recomputes the weight from
        # weight_g and weight_v on each call, so .weight may be stale): copying the layer
        # without it would predict something else, silently
        raise unsupported("from_torch", path, tm, f"{name} has forward hooks, which change "
                          "what it computes and have no translation (weight_norm adds one); "
                          "remove them first, e.g. torch.nn.utils.remove_weight_norm")
    own = len(list(tm.parameters(recurse=False))) + len(list(tm.buffers(recurse=False)))
    if plain_sequential(tm, torch.nn.Sequential, own):
        # _modules, what Sequential.forward runs: named_children() skips a repeated layer
        out = nn.Sequential(OrderedDict(
            (n, _from_torch(child, torch, _join(path, n), done))
            for n, child in tm._modules.items()))
    elif type(tm) is torch.nn.Linear:
        out = _linear_from_torch(tm, path)
    elif name in ACTIVATIONS and type(tm) is getattr(torch.nn, name):
        settings = ACTIVATIONS[name][0]
        out = getattr(nn, name)(**{s: getattr(tm, s) for s in settings})
    else:
        raise unsupported("from_torch", path, tm)
    out.training = bool(tm.training)  # this module only: each child set its own above
    done[id(tm)] = out
    return out


def _linear_from_torch(tm: Any, path: str) -> nn.Module:
    name = str(tm.weight.dtype).removeprefix("torch.")
    if name not in _DTYPES:
        raise TypeError(f"from_torch: {where(path)} has weights of dtype torch.{name}; convert "
                        "the module with .float() or .double() first")
    out_features, in_features = tm.weight.shape
    layer = nn.Linear(in_features, out_features, bias=tm.bias is not None, dtype=np.dtype(name))
    pairs = [(layer.weight, tm.weight)] + ([(layer.bias, tm.bias)] if tm.bias is not None else [])
    for ours, theirs in pairs:
        ours.data[...] = theirs.detach().cpu().numpy()
        ours.requires_grad_(bool(theirs.requires_grad))  # frozen stays frozen
    return layer


# ---- as source code ----------------------------------------------------------------------
def torch_source(model: nn.Module) -> str:
    """Python source that builds the ``torch.nn`` module `to_torch` would make (freshly
    initialised): what to write in a PyTorch program before loading saved weights into it.
    Needs ``import torch``, and ``from collections import OrderedDict`` if layers have names
    other than "0", "1", ... . torch itself is not needed to make the text."""
    if not isinstance(model, nn.Module):
        raise TypeError(f"torch_source: expected a tinygrad_edu nn.Module, got "
                        f"{type(model).__name__}")
    return _source(model, "", "")


def _source(m: nn.Module, path: str, indent: str) -> str:
    name = type(m).__name__
    if plain_sequential(m, nn.Sequential, len(list(m.named_parameters(recurse=False)))):
        children = list(m.named_children())
        if not children:
            return "torch.nn.Sequential()"
        inner = indent + "    "
        numbered = [n for n, _ in children] == [str(i) for i in range(len(children))]
        parts = [_source(c, _join(path, n), inner) if numbered
                 else f"({n!r}, {_source(c, _join(path, n), inner)})" for n, c in children]
        body = "".join(f"{inner}{part},\n" for part in parts)
        if numbered:
            return f"torch.nn.Sequential(\n{body}{indent})"
        return f"torch.nn.Sequential(OrderedDict([\n{body}{indent}]))"
    if type(m) is nn.Linear:
        out_features, in_features = m.weight.shape
        args = [str(in_features), str(out_features)]
        if m.bias is None:
            args.append("bias=False")
        dtype = m.weight.dtype.name
        if dtype not in _DTYPES:  # as to_torch: the text must build what to_torch builds
            raise TypeError(f"torch_source: {where(path)} has weights of dtype {dtype}; "
                            f"expected one of {', '.join(_DTYPES)}")
        if dtype != "float32":
            args.append(f"dtype=torch.{dtype}")
        return f"torch.nn.Linear({', '.join(args)})"
    if name in ACTIVATIONS and type(m) is getattr(nn, name, None):
        # plain Python literals: repr of a numpy number is "np.float64(0.2)", which a torch
        # program without numpy imported as np cannot run
        args = [f"{s}={_literal(getattr(m, s))}" for s in ACTIVATIONS[name][0]]
        return f"torch.nn.{name}({', '.join(args)})"
    raise unsupported("torch_source", path, m)


def _literal(value: Any) -> str:
    if value is None:
        return "None"
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        return repr(int(value))
    return repr(float(value))


# ---- saving ----------------------------------------------------------------------------
def save_torch(model: nn.Module, path: str | os.PathLike) -> Any:
    """Write ``to_torch(model).state_dict()`` to `path` with ``torch.save``; return the torch
    module, whose printout is the architecture to rebuild before loading.

    A state_dict (names -> tensors), not the pickled module: PyTorch recommends it, and
    ``torch.load(path, weights_only=True)`` reads it without running any code. Load with
    ``torch_model.load_state_dict(torch.load(path, weights_only=True))``.
    """
    torch = require("torch", "save_torch", _EXTRA)
    torch_model = to_torch(model)
    torch.save(torch_model.state_dict(), os.fspath(path))
    return torch_model
