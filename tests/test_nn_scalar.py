"""nn.scalar: micrograd-style Neuron, Layer, MLP over Value."""

import math
import random

import numpy as np
import pytest

from tinygrad_edu import Value, gradcheck
from tinygrad_edu.autograd import topological_order
from tinygrad_edu.nn.scalar import MLP, Layer, Neuron

ACTS = {"tanh": math.tanh, "relu": lambda z: max(z, 0.0),
        "sigmoid": lambda z: 1 / (1 + math.exp(-z)), "linear": lambda z: z}


@pytest.mark.parametrize("activation", list(ACTS))
def test_neuron_computes_activation_of_w_dot_x_plus_b(activation):
    n = Neuron(3, activation=activation, seed=0)
    n.b.data = 0.3
    x = [0.5, -1.0, 2.0]
    z = sum(w.data * xi for w, xi in zip(n.w, x)) + 0.3
    assert n(x).data == pytest.approx(ACTS[activation](z), rel=1e-12)
    assert gradcheck(lambda *ws: neuron_with(ws, activation)(x), n.w)


def neuron_with(weights, activation):
    n = Neuron(len(weights), activation)
    n.w = list(weights)
    return n


def test_neuron_init_is_uniform_in_minus_one_one_with_zero_bias_and_seeded():
    n = Neuron(500, seed=3)
    assert len(n.w) == 500 and n.b.data == 0.0
    assert all(-1 <= w.data <= 1 for w in n.w)
    assert min(w.data for w in n.w) < -0.9 and max(w.data for w in n.w) > 0.9
    rng = random.Random(3)
    assert [w.data for w in n.w] == [rng.uniform(-1, 1) for _ in range(500)]
    assert [w.data for w in Neuron(5, seed=4).w] != [w.data for w in Neuron(5, seed=3).w]
    random.seed(11)  # seed=None uses the global generator, as micrograd
    first = [w.data for w in Neuron(5).w]
    random.seed(11)
    assert [w.data for w in Neuron(5).w] == first


def test_a_neuron_adds_two_nodes_to_the_graph():
    n = Neuron(16, activation="relu", seed=0)
    n.b.data = 100.0  # keep the relu on its open side
    out = n([0.1] * 16)
    assert out.op == "relu" and out._prev[0].op == "dot"
    assert len(topological_order(out)) == 16 + 1 + 2  # weights, bias, dot, relu
    xs = [Value(0.1) for _ in range(16)]
    assert len(topological_order(n(xs))) == 16 + 1 + 16 + 2


def test_custom_activation_and_unknown_names():
    def swish(v):
        return v * v.sigmoid()

    n = Neuron(2, activation=swish, seed=1)
    x = [0.3, -0.8]
    z = n.w[0].data * 0.3 + n.w[1].data * -0.8
    assert n(x).data == pytest.approx(z / (1 + math.exp(-z)), rel=1e-12)
    assert n.activation == "swish"
    with pytest.raises(ValueError, match=r"activation must be one of \['linear', 'relu', "
                                         r"'sigmoid', 'tanh'\] or a function of a Value, "
                                         r"got 'gelu'"):
        Neuron(2, activation="gelu")


def test_layer_returns_a_list_or_a_single_value_and_checks_input_size():
    layer = Layer(2, 3, seed=0)
    out = layer([1.0, 2.0])
    assert isinstance(out, list) and len(out) == 3
    assert [o.data for o in out] == [n([1.0, 2.0]).data for n in layer.neurons]
    assert isinstance(Layer(2, 1, seed=0)([1.0, 2.0]), Value)
    assert isinstance(Layer(1, 2, seed=0)(0.5), list)  # one input may be a bare number
    with pytest.raises(ValueError, match=r"Layer\(2, 3\): expected 2 inputs, got 3"):
        layer([1.0, 2.0, 3.0])
    # a Neuron names itself too (was Value.dot's "lengths 2 and 1 differ", and a bare
    # number gave "object of type 'float' has no len()")
    with pytest.raises(ValueError, match=r"Neuron\(2\): expected 2 inputs, got 1"):
        Neuron(2, seed=0)([1.0])
    with pytest.raises(ValueError, match=r"Neuron\(2\): expected 2 inputs, got 1"):
        Neuron(2, seed=0)(1.0)
    assert Neuron(1, seed=0)(2.0).data == Neuron(1, seed=0)([2.0]).data
    assert Neuron(1, seed=0)(np.float32(2.0)).data == Neuron(1, seed=0)([2.0]).data


def test_mlp_structure_names_and_linear_output():
    m = MLP(2, [4, 3, 1], activation="relu", seed=0)
    assert [len(layer.neurons) for layer in m.layers] == [4, 3, 1]
    assert m.num_parameters() == (2 + 1) * 4 + (4 + 1) * 3 + (3 + 1) * 1
    assert [n.activation for layer in m.layers for n in layer.neurons[:1]] == [
        "relu", "relu", "linear"]
    names = [n for n, _ in m.named_parameters()]
    assert names[:3] == ["layers.0.neurons.0.w.0", "layers.0.neurons.0.w.1",
                         "layers.0.neurons.0.b"] and names[-1] == "layers.2.neurons.0.b"
    assert isinstance(m([0.5, -0.5]), Value)
    assert len(MLP(2, [3, 2], seed=0)([0.5, -0.5])) == 2
    sig = MLP(2, [3, 1], out_activation="sigmoid", seed=0)
    assert 0 < sig([0.5, -0.5]).data < 1
    with pytest.raises(ValueError, match="at least one layer"):
        MLP(2, [])


def test_mlp_seed_is_reproducible():
    a, b, c = MLP(2, [3, 1], seed=5), MLP(2, [3, 1], seed=5), MLP(2, [3, 1], seed=6)
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert [p.data for p in a.parameters()] != [p.data for p in c.parameters()]


def test_gradients_flow_to_value_inputs():
    m = MLP(3, [4, 1], activation="tanh", seed=2)
    assert gradcheck(lambda *x: m(list(x)), [Value(0.2), Value(-0.4), Value(0.9)])
    assert gradcheck(lambda *w: m([0.2, -0.4, 0.9]), m.layers[0].neurons[1].w)


def test_matches_micrograd_given_the_same_weights():
    mg = pytest.importorskip("micrograd.nn")
    MGValue = pytest.importorskip("micrograd.engine").Value
    random.seed(7)
    theirs = mg.MLP(3, [8, 8, 1])                      # relu hidden, linear out
    ours = MLP(3, [8, 8, 1], activation="relu", seed=0)
    for p, q in zip(ours.parameters(), theirs.parameters(), strict=True):
        p.data = float(q.data)
    rows = [[0.5, -1.0, 0.25], [-0.3, 0.8, 1.5], [1.2, 0.1, -0.7]]
    out = Value.sum(ours(r) ** 2 for r in rows)
    ref = sum((theirs(list(map(MGValue, r))) ** 2 for r in rows), MGValue(0.0))
    out.backward()
    ref.backward()
    assert out.data == pytest.approx(ref.data, rel=1e-12)
    for p, q in zip(ours.parameters(), theirs.parameters()):
        assert p.grad == pytest.approx(q.grad, rel=1e-9, abs=1e-12)


def test_layer_and_mlp_without_seed_use_the_global_generator():
    # seed=None must reach every neuron as "the random module", as micrograd does
    random.seed(5)
    a = MLP(2, [3, 2, 1])
    random.seed(5)
    b = MLP(2, [3, 2, 1])
    assert [p.data for p in a.parameters()] == [p.data for p in b.parameters()]
    assert len({p.data for p in Layer(3, 4).parameters() if p.data != 0.0}) == 12
    assert isinstance(a([1.0, -1.0]), Value)


@pytest.mark.parametrize("make", [lambda a: MLP(2, [1], a), lambda a: MLP(2, [3, 1], "tanh", a),
                                  lambda a: Layer(2, 0, a)])
def test_an_unknown_activation_name_fails_even_where_it_is_unused(make):
    # MLP(2, [1], "Tanh") quietly built a linear model: a one-layer MLP has no hidden layer
    with pytest.raises(ValueError, match="activation must be one of .* got 'Tanh'"):
        make("Tanh")


@pytest.mark.parametrize("make, error, message", [
    (lambda: Neuron(-1), ValueError, "Neuron: nin must be >= 0, got -1"),
    (lambda: Neuron(2.0), TypeError, "Neuron: nin must be a whole number, got 2.0"),
    (lambda: Layer(2, -3), ValueError, "Layer: nout must be >= 0, got -3"),
    (lambda: MLP(-1, [2]), ValueError, "MLP: nin must be >= 0, got -1"),
    (lambda: MLP(2, [4, 2.5]), TypeError, r"MLP: sizes\[1\] must be a whole number, got 2.5"),
    (lambda: MLP(2, 3), TypeError, r"MLP: sizes must be a list of layer sizes such as "
                                   r"\[16, 16, 1\], got 3"),
])
def test_bad_sizes_are_named(make, error, message):
    # a negative size quietly made an empty layer; MLP(2, 3) said "Value after * must be an
    # iterable", and a float size "'float' object cannot be interpreted as an integer"
    with pytest.raises(error, match=message):
        make()


def test_zero_sizes_are_allowed_as_in_torch_linear():
    assert Neuron(0, seed=0)([]).data == math.tanh(0.0)
    assert Layer(2, 0, seed=0)([1.0, 2.0]) == []
    assert MLP(np.int64(2), [np.int64(3), 1], seed=0).num_parameters() == 13


@pytest.mark.parametrize("x", [None, "ab", {1.0, 2.0}.__iter__()])
def test_an_input_that_is_not_a_list_is_named(x):
    with pytest.raises(TypeError, match=r"Layer\(2, 3\): expected a list of numbers or Values"):
        MLP(2, [3, 1], seed=0)(x)
    with pytest.raises(TypeError, match=r"Neuron\(2\): expected a list of numbers or Values"):
        Neuron(2, seed=0)(x)
