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

    Where the slope jumps, the derivative holds a step (Heaviside) or a spike (DiracDelta).
    The step counts 0 at the jump and the spike 0 everywhere, as PyTorch's autograd does
    for relu and sign: ``Max(0, x)`` has slope 0 at x = 0 (SymPy's own step says 1/2).
    A formula SymPy cannot differentiate (``floor``, an undefined function) is an error.
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
    if not isinstance(expr, sympy.Expr) or getattr(expr, "is_Matrix", False):
        raise TypeError(f"activation_from_sympy: the function must return one expression in "
                        f"x (an activation maps one number to one number), got "
                        f"{type(expr).__name__} {expr}")
    if expr.has(sympy.I):
        raise ValueError(f"activation_from_sympy: {expr} is complex; an activation must give "
                         "real numbers")
    others = expr.free_symbols - {x}
    if others:
        names = ", ".join(sorted(str(s) for s in others))
        hint = ""
        if any(str(s) == "x" for s in others):
            hint = (" (a symbol of your own named x is a different symbol: build the "
                    "expression from the function's argument)")
        raise ValueError(f"activation_from_sympy: {expr} depends on {names} as well as x; "
                         f"an activation is a function of x alone{hint}")
    derivative = sympy.diff(expr, x)
    if simplify:
        derivative = sympy.simplify(derivative)
    # PyTorch's conventions at a jump in the slope (see the docstring)
    derivative = derivative.replace(sympy.DiracDelta, lambda *args: sympy.S.Zero)
    derivative = derivative.replace(sympy.Heaviside, lambda arg, *h0: sympy.Heaviside(arg, 0))
    if derivative.has(sympy.Derivative):
        raise ValueError(f"activation_from_sympy: SymPy cannot differentiate {expr} (it "
                         f"leaves {derivative}); write f and df yourself with custom_op")
    f = _lambdify(sympy, x, expr, "f")
    df = _lambdify(sympy, x, derivative, "df")
    if name is None:
        name = getattr(fn, "__name__", "<lambda>")
        name = str(expr) if name == "<lambda>" else name
    return SympyOp(f, df, name, expr, derivative, x)


def _lambdify(sympy: Any, x: Any, expr: Any, which: str) -> Callable:
    try:
        return sympy.lambdify(x, expr, "numpy")
    except Exception as e:  # SymPy's printer errors name its internals, not the formula
        raise ValueError(f"activation_from_sympy: cannot compile {which}(x) = {expr} for "
                         f"numpy: {e}") from None
