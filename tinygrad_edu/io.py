"""Save a model to one file and load it back, without pickle and without running code.

The file is a plain ``.npz`` (a zip of ``.npy`` arrays, readable by ``np.load``): one
array per state_dict entry ("0.weight", "0.bias", ...) plus ``__tinygrad_edu__``, the
UTF-8 bytes of a JSON header that names each layer and its settings (a layer used twice
is described once, then referred to as {"type": "Shared", "of": its first name}). `load`
rebuilds the model from that description with known layer classes only, then copies the
weights in. `save` makes the checks `load` makes, so it never writes a file load refuses.
This file holds the archive: writing it, and reading its ``.npy`` members safely; the
description itself is written, checked and built in `model_spec`.

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
import os
import zipfile
import zlib
from typing import Any

import numpy as np

from . import nn

# the limits a description is checked against: re-exported, importable from io as before
from .model_spec import DTYPES as DTYPES
from .model_spec import LAYER_FIELDS as LAYER_FIELDS
from .model_spec import MAX_DEPTH as MAX_DEPTH
from .model_spec import MAX_LAYERS as MAX_LAYERS
from .model_spec import (
    ModelFileError,
    _arrays_match,
    _build,
    _check,
    _describe,
    _expected,
    _Specs,
)

__all__ = ["save", "load", "ModelFileError"]

FORMAT = "tinygrad_edu.model"
VERSION = 1
HEADER = "__tinygrad_edu__"
MAX_HEADER_BYTES = 1 << 20
MAX_BYTES = 1 << 30     # load's default cap on the arrays' decompressed size: 1 GiB
_ZIP_ERRORS = (ValueError, OSError, EOFError, RuntimeError, NotImplementedError,
               zipfile.BadZipFile, zlib.error)  # what a damaged or odd archive may raise
_METHODS = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma"}


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
