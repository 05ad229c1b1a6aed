"""Save a model to one file and load it back, without pickle and without running code.

The file is a plain ``.npz`` (a zip of ``.npy`` arrays, readable by ``np.load``): one
array per state_dict entry ("0.weight", "0.bias", ...) plus ``__tinygrad_edu__``, the
UTF-8 bytes of a JSON header that names each layer and its settings (a layer used twice
is described once, then referred to as {"type": "Shared", "of": its first name}). `load`
rebuilds the model from that description with known layer classes only, then copies the
weights in. `save` makes the checks `load` makes, so it never writes a file load refuses.

A model file is data, never code: the source tutorial's format stored marshalled
functions, which run on load, so opening a stranger's file ran the stranger's code.
Here every read uses ``allow_pickle=False``, and a truncated, corrupted or hostile file
(object arrays, wrong shapes or dtypes, unknown layers, missing or extra arrays, a header
that is not JSON, sizes the file cannot hold, arrays that would inflate past `MAX_BYTES`,
nan or inf weights) raises `ModelFileError` naming the file and the problem, before any
large array is allocated.
"""

from __future__ import annotations

import json
import math
import operator
import os
import re
import zipfile
import zlib
from collections import OrderedDict
from collections.abc import Iterator
from typing import Any

import numpy as np

from . import nn

__all__ = ["save", "load", "ModelFileError"]

FORMAT = "tinygrad_edu.model"
VERSION = 1
HEADER = "__tinygrad_edu__"
MAX_HEADER_BYTES = 1 << 20
MAX_BYTES = 1 << 30     # load's default cap on the arrays' decompressed size: 1 GiB
MAX_DEPTH = 32
MAX_LAYERS = 10_000
DTYPES = ("float16", "float32", "float64")
_NAME = re.compile(r"[A-Za-z0-9_]{1,200}")
_ZIP_ERRORS = (ValueError, OSError, EOFError, RuntimeError, NotImplementedError,
               zipfile.BadZipFile, zlib.error)  # what a damaged or odd archive may raise
_METHODS = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}
# dotted name -> (a checked layer description, how deep it nests, how many layers it runs)
_Specs = dict[str, tuple[dict[str, Any], int, int]]
_SIMPLE = {"ReLU": nn.ReLU, "Tanh": nn.Tanh, "Sigmoid": nn.Sigmoid, "Identity": nn.Identity}


class ModelFileError(ValueError):
    """A model file that cannot be loaded safely; the message says what is wrong."""


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


def save(model: nn.Module, path: str | os.PathLike) -> None:
    """Write `model` (an MLP, a Sequential of known layers, or one such layer) to `path`.

    The file is written exactly at `path` (".npz" is a good suffix; none is added),
    through a temporary file, so a crash never leaves half a model behind. A layer used
    twice stays one shared layer after `load`, and each layer keeps its train/eval mode.
    What `load` would refuse (nan or inf weights, a dtype or setting the format cannot
    hold) is a ValueError here, naming the layer, and nothing is written: unlike
    ``torch.save``, which writes whatever it is given.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"save: expected an nn.Module, got {type(model).__name__}")
    header = {"format": FORMAT, "version": VERSION, "training": bool(model.training),
              "model": _describe(model, "", model.training, {}, ())}
    specs: _Specs = {}
    try:  # the checks load makes, so that what save writes, load reads
        _check(header["model"], "", 0, specs)
    except ModelFileError as e:
        raise ValueError(f"save: {e}; load would refuse such a file, so nothing was "
                         "written") from None
    arrays = model.state_dict()
    for key, arr in arrays.items():
        bad = _count_non_finite(arr)
        if bad:
            raise ValueError(f"save: parameter {key!r} holds {bad} nan/inf value"
                             f"{'s' if bad != 1 else ''}: training diverged, and load would "
                             "refuse the file. Lower the learning rate and train again (to "
                             "keep the broken weights for a look, np.savez(path, "
                             "**model.state_dict()))")
    _arrays_match(header["model"], arrays, specs)
    arrays[HEADER] = np.frombuffer(json.dumps(header).encode("utf-8"), dtype=np.uint8)
    path = os.fspath(path)
    if os.path.isdir(path):
        raise IsADirectoryError(f"save: {path!r} is a folder; give a file name, such as "
                                f"{os.path.join(path, 'model.npz')!r}")
    folder = os.path.dirname(os.path.abspath(path))
    if not os.path.isdir(folder):
        raise FileNotFoundError(f"save: no folder {folder!r} to write {path!r} in")
    # through a link to the file it names, as open(path, "w") would; else the link is lost
    path = os.path.realpath(path)
    tmp = f"{path}.tmp{os.getpid()}"
    try:
        with open(tmp, "wb") as f:
            np.savez(f, **arrays)
            f.flush()
            os.fsync(f.fileno())  # on disk before it takes the old file's place
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)


# ---- reading it back ---------------------------------------------------------------------------
def _npy_header(zf: zipfile.ZipFile, info: zipfile.ZipInfo, key: str) -> tuple[tuple, np.dtype,
                                                                                int]:
    """Shape, dtype and header length of one member, read without touching its data."""
    try:
        with zf.open(info) as f:
            version = np.lib.format.read_magic(f)
            if version not in ((1, 0), (2, 0)):
                raise ValueError(f".npy format version {version} is not supported")
            reader = np.lib.format.read_array_header_1_0 if version == (1, 0) \
                else np.lib.format.read_array_header_2_0
            shape, _fortran, dtype = reader(f)
            return shape, dtype, f.tell()
    except _ZIP_ERRORS as e:
        raise ModelFileError(f"cannot read the .npy header of array {key!r}: {e} (the "
                             "file is corrupted, or was not written by save)") from None


def _read(zf: zipfile.ZipFile, info: zipfile.ZipInfo, key: str, shape: tuple,
          dtype: np.dtype) -> np.ndarray:
    got_shape, got_dtype, offset = _npy_header(zf, info, key)
    if got_dtype.hasobject or got_dtype != dtype:
        raise ModelFileError(f"array {key!r} has dtype {got_dtype}, expected {dtype}")
    if tuple(got_shape) != tuple(shape):
        raise ModelFileError(f"array {key!r} has shape {tuple(got_shape)}, the model "
                             f"described in the header needs {tuple(shape)}")
    nbytes = int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if info.file_size != offset + nbytes:
        raise ModelFileError(f"array {key!r} should hold {nbytes} bytes of data, the "
                             f"file has {info.file_size - offset} (truncated or corrupted)")
    try:
        with zf.open(info) as f:
            arr = np.load(f, allow_pickle=False)
    except _ZIP_ERRORS as e:
        raise ModelFileError(f"cannot read array {key!r}: {e} (the file is corrupted)") \
            from None
    if not isinstance(arr, np.ndarray) or arr.shape != tuple(shape) or arr.dtype != dtype:
        raise ModelFileError(f"array {key!r} did not read back as {dtype} {shape}")
    return arr


def _header(zf: zipfile.ZipFile, infos: dict[str, zipfile.ZipInfo]) -> dict[str, Any]:
    info = infos.get(HEADER)
    if info is None:
        raise ModelFileError(f"no {HEADER!r} header in this .npz, so it was not written "
                             "by tinygrad_edu.save (for plain weights use np.load and "
                             "model.load_state_dict)")
    if info.file_size > MAX_HEADER_BYTES:
        raise ModelFileError(f"the header is {info.file_size} bytes, more than a model "
                             f"description needs ({MAX_HEADER_BYTES}); refusing to read it")
    shape, dtype, _ = _npy_header(zf, info, HEADER)
    if dtype != np.uint8 or len(shape) != 1:
        raise ModelFileError(f"the header should be a 1-D uint8 array, got {dtype} "
                             f"{shape}")
    raw = _read(zf, info, HEADER, shape, np.dtype(np.uint8)).tobytes()
    try:
        header = json.loads(raw.decode("utf-8"), parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError, RecursionError) as e:
        raise ModelFileError(f"the header is not valid JSON ({e})") from None
    if not isinstance(header, dict) or header.get("format") != FORMAT:
        raise ModelFileError(f"the header does not describe a {FORMAT!r} file")
    if header.get("version") != VERSION:
        raise ModelFileError(f"format version {header.get('version')!r} is not "
                             f"supported (this tinygrad_edu reads version {VERSION})")
    extra = set(header) - {"format", "version", "training", "model"}
    if extra or not isinstance(header.get("training"), bool):
        raise ModelFileError(f"unexpected header fields {sorted(extra)} or a missing "
                             "'training' flag")
    return header


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not allowed")


def load(path: str | os.PathLike, *, max_bytes: int | None = None) -> nn.Module:
    """Rebuild the model saved by `save` at `path`: the same layers (shared ones shared),
    weights and modes, so it predicts bit for bit what the saved one did (dropout aside,
    in training mode).

    Files whose arrays would take more than `max_bytes` once decompressed (default
    `MAX_BYTES`, 1 GiB) are refused before anything is read: pass a larger cap for a big
    model you trust. Weights that are nan or inf are refused too, naming the parameter.
    Not in PyTorch's ``torch.load``, which has no cap. Every error names the file.
    """
    cap = MAX_BYTES if max_bytes is None else max_bytes
    if isinstance(cap, bool) or not isinstance(cap, int) or cap < 1:
        raise ValueError(f"load: max_bytes must be an int >= 1, got {max_bytes!r}")
    path = os.fspath(path)
    if os.path.isdir(path) or not os.path.exists(path):
        raise FileNotFoundError(f"load: no model file at {path!r}")
    try:
        return _load(path, cap)
    except ModelFileError as e:
        raise ModelFileError(f"load: {path}: {e}") from None


def _load(path: str, cap: int) -> nn.Module:
    try:
        zf = zipfile.ZipFile(path)
    except _ZIP_ERRORS:
        raise ModelFileError("not a .npz archive (truncated, corrupted, or not a model "
                             "file)") from None
    with zf:
        infos = _members(zf, cap)
        header = _header(zf, infos)
        budget = sum(i.file_size for k, i in infos.items() if k != HEADER)
        specs: _Specs = {}
        declared = _check(header["model"], "", 0, specs)[0]
        if declared > budget:
            raise ModelFileError(f"the header describes {declared} bytes of weights but "
                                 f"the file holds {budget} (truncated, or absurd layer sizes)")
        expected = dict(_expected(header["model"], "", specs))
        keys = set(infos) - {HEADER}
        missing, extra = sorted(set(expected) - keys), sorted(keys - set(expected))
        if missing or extra:
            raise ModelFileError(f"the arrays do not match the model: missing "
                                 f"{missing}, unexpected {extra}")
        arrays = {k: _finite_array(_read(zf, infos[k], k, shape, np.dtype(dtype)), k)
                  for k, (shape, dtype) in expected.items()}
    model = _build(header["model"], "", header["training"], {})
    first: dict[int, str] = {}
    for key, p in model._state_items():  # a shared layer's arrays, saved under each name
        if not np.array_equal(arrays[first.setdefault(id(p), key)], arrays[key]):
            raise ModelFileError(f"arrays {first[id(p)]!r} and {key!r} are one shared "
                                 "layer's, but they differ")
    model.load_state_dict(arrays)
    return model


def _members(zf: zipfile.ZipFile, cap: int) -> dict[str, zipfile.ZipInfo]:
    """Name -> entry, after checking from the zip's directory alone (nothing inflated) that
    the entries are .npy arrays, stored or deflated as np.savez writes them, and that their
    uncompressed sizes, which bound what reading them can produce, add up to at most `cap`."""
    infos: dict[str, zipfile.ZipInfo] = {}
    for info in zf.infolist():
        if not info.filename.endswith(".npy") or info.filename[:-4] in infos:
            raise ModelFileError(f"unexpected entry {info.filename!r} in the archive")
        if info.compress_type not in (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED):
            # zipfile inflates bzip2 and lzma without a limit per read, so they are refused
            method = _METHODS.get(info.compress_type, f"method {info.compress_type}")
            raise ModelFileError(f"entry {info.filename!r} is compressed with {method}; "
                                 "np.savez and np.savez_compressed write only stored or "
                                 "deflated entries")
        if info.compress_type == zipfile.ZIP_STORED and info.file_size != info.compress_size:
            raise ModelFileError(f"entry {info.filename!r} is stored uncompressed, but the zip "
                                 f"says it holds {info.file_size} bytes and it stores "
                                 f"{info.compress_size} (corrupted or forged)")
        infos[info.filename[:-4]] = info
    total = sum(i.file_size for i in infos.values())
    if total > cap:
        raise ModelFileError(f"its arrays take {total} bytes once decompressed, more than the "
                             f"cap of {cap} bytes; refusing to read them (for a model you "
                             "trust, pass a larger max_bytes)")
    return infos


def _finite_array(arr: np.ndarray, key: str) -> np.ndarray:
    bad = _count_non_finite(arr)
    if bad:
        raise ModelFileError(f"parameter {key!r} holds {bad} nan/inf value"
                             f"{'s' if bad != 1 else ''}; a model that diverged predicts "
                             "nothing useful, so it is not loaded")
    return arr


def _count_non_finite(arr: np.ndarray) -> int:
    return int(arr.size - np.count_nonzero(np.isfinite(arr)))


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
