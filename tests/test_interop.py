"""interop: models across to PyTorch and back, and out to ONNX Runtime.

Torch tests skip without torch, ONNX tests without onnx/onnxruntime (CI installs both);
the missing-extra tests simulate absence, so they run everywhere.
"""

import subprocess
import sys
import warnings
from collections import OrderedDict

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from tinygrad_edu import Tensor, nn, no_grad
from tinygrad_edu.interop import (
    IR_VERSION,
    OPSET,
    SUPPORTED,
    UnsupportedModuleError,
    export_onnx,
    from_torch,
    save_torch,
    to_torch,
    torch_source,
)
from tinygrad_edu.interop import onnx_export as onnx_export_module

# name -> (ours, the torch.nn constructor arguments, the ONNX op or None)
ACTS = {
    "ReLU": ((), "Relu"),
    "LeakyReLU": ((0.2,), "LeakyRelu"),
    "Tanh": ((), "Tanh"),
    "Sigmoid": ((), "Sigmoid"),
    "Softmax": ((1,), "Softmax"),
    "LogSoftmax": ((1,), "LogSoftmax"),
    "Identity": ((), "Identity"),
    "Dropout": ((0.3,), None),
}


def act(name):
    return getattr(nn, name)(*ACTS[name][0])


def model_with(name, dtype=np.float64, seed=0):
    """Linear, activation, Linear, activation: the activation both inside and at the end."""
    return nn.Sequential(nn.Linear(3, 5, dtype=dtype, seed=seed), act(name),
                         nn.Linear(5, 4, dtype=dtype, seed=seed + 1), act(name))


def predict(model, x):
    model.eval()
    with no_grad():
        return model(Tensor(x)).data


def torch_predict(torch, module, x):
    module.eval()
    with torch.no_grad():
        return module(torch.from_numpy(x)).numpy()


def batch(n=7, d=3, dtype=np.float64, seed=1):
    return np.random.default_rng(seed).standard_normal((n, d)).astype(dtype)


# ---- PyTorch ---------------------------------------------------------------------------
@pytest.mark.parametrize("name", ACTS)
def test_round_trip_through_torch(name):
    torch = pytest.importorskip("torch")
    ours = model_with(name)
    theirs = to_torch(ours)
    assert [type(m).__name__ for m in theirs] == ["Linear", name, "Linear", name]
    assert all(p.dtype == torch.float64 for p in theirs.parameters())
    sd = ours.state_dict()
    assert list(theirs.state_dict()) == list(sd)
    for k, v in theirs.state_dict().items():
        np.testing.assert_array_equal(v.numpy(), sd[k])
    x = batch()
    np.testing.assert_allclose(torch_predict(torch, theirs, x), predict(ours, x), rtol=0,
                               atol=1e-6)
    back = from_torch(theirs)
    assert type(back) is nn.Sequential and type(back[1]) is type(ours[1])
    for k, v in back.state_dict().items():
        assert v.dtype == np.float64
        np.testing.assert_array_equal(v, sd[k])
    np.testing.assert_array_equal(predict(back, x), predict(ours, x))


def test_settings_cross_over():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.LeakyReLU(0.07), nn.Softmax(dim=0), nn.LogSoftmax(dim=-1),
                         nn.Dropout(0.25))
    t = to_torch(ours)
    assert (t[0].negative_slope, t[1].dim, t[2].dim, t[3].p) == (0.07, 0, -1, 0.25)
    back = from_torch(torch.nn.Sequential(torch.nn.LeakyReLU(0.3), torch.nn.Softmax(dim=1),
                                          torch.nn.Dropout(p=0.1)))
    assert (back[0].negative_slope, back[1].dim, back[2].p) == (0.3, 1, 0.1)


@pytest.mark.filterwarnings("ignore:Implicit dimension")
def test_softmax_without_dim_keeps_the_implicit_choice():
    # both libraries pick the axis from the input's rank (1 for 2-D), with a warning
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(3, 4, dtype=np.float64, seed=0), nn.Softmax(),
                         nn.LogSoftmax())
    theirs = to_torch(ours)
    assert theirs[1].dim is None and theirs[2].dim is None
    assert from_torch(theirs)[1].dim is None
    x = batch()
    np.testing.assert_allclose(torch_predict(torch, theirs, x), predict(ours, x), rtol=0,
                               atol=1e-6)


def test_mlp_becomes_a_torch_sequential_with_the_same_keys():
    torch = pytest.importorskip("torch")
    ours = nn.MLP(2, [16, 8], 1, activation="tanh", out_activation="sigmoid", dropout=0.1)
    theirs = to_torch(ours)
    assert type(theirs) is torch.nn.Sequential
    assert sum(p.numel() for p in theirs.parameters()) == ours.num_parameters() == 193
    # a torch model built by hand accepts the state_dict as it is
    by_hand = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Dropout(0.1),
                                  torch.nn.Linear(16, 8), torch.nn.Tanh(), torch.nn.Dropout(0.1),
                                  torch.nn.Linear(8, 1), torch.nn.Sigmoid())
    by_hand.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = batch(d=2, dtype=np.float32)
    np.testing.assert_allclose(torch_predict(torch, theirs, x), predict(ours, x), atol=1e-6)
    np.testing.assert_allclose(torch_predict(torch, by_hand, x), predict(ours, x), atol=1e-6)


def test_from_torch_of_a_torch_initialised_model():
    torch = pytest.importorskip("torch")
    torch.manual_seed(0)
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 8),
                                 torch.nn.Tanh(), torch.nn.Linear(8, 3), torch.nn.LogSoftmax(dim=1))
    ours32 = from_torch(theirs)
    assert ours32[0].weight.dtype == np.float32
    x = batch(d=2, dtype=np.float32)
    np.testing.assert_allclose(predict(ours32, x), torch_predict(torch, theirs, x), atol=1e-5)
    theirs.double()
    ours64 = from_torch(theirs)
    assert ours64[0].weight.dtype == np.float64
    x = x.astype(np.float64)
    np.testing.assert_allclose(predict(ours64, x), torch_predict(torch, theirs, x), rtol=0,
                               atol=1e-6)
    assert ours64.num_parameters() == sum(p.numel() for p in theirs.parameters())


def test_nesting_and_names_are_preserved_both_ways():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Sequential(OrderedDict([
        ("features", torch.nn.Sequential(torch.nn.Linear(3, 4), torch.nn.ReLU())),
        ("head", torch.nn.Linear(4, 2, bias=False)),
    ])).double()
    ours = from_torch(theirs)
    keys = ["features.0.weight", "features.0.bias", "head.weight"]
    assert list(ours.state_dict()) == keys
    assert ours.head.bias is None
    again = to_torch(ours)
    assert list(again.state_dict()) == keys and again.head.bias is None
    x = batch()
    expected = torch_predict(torch, theirs, x)
    np.testing.assert_allclose(predict(ours, x), expected, rtol=0, atol=1e-6)
    np.testing.assert_allclose(torch_predict(torch, again, x), expected, rtol=0, atol=1e-6)


def test_a_shared_layer_stays_shared():
    torch = pytest.importorskip("torch")
    square = nn.Linear(4, 4, dtype=np.float64, seed=0)
    ours = nn.Sequential(square, nn.Tanh(), square)
    theirs = to_torch(ours)
    assert theirs[0] is theirs[2] and len(theirs) == 3
    back = from_torch(theirs)
    assert back[0] is back[2] and len(back) == 3
    x = batch(d=4)
    np.testing.assert_allclose(torch_predict(torch, theirs, x), predict(ours, x), rtol=0,
                               atol=1e-6)
    np.testing.assert_array_equal(predict(back, x), predict(ours, x))


def test_train_mode_and_frozen_weights_cross_over():
    pytest.importorskip("torch")
    ours = model_with("Dropout")
    ours.train()
    ours[2].eval()
    ours[0].bias.requires_grad_(False)
    theirs = to_torch(ours)
    assert [m.training for m in theirs.modules()] == [True, True, True, False, True]
    assert not theirs[0].bias.requires_grad and theirs[0].weight.requires_grad
    back = from_torch(theirs)
    assert [m.training for m in back.modules()] == [True, True, True, False, True]
    assert not back[0].bias.requires_grad and back[0].weight.requires_grad


def test_gradients_agree_so_training_can_continue_in_torch():
    torch = pytest.importorskip("torch")
    ours = nn.Sequential(nn.Linear(3, 6, dtype=np.float64, seed=3), nn.Tanh(),
                         nn.Linear(6, 1, dtype=np.float64, seed=4))
    theirs = to_torch(ours)
    x, y = batch(), batch(d=1, seed=2)
    loss = ((ours(Tensor(x)) - Tensor(y)) ** 2).mean()
    loss.backward()
    ((theirs(torch.from_numpy(x)) - torch.from_numpy(y)) ** 2).mean().backward()
    for (name, p), q in zip(ours.named_parameters(), theirs.parameters()):
        np.testing.assert_allclose(q.grad.numpy(), p.grad, rtol=1e-10, atol=1e-12, err_msg=name)


LAYER = st.sampled_from(["Linear", *ACTS])


@given(st.lists(st.tuples(LAYER, st.integers(1, 5)), min_size=1, max_size=6),
       st.booleans(), st.integers(0, 2**16))
def test_random_stacks_round_trip(spec, use_bias, seed):
    torch = pytest.importorskip("torch")
    layers, width = [], 3
    for i, (name, size) in enumerate(spec):
        if name == "Linear":
            layers.append(nn.Linear(width, size, bias=use_bias, dtype=np.float64, seed=seed + i))
            width = size
        else:
            layers.append(act(name))
    ours = nn.Sequential(*layers)
    theirs = to_torch(ours)
    x = batch(n=4, seed=seed)
    np.testing.assert_allclose(torch_predict(torch, theirs, x), predict(ours, x), rtol=0,
                               atol=1e-6)
    back = from_torch(theirs)
    assert repr(back) == repr(ours)
    for (k, v), (k2, v2) in zip(back.state_dict().items(), ours.state_dict().items()):
        assert k == k2
        np.testing.assert_array_equal(v, v2)


def test_save_torch_writes_a_state_dict(tmp_path):
    torch = pytest.importorskip("torch")
    ours = model_with("Tanh")
    path = tmp_path / "model.pt"
    returned = save_torch(ours, path)
    loaded = torch.load(path, weights_only=True)
    assert isinstance(loaded, dict) and list(loaded) == list(ours.state_dict())
    fresh = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 4),
                                torch.nn.Tanh()).double()
    fresh.load_state_dict(loaded)
    x = batch()
    np.testing.assert_array_equal(torch_predict(torch, fresh, x),
                                  torch_predict(torch, returned, x))
    np.testing.assert_allclose(torch_predict(torch, fresh, x), predict(ours, x), atol=1e-6)


def test_torch_source_builds_the_same_module():
    torch = pytest.importorskip("torch")
    named = nn.Sequential(OrderedDict([
        ("features", nn.Sequential(nn.Linear(3, 4, dtype=np.float64), nn.LeakyReLU(0.2))),
        ("head", nn.Linear(4, 2, bias=False)),
    ]))
    models = [model_with(name) for name in ACTS] + [
        named, nn.MLP(2, [16, 8], 1, activation="tanh", dropout=0.2), nn.Sequential(),
        nn.Linear(2, 3, bias=False)]
    for model in models:
        code = torch_source(model)
        built = eval(code, {"torch": torch, "OrderedDict": OrderedDict})
        reference = to_torch(model)
        assert repr(built) == repr(reference), code
        built.load_state_dict(reference.state_dict())  # same keys and shapes, strict
        assert [p.dtype for p in built.parameters()] == [p.dtype for p in reference.parameters()]



def test_torch_source_writes_plain_numbers_and_the_dtypes_to_torch_takes():
    """numpy settings (LeakyReLU(np.float64(0.2))) must not print as np.float64(0.2), which
    a torch program without numpy cannot run; a dtype to_torch refuses is refused too."""
    torch = pytest.importorskip("torch")
    model = nn.Sequential(nn.Linear(3, 4, seed=0), nn.LeakyReLU(np.float64(0.2)),
                          nn.Linear(4, 2, seed=1), nn.Softmax(dim=np.int64(1)))
    code = torch_source(model)
    assert "np." not in code and "negative_slope=0.2)" in code and "dim=1)" in code
    built = eval(code, {"torch": torch})
    assert repr(built) == repr(to_torch(model))
    with pytest.raises(TypeError, match=r"layer '0' has weights of dtype float16"):
        torch_source(nn.Sequential(nn.Linear(2, 2, dtype=np.float16)))


def test_a_shared_layer_through_save_torch_and_torch_source(tmp_path):
    torch = pytest.importorskip("torch")
    shared = nn.Linear(3, 3, dtype=np.float64, seed=0)
    ours = nn.Sequential(shared, nn.Tanh(), shared)
    save_torch(ours, tmp_path / "m.pt")
    rebuilt = eval(torch_source(ours), {"torch": torch})
    rebuilt.load_state_dict(torch.load(tmp_path / "m.pt", weights_only=True))
    x = batch()
    np.testing.assert_allclose(torch_predict(torch, rebuilt, x), predict(ours, x), atol=1e-12)

# ---- what cannot cross -----------------------------------------------------------------
class Square(nn.Module):
    def forward(self, x):
        return x * x


class Doubled(nn.Sequential):
    def forward(self, x):
        return super().forward(x) * 2


def _assert_lists_supported(err, where):
    message = str(err.value)
    assert where in message
    assert all(name in message for name in SUPPORTED)


@pytest.mark.parametrize("fn", ["to_torch", "torch_source", "export_onnx"])
def test_our_unsupported_layers_are_named(fn, tmp_path):
    if fn == "to_torch":
        pytest.importorskip("torch")
        convert = to_torch
    elif fn == "torch_source":
        convert = torch_source
    else:
        pytest.importorskip("onnx")
        pytest.importorskip("onnxruntime")
        convert = lambda m: export_onnx(m, tmp_path / "m.onnx", input_dim=3)
    for model, where in [
        (nn.Sequential(nn.Linear(3, 3), Square()), "layer '1'"),
        (nn.Sequential(nn.Sequential(nn.Linear(3, 3), Square())), "layer '0.1'"),
        (nn.MLP(3, [4], 1, activation=lambda t: t * t), "layer '1': Lambda(fn=<lambda>)"),
        (Doubled(nn.Linear(3, 3)), "the model itself"),
    ]:
        with pytest.raises(UnsupportedModuleError) as err:
            convert(model)
        _assert_lists_supported(err, where)
        assert not (tmp_path / "m.onnx").exists()
    with pytest.raises(TypeError, match="nn.Module"):
        convert(np.zeros(3))


@pytest.mark.parametrize("fn", ["to_torch", "torch_source", "export_onnx"])
def test_a_scalar_mlp_is_named_in_full(fn, tmp_path):
    """nn.scalar.MLP shares its name with nn.MLP: "MLP has no translation; supported
    layers: ..., MLP" contradicted itself."""
    from tinygrad_edu.nn.scalar import MLP as ScalarMLP
    if fn == "to_torch":
        pytest.importorskip("torch")
    elif fn == "export_onnx":
        _onnx()
    convert = {"to_torch": to_torch, "torch_source": torch_source,
               "export_onnx": lambda m: export_onnx(m, tmp_path / "m.onnx", input_dim=2)}[fn]
    with pytest.raises(UnsupportedModuleError,
                       match=r"the model itself: tinygrad_edu\.nn\.scalar\.MLP has no "
                             r"translation \(it computes with scalar Values; build .*nn\.MLP"):
        convert(ScalarMLP(2, [4, 1], seed=0))


def test_torch_unsupported_layers_are_named():
    torch = pytest.importorskip("torch")

    class Wrapped(torch.nn.Sequential):
        def forward(self, x):
            return super().forward(x) + 1

    for module, where in [
        (torch.nn.Sequential(torch.nn.Conv2d(1, 2, 3)), "layer '0'"),
        (torch.nn.Sequential(torch.nn.Linear(2, 2), torch.nn.Sequential(torch.nn.GELU())),
         "layer '1.0'"),
        (Wrapped(torch.nn.Linear(2, 2)), "the model itself"),
    ]:
        with pytest.raises(UnsupportedModuleError) as err:
            from_torch(module)
        _assert_lists_supported(err, where)
    with pytest.raises(TypeError, match="bfloat16"):
        from_torch(torch.nn.Linear(2, 2).to(torch.bfloat16))
    with pytest.raises(TypeError, match="torch.nn.Module"):
        from_torch(model_with("ReLU"))



def test_torch_layers_with_forward_hooks_are_refused():
    """A hook changes what the layer computes; copying the bare layer predicted something
    else with no error (weight_norm: the copied .weight was stale once weight_g moved)."""
    torch = pytest.importorskip("torch")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # weight_norm is deprecated, still in use
        normed = torch.nn.utils.weight_norm(torch.nn.Linear(3, 2))
    with pytest.raises(UnsupportedModuleError, match=r"layer '0': Linear has forward hooks.*"
                                                     r"remove_weight_norm"):
        from_torch(torch.nn.Sequential(normed, torch.nn.ReLU()))
    torch.nn.utils.remove_weight_norm(normed)
    assert from_torch(normed).weight.shape == (2, 3)  # without the hook it crosses
    hooked = torch.nn.Sequential(torch.nn.Linear(3, 2))
    hooked.register_forward_pre_hook(lambda module, args: (args[0] * 2,))
    with pytest.raises(UnsupportedModuleError, match="the model itself: Sequential has forward"):
        from_torch(hooked)

# ---- ONNX ------------------------------------------------------------------------------
def _onnx():
    onnx = pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    return onnx, ort


def run_onnx(ort, path, x):
    session = ort.InferenceSession(str(path), providers=["CPUExecutionProvider"])
    return session.run(None, {"input": x})[0]


@pytest.mark.parametrize("name", ACTS)
def test_onnx_export_matches_onnxruntime(name, tmp_path):
    onnx, ort = _onnx()
    ours = model_with(name, dtype=np.float32)
    path = tmp_path / "model.onnx"
    export_onnx(ours, path, verify=False)
    model = onnx.load(str(path))
    onnx.checker.check_model(model, full_check=True)
    assert model.ir_version == IR_VERSION
    assert [(o.domain, o.version) for o in model.opset_import] == [("", OPSET)]
    op = ACTS[name][1]
    expected = ["Gemm", op, "Gemm", op] if op else ["Gemm", "Gemm"]  # Dropout leaves no node
    assert [n.op_type for n in model.graph.node] == expected
    gemm = [n for n in model.graph.node if n.op_type == "Gemm"]
    assert all(onnx.helper.get_attribute_value(n.attribute[0]) == 1 for n in gemm)  # transB
    for n in model.graph.node:
        attrs = {a.name: onnx.helper.get_attribute_value(a) for a in n.attribute}
        if n.op_type == "LeakyRelu":
            assert attrs == {"alpha": pytest.approx(0.2)}
        if n.op_type in ("Softmax", "LogSoftmax"):
            assert attrs == {"axis": 1}
    for rows in (1, 7):  # the batch dimension is symbolic
        x = batch(n=rows, dtype=np.float32, seed=rows)
        np.testing.assert_allclose(run_onnx(ort, path, x), predict(ours, x), rtol=0, atol=1e-5)


def test_onnx_ir_version_is_the_one_the_opset_needs():
    onnx, _ = _onnx()
    assert IR_VERSION == onnx.helper.find_min_ir_version_for([onnx.helper.make_opsetid("", OPSET)])


def test_onnx_export_of_an_mlp_in_float64_with_verification(tmp_path):
    _, ort = _onnx()
    ours = nn.MLP(2, [16, 8], 3, activation="leaky_relu", out_activation=nn.LogSoftmax(dim=1))
    for p in ours.parameters():
        p.data = p.data.astype(np.float64)
    proto = export_onnx(ours, tmp_path / "mlp.onnx")  # verify=True runs onnxruntime itself
    assert [i.name for i in proto.graph.initializer] == list(ours.state_dict())
    assert all(i.data_type == 1 for i in proto.graph.initializer)  # FLOAT
    x = batch(n=9, d=2, dtype=np.float32)
    np.testing.assert_allclose(run_onnx(ort, tmp_path / "mlp.onnx", x), predict(ours, x),
                               atol=1e-5)


def test_onnx_weights_of_a_lone_linear_have_its_state_dict_names(tmp_path):
    _, ort = _onnx()
    layer = nn.Linear(3, 2, seed=0)
    proto = export_onnx(layer, tmp_path / "l.onnx")
    assert [i.name for i in proto.graph.initializer] == list(layer.state_dict()) \
        == ["weight", "bias"]
    x = batch(n=4, dtype=np.float32)
    np.testing.assert_allclose(run_onnx(ort, tmp_path / "l.onnx", x), predict(layer, x),
                               atol=1e-6)


def test_onnx_input_dim(tmp_path):
    _, ort = _onnx()
    with pytest.raises(ValueError, match="takes 3 features but receives 4"):
        export_onnx(model_with("ReLU"), tmp_path / "a.onnx", input_dim=4)
    with pytest.raises(ValueError, match="no Linear"):
        export_onnx(nn.Sequential(nn.Tanh()), tmp_path / "b.onnx")
    with pytest.raises(ValueError, match="positive int"):
        export_onnx(model_with("ReLU"), tmp_path / "c.onnx", input_dim=0)
    with pytest.raises(ValueError, match="dim=2"):
        export_onnx(nn.Sequential(nn.Linear(3, 2), nn.Softmax(dim=2)), tmp_path / "d.onnx")
    export_onnx(nn.Sequential(nn.Tanh(), nn.Dropout(0.5)), tmp_path / "e.onnx", input_dim=4)
    x = batch(n=2, d=4, dtype=np.float32)
    np.testing.assert_allclose(run_onnx(ort, tmp_path / "e.onnx", x), np.tanh(x), atol=1e-6)
    export_onnx(nn.Sequential(nn.Dropout(0.5)), tmp_path / "f.onnx", input_dim=4)
    np.testing.assert_array_equal(run_onnx(ort, tmp_path / "f.onnx", x), x)
    assert not any((tmp_path / n).exists() for n in ("a.onnx", "b.onnx", "c.onnx", "d.onnx"))


def test_onnx_verification_catches_a_wrong_graph(tmp_path, monkeypatch):
    _onnx()
    wrong = dict(onnx_export_module.ACTIVATIONS, Tanh=((), "Sigmoid", {}))
    monkeypatch.setattr(onnx_export_module, "ACTIVATIONS", wrong)
    with pytest.raises(RuntimeError, match="differs"):
        export_onnx(model_with("Tanh", dtype=np.float32), tmp_path / "m.onnx")
    assert not (tmp_path / "m.onnx").exists()


def test_onnx_export_leaves_the_model_in_its_mode(tmp_path):
    _onnx()
    ours = model_with("Dropout", dtype=np.float32)
    ours.train()
    export_onnx(ours, tmp_path / "m.onnx")
    assert all(m.training for m in ours.modules())


# ---- optional extras -------------------------------------------------------------------
@pytest.mark.parametrize("fn", [to_torch, from_torch, lambda m: save_torch(m, "x.pt")])
def test_missing_torch_names_the_extra(fn, monkeypatch):
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now fails
    with pytest.raises(ImportError, match=r'pip install "tinygrad_edu\[torch\]"'):
        fn(model_with("ReLU"))


@pytest.mark.parametrize("missing", ["onnx", "onnxruntime"])
def test_missing_onnx_names_the_extra(missing, monkeypatch, tmp_path):
    monkeypatch.setitem(sys.modules, missing, None)
    with pytest.raises(ImportError, match=r'pip install "tinygrad_edu\[onnx\]"') as err:
        export_onnx(model_with("ReLU"), tmp_path / "m.onnx")
    assert repr(missing) in str(err.value)


def test_onnxruntime_is_needed_only_to_verify(monkeypatch, tmp_path):
    pytest.importorskip("onnx")
    monkeypatch.setitem(sys.modules, "onnxruntime", None)
    export_onnx(model_with("ReLU"), tmp_path / "m.onnx", verify=False)
    assert (tmp_path / "m.onnx").stat().st_size > 0


def test_importing_the_package_needs_neither_extra():
    code = ("import sys\n"
            "for name in ('torch', 'onnx', 'onnxruntime'): sys.modules[name] = None\n"
            "import tinygrad_edu, tinygrad_edu.interop, tinygrad_edu.nn\n"
            "print('ok')")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True)
    assert done.stdout.strip() == "ok", done.stderr
