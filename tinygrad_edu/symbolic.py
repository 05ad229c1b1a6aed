"""Activations written as a SymPy formula: SymPy finds the derivative, numpy evaluates both.

The first source tutorial's trick: write ``1 / (1 + exp(-x))`` once, let ``sympy.diff``
derive ``f'(x)``, and ``sympy.lambdify`` turn both formulas into numpy functions. The result
is a `custom_op`, so it works on Value and Tensor and as an `nn.MLP` activation. Needs the
optional extra: ``pip install tinygrad_edu[sympy]``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from .function import CustomOp

__all__ = ["activation_from_sympy", "SympyOp"]


class SympyOp(CustomOp):
    """A `CustomOp` that also keeps its formulas: ``op.expr`` is f(x) and ``op.derivative``
    f'(x), both SymPy expressions in the symbol ``op.symbol``."""

    def __init__(self, f: Callable, df: Callable, name: str, expr: Any, derivative: Any,
                 symbol: Any) -> None:
        super().__init__(f, df, name)
        self.expr, self.derivative, self.symbol = expr, derivative, symbol

    def __repr__(self) -> str:
        return f"activation_from_sympy({self.name!r}: f(x) = {self.expr}, " \
               f"f'(x) = {self.derivative})"


def _import_sympy() -> Any:
    try:
        import sympy
    except ImportError:
        raise ImportError("activation_from_sympy needs SymPy, an optional extra: "
                          "pip install tinygrad_edu[sympy]  (or: pip install sympy)") from None
    return sympy


def activation_from_sympy(fn: Callable[[Any], Any], name: str | None = None,
                          simplify: bool = True) -> SympyOp:
    """An op from a function of one SymPy symbol, e.g. ``lambda x: 1 / (1 + sympy.exp(-x))``.

    SymPy differentiates the expression (and, with `simplify`, tidies the result), then
    both are compiled for numpy. The name defaults to the function's name, or the formula.
    """
    sympy = _import_sympy()
    if not callable(fn):
        raise TypeError(f"activation_from_sympy: expected a function of one symbol, "
                        f"got {type(fn).__name__}")
    x = sympy.Symbol("x", real=True)
    try:
        expr = sympy.sympify(fn(x))
    except (TypeError, sympy.SympifyError) as e:
        raise TypeError(f"activation_from_sympy: the function must build a SymPy expression "
                        f"from its symbol (use sympy.exp, not math.exp): {e}") from None
    others = expr.free_symbols - {x}
    if others:
        names = ", ".join(sorted(str(s) for s in others))
        raise ValueError(f"activation_from_sympy: {expr} depends on {names} as well as x; "
                         "an activation is a function of x alone")
    derivative = sympy.diff(expr, x)
    if simplify:
        derivative = sympy.simplify(derivative)
    f = sympy.lambdify(x, expr, "numpy")
    df = sympy.lambdify(x, derivative, "numpy")
    if name is None:
        name = getattr(fn, "__name__", "<lambda>")
        name = str(expr) if name == "<lambda>" else name
    return SympyOp(f, df, name, expr, derivative, x)
