"""nn.Module with scalar models: registration, names, zero_grad, modes, state_dict, repr."""

import numpy as np
import pytest

from tinygrad_edu import Value
from tinygrad_edu.nn import Module
from tinygrad_edu.nn.scalar import MLP, Neuron


class Affine(Module):
    def __init__(self, n: int, start: float = 0.0):
        super().__init__()
        self.w = [Value(start + i) for i in range(n)]
        self.b = Value(-1.0)
        self.n = n  # a plain attribute: neither parameter nor module

    def forward(self, x):
        return Value.dot(self.w, x, bias=self.b)

    def extra_repr(self):
        return f"n={self.n}"


class Net(Module):
    def __init__(self):
        super().__init__()
        self.scale = Value(2.0)
        self.first = Affine(2)
        self.heads = [Affine(1, 10.0), Affine(1, 20.0)]

    def forward(self, x):
        h = self.first(x) * self.scale
        return Value.sum(head([h]) for head in self.heads)


NAMES = ["scale", "first.w.0", "first.w.1", "first.b",
         "heads.0.w.0", "heads.0.b", "heads.1.w.0", "heads.1.b"]


def test_parameters_register_by_assignment_with_pytorch_names():
    net = Net()
    assert [name for name, _ in net.named_parameters()] == NAMES
    assert net.parameters() == [p for _, p in net.named_parameters()]
    assert net.parameters()[1] is net.first.w[0] and net.parameters()[-1] is net.heads[1].b
    assert [n for n, _ in net.named_parameters(prefix="model")][:2] == ["model.scale",
                                                                      "model.first.w.0"]
    assert [n for n, _ in net.named_parameters(recurse=False)] == ["scale"]
    assert net.num_parameters() == 8
    assert net.first.n == 2 and "first.n" not in dict(net.named_parameters())


def test_submodules_children_and_named_modules():
    net = Net()
    assert [n for n, _ in net.named_modules()] == ["", "first", "heads.0", "heads.1"]
    assert list(net.children()) == [net.first, *net.heads]
    assert list(net.modules())[0] is net
    assert [n for n, _ in net.named_children()] == ["first", "heads.0", "heads.1"]


def test_shared_parameters_and_modules_are_listed_once():
    net = Net()
    net.heads[1].b = net.first.b        # tie a parameter
    net.again = net.first               # the same module under a second name
    names = [n for n, _ in net.named_parameters()]
    assert names.count("heads.1.b") == 0 and len(names) == len(set(map(id, net.parameters())))
    assert sum(m is net.first for m in net.modules()) == 1


def test_reassigning_and_deleting_update_the_registry():
    net = Net()
    net.scale = 3.0                     # no longer a parameter
    assert "scale" not in dict(net.named_parameters()) and net.scale == 3.0
    net.scale = Value(4.0)              # a parameter again
    assert dict(net.named_parameters())["scale"] is net.scale
    del net.first
    assert not any(n.startswith("first") for n, _ in net.named_parameters())
    with pytest.raises(AttributeError):
        _ = net.first


def test_assigning_before_super_init_is_a_clear_error():
    class Forgetful(Module):
        def __init__(self):
            self.w = Value(1.0)

    with pytest.raises(AttributeError, match=r"call super\(\).__init__\(\) first in Forgetful"):
        Forgetful()


def test_call_runs_forward_and_base_forward_is_abstract():
    net = Net()
    out = net([1.0, 2.0])
    # first = 0*1 + 1*2 - 1 = 1; h = 2; heads: 10*2 - 1 + 20*2 - 1 = 58
    assert out.data == 58.0
    with pytest.raises(NotImplementedError, match="Module must define forward"):
        Module()(1.0)


def test_zero_grad_resets_every_value_grad():
    net = Net()
    net([1.0, 2.0]).backward()
    assert any(p.grad != 0.0 for p in net.parameters())
    net.zero_grad()
    assert all(p.grad == 0.0 and type(p.grad) is float for p in net.parameters())


def test_train_and_eval_propagate_to_every_submodule():
    net = Net()
    assert all(m.training for m in net.modules())
    assert net.eval() is net
    assert not any(m.training for m in net.modules())
    net.train()
    assert all(m.training for m in net.modules())
    net.heads[0].train(False)
    assert [m.training for m in net.modules()] == [True, True, False, True]
    with pytest.raises(ValueError, match="mode must be True or False"):
        net.train("eval")


# ---- state_dict ---------------------------------------------------------------------------------
def test_state_dict_holds_copies_as_0d_float64_arrays():
    net = Net()
    sd = net.state_dict()
    assert list(sd) == NAMES
    assert all(isinstance(a, np.ndarray) and a.shape == () and a.dtype == np.float64
               for a in sd.values())
    assert [float(a) for a in sd.values()] == [p.data for p in net.parameters()]
    sd["scale"][...] = 99.0
    assert net.scale.data == 2.0        # the dict holds copies...
    net.first.b.data = 7.0
    assert float(sd["first.b"]) == -1.0  # ...in both directions


def test_state_dict_round_trip_between_models():
    a, b = MLP(3, [4, 2], seed=1), MLP(3, [4, 2], seed=2)
    assert a.state_dict().keys() == b.state_dict().keys()
    params_before = b.parameters()
    result = b.load_state_dict(a.state_dict())
    assert result.missing_keys == [] and result.unexpected_keys == []
    assert [p.data for p in b.parameters()] == [p.data for p in a.parameters()]
    assert all(p is q for p, q in zip(b.parameters(), params_before))  # loaded in place
    x = [0.1, -0.2, 0.3]
    assert [v.data for v in a(x)] == [v.data for v in b(x)]


def test_load_state_dict_names_missing_unexpected_and_mismatched_keys():
    net = Net()
    sd = net.state_dict()
    del sd["first.b"]
    sd["first.c"] = np.array(1.0)
    with pytest.raises(RuntimeError) as info:
        net.load_state_dict(sd)
    msg = str(info.value)
    assert "Error(s) in loading state_dict for Net" in msg
    assert "missing key(s) in state_dict: 'first.b'" in msg
    assert "unexpected key(s) in state_dict: 'first.c'" in msg

    sd = net.state_dict()
    sd["heads.0.b"] = np.zeros(3)
    sd["scale"] = np.array(5.0)
    with pytest.raises(RuntimeError, match=r"size mismatch for 'heads.0.b': copying a parameter "
                                           r"of shape \(3,\) from state_dict, the shape in the "
                                           r"model is \(\)"):
        net.load_state_dict(sd)
    assert net.scale.data == 2.0        # nothing was loaded: every key is checked first


def test_load_state_dict_non_strict_loads_what_matches():
    net = Net()
    result = net.load_state_dict({"scale": 5.0, "first.w.1": np.array(-3.0), "extra": 1.0},
                                 strict=False)
    assert (net.scale.data, net.first.w[1].data) == (5.0, -3.0)
    assert result.unexpected_keys == ["extra"]
    assert result.missing_keys == [n for n in NAMES if n not in ("scale", "first.w.1")]
    with pytest.raises(RuntimeError, match="size mismatch for 'scale'"):
        net.load_state_dict({"scale": [1.0, 2.0]}, strict=False)  # shapes are always checked


# ---- printing --------------------------------------------------------------------------------
def test_repr_is_nested_and_indented_like_pytorch():
    assert repr(Affine(2)) == "Affine(n=2)"
    assert repr(Net()) == (
        "Net(\n"
        "  (first): Affine(n=2)\n"
        "  (heads.0-1): 2 x Affine(n=1)\n"
        ")"
    )
    assert repr(Module()) == "Module()"


def test_repr_of_a_scalar_mlp_collapses_identical_neurons():
    text = repr(MLP(2, [3, 1], activation="relu", seed=0))
    assert text == (
        "MLP(\n"
        "  (layers.0): Layer(\n"
        "    (neurons.0-2): 3 x Neuron(2, activation='relu')\n"
        "  )\n"
        "  (layers.1): Layer(\n"
        "    (neurons.0): Neuron(3, activation='linear')\n"
        "  )\n"
        ")"
    )
    assert repr(Neuron(4, activation=lambda v: v * v.sigmoid())) == \
        "Neuron(4, activation='<lambda>')"


# ---- Tensor parameters -----------------------------------------------------------------------
def test_tensor_parameters_register_zero_to_none_and_load_by_shape():
    pytest.importorskip("tinygrad_edu.tensor")
    from tinygrad_edu.nn import Parameter
    from tinygrad_edu.tensor import Tensor

    class Mixed(Module):
        def __init__(self):
            super().__init__()
            self.weight = Parameter(np.ones((2, 3)))
            self.plain = Tensor(np.ones(2), requires_grad=True)  # not a Parameter: not registered
            self.gain = Value(1.5)

    m = Mixed()
    assert [n for n, _ in m.named_parameters()] == ["weight", "gain"]
    assert m.num_parameters() == 7
    sd = m.state_dict()
    assert sd["weight"].shape == (2, 3) and sd["weight"] is not m.weight.data
    m.weight.grad = np.ones((2, 3))
    m.zero_grad()
    assert m.weight.grad is None and m.gain.grad == 0.0
    m.weight.grad = np.ones((2, 3))
    m.zero_grad(set_to_none=False)
    assert np.array_equal(m.weight.grad, np.zeros((2, 3)))
    data = m.weight.data
    m.load_state_dict({"weight": np.full((2, 3), 4.0), "gain": np.array(2.0)})
    assert m.weight.data is data and (data == 4.0).all() and m.gain.data == 2.0
    with pytest.raises(RuntimeError, match=r"'weight'.*shape \(3, 2\).*shape in the model "
                                           r"is \(2, 3\)"):
        m.load_state_dict({"weight": np.zeros((3, 2)), "gain": np.array(2.0)})


def test_a_list_assigned_empty_and_filled_later_is_registered():
    # micrograd-style: self.w = [] then append in a loop; the appended items must count
    class Grown(Module):
        def __init__(self):
            super().__init__()
            self.w = []
            self.layers = []
            self.sizes = ()  # an empty tuple is a setting, not a container
            for i in range(3):
                self.w.append(Value(float(i)))
            self.layers.append(Neuron(2, seed=0))

    g = Grown()
    names = [n for n, _ in g.named_parameters()]
    assert names == ["w.0", "w.1", "w.2", "layers.0.w.0", "layers.0.w.1", "layers.0.b"]
    assert [n for n, _ in g.named_children()] == ["layers.0"]
    assert g.num_parameters() == 6 and list(g.state_dict()) == names
    assert repr(g).splitlines()[1].strip().startswith("(layers.0): Neuron(2")
    g.w.append(Value(9.0))  # appending after construction counts too
    assert g.num_parameters() == 7


def test_mixed_list_keeps_each_items_position_in_its_name():
    class Mixed(Module):
        def __init__(self):
            super().__init__()
            self.parts = [Value(1.0), Neuron(1, seed=0), Value(2.0)]

    m = Mixed()
    assert [n for n, _ in m.named_parameters()] == ["parts.0", "parts.2", "parts.1.w.0",
                                                    "parts.1.b"]
    assert [n for n, _ in m.named_children()] == ["parts.1"]
    assert "(parts.1): Neuron(1" in repr(m)


def test_load_state_dict_refuses_what_is_not_a_dict_of_numbers():
    n = Neuron(2, seed=0)
    with pytest.raises(TypeError, match="expected a dict of name -> array.*got NoneType"):
        n.load_state_dict(None)
    bad = {**n.state_dict(), "b": "zero"}
    with pytest.raises(RuntimeError, match="'b' holds str, not numbers"):
        n.load_state_dict(bad)
    assert n.b.data == 0.0  # nothing was copied


# ---- PyTorch parity of registration, state_dict keys, apply ---------------------------------
def test_reassigning_a_parameter_keeps_its_place_in_the_order():
    net = Net()
    net.scale = Value(5.0)       # PyTorch keeps the key where it was; it moved to the end
    net.first = Affine(2, 1.0)
    assert list(net.state_dict()) == NAMES
    assert [n for n, _ in net.named_parameters()] == NAMES


def test_state_dict_lists_a_shared_module_under_each_name_as_pytorch():
    net = Net()
    net.again = net.first        # the same layer under a second name
    keys = list(net.state_dict())
    assert keys == NAMES + ["again.w.0", "again.w.1", "again.b"]
    assert len(net.parameters()) == len(NAMES)  # named_parameters still lists each once
    sd = net.state_dict()
    sd["again.b"] = np.array(3.0)
    assert net.load_state_dict(sd) == ([], [])
    assert net.first.b.data == 3.0  # one parameter, both keys


def test_a_module_containing_itself_is_a_clear_state_dict_error():
    net = Net()
    net.first.loop = net
    with pytest.raises(ValueError, match="'first.loop' is a module that contains itself"):
        net.state_dict()


def test_register_parameter_and_add_module_check_what_they_register():
    net = Net()
    with pytest.raises(TypeError, match="cannot assign 'int' object to parameter 'x'"):
        net.register_parameter("x", 3)
    with pytest.raises(TypeError, match="float is not a Module subclass"):
        net.add_module("y", 1.0)
    with pytest.raises(KeyError, match=r"contain \"\.\".*a\.b"):
        net.add_module("a.b", Affine(1))
    with pytest.raises(KeyError, match="empty"):
        net.register_parameter("", Value(1.0))
    with pytest.raises(TypeError, match="should be a string"):
        net.add_module(1, Affine(1))
    assert not hasattr(net, "x") and not hasattr(net, "y")
    net.register_parameter("extra", Value(1.0))
    net.add_module("side", Affine(1))
    assert list(net.state_dict())[-2:] == ["side.w.0", "side.b"]


def test_apply_visits_submodules_first_then_the_module():
    net = Net()
    net.twice = net.first
    seen = []
    assert net.apply(lambda m: seen.append(m)) is net
    # PyTorch's order: each child's subtree, then the module itself; a child listed under
    # two names of the same parent once
    assert seen == [net.first, net.heads[0], net.heads[1], net]


def test_requires_grad_false_cannot_freeze_values():
    with pytest.raises(TypeError, match="leave them out of the optimizer"):
        Net().requires_grad_(False)
    net = Net()
    assert net.requires_grad_() is net  # turning it on is a no-op for Values
