"""Check analytic gradients against central finite differences, as ``torch.autograd.gradcheck``.

For each input element x_i, the numerical slope is (f(x_i + eps) - f(x_i - eps)) / (2 eps);
backward() gives the analytical one. They must agree within ``atol + rtol * |numerical|``.
Use float64: in float32 the differences drown in rounding error.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from .autograd import no_grad
from .value import Value

__all__ = ["gradcheck", "GradcheckError"]


class GradcheckError(AssertionError):
    """The analytical gradient of some input disagrees with the numerical one."""


def _as_array(out: Any) -> np.ndarray:
    if not isinstance(out, Value) and not hasattr(out, "requires_grad"):
        hint = " (a number has no graph: did fn use .data?)" if np.isscalar(out) else ""
        raise TypeError(f"gradcheck: fn must return a Value or a Tensor, got "
                        f"{type(out).__name__}{hint}")
    # a copy: the output may be a view of the very input being perturbed (reshape, index)
    return np.array(out.data, dtype=np.float64, copy=True).reshape(-1)


def _call(fn: Callable, inputs: list, i: int, at: float) -> np.ndarray:
    """fn at the nudged inputs; an error it raises says where gradcheck evaluated it."""
    try:
        return _as_array(fn(*inputs))
    except Exception as e:
        if hasattr(e, "add_note"):  # Python 3.11+
            e.add_note(f"gradcheck: fn raised this with input {i} nudged to {at!r}; keep "
                       "inputs more than eps from a domain edge (such as 0 for log and sqrt)")
        raise


def _analytical(fn: Callable, inputs: list, checked: list[int], n_out: int) -> list[np.ndarray]:
    """Jacobian rows by backward passes: one per output element (one-hot upstream grad)."""
    rows = [np.zeros((n_out, _size(inputs[i]))) for i in checked]
    for k in range(n_out):
        for i in checked:
            _zero(inputs[i])
        out = fn(*inputs)
        if isinstance(out, Value):
            out.backward()
        elif not out.requires_grad:  # no path from any input: every slope is 0, as PyTorch
            continue
        else:
            seed = np.zeros(out.data.size, dtype=out.data.dtype)
            seed[k] = 1.0
            out.backward(seed.reshape(out.data.shape))
        for r, i in zip(rows, checked):
            g = inputs[i].grad
            r[k] = 0.0 if g is None else np.asarray(g, dtype=np.float64).reshape(-1)
    return rows


def _size(x: Any) -> int:
    return 1 if isinstance(x, Value) else x.data.size


def _zero(x: Any) -> None:
    if isinstance(x, Value):
        x.grad = 0.0
    else:
        x.grad = None


def _numerical(fn: Callable, inputs: list, i: int, eps: float, n_out: int) -> np.ndarray:
    """Jacobian columns for input i by central differences (graph recording off)."""
    x = inputs[i]
    cols = np.zeros((n_out, _size(x)))
    with no_grad():
        for j in range(_size(x)):
            if isinstance(x, Value):
                orig = x.data
                x.data = orig + eps
                plus = _call(fn, inputs, i, x.data)
                x.data = orig - eps
                minus = _call(fn, inputs, i, x.data)
                x.data = orig
            else:
                flat = x.data.reshape(-1)  # a view: x.data is made contiguous below
                orig = flat[j]
                flat[j] = orig + eps
                plus = _call(fn, inputs, i, float(flat[j]))
                flat[j] = orig - eps
                minus = _call(fn, inputs, i, float(flat[j]))
                flat[j] = orig
            cols[:, j] = (plus - minus) / (2 * eps)
    return cols


def gradcheck(
    fn: Callable[..., Any],
    inputs: Sequence[Any] | Any,
    eps: float = 1e-6,
    atol: float = 1e-5,
    rtol: float = 1e-3,
    raise_exception: bool = True,
) -> bool:
    """True if backward() of ``fn(*inputs)`` matches central differences for every input.

    `inputs` are Values or Tensors (only Tensors with requires_grad are checked; anything
    else, such as a number, is passed to fn as it is); the output may be a Value, a scalar
    Tensor or any Tensor (its whole Jacobian is checked). On a mismatch it raises
    `GradcheckError` naming the input and element, or returns False when
    ``raise_exception=False``. As PyTorch's, it warns on a float32 input and leaves the
    inputs' data and grads as they were. **Differs**: ``eps <= 0`` is a ValueError (PyTorch
    reports a nan slope), and a fn that modifies its inputs is refused by name.
    """
    if not eps > 0:
        raise ValueError(f"gradcheck: eps must be > 0, got {eps}")
    if isinstance(inputs, Value) or hasattr(inputs, "requires_grad"):
        inputs = [inputs]
    inputs = list(inputs)  # anything else (a number, a flag) is handed to fn unchecked
    checked = []
    for i, x in enumerate(inputs):
        if isinstance(x, Value):
            checked.append(i)
        elif getattr(x, "requires_grad", False):
            if x.data.dtype != np.float64:
                warnings.warn(f"gradcheck: input {i} is {x.data.dtype}, not float64; finite "
                              "differences will be dominated by rounding", stacklevel=2)
            if not x.data.flags.c_contiguous:
                x.data = np.ascontiguousarray(x.data)
            checked.append(i)
    if not checked:
        raise ValueError("gradcheck: no input requires grad, so there is nothing to check")
    # as torch.autograd.gradcheck, leave the inputs' data and grads as they were
    saved = [(_copy(inputs[i].data), inputs[i].grad) for i in checked]
    try:
        return _check(fn, inputs, checked, saved, eps, atol, rtol, raise_exception)
    finally:
        for i, (data, grad) in zip(checked, saved):
            if not np.array_equal(inputs[i].data, data, equal_nan=True):
                inputs[i].data = data
            inputs[i].grad = grad


def _copy(data: Any) -> Any:
    return data.copy() if isinstance(data, np.ndarray) else data


def _check(fn: Callable, inputs: list, checked: list[int], saved: list, eps: float,
           atol: float, rtol: float, raise_exception: bool) -> bool:
    n_out = _as_array(fn(*inputs)).size
    for i, (data, _) in zip(checked, saved):
        if not np.array_equal(inputs[i].data, data, equal_nan=True):
            raise ValueError(f"gradcheck: fn changed input {i} ({data!r} became "
                             f"{_copy(inputs[i].data)!r}); it is called many times at nudged "
                             "inputs, so it must compute a new result, not modify its inputs")
    analytic = _analytical(fn, inputs, checked, n_out)
    for rows, i in zip(analytic, checked):
        numeric = _numerical(fn, inputs, i, eps, n_out)
        bad = ~(np.abs(rows - numeric) <= atol + rtol * np.abs(numeric))
        if bad.any():
            if not raise_exception:
                return False
            k, j = (int(v) for v in np.argwhere(bad)[0])
            name = getattr(inputs[i], "label", "") or f"input {i}"
            where = f"element {j}" if _size(inputs[i]) > 1 else "its only element"
            dtype = getattr(inputs[i].data, "dtype", np.float64)
            hint = (f"\n(input {i} is {dtype}: in single precision the numerical slope is "
                    "mostly rounding error; check in float64)" if dtype != np.float64 else "")
            raise GradcheckError(
                f"gradcheck: {name}, {where} (output element {k}): numerical "
                f"{numeric[k, j]:.8g} vs analytical {rows[k, j]:.8g}{hint}\n"
                f"numerical d(out)/d({name}):\n{numeric}\nanalytical:\n{rows}")
    return True
