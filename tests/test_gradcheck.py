"""gradcheck on Values: it passes correct ops and catches a wrong derivative, as
torch.autograd.gradcheck does."""

import pytest

from tinygrad_edu import GradcheckError, Value, gradcheck


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
