"""Custom ops: custom_op(f, df) and Function, on Value and Tensor, against finite differences
(gradcheck), against PyTorch, as activations, and the errors a learner will meet."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from tinygrad_edu import GradcheckError, Tensor, Value, gradcheck, no_grad
from tinygrad_edu.function import CustomOp, Function, custom_op


def _sigmoid(x):
    return 1 / (1 + np.exp(-x))


# (f, df) pairs of the tutorials' kind; each df is the derivative at the INPUT x
PAIRS = {
    "sigmoid": (_sigmoid, lambda x: _sigmoid(x) * (1 - _sigmoid(x))),
    "tanh": (np.tanh, lambda x: 1 - np.tanh(x) ** 2),
    "softplus": (lambda x: np.log1p(np.exp(x)), _sigmoid),
    "swish": (lambda x: x * _sigmoid(x), lambda x: _sigmoid(x) * (1 + x * (1 - _sigmoid(x)))),
    "sin": (np.sin, np.cos),
    "cube": (lambda x: x ** 3, lambda x: 3 * x ** 2),
}
OPS = {name: custom_op(f, df, name=name) for name, (f, df) in PAIRS.items()}

finite = st.floats(-4, 4, allow_nan=False, allow_infinity=False)
arrays = hnp.arrays(np.float64, hnp.array_shapes(min_dims=0, max_dims=3, max_side=4),
                    elements=finite)


# ---- custom_op: gradients -------------------------------------------------------------------
@pytest.mark.parametrize("name", sorted(OPS))
@given(x=arrays)
def test_custom_op_tensor_passes_gradcheck(name, x):
    t = Tensor(x, requires_grad=True)
    assert gradcheck(OPS[name], [t])


@pytest.mark.parametrize("name", sorted(OPS))
@given(x=finite)
def test_custom_op_value_passes_gradcheck_and_matches_the_tensor_op(name, x):
    assert gradcheck(OPS[name], [Value(x)])
    v = Value(x)
    out = OPS[name](v)
    out.backward()
    t = Tensor(np.array([x]), requires_grad=True)
    OPS[name](t).sum().backward()
    assert out.data == pytest.approx(float(OPS[name](t).data[0]), rel=1e-12, abs=1e-12)
    assert v.grad == pytest.approx(float(t.grad[0]), rel=1e-12, abs=1e-12)


@given(x=hnp.arrays(np.float64, hnp.array_shapes(max_dims=2, max_side=5), elements=finite))
def test_custom_ops_match_pytorch(x):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    for name, ref in [("softplus", F.softplus), ("swish", F.silu), ("sigmoid", torch.sigmoid),
                      ("tanh", torch.tanh)]:
        t = Tensor(x, requires_grad=True)
        out = OPS[name](t)
        g = np.cos(np.arange(x.size)).reshape(x.shape)  # an upstream gradient that is not all ones
        out.backward(g)
        tt = torch.tensor(x, requires_grad=True)
        ref_out = ref(tt)
        ref_out.backward(torch.tensor(g))
        np.testing.assert_allclose(out.data, ref_out.detach().numpy(), rtol=1e-10, atol=1e-12)
        np.testing.assert_allclose(t.grad, tt.grad.numpy(), rtol=1e-10, atol=1e-12)


def test_wrong_derivative_fails_gradcheck():
    # the classic slip: the sigmoid slope written in terms of the OUTPUT, s(1 - s), used as
    # a function of the input x
    bad = custom_op(_sigmoid, lambda x: x * (1 - x), name="bad_sigmoid")
    with pytest.raises(GradcheckError, match="numerical .* vs analytical"):
        gradcheck(bad, [Tensor(np.array([0.5, -1.0, 2.0]), requires_grad=True)])
    with pytest.raises(GradcheckError):
        gradcheck(bad, [Value(0.7)])
    assert gradcheck(bad, [Value(0.7)], raise_exception=False) is False


# ---- custom_op: one node, in the house style -------------------------------------------------
def test_custom_op_builds_one_node_that_keeps_dtype():
    op = OPS["softplus"]
    x = Tensor([[0.5, -1.0]], requires_grad=True)
    y = op(x)
    assert y.op == "softplus" and y._prev == (x,) and y.dtype == np.float32
    y.sum().backward()
    assert x.grad.dtype == np.float32
    np.testing.assert_allclose(x.grad, _sigmoid(np.array([[0.5, -1.0]])), rtol=1e-6)
    v = Value(0.5)
    w = op(v)
    assert w.op == "softplus" and w._prev == (v,)
    assert op.__name__ == "softplus" and repr(op) == "custom_op('softplus')"


def test_custom_op_under_no_grad_records_nothing():
    x = Tensor([1.0, 2.0], requires_grad=True)
    with no_grad():
        y = OPS["tanh"](x)
        w = OPS["tanh"](Value(1.0))
    assert not y.requires_grad and y._prev == () and y._backward is None
    assert w._prev == () and w._backward is None


def test_derivative_is_evaluated_at_the_input_only_in_backward():
    calls = []
    op = custom_op(np.exp, lambda x: calls.append(np.array(x)) or np.exp(x), name="exp2")
    x = Tensor(np.array([0.0, 1.0]), requires_grad=True)
    y = op(x)
    assert calls == []  # evaluation alone never pays for df
    y.sum().backward()
    np.testing.assert_array_equal(calls[0], [0.0, 1.0])
    np.testing.assert_allclose(x.grad, np.exp([0.0, 1.0]))


def test_constant_derivative_and_plain_inputs():
    affine = custom_op(lambda x: 2 * x + 1, lambda x: 2.0, name="affine")
    x = Tensor(np.ones((2, 3)), requires_grad=True)
    affine(x).sum().backward()
    np.testing.assert_array_equal(x.grad, np.full((2, 3), 2.0))
    assert gradcheck(affine, [Tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)])
    assert affine(3.0) == 7.0 and isinstance(affine(3.0), float)
    np.testing.assert_array_equal(affine(np.array([0.0, 1.0])), [1.0, 3.0])


def test_math_module_functions_work_on_values_and_explain_arrays():
    mexp = custom_op(math.exp, math.exp, name="mexp")
    v = Value(1.0)
    out = mexp(v)
    out.backward()
    assert out.data == pytest.approx(math.e) and v.grad == pytest.approx(math.e)
    with pytest.raises(TypeError, match=r"custom op 'mexp': f failed on an array of shape "
                                        r"\(2,\).*np\.exp rather than math\.exp"):
        mexp(Tensor([1.0, 2.0]))


def test_custom_op_errors_name_the_op():
    with pytest.raises(TypeError, match="must be functions"):
        custom_op(np.exp, 2.0)
    shrink = custom_op(lambda x: x.sum(), lambda x: np.ones_like(x), name="shrink")
    with pytest.raises(ValueError, match=r"'shrink': f must be elementwise.*\(2, 2\) into "
                                         r"shape \(\)"):
        shrink(Tensor(np.ones((2, 2))))
    vec = custom_op(np.sin, lambda x: np.array([1.0, 2.0]), name="vec")
    v = Value(0.3)
    out = vec(v)
    with pytest.raises(TypeError, match=r"'vec': df\(0.3\) must return one number"):
        out.backward()
    failing = custom_op(np.sin, lambda x: 1 / 0, name="failing")
    y = failing(Value(0.3))
    with pytest.raises(ZeroDivisionError, match="'failing': df failed on x=0.3"):
        y.backward()
    with pytest.raises(TypeError, match="expected a Value, a Tensor or numbers, got str"):
        OPS["sin"]("x")


def test_default_names():
    def gelu_ish(x):
        return x * _sigmoid(1.702 * x)
    assert custom_op(gelu_ish, np.cos).name == "gelu_ish"
    assert custom_op(lambda x: x, lambda x: 1.0).name == "custom_op"
    assert isinstance(OPS["sin"], CustomOp)


# ---- custom ops as activations ---------------------------------------------------------------
def test_custom_op_as_scalar_mlp_activation_matches_the_builtin():
    from tinygrad_edu.nn.scalar import MLP

    x = [0.3, -0.8]
    grads = []
    for act in ("tanh", OPS["tanh"]):
        model = MLP(2, [3, 1], activation=act, seed=0)
        out = model(x)
        out.backward()
        grads.append([p.grad for p in model.parameters()] + [out.data])
    np.testing.assert_allclose(grads[0], grads[1], rtol=1e-12)


def test_custom_op_as_tensor_mlp_activation_matches_the_builtin():
    from tinygrad_edu import nn

    X = Tensor(np.array([[0.3, -0.8], [1.0, 0.5]]))
    results = []
    for act in ("tanh", OPS["tanh"]):
        model = nn.MLP(2, [3], 1, activation=act, seed=0)
        out = model(X).sum()
        out.backward()
        results.append([p.grad.copy() for p in model.parameters()] + [out.data])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-5)
    assert "tanh" in repr(model)  # the Lambda layer shows the op's name


# ---- Function: forward and backward of several inputs ----------------------------------------
class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        ctx.save_for_backward(a, b)
        return a * b

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        return grad * b, grad * a  # output-shaped: apply() sums broadcast axes back


class ScaledExp(Function):
    """exp(k * x) with a constant k: the constant's gradient slot is None."""

    @staticmethod
    def forward(ctx, x, k):
        e = np.exp(k * x)
        ctx.save_for_backward(e)
        ctx.k = k
        return e

    @staticmethod
    def backward(ctx, grad):
        (e,) = ctx.saved_tensors
        return grad * ctx.k * e, None


shapes = st.sampled_from([((3, 4), (4,)), ((3, 1), (1, 4)), ((2, 3), (2, 3)), ((), (3,)),
                          ((2, 1, 3), (4, 1))])


@given(pair=shapes, data=st.data())
def test_function_with_broadcasting_passes_gradcheck(pair, data):
    sa, sb = pair
    a = Tensor(data.draw(hnp.arrays(np.float64, sa, elements=finite)), requires_grad=True)
    b = Tensor(data.draw(hnp.arrays(np.float64, sb, elements=finite)), requires_grad=True)
    assert gradcheck(Mul.apply, [a, b])
    assert gradcheck(lambda x: ScaledExp.apply(x, -0.5), [a])


def test_function_matches_pytorch_with_broadcasting():
    torch = pytest.importorskip("torch")
    rng = np.random.default_rng(0)
    a0, b0, g = rng.normal(size=(3, 1)), rng.normal(size=(1, 4)), rng.normal(size=(3, 4))
    a, b = Tensor(a0, requires_grad=True), Tensor(b0, requires_grad=True)
    out = Mul.apply(a, b)
    out.backward(g)
    ta, tb = torch.tensor(a0, requires_grad=True), torch.tensor(b0, requires_grad=True)
    (ta * tb).backward(torch.tensor(g))
    np.testing.assert_allclose(out.data, (ta * tb).detach().numpy())
    np.testing.assert_allclose(a.grad, ta.grad.numpy())
    np.testing.assert_allclose(b.grad, tb.grad.numpy())


def test_function_on_values_and_constants():
    a, b = Value(2.0), Value(-3.0)
    out = Mul.apply(a, b)
    assert out.op == "Mul" and out._prev == (a, b) and out.data == -6.0
    out.backward()
    assert (a.grad, b.grad) == (-3.0, 2.0)
    assert gradcheck(Mul.apply, [Value(0.5), Value(1.5)])
    c = Tensor([1.0, 2.0], requires_grad=True)
    y = Mul.apply(c, 3.0)  # a constant input: no gradient slot filled, nothing breaks
    y.sum().backward()
    np.testing.assert_array_equal(c.grad, [3.0, 3.0])
    assert Mul.apply(2.0, 4.0) == 8.0  # plain numbers in, plain number out


def test_function_ctx_knows_which_inputs_need_grad():
    seen = []

    class Spy(Function):
        @staticmethod
        def forward(ctx, a, b):
            seen.append(ctx.needs_input_grad)
            return a + b

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    Spy.apply(Tensor([1.0], requires_grad=True), Tensor([2.0]))
    assert seen == [(True, False)]


def test_function_errors():
    class TooFew(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad

    out = TooFew.apply(Tensor([1.0], requires_grad=True), Tensor([2.0], requires_grad=True))
    with pytest.raises(RuntimeError, match="TooFew.backward returned 1 gradient.*took 2 input"):
        out.sum().backward()

    class BadShape(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return np.ones(5)

    out = BadShape.apply(Tensor(np.ones((2, 3)), requires_grad=True))
    with pytest.raises(RuntimeError, match=r"gradient for input 0 has shape \(5,\).*\(2, 3\)"):
        out.sum().backward()
    with pytest.raises(TypeError, match="cannot mix Value and Tensor"):
        Mul.apply(Value(1.0), Tensor([1.0]))
    with pytest.raises(NotImplementedError, match="forward"):
        Function.apply(Tensor([1.0]))


def _returning(grad_fn, out_fn=lambda a: a * 2):
    class Op(Function):
        @staticmethod
        def forward(ctx, a):
            return out_fn(a)

        @staticmethod
        def backward(ctx, grad):
            return grad_fn(grad)

    return Op


def test_a_gradient_smaller_than_its_input_is_an_error_as_in_pytorch():
    # np.broadcast_to spread these over the input: a silently wrong gradient
    x = Tensor(np.ones((3, 2)), requires_grad=True)
    with pytest.raises(RuntimeError, match=r"Op.backward: the gradient for input 0 has shape "
                                           r"\(1, 2\).*\(3, 2\).*np\.broadcast_to"):
        _returning(lambda g: g[:1]).apply(x).sum().backward()
    with pytest.raises(RuntimeError, match=r"shape \(\).*\(3, 2\)"):
        _returning(lambda g: g.sum()).apply(x).sum().backward()
    # a reducing forward spreads its gradient itself, as in PyTorch
    summed = _returning(lambda g: np.broadcast_to(g, (3, 2)), lambda a: a.sum())
    summed.apply(x).backward()
    np.testing.assert_array_equal(x.grad, np.ones((3, 2)))
    torch = pytest.importorskip("torch")

    class TorchOp(torch.autograd.Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2

        @staticmethod
        def backward(ctx, grad):
            return grad[:1]

    with pytest.raises(RuntimeError, match="invalid gradient"):
        TorchOp.apply(torch.ones(3, 2, requires_grad=True)).sum().backward()


def test_non_numeric_results_name_the_op(recwarn):
    x = Tensor(np.ones(2), requires_grad=True)
    with pytest.raises(TypeError, match=r"Op.backward: the gradient for input 0 must be real "
                                        r"numbers.*complex128"):  # was cast, dropping 1j
        _returning(lambda g: g * (1 + 1j)).apply(x).sum().backward()
    with pytest.raises(TypeError, match=r"Op.backward: .* got str"):  # was numpy's ValueError
        _returning(lambda g: "x").apply(x).sum().backward()
    with pytest.raises(TypeError, match=r"Op.forward: the output must be real numbers.*str"):
        _returning(lambda g: g, lambda a: "out").apply(x)
    op = custom_op(lambda v: v * (1 + 0j), lambda v: v)
    with pytest.raises(TypeError, match=r"custom op 'custom_op': f must return real numbers.*"
                                        r"complex"):
        op(Tensor(np.ones(2)))
    assert not [w for w in recwarn if issubclass(w.category, np.exceptions.ComplexWarning)]
