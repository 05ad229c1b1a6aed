"""Tests for the Tensor layers: Linear, init, activations, Dropout, Sequential,
ModuleList and MLP, including state_dict exchange with torch.nn."""

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, nn, optim
from tinygrad_edu.nn import functional as F
from tinygrad_edu.nn import init


# ---- Linear --------------------------------------------------------------------------------
def test_linear_shapes_dtype_and_default_init_range():
    layer = nn.Linear(50, 7, seed=0)
    assert layer.weight.shape == (7, 50) and layer.bias.shape == (7,)
    assert layer.weight.dtype == np.float32 and layer.bias.dtype == np.float32
    bound = 1 / math.sqrt(50)
    for p in (layer.weight, layer.bias):
        assert np.abs(p.data).max() <= bound
    # uniform on [-b, b]: spread over the range, variance b^2 / 3
    big = nn.Linear(400, 300, seed=1).weight.data
    assert np.abs(big).max() > 0.99 * 0.05
    assert big.var() == pytest.approx(0.05 ** 2 / 3, rel=0.02)
    assert isinstance(layer.weight, nn.Parameter) and layer.weight.requires_grad


def test_linear_init_matches_torchs_formula_for_bound():
    torch = pytest.importorskip("torch")
    theirs = torch.nn.Linear(30, 20)
    tb = 1 / math.sqrt(30)
    assert theirs.weight.abs().max().item() <= tb
    ours = nn.Linear(30, 20, seed=3)
    assert abs(np.abs(ours.weight.data).max() - tb) < 0.01  # same range, close to its edge


def test_linear_seeding_and_dtype():
    a, b, c = nn.Linear(3, 4, seed=5), nn.Linear(3, 4, seed=5), nn.Linear(3, 4, seed=6)
    np.testing.assert_array_equal(a.weight.data, b.weight.data)
    assert not np.array_equal(a.weight.data, c.weight.data)
    assert nn.Linear(3, 4, dtype=np.float64).weight.dtype == np.float64
    gen = np.random.default_rng(0)
    x, y = nn.Linear(3, 4, seed=gen), nn.Linear(3, 4, seed=gen)  # a shared Generator moves on
    assert not np.array_equal(x.weight.data, y.weight.data)
    with pytest.raises(TypeError, match="float"):
        nn.Linear(3, 4, dtype=np.int32)
    with pytest.raises(ValueError, match="in_features"):
        nn.Linear(0, 4)


def test_linear_forward_is_one_node_and_equals_the_composition():
    layer = nn.Linear(3, 2, dtype=np.float64, seed=0)
    x = Tensor(np.random.default_rng(0).standard_normal((5, 3)), requires_grad=True)
    out = layer(x)
    assert out.op == "linear" and len(out._prev) == 3
    ref = x @ layer.weight.T + layer.bias
    np.testing.assert_allclose(out.data, ref.data, rtol=1e-14)
    out.sum().backward()
    gx, gw, gb = x.grad.copy(), layer.weight.grad.copy(), layer.bias.grad.copy()
    x.grad = layer.weight.grad = layer.bias.grad = None
    ref.sum().backward()
    np.testing.assert_allclose(gx, x.grad)
    np.testing.assert_allclose(gw, layer.weight.grad)
    np.testing.assert_allclose(gb, layer.bias.grad)


def test_linear_accepts_1d_batched_and_array_input():
    layer = nn.Linear(3, 2, bias=False, seed=0)
    assert layer.bias is None and list(layer.state_dict()) == ["weight"]
    assert layer(Tensor([1.0, 2.0, 3.0])).shape == (2,)
    assert layer(np.ones((4, 5, 3))).shape == (4, 5, 2)
    assert layer(np.ones((4, 3), dtype=np.int64)).dtype == np.float32  # ints take its dtype
    assert repr(layer) == "Linear(in_features=3, out_features=2, bias=False)"


def test_linear_matches_torch_forward_and_backward():
    torch = pytest.importorskip("torch")
    ours = nn.Linear(4, 3, dtype=np.float64, seed=0)
    theirs = torch.nn.Linear(4, 3).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    x = np.random.default_rng(1).standard_normal((2, 5, 4))
    out, tout = ours(Tensor(x)), theirs(torch.from_numpy(x))
    np.testing.assert_allclose(out.data, tout.detach().numpy(), rtol=1e-12)
    out.sum().backward()
    tout.sum().backward()
    np.testing.assert_allclose(ours.weight.grad, theirs.weight.grad.numpy(), rtol=1e-12)
    np.testing.assert_allclose(ours.bias.grad, theirs.bias.grad.numpy(), rtol=1e-12)


def test_linear_wrong_input_size_is_explained():
    layer = nn.Linear(2, 16)
    with pytest.raises(ValueError, match=r"\(4, 3\) has 3 features.*in_features=2"):
        layer(Tensor(np.zeros((4, 3))))
    with pytest.raises(ValueError, match="bias must have shape"):
        F.linear(Tensor(np.zeros((1, 2))), layer.weight, Tensor(np.zeros(3)))


# ---- init ----------------------------------------------------------------------------------
def test_calculate_gain_matches_torch():
    torch = pytest.importorskip("torch")
    for name, param in [("linear", None), ("sigmoid", None), ("tanh", None), ("relu", None),
                        ("leaky_relu", None), ("leaky_relu", 0.2), ("selu", None)]:
        assert init.calculate_gain(name, param) == pytest.approx(
            torch.nn.init.calculate_gain(name, param))
    with pytest.raises(ValueError, match="Unsupported"):
        init.calculate_gain("swish")


@pytest.mark.parametrize("fn,kwargs,std", [
    (init.kaiming_uniform_, {"nonlinearity": "relu"}, math.sqrt(2 / 200)),
    (init.kaiming_uniform_, {"mode": "fan_out", "nonlinearity": "relu"}, math.sqrt(2 / 300)),
    (init.kaiming_normal_, {"nonlinearity": "relu"}, math.sqrt(2 / 200)),
    (init.kaiming_normal_, {"a": 0.0}, math.sqrt(2 / 200)),
    (init.xavier_uniform_, {}, math.sqrt(2 / 500)),
    (init.xavier_normal_, {"gain": 2.0}, 2 * math.sqrt(2 / 500)),
])
def test_init_spreads_have_pytorchs_standard_deviation(fn, kwargs, std):
    w = nn.Parameter(np.zeros((300, 200)))
    out = fn(w, generator=0, **kwargs)
    assert out is w
    assert w.data.std() == pytest.approx(std, rel=0.02)
    assert abs(w.data.mean()) < std * 0.02
    if fn in (init.kaiming_uniform_, init.xavier_uniform_):
        assert np.abs(w.data).max() <= math.sqrt(3) * std


def test_init_in_place_seeded_and_checked():
    w = nn.Parameter(np.zeros((3, 4), dtype=np.float32))
    data = w.data
    init.xavier_uniform_(w, generator=1)
    first = w.data.copy()
    init.xavier_uniform_(w, generator=1)
    np.testing.assert_array_equal(first, w.data)
    assert w.data is data and w.dtype == np.float32
    init.zeros_(w)
    assert not w.data.any()
    init.ones_(w)
    assert (w.data == 1).all()
    with pytest.raises(ValueError, match="fewer than 2 dimensions"):
        init.kaiming_uniform_(nn.Parameter(np.zeros(3)))
    with pytest.raises(ValueError, match="fan_in, fan_out"):
        init.kaiming_normal_(w, mode="fan_avg")


def test_init_refuses_integer_tensors_and_bad_ranges_and_skips_empty_ones():
    ints = Tensor(np.zeros((2, 3), dtype=np.int64))
    for fn in (init.kaiming_uniform_, init.xavier_normal_, init.uniform_, init.normal_):
        with pytest.raises(TypeError, match=rf"{fn.__name__}: .*floating-point.*int64"):
            fn(ints)  # it kept the integer parts: all zeros
    init.constant_(ints, 2)  # a constant is fine in any dtype, as in PyTorch
    assert (ints.data == 2).all()
    w = nn.Parameter(np.zeros(3))
    with pytest.raises(ValueError, match=r"a=1.*> b=0"):
        init.uniform_(w, 1.0, 0.0)
    with pytest.raises(ValueError, match="std >= 0.0, but found std -1"):
        init.normal_(w, std=-1.0)
    for fn in (init.kaiming_uniform_, init.kaiming_normal_, init.xavier_uniform_):
        with pytest.warns(UserWarning, match="zero-element"):  # was ZeroDivisionError
            assert fn(nn.Parameter(np.zeros((3, 0)))).shape == (3, 0)


# ---- activations and dropout -------------------------------------------------------------------
def test_activation_modules_are_the_tensor_methods():
    x = Tensor(np.linspace(-2, 2, 12).reshape(3, 4))
    pairs = [(nn.ReLU(), x.relu()), (nn.Tanh(), x.tanh()), (nn.Sigmoid(), x.sigmoid()),
             (nn.LeakyReLU(0.2), x.leaky_relu(0.2)), (nn.Softmax(dim=1), x.softmax(1)),
             (nn.LogSoftmax(dim=0), x.log_softmax(0)), (nn.Identity(), x)]
    for module, expected in pairs:
        np.testing.assert_array_equal(module(x).data, expected.data)
    assert repr(nn.LeakyReLU()) == "LeakyReLU(negative_slope=0.01)"
    assert repr(nn.Softmax(dim=-1)) == "Softmax(dim=-1)" and repr(nn.ReLU()) == "ReLU()"


def test_softmax_without_dim_warns_and_guesses_like_torch():
    x = Tensor(np.arange(6.0).reshape(2, 3))
    with pytest.warns(UserWarning, match="Implicit dimension"):
        out = nn.Softmax()(x)
    np.testing.assert_allclose(out.data.sum(axis=1), 1)


def test_dropout_is_inverted_seeded_and_identity_in_eval():
    x = Tensor(np.ones((200, 50)), requires_grad=True)
    drop = nn.Dropout(0.3, seed=0)
    out = drop(x)
    kept = out.data != 0
    assert kept.mean() == pytest.approx(0.7, abs=0.02)
    np.testing.assert_allclose(out.data[kept], 1 / 0.7)
    out.sum().backward()
    np.testing.assert_array_equal(x.grad, out.data)  # the same mask and scale
    np.testing.assert_array_equal(nn.Dropout(0.3, seed=0)(x).data, out.data)
    assert not np.array_equal(drop(x).data, out.data)  # the next call draws a new mask
    drop.eval()
    assert drop(x) is x
    assert nn.Dropout(1.0)(x).data.sum() == 0
    assert repr(drop) == "Dropout(p=0.3)"
    with pytest.raises(ValueError, match="between 0 and 1"):
        nn.Dropout(1.5)
    with pytest.raises(TypeError, match="has to be a number, but got '0.5'"):
        nn.Dropout("0.5")
    numpy_p = nn.Dropout(np.float32(0.25))        # a numpy scalar is a number too
    assert numpy_p.p == 0.25 and type(numpy_p.p) is float


def test_lambda_wraps_a_function_and_autograd_differentiates_it():
    swish = nn.Lambda(lambda t: t * t.sigmoid(), name="swish")
    x = Tensor(np.array([0.5, -1.0]), requires_grad=True)
    swish(x).sum().backward()
    s = 1 / (1 + np.exp(-x.data))
    np.testing.assert_allclose(x.grad, s + x.data * s * (1 - s))
    assert repr(swish) == "Lambda(fn=swish)"


# ---- containers ---------------------------------------------------------------------------
def test_sequential_chains_indexes_and_names_like_torch():
    model = nn.Sequential(nn.Linear(2, 3, seed=0), nn.ReLU(), nn.Linear(3, 1, seed=1))
    assert len(model) == 3 and isinstance(model[1], nn.ReLU) and model[-1] is model[2]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias"]
    x = Tensor(np.ones((4, 2)))
    np.testing.assert_array_equal(model(x).data, model[2](model[1](model[0](x))).data)
    head = model[:2]
    assert isinstance(head, nn.Sequential) and len(head) == 2 and head[0] is model[0]
    assert repr(model) == ("Sequential(\n  (0): Linear(in_features=2, out_features=3, bias=True)"
                           "\n  (1): ReLU()\n  (2): Linear(in_features=3, out_features=1, "
                           "bias=True)\n)")
    model.append(nn.Sigmoid())
    assert len(model) == 4 and isinstance(model[3], nn.Sigmoid)
    del model[1]
    assert [type(m).__name__ for m in model] == ["Linear", "Linear", "Sigmoid"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "1.weight", "1.bias"]
    model.insert(1, nn.Tanh())
    model[3] = nn.Identity()
    assert [type(m).__name__ for m in model] == ["Linear", "Tanh", "Linear", "Identity"]
    with pytest.raises(IndexError, match="out of range"):
        model[4]


def test_sequential_rejects_non_modules_with_a_hint():
    with pytest.raises(TypeError, match=r"argument 1 is a function.*nn\.Lambda"):
        nn.Sequential(nn.Linear(2, 2), lambda t: t.relu())


def test_sequential_from_ordered_dict_keeps_names():
    from collections import OrderedDict
    model = nn.Sequential(OrderedDict([("hidden", nn.Linear(2, 3)), ("act", nn.Tanh())]))
    assert list(model.state_dict()) == ["hidden.weight", "hidden.bias"]
    assert isinstance(model[1], nn.Tanh)


def test_module_list_registers_parameters_and_has_no_forward():
    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.layers = nn.ModuleList([nn.Linear(2, 2) for _ in range(3)])

        def forward(self, x):
            for layer in self.layers:
                x = layer(x).tanh()
            return x

    net = Net()
    assert list(net.state_dict())[:2] == ["layers.0.weight", "layers.0.bias"]
    assert net.num_parameters() == 18 and len(net.layers) == 3
    assert net(Tensor(np.ones((1, 2)))).shape == (1, 2)
    assert isinstance(net.layers[1:], nn.ModuleList) and len(net.layers[1:]) == 2
    with pytest.raises(NotImplementedError, match="iterate"):
        net.layers(Tensor(np.ones((1, 2))))


# ---- MLP ------------------------------------------------------------------------------------
def test_mlp_is_the_sequential_you_would_write():
    model = nn.MLP(2, [16, 8], 1, seed=0)
    assert isinstance(model, nn.Sequential)
    assert model.num_parameters() == 193
    assert [type(m).__name__ for m in model] == ["Linear", "ReLU", "Linear", "ReLU", "Linear"]
    assert list(model.state_dict()) == ["0.weight", "0.bias", "2.weight", "2.bias",
                                        "4.weight", "4.bias"]
    assert model(Tensor(np.zeros((5, 2)))).shape == (5, 1)
    assert (model.in_features, model.hidden, model.out_features) == (2, (16, 8), 1)


def test_mlp_options():
    m = nn.MLP(3, 4, 2, activation="tanh", out_activation="sigmoid", dropout=0.25, bias=False,
               dtype=np.float64, seed=0)
    assert [type(x).__name__ for x in m] == ["Linear", "Tanh", "Dropout", "Linear", "Sigmoid"]
    assert m[0].bias is None and m[0].weight.dtype == np.float64 and m[2].p == 0.25
    assert [type(x).__name__ for x in nn.MLP(2, [], 1)] == ["Linear"]
    assert isinstance(nn.MLP(2, 3, 1, activation=nn.LeakyReLU)[1], nn.LeakyReLU)
    shared = nn.LeakyReLU(0.2)
    m2 = nn.MLP(2, [3, 3], 1, activation=shared)
    assert m2[1] is shared and m2[3] is shared
    np.testing.assert_array_equal(nn.MLP(2, 3, 1, seed=4)[0].weight.data,
                                  nn.MLP(2, 3, 1, seed=4)[0].weight.data)
    with pytest.raises(ValueError, match="unknown activation 'gelu'"):
        nn.MLP(2, 3, 1, activation="gelu")
    with pytest.raises(ValueError, match="hidden sizes"):
        nn.MLP(2, [3, 0], 1)
    with pytest.raises(ValueError, match="dropout"):
        nn.MLP(2, 3, 1, dropout=1.0)


def test_mlp_with_a_custom_callable_activation_trains():
    def swish(t):
        return t * t.sigmoid()

    model = nn.MLP(2, [8], 1, activation=swish, seed=0)
    assert repr(model[1]) == "Lambda(fn=swish)"
    rng = np.random.default_rng(0)
    X = rng.standard_normal((64, 2))
    y = (X[:, :1] * X[:, 1:] > 0).astype(np.float64)
    opt = optim.Adam(model.parameters(), lr=0.05)
    loss_fn = nn.BCEWithLogitsLoss()
    losses = []
    for _ in range(150):
        opt.zero_grad()
        loss = loss_fn(model(X), y)
        loss.backward()
        opt.step()
        losses.append(loss.item())
    assert losses[-1] < 0.5 * losses[0]


def test_state_dict_loads_into_the_same_torch_sequential():
    torch = pytest.importorskip("torch")
    ours = nn.MLP(2, [16, 8], 1, seed=0)
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.ReLU(), torch.nn.Linear(16, 8),
                                 torch.nn.ReLU(), torch.nn.Linear(8, 1))
    sd = ours.state_dict()
    assert {k: v.shape for k, v in sd.items()} == \
        {k: tuple(v.shape) for k, v in theirs.state_dict().items()}
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in sd.items()})
    x = np.random.default_rng(0).standard_normal((10, 2)).astype(np.float32)
    np.testing.assert_allclose(ours(Tensor(x)).data, theirs(torch.from_numpy(x)).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    # and back: torch's weights into ours
    fresh = nn.MLP(2, [16, 8], 1, seed=1)
    fresh.load_state_dict({k: v.detach().numpy() for k, v in theirs.state_dict().items()})
    np.testing.assert_array_equal(fresh(Tensor(x)).data, ours(Tensor(x)).data)


def test_training_an_mlp_matches_torch_step_for_step():
    """A real model, the same weights and data: 100 Adam steps agree with torch in float64."""
    torch = pytest.importorskip("torch")
    torch.set_num_threads(1)  # tiny tensors: threads only contend on a shared CI machine
    ours = nn.MLP(2, [8, 8], 1, activation="tanh", dtype=np.float64, seed=0)
    theirs = torch.nn.Sequential(torch.nn.Linear(2, 8), torch.nn.Tanh(), torch.nn.Linear(8, 8),
                                 torch.nn.Tanh(), torch.nn.Linear(8, 1)).double()
    theirs.load_state_dict({k: torch.from_numpy(v) for k, v in ours.state_dict().items()})
    rng = np.random.default_rng(0)
    X = rng.standard_normal((32, 2))
    y = (X[:, :1] > X[:, 1:]).astype(np.float64)
    opt = optim.Adam(ours.parameters(), lr=0.01, weight_decay=1e-3)
    topt = torch.optim.Adam(theirs.parameters(), lr=0.01, weight_decay=1e-3)
    loss_fn, tloss_fn = nn.BCEWithLogitsLoss(), torch.nn.BCEWithLogitsLoss()
    for _ in range(100):
        opt.zero_grad()
        loss_fn(ours(X), y).backward()
        opt.step()
        topt.zero_grad()
        tloss_fn(theirs(torch.from_numpy(X)), torch.from_numpy(y)).backward()
        topt.step()
    for k, v in theirs.state_dict().items():
        np.testing.assert_allclose(ours.state_dict()[k], v.numpy(), rtol=0, atol=1e-10)


# ---- Module methods with Tensor layers, against torch.nn -------------------------------------
def test_requires_grad_freezes_tensor_parameters():
    model = nn.MLP(2, [3], 1, seed=0)
    first = model[0]
    assert first.requires_grad_(False) is first
    before = first.weight.data.copy()
    opt = optim.SGD(model.parameters(), lr=0.1)
    model(Tensor(np.ones((4, 2)))).sum().backward()
    opt.step()
    assert first.weight.grad is None and np.array_equal(first.weight.data, before)
    assert model[2].weight.grad is not None
    first.requires_grad_()
    assert first.weight.requires_grad and first.bias.requires_grad


def test_apply_and_state_dict_keys_match_torch_with_a_shared_layer():
    torch = pytest.importorskip("torch")
    shared = nn.Linear(2, 2, seed=0)
    ours = nn.Sequential(shared, nn.ReLU(), shared)
    tshared = torch.nn.Linear(2, 2)
    theirs = torch.nn.Sequential(tshared, torch.nn.ReLU(), tshared)
    assert list(ours.state_dict()) == list(theirs.state_dict())  # "2.weight" was missing
    for key, value in ours.state_dict().items():
        theirs.state_dict()[key].copy_(torch.from_numpy(value))
    back = nn.Sequential(nn.Linear(2, 2), nn.ReLU(), nn.Linear(2, 2))
    back.load_state_dict({k: v.numpy() for k, v in theirs.state_dict().items()})
    x = np.ones((1, 2), dtype=np.float32)
    np.testing.assert_allclose(back(Tensor(x)).data, ours(Tensor(x)).data)
    seen, tseen = [], []
    ours.apply(lambda m: seen.append(type(m).__name__))
    theirs.apply(lambda m: tseen.append(type(m).__name__))
    assert seen == tseen


def test_apply_initialises_every_linear_layer():
    model = nn.MLP(3, [4, 4], 2, seed=0)
    model.apply(lambda m: init.zeros_(m.bias) if isinstance(m, nn.Linear) else None)
    assert all(not m.bias.data.any() for m in model if isinstance(m, nn.Linear))


def test_container_index_and_dropout_probability_errors_are_clear():
    model = nn.Sequential(nn.Linear(1, 1), nn.ReLU())
    with pytest.raises(TypeError, match="indices must be integers or slices, not str"):
        model["0"]  # was "'<=' not supported between instances of 'int' and 'str'"
    assert model[np.int64(1)] is model[1]
    with pytest.raises(ValueError, match="between 0 and 1, but got '0.5'"):
        F.dropout(Tensor(np.ones(4)), "0.5")
    assert F.dropout(Tensor(np.ones(4)), np.float32(0.0)).data.tolist() == [1.0] * 4
