"""gradcheck on Values: it passes correct ops and catches a wrong derivative, as
torch.autograd.gradcheck does."""

import sys

import numpy as np
import pytest

from tinygrad_edu import GradcheckError, Tensor, Value, gradcheck


def op_with_slope(slope):
    """x**2 built directly with Value._make and a backward that uses `slope(x)`."""
    def square(x):
        def backward(grad):
            x.grad += slope(x.data) * grad
        return Value._make(x.data**2, (x,), "square", backward)
    return square


right_square = op_with_slope(lambda x: 2 * x)
wrong_square = op_with_slope(lambda x: 3 * x)  # the bug: should be 2x


def test_passes_on_correct_ops():
    assert gradcheck(lambda a, b: (a * b).tanh() + a.exp() / b - b.sigmoid().log(),
                     [Value(0.3), Value(-0.7)])
    assert gradcheck(lambda x: right_square(x) * 3, [Value(1.5)])
    assert gradcheck(lambda x: Value.dot([x, x], [2.0, x], bias=x).relu(), Value(0.8))  # one input


def test_wrong_derivative_raises_naming_the_input_and_both_slopes():
    with pytest.raises(GradcheckError) as info:
        gradcheck(wrong_square, [Value(1.5, label="x")])
    msg = str(info.value)
    assert "gradcheck: x," in msg
    assert "numerical 3 vs analytical 4.5" in msg  # d(x^2)/dx = 3 at 1.5; the bug gives 4.5
    assert isinstance(info.value, AssertionError)


def test_names_which_of_several_inputs_is_wrong():
    fn = lambda a, b: a * 2 + wrong_square(b)
    expected = r"gradcheck: input 1,.*numerical -1 vs analytical -1.5"
    with pytest.raises(GradcheckError, match=expected):
        gradcheck(fn, [Value(4.0), Value(-0.5)])


def test_raise_exception_false_returns_false():
    assert gradcheck(wrong_square, [Value(1.5)], raise_exception=False) is False
    assert gradcheck(right_square, [Value(1.5)], raise_exception=False) is True


def test_atol_is_honoured():
    off = op_with_slope(lambda x: 2 * x + 5e-3)  # absolutely off by 0.005 at x = 0
    with pytest.raises(GradcheckError):
        gradcheck(off, [Value(0.0)])
    assert gradcheck(off, [Value(0.0)], atol=1e-2)


def test_rtol_is_honoured():
    off = op_with_slope(lambda x: 2 * x * 1.01)  # relatively off by 1%
    with pytest.raises(GradcheckError):
        gradcheck(off, [Value(50.0)])
    assert gradcheck(off, [Value(50.0)], rtol=0.02)


def test_eps_is_honoured():
    cube = lambda x: x**3  # central differences of x^3 are off by exactly eps^2
    assert gradcheck(cube, [Value(1.0)])
    with pytest.raises(GradcheckError, match=r"numerical 3.01 vs analytical 3"):
        gradcheck(cube, [Value(1.0)], eps=0.1)
    assert gradcheck(cube, [Value(1.0)], eps=0.1, atol=0.02)


def test_inputs_are_left_as_they_were():
    x = Value(0.25)
    gradcheck(lambda v: v.exp(), [x])
    assert x.data == 0.25


@pytest.mark.parametrize("result, hint", [(lambda x: x.data * 2, "float .a number has no graph"),
                                          (lambda x: [x, x], "list"), (lambda x: None, "NoneType")])
def test_fn_returning_no_value_or_tensor_is_named(result, hint):
    # it was "AttributeError: 'float' object has no attribute 'data'" from inside gradcheck
    with pytest.raises(TypeError, match=f"fn must return a Value or a Tensor, got {hint}"):
        gradcheck(result, [Value(1.0)])


def test_non_differentiable_inputs_are_passed_through_as_pytorch():
    # a plain number among the inputs crashed with "'float' object has no attribute 'grad'"
    assert gradcheck(lambda x, c, flag: x * c if flag else x, [Value(1.5), 2.0, True])
    with pytest.raises(GradcheckError, match="input 0"):
        gradcheck(lambda x, c: wrong_square(x) * c, [Value(1.5), 2.0])


def test_inputs_grads_are_left_as_they_were_like_pytorch():
    x = Value(0.25)
    x.grad = 5.0  # e.g. accumulated by the user's training step
    assert gradcheck(lambda v: v * v, [x])
    assert (x.data, x.grad) == (0.25, 5.0)  # the grad was overwritten with 0.5


def test_a_function_that_modifies_its_input_is_named_and_the_input_restored():
    def f(x):
        x.data += 1.0  # gradcheck calls fn many times; each call would move x further
        return x * x
    x = Value(1.0)
    with pytest.raises(ValueError, match=r"gradcheck: fn changed input 0 \(1.0 became 2.0\)"):
        gradcheck(f, [x])  # it was a GradcheckError blaming the derivative: 8 vs 6
    assert x.data == 1.0


def test_eps_must_be_positive():
    with pytest.raises(ValueError, match="eps must be > 0, got 0"):
        gradcheck(lambda x: x * x, [Value(1.0)], eps=0)  # was 'numerical nan vs analytical 2'


def test_an_error_at_a_nudged_input_says_gradcheck_nudged_it():
    with pytest.raises(ValueError, match="sqrt: input must be >= 0, got -1e-06") as info:
        gradcheck(lambda x: x.sqrt(), [Value(0.0)])
    if sys.version_info >= (3, 11):  # add_note is new in 3.11
        assert "input 0 nudged to -1e-06" in info.value.__notes__[0]


def test_a_float32_tensor_warns_and_a_failure_says_why():
    x = Tensor(np.array([1.3, 2.7], dtype=np.float32), requires_grad=True)
    with pytest.warns(UserWarning, match="input 0 is float32, not float64"), \
            pytest.raises(GradcheckError, match=r"\(input 0 is float32: .* check in float64\)"):
        gradcheck(lambda t: (t * t).sum(), [x])
    assert gradcheck(lambda t: (t * t).sum(), [x.double()])


def test_an_output_with_no_path_from_the_inputs_has_zero_slopes_like_pytorch():
    # it raised "backward: this tensor does not require grad"
    x = Tensor(np.array([1.0, 2.0]), requires_grad=True)
    assert gradcheck(lambda t: Tensor(np.array([3.0, 4.0])), [x])
    with pytest.raises(GradcheckError, match=r"numerical 1 vs analytical 0"):
        gradcheck(lambda t: Tensor(t.data * 1.0), [x])  # .data cut the graph
