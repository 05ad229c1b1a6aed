"""Tests for tinygrad_edu.io: save/load round trips, and truncated, corrupted or hostile
files, each of which must raise ModelFileError naming the problem (never unpickle)."""

import io
import json
import pickle
import zipfile
from collections import OrderedDict

import numpy as np
import pytest

import tinygrad_edu.io
from tinygrad_edu import Tensor, nn
from tinygrad_edu.io import HEADER, ModelFileError, load, save

X = np.random.default_rng(0).standard_normal((7, 2))


@pytest.fixture(autouse=True)
def no_pickle(monkeypatch):
    """Loading must never unpickle anything, whatever the file holds."""
    def refuse(*args, **kwargs):
        raise AssertionError("pickle was used while loading")
    monkeypatch.setattr(pickle, "load", refuse)
    monkeypatch.setattr(pickle, "loads", refuse)


def _predict(model, x=X):
    return model(Tensor(x)).data


MODELS = {
    "mlp": lambda: nn.MLP(2, [16, 8], 1, seed=0),
    "mlp_options": lambda: nn.MLP(2, [5, 4, 3], 3, activation="leaky_relu", dropout=0.2,
                                  out_activation=nn.LogSoftmax(dim=1), bias=False,
                                  dtype=np.float64, seed=1),
    "sequential": lambda: nn.Sequential(nn.Linear(2, 4, seed=2), nn.Tanh(),
                                        nn.Linear(4, 3, seed=3), nn.Softmax(dim=-1)),
    "named_nested": lambda: nn.Sequential(OrderedDict([
        ("body", nn.Sequential(nn.Linear(2, 3, seed=4), nn.Sigmoid())),
        ("head", nn.Linear(3, 1, seed=5)), ("out", nn.Identity()),
        ("act", nn.LeakyReLU(0.3)), ("drop", nn.Dropout(0.5))])),
    "linear": lambda: nn.Linear(2, 5, seed=6),
}


@pytest.mark.parametrize("name", list(MODELS))
def test_round_trip_predicts_bit_identically(name, tmp_path):
    model = MODELS[name]()
    model.eval()
    path = tmp_path / "model.npz"
    save(model, path)
    loaded = load(path)
    assert type(loaded) is type(model) and repr(loaded) == repr(model)
    assert loaded.training is False
    np.testing.assert_array_equal(_predict(loaded), _predict(model))
    for (k, a), (k2, b) in zip(model.state_dict().items(), loaded.state_dict().items()):
        assert k == k2 and a.dtype == b.dtype
        np.testing.assert_array_equal(a, b)


def test_loaded_mlp_keeps_its_sizes_and_training_mode(tmp_path):
    model = nn.MLP(2, [16, 8], 1, seed=0)
    save(model, tmp_path / "m.npz")
    loaded = load(tmp_path / "m.npz")
    assert loaded.training is True and loaded.num_parameters() == 193
    assert (loaded.in_features, loaded.hidden, loaded.out_features) == (2, (16, 8), 1)


def test_the_file_is_a_plain_npz_with_a_uint8_json_header(tmp_path):
    path = tmp_path / "m.bin"  # written at exactly this path, no suffix added
    save(nn.MLP(2, 3, 1, seed=0), path)
    assert path.exists() and not (tmp_path / "m.bin.npz").exists()
    with np.load(path, allow_pickle=False) as z:
        assert set(z.files) == {"0.weight", "0.bias", "2.weight", "2.bias", HEADER}
        assert z[HEADER].dtype == np.uint8
        header = json.loads(z[HEADER].tobytes())
    assert header["model"]["type"] == "MLP" and header["version"] == 1


def test_custom_activation_cannot_be_saved_and_says_why(tmp_path):
    model = nn.MLP(2, 3, 1, activation=lambda t: t * t.sigmoid())
    with pytest.raises(ValueError, match=r"layer '1' is a custom activation.*stores no code"):
        save(model, tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())  # nothing half-written

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.fc = nn.Linear(2, 1)

        def forward(self, x):
            return self.fc(x)

    with pytest.raises(ValueError, match=r"Net, which save cannot describe.*state_dict"):
        save(Net(), tmp_path / "n.npz")
    with pytest.raises(TypeError, match="nn.Module"):
        save({"w": np.zeros(2)}, tmp_path / "d.npz")


# ---- hostile and broken files -----------------------------------------------------------------
def _header(model_spec, **extra):
    return {"format": "tinygrad_edu.model", "version": 1, "training": False,
            "model": model_spec, **extra}


LINEAR = {"type": "Linear", "in_features": 2, "out_features": 3, "bias": True,
          "dtype": "float32"}
GOOD = {"weight": np.zeros((3, 2), np.float32), "bias": np.zeros(3, np.float32)}


def _write(path, arrays, header=None, raw_header=None):
    arrays = dict(arrays)
    if header is not None or raw_header is not None:
        raw = raw_header if raw_header is not None else json.dumps(header).encode()
        arrays[HEADER] = np.frombuffer(raw, dtype=np.uint8)
    with open(path, "wb") as f:
        np.savez(f, **arrays)
    return path


def _fails(path, match):
    with pytest.raises(ModelFileError, match=match) as e:
        load(path)
    assert str(e.value).startswith(f"load: {path}: ")  # every error names the file


def test_the_well_formed_hand_written_file_loads(tmp_path):
    model = load(_write(tmp_path / "ok.npz", GOOD, _header(LINEAR)))
    assert isinstance(model, nn.Linear) and not model.weight.data.any()


def test_not_a_zip_and_truncated_files(tmp_path):
    junk = tmp_path / "junk.npz"
    junk.write_bytes(b"hello, I am not a model" * 10)
    _fails(junk, "not a .npz archive")
    good = tmp_path / "good.npz"
    save(nn.MLP(2, 8, 1, seed=0), good)
    data = good.read_bytes()
    for cut in (len(data) // 2, len(data) - 10, 30):
        part = tmp_path / f"cut{cut}.npz"
        part.write_bytes(data[:cut])
        _fails(part, "not a .npz archive|truncated|corrupted")
    with pytest.raises(FileNotFoundError):
        load(tmp_path / "missing.npz")


def test_corrupted_array_bytes_are_detected(tmp_path):
    model = nn.Linear(4, 4, seed=0)
    path = tmp_path / "m.npz"
    save(model, path)
    data = bytearray(path.read_bytes())
    at = bytes(data).find(model.weight.data.tobytes())
    assert at > 0
    data[at + 5] ^= 0xFF  # flip a byte of the weights: the zip's CRC no longer matches
    path.write_bytes(bytes(data))
    _fails(path, "corrupted")


def test_object_arrays_are_refused_without_unpickling(tmp_path):
    evil = {"weight": np.array([object()] * 6, dtype=object).reshape(3, 2),
            "bias": np.zeros(3, np.float32)}
    _fails(_write(tmp_path / "obj.npz", evil, _header(LINEAR)), r"'weight' has dtype object")
    with open(tmp_path / "objh.npz", "wb") as f:
        np.savez(f, weight=GOOD["weight"], bias=GOOD["bias"],
                 **{HEADER: np.array([_header(LINEAR)], dtype=object)})
    _fails(tmp_path / "objh.npz", "header should be a 1-D uint8 array")


@pytest.mark.parametrize("raw,match", [
    (b"not json at all", "not valid JSON"),
    (b"\xff\xfe\x00", "not valid JSON"),
    (b"[" * 100_000 + b"]" * 100_000, "not valid JSON|does not describe"),
    (json.dumps(_header(dict(LINEAR, in_features=float("nan")))).encode(), "NaN"),
    (b'{"format": "something else"}', "does not describe"),
    (json.dumps(_header(LINEAR) | {"version": 99}).encode(), "version 99"),
    (json.dumps(_header(LINEAR) | {"code": "import os"}).encode(), "unexpected header"),
])
def test_bad_headers(tmp_path, raw, match):
    _fails(_write(tmp_path / "h.npz", GOOD, raw_header=raw), match)


def test_missing_header(tmp_path):
    _fails(_write(tmp_path / "plain.npz", GOOD), "no '__tinygrad_edu__' header")


@pytest.mark.parametrize("spec,match", [
    ({"type": "Conv2d", "in_channels": 3}, "unknown layer type 'Conv2d'"),
    ({"type": "__import__"}, "unknown layer type"),
    ("Linear", "unknown layer type"),
    (dict(LINEAR, activation="relu"), "unexpected fields"),
    ({k: v for k, v in LINEAR.items() if k != "bias"}, "lacks fields"),
    (dict(LINEAR, in_features=-2), "in_features must be an int >= 1"),
    (dict(LINEAR, out_features=True), "out_features"),
    (dict(LINEAR, dtype="object"), "dtype must be one of"),
    (dict(LINEAR, in_features=10**9, out_features=10**9), "describes .* bytes .* holds"),
    ({"type": "Dropout", "p": 3.0}, "dropout p"),
    ({"type": "LeakyReLU", "negative_slope": "x"}, "finite number"),
    ({"type": "Softmax", "dim": 10**12}, "dim must be"),
    ({"type": "Sequential", "children": [["../x", LINEAR]]}, "letters, digits"),
    ({"type": "Sequential", "children": [["0", LINEAR], ["0", LINEAR]]}, "two children"),
    ({"type": "Sequential", "children": "no"}, "must be a list"),
    ({"type": "MLP", "in_features": 2, "hidden": [], "out_features": 3,
      "children": [["a", LINEAR]]}, "named 0, 1, 2"),
])
def test_bad_layer_descriptions(tmp_path, spec, match):
    arrays = GOOD
    if isinstance(spec, dict) and spec.get("type") in ("Sequential", "MLP") \
            and isinstance(spec["children"], list) and spec["children"]:
        name = spec["children"][0][0]
        arrays = {f"{name}.{k}": v for k, v in GOOD.items()}
    _fails(_write(tmp_path / "s.npz", arrays, _header(spec)), match)


def test_too_deep_nesting(tmp_path):
    spec = LINEAR
    for _ in range(40):
        spec = {"type": "Sequential", "children": [["0", spec]]}
    _fails(_write(tmp_path / "deep.npz", {"0." * 40 + "weight": GOOD["weight"]},
                  _header(spec)), "nested more than")


def test_arrays_that_do_not_fit_the_description(tmp_path):
    _fails(_write(tmp_path / "shape.npz", {"weight": np.zeros((2, 3), np.float32),
                                           "bias": GOOD["bias"]}, _header(LINEAR)),
           r"'weight' has shape \(2, 3\).*needs \(3, 2\)")
    _fails(_write(tmp_path / "dtype.npz", {"weight": np.zeros((3, 2)), "bias": GOOD["bias"]},
                  _header(LINEAR)), "has dtype float64, expected float32")
    _fails(_write(tmp_path / "missing.npz", {"weight": GOOD["weight"], "pad": np.zeros(10)},
                  _header(LINEAR)), r"missing \['bias'\], unexpected \['pad'\]")
    _fails(_write(tmp_path / "extra.npz", dict(GOOD, evil=np.zeros(3)), _header(LINEAR)),
           r"unexpected \['evil'\]")


def test_npy_header_declaring_more_data_than_it_holds(tmp_path):
    """A member whose .npy header promises an array its bytes do not contain."""
    path = tmp_path / "short.npz"
    _write(path, GOOD, _header(LINEAR))
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    members["weight.npy"] = members["weight.npy"][:-8]  # drop the last two floats
    with zipfile.ZipFile(path, "w") as zf:
        for name, data in members.items():
            zf.writestr(name, data)
    _fails(path, "'weight' should hold 24 bytes of data, the file has 16")


def test_unexpected_entries_in_the_archive(tmp_path):
    path = _write(tmp_path / "x.npz", GOOD, _header(LINEAR))
    with zipfile.ZipFile(path, "a") as zf:
        zf.writestr("run_me.py", "print('hi')")
    _fails(path, "unexpected entry 'run_me.py'")


def test_oversized_header_is_not_read(tmp_path):
    raw = json.dumps(_header(LINEAR)).encode() + b" " * (1 << 20)
    _fails(_write(tmp_path / "big.npz", GOOD, raw_header=raw), "more than a model")


def test_zip_bomb_member_is_refused_before_it_is_inflated(tmp_path):
    """A member that inflates to 64 MB where the description needs 24 bytes."""
    path = tmp_path / "bomb.npz"
    _write(path, GOOD, _header(LINEAR))
    with zipfile.ZipFile(path) as zf:
        members = {i.filename: zf.read(i) for i in zf.infolist()}
    head = members["weight.npy"][:-24]  # the .npy header, which still says (3, 2) float32
    with zipfile.ZipFile(path, "w", compression=zipfile.ZIP_DEFLATED) as zf:
        for name, data in members.items():
            zf.writestr(name, head + bytes(64 << 20) if name == "weight.npy" else data)
    assert path.stat().st_size < 1 << 20
    _fails(path, "'weight' should hold 24 bytes of data, the file has 67108864")


# ---- size caps, compression, non-finite weights -------------------------------------------------
def _npy(arr):
    buf = io.BytesIO()
    np.save(buf, arr)
    return buf.getvalue()


def _zip(path, members, compression=zipfile.ZIP_DEFLATED):
    """Write raw .npy members (name -> bytes) with the given compression."""
    with zipfile.ZipFile(path, "w", compression=compression) as zf:
        for name, data in members.items():
            zf.writestr(name + ".npy", data)
    return path


def _never_read(monkeypatch):
    """Fail the test if load reads any array or builds any layer."""
    def refuse(*args, **kwargs):
        raise AssertionError("load read an array or built the model before refusing the file")
    monkeypatch.setattr(np, "load", refuse)
    monkeypatch.setattr(tinygrad_edu.io, "_build", refuse)


def test_a_small_deflated_file_that_inflates_past_the_cap_is_refused_unread(tmp_path,
                                                                            monkeypatch):
    """The sizes in the header and the zip all agree, and the file is tiny on disk, but the
    weights are 2 MB once inflated: the cap is on that uncompressed size."""
    spec = dict(LINEAR, in_features=512, out_features=1024)
    arrays = {"weight": _npy(np.zeros((1024, 512), np.float32)),
              "bias": _npy(np.zeros(1024, np.float32)),
              HEADER: _npy(np.frombuffer(json.dumps(_header(spec)).encode(), np.uint8))}
    path = _zip(tmp_path / "bomb.npz", arrays)
    assert path.stat().st_size < 64 << 10
    total = sum(map(len, arrays.values()))
    monkeypatch.setattr(tinygrad_edu.io, "MAX_BYTES", 1 << 20)
    _never_read(monkeypatch)
    with pytest.raises(ModelFileError, match=rf"bomb\.npz: .*{total} bytes.*cap of 1048576"):
        load(path)
    monkeypatch.undo()
    assert load(path, max_bytes=4 << 20).weight.shape == (1024, 512)  # a model you trust


def test_max_bytes_caps_an_ordinary_file_too(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    save(nn.MLP(2, [16, 8], 1, seed=0), path)
    _never_read(monkeypatch)
    with pytest.raises(ModelFileError, match=r"m\.npz: .* bytes .*cap of 500 bytes"):
        load(path, max_bytes=500)
    monkeypatch.undo()
    assert load(path).num_parameters() == 193
    with pytest.raises(ValueError, match="max_bytes must be an int >= 1"):
        load(path, max_bytes=0)


@pytest.mark.parametrize("method", [zipfile.ZIP_BZIP2, zipfile.ZIP_LZMA], ids=["bzip2", "lzma"])
def test_compression_np_savez_never_writes_is_refused(tmp_path, monkeypatch, method):
    """bzip2 and lzma members inflate without a bound per read in zipfile, so a few KB could
    become gigabytes before any size is checked: refuse them from the header alone."""
    arrays = {k: _npy(v) for k, v in GOOD.items()}
    arrays[HEADER] = _npy(np.frombuffer(json.dumps(_header(LINEAR)).encode(), np.uint8))
    path = _zip(tmp_path / "c.npz", arrays, compression=method)
    _never_read(monkeypatch)
    with pytest.raises(ModelFileError, match=r"c\.npz: .*'weight.npy' is compressed with "
                                             r"(bzip2|lzma)"):
        load(path)


def _patch_central_size(path, name, new_size):
    """Rewrite the uncompressed size that the zip's central directory gives `name`."""
    data = bytearray(path.read_bytes())
    end = data.rfind(b"PK\x05\x06")
    at = int.from_bytes(data[end + 16:end + 20], "little")  # where the directory starts
    while data[at:at + 4] == b"PK\x01\x02":
        n, extra, comment = (int.from_bytes(data[at + i:at + i + 2], "little")
                             for i in (28, 30, 32))
        if data[at + 46:at + 46 + n] == name.encode():
            data[at + 24:at + 28] = new_size.to_bytes(4, "little")
            path.write_bytes(bytes(data))
            return
        at += 46 + n + extra + comment
    raise AssertionError(f"{name} is not in {path}")


def test_a_member_whose_zip_header_lies_about_its_size_is_refused(tmp_path):
    arrays = {k: _npy(v) for k, v in GOOD.items()}
    arrays[HEADER] = _npy(np.frombuffer(json.dumps(_header(LINEAR)).encode(), np.uint8))
    # stored: the zip says 1000 bytes more than it holds
    stored = _zip(tmp_path / "s.npz", arrays, compression=zipfile.ZIP_STORED)
    _patch_central_size(stored, "weight.npy", len(arrays["weight"]) + 1000)
    _fails(stored, r"s\.npz: .*'weight.npy'.*(says|holds)")
    # deflated: a member that inflates to 64 MB, declared as the 152 bytes the model needs
    big = dict(arrays, weight=arrays["weight"] + bytes(64 << 20))
    deflated = _zip(tmp_path / "d.npz", big)
    _patch_central_size(deflated, "weight.npy", len(arrays["weight"]))
    _fails(deflated, r"d\.npz: .*corrupted")


def test_non_finite_weights_are_refused_on_load_naming_the_parameter(tmp_path):
    weight = GOOD["weight"].copy()
    weight.flat[[0, 2, 5]] = [np.nan, np.inf, -np.inf]
    path = _write(tmp_path / "model.npz", dict(GOOD, weight=weight), _header(LINEAR))
    _fails(path, r"model\.npz: parameter 'weight' holds 3 nan/inf values")
    spec = {"type": "Sequential", "children": [["0", LINEAR]]}
    bias = GOOD["bias"].copy()
    bias[1] = np.nan
    path = _write(tmp_path / "seq.npz", {"0.weight": GOOD["weight"], "0.bias": bias},
                  _header(spec))
    _fails(path, r"seq\.npz: parameter '0.bias' holds 1 nan/inf value\b")


def test_saving_non_finite_weights_is_an_error_and_writes_nothing(tmp_path):
    model = nn.MLP(2, 3, 1, seed=0)
    model[0].weight.data[0, :] = np.nan
    with pytest.raises(ValueError, match=r"parameter '0.weight' holds 2 nan/inf values"):
        save(model, tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())
    np.savez(tmp_path / "broken.npz", **model.state_dict())  # the way to keep them, as it says


# ---- what save writes, load reads ---------------------------------------------------------------
def _nested(depth):
    model = nn.Linear(2, 2, seed=0)
    for _ in range(depth):
        model = nn.Sequential(model)
    return model


def _with_extra_parameter():
    layer = nn.Linear(2, 3, seed=0)
    layer.scale = nn.Parameter(np.ones(3, np.float32))
    return nn.Sequential(layer, nn.ReLU())


def _mixed_bias():
    layer = nn.Linear(2, 3, seed=0)
    layer.bias = nn.Parameter(np.zeros(3))
    return layer


def _contains_itself():
    model = nn.Sequential(nn.Linear(2, 2, seed=0))
    model.append(model)
    return model


@pytest.mark.parametrize("make,match", [
    (lambda: nn.Sequential(nn.Linear(2, 2, seed=0), nn.LeakyReLU(float("nan"))),
     "negative_slope must be a finite number, got nan; load would refuse"),
    (lambda: nn.Sequential(nn.Linear(2, 2, seed=0), nn.Softmax(dim=40)),
     "dim must be null or a small int, got 40"),
    (_mixed_bias, r"weight of float32 \(3, 2\) and a bias of float64 \(3,\)"),
    (_with_extra_parameter, r"differing: \['0.scale'\]"),
    (_contains_itself, "'1' contains itself"),
    (lambda: _nested(40), "nested more than 32 deep"),
], ids=["nan_slope", "softmax_dim", "mixed_bias", "extra_parameter", "cycle", "too_deep"])
def test_save_refuses_what_load_would_refuse_and_writes_nothing(make, match, tmp_path):
    with pytest.raises(ValueError, match=match):
        save(make(), tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())


@pytest.mark.skipif(np.dtype(np.longdouble).itemsize <= 8, reason="longdouble is float64 here")
def test_save_refuses_a_dtype_the_format_cannot_hold(tmp_path):
    with pytest.raises(ValueError, match=r"layer 'layer' has float128 weights; .*float16, float32"):
        save(nn.Sequential(OrderedDict(layer=nn.Linear(2, 2, dtype=np.longdouble))),
             tmp_path / "m.npz")
    assert not list(tmp_path.iterdir())


def test_numpy_ints_in_settings_are_saved_as_plain_ints(tmp_path):
    model = nn.Sequential(nn.MLP(np.int64(2), [np.int64(4)], np.int32(3), seed=0),
                          nn.LogSoftmax(dim=np.int64(1)))
    save(model, tmp_path / "m.npz")
    loaded = load(tmp_path / "m.npz")
    assert repr(loaded) == repr(model) and loaded[1].dim == 1
    np.testing.assert_array_equal(_predict(loaded), _predict(model))


def test_a_linear_given_new_weights_is_saved_as_they_are(tmp_path):
    """forward uses the weight, whatever in_features says, so the file must too."""
    layer = nn.Linear(2, 3, seed=0)
    layer.weight = nn.Parameter(np.full((5, 2), 0.5, np.float32))
    layer.bias = nn.Parameter(np.arange(5, dtype=np.float32))
    save(layer, tmp_path / "m.npz")
    np.testing.assert_array_equal(_predict(load(tmp_path / "m.npz")), _predict(layer))


def test_a_shared_layer_is_still_shared_after_loading(tmp_path):
    shared = nn.Linear(2, 2, seed=0)
    model = nn.Sequential(OrderedDict(a=shared, act=nn.Tanh(),
                                      body=nn.Sequential(shared, nn.ReLU()), c=shared))
    save(model, tmp_path / "m.npz")
    loaded = load(tmp_path / "m.npz")
    assert loaded.a is loaded.body[0] is loaded.c and len(loaded.parameters()) == 2
    assert list(loaded.state_dict()) == list(model.state_dict())
    np.testing.assert_array_equal(_predict(loaded), _predict(model))
    # one activation instance shared by every hidden layer, as MLP(activation=module) makes
    mlp = nn.MLP(2, [4, 4], 1, activation=nn.LeakyReLU(0.2), seed=0)
    save(mlp, tmp_path / "mlp.npz")
    loaded = load(tmp_path / "mlp.npz")
    assert loaded[1] is loaded[3] and loaded[1].negative_slope == 0.2


def test_each_layer_keeps_its_own_mode(tmp_path):
    """Dropout switched off while the rest trains must stay off: else the loaded model's
    predictions are random where the saved one's were not."""
    model = nn.MLP(2, [8, 8], 1, dropout=0.5, seed=0)
    model[2].eval()
    model[5].eval()
    save(model, tmp_path / "m.npz")
    loaded = load(tmp_path / "m.npz")
    assert [m.training for m in loaded.modules()] == [m.training for m in model.modules()]
    np.testing.assert_array_equal(_predict(loaded), _predict(model))


@pytest.mark.parametrize("spec,match", [
    ({"type": "Shared", "of": ""}, "shares '', which is not a layer described before it"),
    ({"type": "Sequential", "children": [["0", {"type": "Shared", "of": "0"}]]},
     "shares '0', which is not"),
    ({"type": "Sequential", "children": [["0", {"type": "Shared", "of": ["0"]}]]},
     r"shares \['0'\]"),
    (dict(LINEAR, training="yes"), "training must be true or false"),
    ({"type": "Shared", "of": "", "training": True}, "unexpected fields"),
])
def test_bad_shared_references_and_modes(tmp_path, spec, match):
    _fails(_write(tmp_path / "s.npz", GOOD, _header(spec)), match)


def test_a_shared_layer_saved_with_two_different_weights_is_refused(tmp_path):
    square = dict(LINEAR, in_features=3)
    spec = {"type": "Sequential", "children": [["0", square],
                                               ["1", {"type": "Shared", "of": "0"}]]}
    weights = {"weight": np.eye(3, dtype=np.float32), "bias": GOOD["bias"]}
    arrays = {f"{i}.{k}": v for i in (0, 1) for k, v in weights.items()}
    loaded = load(_write(tmp_path / "ok.npz", arrays, _header(spec)))
    assert loaded[0] is loaded[1]
    arrays["1.bias"] = arrays["1.bias"] + 1  # which of the two would the layer get?
    _fails(_write(tmp_path / "two.npz", arrays, _header(spec)),
           r"arrays '0.bias' and '1.bias' are one shared layer's, but they differ")


def test_an_interrupted_save_leaves_the_old_file_whole(tmp_path, monkeypatch):
    path = tmp_path / "m.npz"
    save(nn.Linear(2, 3, seed=0), path)
    before = path.read_bytes()
    calls = []

    def crash(f, **arrays):
        f.write(b"PK half a zip")
        raise KeyboardInterrupt

    monkeypatch.setattr(np, "savez", crash)
    with pytest.raises(KeyboardInterrupt):
        save(nn.Linear(2, 3, seed=1), path)
    assert path.read_bytes() == before and [p.name for p in tmp_path.iterdir()] == ["m.npz"]
    monkeypatch.undo()
    real_fsync, real_replace = tinygrad_edu.io.os.fsync, tinygrad_edu.io.os.replace
    monkeypatch.setattr(tinygrad_edu.io.os, "fsync", lambda fd: calls.append("fsync")
                        or real_fsync(fd))
    monkeypatch.setattr(tinygrad_edu.io.os, "replace", lambda a, b: calls.append("replace")
                        or real_replace(a, b))
    save(nn.Linear(2, 3, seed=1), path)
    assert calls == ["fsync", "replace"]  # the data is on disk before it replaces the old


def _doubling(levels, first):
    """Children a, l1, l2, ...: each l<k> runs the one before it twice, so the model runs
    2**levels copies of `first` while its description stays tiny."""
    children = [["a", first]]
    for k in range(1, levels + 1):
        before = children[-1][0]
        children.append([f"l{k}", {"type": "Sequential", "children": [
            ["0", {"type": "Shared", "of": before}], ["1", {"type": "Shared", "of": before}]]}])
    return {"type": "Sequential", "children": children}


def test_sharing_cannot_hide_a_model_too_long_to_run(tmp_path):
    """2**40 ReLU calls per prediction, from a header of a few KB and no arrays: counted
    as run, not as written, so it is refused (it would load, then never predict)."""
    _fails(_write(tmp_path / "long.npz", {}, _header(_doubling(40, {"type": "ReLU"}))),
           "more than 10000 layers")
    # with a Linear, listing its keys alone would never end
    arrays = {"a.weight": GOOD["weight"], "a.bias": GOOD["bias"]}
    _fails(_write(tmp_path / "keys.npz", arrays, _header(_doubling(40, LINEAR))),
           "more than 10000 layers")
    ok = load(_write(tmp_path / "ok.npz", {}, _header(_doubling(5, {"type": "ReLU"}))))
    assert ok.l5[0] is ok.l5[1] is ok.l4 and len(list(ok.modules())) == 1 + 1 + 5


def test_sharing_cannot_hide_nesting_deeper_than_the_limit(tmp_path):
    deep = {"type": "ReLU"}
    for _ in range(20):
        deep = {"type": "Sequential", "children": [["0", deep]]}
    shared = {"type": "Shared", "of": "a"}
    for _ in range(20):
        shared = {"type": "Sequential", "children": [["0", shared]]}
    spec = {"type": "Sequential", "children": [["a", deep], ["b", shared]]}
    _fails(_write(tmp_path / "deep.npz", {}, _header(spec)), "nested more than 32 deep")


def test_save_names_the_path_the_user_gave_when_it_cannot_write(tmp_path):
    """Not the temporary file ('m.npz.tmp1234'), which the user never named."""
    with pytest.raises(FileNotFoundError, match=r"save: no folder .*nowhere.* to write "
                                                r".*nowhere/m\.npz"):
        save(nn.Linear(2, 2, seed=0), tmp_path / "nowhere" / "m.npz")
    with pytest.raises(IsADirectoryError, match=r"is a folder; give a file name, such as "
                                                r".*model\.npz"):
        save(nn.Linear(2, 2, seed=0), tmp_path)
    assert not list(tmp_path.iterdir())


def test_save_through_a_link_writes_the_file_it_points_to(tmp_path):
    target, link = tmp_path / "target.npz", tmp_path / "link.npz"
    save(nn.Linear(2, 2, seed=0), target)
    try:
        link.symlink_to(target)
    except OSError:
        pytest.skip("no symlinks here")
    model = nn.Linear(2, 2, seed=1)
    save(model, link)
    assert link.is_symlink()
    np.testing.assert_array_equal(_predict(load(target)), _predict(model))
