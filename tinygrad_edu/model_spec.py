"""The JSON description of a model's architecture: describe, check, build.

`save` (in `io`) describes each layer by its class name and settings, never code; `load`
checks a description completely before it builds anything, and builds known classes only.
"""

from __future__ import annotations

import math
import operator
import re
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import nn

MAX_DEPTH = 32
MAX_LAYERS = 10_000
DTYPES = ("float16", "float32", "float64")
_NAME = re.compile(r"[A-Za-z0-9_]{1,200}")
# dotted name -> (a checked layer description, how deep it nests, how many layers it runs)
_Specs = dict[str, tuple[dict[str, Any], int, int]]
_SIMPLE = {"ReLU": nn.ReLU, "Tanh": nn.Tanh, "Sigmoid": nn.Sigmoid, "Identity": nn.Identity}


class ModelFileError(ValueError):
    """A model file that cannot be loaded safely; the message says what is wrong."""

    __module__ = "tinygrad_edu.io"  # where users import it and api.md lists it


# ---- describing a model ------------------------------------------------------------------------
def _class_name(m: Any) -> str:
    """The class's name, in full where it only shares a name with ours (nn.scalar.MLP)."""
    kind = type(m)
    if getattr(nn, kind.__name__, None) in (None, kind):
        return kind.__name__
    return f"{kind.__module__}.{kind.__qualname__}"


def _describe(m: nn.Module, path: str, mode: bool, seen: dict[int, str],
              above: tuple[int, ...]) -> dict[str, Any]:
    """A JSON-able description of `m` (exact known classes only: a subclass may compute
    something else in its forward, which a description cannot carry). A layer met again
    (shared weights) becomes {"type": "Shared", "of": its first name}, so load shares it
    too; a layer whose train/eval mode differs from its parent's carries its own."""
    kind = type(m)
    where = f"layer {path!r}" if path else "the model"
    if id(m) in above:
        raise ValueError(f"save: {where} contains itself, so its description would never end")
    if id(m) in seen:
        return {"type": "Shared", "of": seen[id(m)]}
    if len(above) > MAX_DEPTH:
        raise ValueError(f"save: {where}: layers nested more than {MAX_DEPTH} deep, which "
                         "load refuses")
    if kind is nn.Linear:
        w, b = m.weight.data, None if m.bias is None else m.bias.data
        if w.dtype.name not in DTYPES:
            raise ValueError(f"save: {where} has {w.dtype} weights; a model file holds "
                             f"{', '.join(DTYPES)} (build the model with dtype=np.float64)")
        if w.ndim != 2 or b is not None and (b.shape != w.shape[:1] or b.dtype != w.dtype):
            raise ValueError(f"save: {where} has a weight of {w.dtype} {w.shape} and a bias of "
                             f"{'none' if b is None else f'{b.dtype} {b.shape}'}, which no "
                             "nn.Linear(in_features, out_features, dtype=) has")
        # from the weight, which forward uses, not in_features, which a new weight leaves stale
        spec = {"type": "Linear", "in_features": w.shape[1], "out_features": w.shape[0],
                "bias": b is not None, "dtype": w.dtype.name}
    elif kind in _SIMPLE.values():
        spec = {"type": kind.__name__}
    elif kind is nn.LeakyReLU:
        spec = {"type": "LeakyReLU", "negative_slope": float(m.negative_slope)}
    elif kind in (nn.Softmax, nn.LogSoftmax):
        spec = {"type": kind.__name__, "dim": None if m.dim is None else _index(m.dim, where)}
    elif kind is nn.Dropout:
        spec = {"type": "Dropout", "p": float(m.p)}
    elif kind in (nn.Sequential, nn.MLP):
        if m._parameters:
            raise ValueError(f"save: {where} has parameters of its own, outside its layers")
        spec = {"type": kind.__name__}
        if kind is nn.MLP:
            spec.update(in_features=_index(m.in_features, where),
                        hidden=[_index(h, where) for h in m.hidden],
                        out_features=_index(m.out_features, where))
        spec["children"] = [[name, _describe(c, f"{path}.{name}" if path else name, m.training,
                                             seen, (*above, id(m)))]
                            for name, c in m.named_children()]
    elif kind is nn.Lambda:
        raise ValueError(f"save: {where} is a custom activation ({m.name}); a model file "
                         "stores no code, so it cannot be saved. Use a named activation "
                         "(relu, tanh, sigmoid, leaky_relu), or save model.state_dict() with "
                         "np.savez and rebuild the model in your code")
    else:
        raise ValueError(f"save: {where} is a {_class_name(m)}, which save cannot describe: it "
                         "saves nn.Sequential and nn.MLP models of Linear, activation and "
                         "Dropout layers. For other models save model.state_dict() with "
                         "np.savez and rebuild the model in your code")
    if m.training != mode:
        spec["training"] = bool(m.training)
    seen[id(m)] = path
    return spec


def _index(value: Any, where: str) -> int:
    """A plain int for JSON (a numpy int is not JSON)."""
    try:
        return operator.index(value)
    except TypeError:
        raise ValueError(f"save: {where} has a setting {value!r} that should be an int") from None


def _arrays_match(spec: dict[str, Any], arrays: dict[str, np.ndarray], specs: _Specs) -> None:
    """Check that the model's state_dict holds exactly the arrays its description needs,
    so save never writes a file that load would refuse (a layer given extra parameters)."""
    want = dict(_expected(spec, "", specs))
    got = {k: (a.shape, a.dtype.name) for k, a in arrays.items()}
    if want != got:
        odd = sorted(k for k in set(want) | set(got) if want.get(k) != got.get(k))
        raise ValueError(f"save: the model's state_dict does not hold the arrays its layers "
                         f"describe (differing: {odd}), so load could not rebuild it")


def _expected(spec: dict[str, Any], prefix: str,
              specs: _Specs) -> Iterator[tuple[str, tuple[tuple[int, ...], str]]]:
    """(state_dict key, (shape, dtype)) of each array that a checked description needs."""
    if spec["type"] == "Shared":
        spec = specs[spec["of"]][0]
    if spec["type"] == "Linear":
        yield f"{prefix}weight", ((spec["out_features"], spec["in_features"]), spec["dtype"])
        if spec["bias"]:
            yield f"{prefix}bias", ((spec["out_features"],), spec["dtype"])
    for name, child in spec.get("children", ()):
        yield from _expected(child, f"{prefix}{name}.", specs)



# ---- checking and building the description -----------------------------------------------------
def _fields(spec: Any, where: str, allowed: set[str], optional: set[str]) -> dict[str, Any]:
    if not isinstance(spec, dict) or not isinstance(spec.get("type"), str):
        raise ModelFileError(f"{where} is not a layer description (a dict with 'type')")
    extra = set(spec) - allowed - optional - {"type"}
    if extra:
        raise ModelFileError(f"{where} ({spec['type']}) has unexpected fields "
                             f"{sorted(extra)}")
    missing = allowed - set(spec)
    if missing:
        raise ModelFileError(f"{where} ({spec['type']}) lacks fields {sorted(missing)}")
    if not isinstance(spec.get("training", False), bool):
        raise ModelFileError(f"{where}: training must be true or false")
    return spec


def _int(value: Any, where: str, name: str, low: int = 1) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < low:
        raise ModelFileError(f"{where}: {name} must be an int >= {low}, got {value!r}")
    return value


def _finite(value: Any, where: str, name: str) -> float:
    if isinstance(value, bool) or not isinstance(value, (int, float)) or \
            not math.isfinite(value):
        raise ModelFileError(f"{where}: {name} must be a finite number, got {value!r}")
    return float(value)


LAYER_FIELDS = {"Linear": {"in_features", "out_features", "bias", "dtype"}, "LeakyReLU":
                {"negative_slope"}, "Softmax": {"dim"}, "LogSoftmax": {"dim"}, "Dropout": {"p"},
                "Sequential": {"children"},
                "MLP": {"children", "in_features", "hidden", "out_features"},
                "Shared": {"of"}, **{name: set() for name in _SIMPLE}}


def _check(spec: Any, path: str, depth: int, specs: _Specs) -> tuple[int, int, int]:
    """Check a description completely (types, settings, what a shared layer refers to)
    before anything is built; return the bytes of its weights, how deep it nests and how
    many layers it runs, a shared one each time it runs, so sharing cannot hide a model too
    deep or too long to call. `specs` collects each checked layer with those two numbers."""
    where = f"model.{path}" if path else "model"
    if depth > MAX_DEPTH:
        raise ModelFileError(f"layers nested more than {MAX_DEPTH} deep")
    kind = spec.get("type") if isinstance(spec, dict) else None
    if kind not in LAYER_FIELDS:
        raise ModelFileError(f"{where}: unknown layer type {kind!r}; known: "
                             f"{sorted(LAYER_FIELDS)}")
    spec = _fields(spec, where, LAYER_FIELDS[kind], set() if kind == "Shared" else {"training"})
    total, height, layers = 0, 0, 1
    if kind == "Shared":
        # only a layer described completely before this one: never itself or a parent
        if not isinstance(spec["of"], str) or spec["of"] not in specs:
            raise ModelFileError(f"{where}: shares {spec['of']!r}, which is not a layer "
                                 "described before it")
        _, height, layers = specs[spec["of"]]
        if depth + height > MAX_DEPTH:
            raise ModelFileError(f"layers nested more than {MAX_DEPTH} deep")
        return 0, height, layers
    if kind == "Linear":
        n_in = _int(spec["in_features"], where, "in_features")
        n_out = _int(spec["out_features"], where, "out_features")
        if spec["dtype"] not in DTYPES or not isinstance(spec["bias"], bool):
            raise ModelFileError(f"{where}: dtype must be one of {DTYPES} and bias a "
                                 f"bool, got {spec['dtype']!r}, {spec['bias']!r}")
        total = (n_out * n_in + n_out * spec["bias"]) * np.dtype(spec["dtype"]).itemsize
    elif kind == "LeakyReLU":
        _finite(spec["negative_slope"], where, "negative_slope")
    elif kind in ("Softmax", "LogSoftmax"):
        dim = spec["dim"]
        if dim is not None and (isinstance(dim, bool) or not isinstance(dim, int)
                                or abs(dim) > MAX_DEPTH):
            raise ModelFileError(f"{where}: dim must be null or a small int, got {dim!r}")
    elif kind == "Dropout":
        if not 0 <= _finite(spec["p"], where, "p") <= 1:
            raise ModelFileError(f"{where}: dropout p must be in [0, 1], got {spec['p']}")
    elif kind in ("Sequential", "MLP"):
        children = spec["children"]
        if not isinstance(children, list):
            raise ModelFileError(f"{where}: children must be a list")
        names: list[str] = []
        for i, child in enumerate(children):
            if not (isinstance(child, list) and len(child) == 2 and isinstance(child[0], str)
                    and _NAME.fullmatch(child[0])):
                raise ModelFileError(f"{where}: child {i} must be [name, layer] with a "
                                     "name of letters, digits and _")
            if child[0] in names:
                raise ModelFileError(f"{where}: two children are named {child[0]!r}")
            names.append(child[0])
            size, below, count = _check(child[1], f"{path}.{child[0]}" if path else child[0],
                                        depth + 1, specs)
            total, height, layers = total + size, max(height, below + 1), layers + count
            if layers > MAX_LAYERS:
                raise ModelFileError(f"more than {MAX_LAYERS} layers")
        if kind == "MLP":
            if names != [str(i) for i in range(len(names))]:
                raise ModelFileError(f"{where}: an MLP's layers must be named 0, 1, 2, ...")
            if not isinstance(spec["hidden"], list):
                raise ModelFileError(f"{where}: hidden must be a list of ints")
            for h in spec["hidden"]:
                _int(h, where, "hidden size")
            _int(spec["in_features"], where, "in_features")
            _int(spec["out_features"], where, "out_features")
    specs[path] = (spec, height, layers)
    return total, height, layers


def _build(spec: dict[str, Any], path: str, mode: bool, built: dict[str, nn.Module]
           ) -> nn.Module:
    """A module from a description already checked by `_check`, in train/eval `mode` unless
    it says otherwise; `built` holds each layer by dotted name, for the shared ones."""
    kind = spec["type"]
    if kind == "Shared":
        return built[spec["of"]]
    mode = spec.get("training", mode)
    m: nn.Module
    if kind == "Linear":
        m = nn.Linear(spec["in_features"], spec["out_features"], bias=spec["bias"],
                      dtype=spec["dtype"], seed=0)  # seed: skip gathering OS entropy
    elif kind in _SIMPLE:
        m = _SIMPLE[kind]()
    elif kind == "LeakyReLU":
        m = nn.LeakyReLU(float(spec["negative_slope"]))
    elif kind in ("Softmax", "LogSoftmax"):
        m = getattr(nn, kind)(spec["dim"])
    elif kind == "Dropout":
        m = nn.Dropout(float(spec["p"]))
    else:
        children = OrderedDict((name, _build(child, f"{path}.{name}" if path else name, mode,
                                             built)) for name, child in spec["children"])
        if kind == "Sequential":
            m = nn.Sequential(children)
        else:
            m = nn.MLP.__new__(nn.MLP)
            nn.Sequential.__init__(m, children)
            m.in_features, m.out_features = spec["in_features"], spec["out_features"]
            m.hidden = tuple(spec["hidden"])
    object.__setattr__(m, "training", mode)  # this layer only: its children set their own
    built[path] = m
    return m
