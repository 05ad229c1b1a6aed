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
    # a copy: the output may be a view of the very input being perturbed (reshape, index)
    return np.array(out.data, dtype=np.float64, copy=True).reshape(-1)


def _analytical(fn: Callable, inputs: list, checked: list[int], n_out: int) -> list[np.ndarray]:
    """Jacobian rows by backward passes: one per output element (one-hot upstream grad)."""
    rows = [np.zeros((n_out, _size(inputs[i]))) for i in checked]
    for k in range(n_out):
        for x in inputs:
            _zero(x)
        out = fn(*inputs)
        if isinstance(out, Value):
            out.backward()
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
                plus = _as_array(fn(*inputs))
                x.data = orig - eps
                minus = _as_array(fn(*inputs))
                x.data = orig
            else:
                flat = x.data.reshape(-1)  # a view: x.data is made contiguous below
                orig = flat[j]
                flat[j] = orig + eps
                plus = _as_array(fn(*inputs))
                flat[j] = orig - eps
                minus = _as_array(fn(*inputs))
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

    `inputs` are Values or Tensors (only Tensors with requires_grad are checked); the
    output may be a Value, a scalar Tensor or any Tensor (its whole Jacobian is checked).
    On a mismatch it raises `GradcheckError` naming the input and element, or returns
    False when ``raise_exception=False``.
    """
    if isinstance(inputs, Value) or hasattr(inputs, "requires_grad"):
        inputs = [inputs]
    inputs = list(inputs)
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
    n_out = _as_array(fn(*inputs)).size
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
            raise GradcheckError(
                f"gradcheck: {name}, {where} (output element {k}): numerical "
                f"{numeric[k, j]:.8g} vs analytical {rows[k, j]:.8g}\n"
                f"numerical d(out)/d({name}):\n{numeric}\nanalytical:\n{rows}")
    return True
