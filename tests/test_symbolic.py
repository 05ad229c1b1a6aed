"""activation_from_sympy: the derivative SymPy finds is right (gradcheck, the built-in ops),
the op works as an activation, and without SymPy the error names the extra to install."""

import sys

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import Tensor, Value, gradcheck
from tinygrad_edu.symbolic import activation_from_sympy


def test_without_sympy_the_error_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "sympy", None)  # makes `import sympy` raise ImportError
    with pytest.raises(ImportError, match=r"pip install tinygrad_edu\[sympy\]"):
        activation_from_sympy(lambda x: x ** 2)


sympy = pytest.importorskip("sympy")

SIGMOID = activation_from_sympy(lambda x: 1 / (1 + sympy.exp(-x)), name="sigmoid")
finite = st.floats(-6, 6, allow_nan=False, allow_infinity=False)


def test_sigmoid_derivative_is_s_times_one_minus_s():
    x = SIGMOID.symbol
    s = 1 / (1 + sympy.exp(-x))
    assert sympy.simplify((SIGMOID.derivative - s * (1 - s)).rewrite(sympy.exp)) == 0
    assert SIGMOID.name == "sigmoid" and "f'(x)" in repr(SIGMOID)


@given(x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4), elements=finite))
def test_sigmoid_from_sympy_passes_gradcheck_and_equals_the_builtin(x):
    t = Tensor(x, requires_grad=True)
    assert gradcheck(SIGMOID, [t])
    a, b = Tensor(x, requires_grad=True), Tensor(x, requires_grad=True)
    SIGMOID(a).sum().backward()
    b.sigmoid().sum().backward()
    np.testing.assert_allclose(SIGMOID(a).data, b.sigmoid().data, rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(a.grad, b.grad, rtol=1e-10, atol=1e-15)


FORMULAS = {
    "tanh": sympy.tanh,
    "swish": lambda x: x / (1 + sympy.exp(-x)),
    "softplus": lambda x: sympy.log(1 + sympy.exp(x)),
    "poly_sin": lambda x: x ** 3 / 3 + sympy.sin(x),
    "affine": lambda x: 2 * x + 1,                     # a constant derivative
}
SYMPY_OPS = {name: activation_from_sympy(fn) for name, fn in FORMULAS.items()}
TANH = SYMPY_OPS["tanh"]


@pytest.mark.parametrize("name", sorted(SYMPY_OPS))
@given(x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=4), elements=finite),
       v=finite)
def test_sympy_ops_pass_gradcheck_on_tensor_and_value(name, x, v):
    assert gradcheck(SYMPY_OPS[name], [Tensor(x, requires_grad=True)])
    assert gradcheck(SYMPY_OPS[name], [Value(v)])


def test_saturated_inputs_keep_finite_slopes():
    # the simplified derivative stays finite where exp(-x) / (1 + exp(-x))**2 would be inf/inf
    x = Tensor(np.linspace(-30, 30, 61), requires_grad=True)
    SIGMOID(x).sum().backward()
    e = np.exp(-np.abs(x.data))  # s (1 - s) written so that nothing cancels at large |x|
    assert np.isfinite(x.grad).all()
    np.testing.assert_allclose(x.grad, e / (1 + e) ** 2, rtol=1e-10, atol=1e-300)


def test_sympy_activation_in_a_scalar_mlp_matches_the_builtin():
    from tinygrad_edu.nn.scalar import MLP

    results = []
    for act in ("tanh", TANH):
        model = MLP(2, [3, 1], activation=act, seed=1)
        out = model([0.2, -0.4])
        out.backward()
        results.append([p.grad for p in model.parameters()] + [out.data])
    np.testing.assert_allclose(results[0], results[1], rtol=1e-12)


def test_names_and_errors():
    def swish(x):
        return x / (1 + sympy.exp(-x))
    assert activation_from_sympy(swish).name == "swish"
    assert activation_from_sympy(lambda x: x ** 2).name == "x**2"
    assert TANH.name == "tanh"
    import math
    with pytest.raises(TypeError, match="use sympy.exp, not math.exp"):
        activation_from_sympy(lambda x: math.exp(x))
    with pytest.raises(ValueError, match="depends on a as well as x"):
        activation_from_sympy(lambda x: x * sympy.Symbol("a"))
    with pytest.raises(TypeError, match="expected a function"):
        activation_from_sympy("x**2")


def test_kinks_get_pytorchs_slopes_and_bad_formulas_fail_when_made():
    torch = pytest.importorskip("torch")
    x = np.array([-1.0, 0.0, 1.0])
    for formula, reference in [(lambda s: sympy.Max(0, s), torch.relu),
                               (lambda s: s * sympy.Heaviside(s), torch.relu),
                               (sympy.sign, torch.sign), (sympy.Abs, torch.abs)]:
        t = Tensor(x, requires_grad=True)
        activation_from_sympy(formula)(t).sum().backward()  # DiracDelta was a NameError here
        tt = torch.tensor(x, requires_grad=True)
        reference(tt).sum().backward()
        np.testing.assert_array_equal(t.grad, tt.grad.numpy())  # relu'(0) was 0.5
    with pytest.raises(ValueError, match=r"cannot differentiate floor\(x\).*custom_op"):
        activation_from_sympy(sympy.floor)  # was SymPy's printer error
    with pytest.raises(TypeError, match="one expression in x.*Matrix"):
        activation_from_sympy(lambda s: sympy.Matrix([s, s ** 2]))  # was accepted
    with pytest.raises(TypeError, match="one expression in x"):
        activation_from_sympy(lambda s: s > 0)
    with pytest.raises(TypeError, match="one expression in x"):
        activation_from_sympy(lambda s: [s, s])
    with pytest.raises(ValueError, match="complex"):
        activation_from_sympy(lambda s: sympy.I * s)
    with pytest.raises(ValueError, match="a symbol of your own named x is a different symbol"):
        activation_from_sympy(lambda s: s * sympy.Symbol("x"))
