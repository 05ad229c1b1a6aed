"""A safe parser for small math expressions such as ``"tanh(a*b + c)"``, built as a `Value` graph.

The command line's ``graph`` and ``explain`` take an expression from the user. Python's
``eval`` would run any code, so instead `ast` parses the text and we walk only the node
types a formula needs: numbers, names, ``+ - * / **``, unary ``-``/``+`` and calls of a
few functions. Anything else (attributes, subscripts, lambdas, keywords...) is refused
with an `ExpressionError` that points at it.

>>> root = evaluate("tanh(a*b + c)", {"a": 2, "b": -3, "c": 10})
>>> root.backward()
"""

from __future__ import annotations

import ast
import keyword
import math
import unicodedata
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from .value import Value

__all__ = ["ExpressionError", "Expression", "FUNCTIONS", "parse", "evaluate", "parse_assignments"]

MAX_LENGTH = 2000    # characters; a formula for a picture, not a program
MAX_NODES = 500      # syntax nodes; `dot` would not draw a much larger graph usefully
LABEL_LENGTH = 24    # intermediate nodes are labelled with their source text up to this long

Number = float | int
Operand = Value | float


def _abs(x: Operand) -> Operand:
    return abs(x)


def _unary(name: str, fn: Callable[[float], float]) -> Callable[[Operand], Operand]:
    """The Value method `name`, or `fn` on a plain number (a constant sub-expression)."""
    def call(x: Operand) -> Operand:
        return getattr(x, name)() if isinstance(x, Value) else fn(x)
    call.__name__ = name
    return call


def _sigmoid(x: float) -> float:
    return 1.0 / (1.0 + math.exp(-x)) if x >= 0 else math.exp(x) / (1.0 + math.exp(x))


def _log(x: float) -> float:
    if x <= 0:
        raise ValueError(f"log: input must be > 0, got {x}")
    return math.log(x)


def _sqrt(x: float) -> float:
    if x < 0:
        raise ValueError(f"sqrt: input must be >= 0, got {x}")
    return math.sqrt(x)


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


#: The functions an expression may call, each of one argument.
FUNCTIONS: dict[str, Callable[[Operand], Operand]] = {
    "tanh": _unary("tanh", math.tanh),
    "exp": _unary("exp", _exp),
    "log": _unary("log", _log),
    "sigmoid": _unary("sigmoid", _sigmoid),
    "relu": _unary("relu", lambda x: max(x, 0.0)),
    "sqrt": _unary("sqrt", _sqrt),
    "abs": _abs,
}

_BINARY: dict[type, Callable[[Operand, Operand], Operand]] = {
    ast.Add: lambda a, b: a + b,
    ast.Sub: lambda a, b: a - b,
    ast.Mult: lambda a, b: a * b,
    ast.Div: lambda a, b: a / b,
    ast.Pow: lambda a, b: a ** b,
}
_SYMBOL = {ast.Add: "+", ast.Sub: "-", ast.Mult: "*", ast.Div: "/", ast.Pow: "**"}


class ExpressionError(ValueError):
    """An expression that cannot be parsed or evaluated; the message says where and why."""


@dataclass(frozen=True)
class Expression:
    """A checked expression: its source text, its parsed tree and its variable names
    in order of first appearance. `build` turns it into a `Value` graph."""

    source: str
    tree: ast.expr
    variables: tuple[str, ...]

    def build(self, values: Mapping[str, Number]) -> Value:
        """The Value graph of this expression with each variable set from `values`.

        Each variable becomes one leaf Value labelled with its name (used twice, it is the
        same node twice); short sub-expressions label their nodes with their source text.
        Call ``backward()`` on the result for the gradients.
        """
        missing = [v for v in self.variables if v not in values]
        if missing:
            raise ExpressionError(f"no value for {', '.join(missing)}: give one with --set "
                                  + " ".join(f"{v}=..." for v in missing))
        unused = [k for k in values if k not in self.variables]
        if unused:
            known = ", ".join(self.variables) or "none"
            raise ExpressionError(f"{', '.join(unused)} not in the expression "
                                  f"(its variables: {known})")
        leaves = {}
        for name in self.variables:
            x = values[name]
            if isinstance(x, bool) or not isinstance(x, (int, float)) or not math.isfinite(x):
                raise ExpressionError(f"{name} must be a finite number, got {x!r}")
            leaves[name] = Value(float(x), label=name)
        try:
            out = _Builder(self.source, leaves).visit(self.tree)
        except (ArithmeticError, ValueError, TypeError) as e:
            if isinstance(e, ExpressionError):
                raise
            raise ExpressionError(f"cannot evaluate {_quote(self.source)}: {e}") from None
        if not isinstance(out, Value):         # only constants: still give back a Value
            out = Value(out, label=_short(self.source.strip()))
        return out


class _Builder:
    """Evaluates a checked tree: numbers stay Python floats until they meet a Value."""

    def __init__(self, source: str, leaves: dict[str, Value]) -> None:
        self.source, self.leaves = source, leaves

    def visit(self, node: ast.expr) -> Operand:
        if isinstance(node, ast.Constant):
            return float(node.value)
        if isinstance(node, ast.Name):
            return self.leaves[node.id] if node.id in self.leaves else _CONSTANTS[node.id]
        if isinstance(node, ast.UnaryOp):
            x = self.visit(node.operand)
            out = -x if isinstance(node.op, ast.USub) else x
        elif isinstance(node, ast.BinOp):
            a, b = self.visit(node.left), self.visit(node.right)
            try:
                out = _BINARY[type(node.op)](a, b)
            except ZeroDivisionError:
                raise ExpressionError(f"division by zero in {_quote(self._text(node))}") from None
            except OverflowError:
                raise ExpressionError(f"{_quote(self._text(node))} overflows a float") from None
        else:  # ast.Call, checked to be FUNCTIONS[name](one argument)
            assert isinstance(node, ast.Call) and isinstance(node.func, ast.Name)
            out = FUNCTIONS[node.func.id](self.visit(node.args[0]))
        if isinstance(out, Value) and not out.label:
            text = self._text(node)
            if len(text) <= LABEL_LENGTH:
                out.label = text
        return out

    def _text(self, node: ast.expr) -> str:
        return ast.get_source_segment(self.source, node) or ast.unparse(node)


_CONSTANTS = {"pi": math.pi, "e": math.e}


def _short(text: str) -> str:
    return text if len(text) <= LABEL_LENGTH else text[: LABEL_LENGTH - 3] + "..."


def _quote(text: str, limit: int = 60) -> str:
    """repr(text), shortened for an error message."""
    return repr(text if len(text) <= limit else text[: limit - 3] + "...")


def _where(source: str, node: ast.AST) -> str:
    col = getattr(node, "col_offset", None)
    segment = ast.get_source_segment(source, node) if col is not None else None
    shown = f" {_quote(segment)}" if segment else ""
    return f"{shown} at column {col + 1}" if col is not None else shown


def _check(source: str, tree: ast.expr) -> list[str]:
    """Refuse every node type a formula does not need; returns the variable names."""
    names: list[tuple[int, int, str]] = []
    callees: set[int] = set()      # the Name nodes that are a call's function, not variables
    count = 0
    for node in ast.walk(tree):   # breadth first: a Call is seen before its function's Name
        count += 1
        if count > MAX_NODES:
            raise ExpressionError(f"expression too large (more than {MAX_NODES} parts)")
        if isinstance(node, ast.Constant):
            if isinstance(node.value, bool) or not isinstance(node.value, (int, float)):
                raise ExpressionError(f"only numbers are allowed as constants, not"
                                      f"{_where(source, node)}")
        elif isinstance(node, ast.Name):
            if id(node) in callees:
                continue
            if not isinstance(node.ctx, ast.Load):
                raise ExpressionError(f"cannot assign in an expression:{_where(source, node)}")
            if node.id in FUNCTIONS:
                raise ExpressionError(f"{node.id} is a function: call it, e.g. {node.id}(x)")
            if node.id not in _CONSTANTS:
                names.append((node.lineno, node.col_offset, node.id))
        elif isinstance(node, ast.UnaryOp):
            if not isinstance(node.op, (ast.USub, ast.UAdd)):
                raise ExpressionError(f"operator not allowed:{_where(source, node)} "
                                      "(allowed: + - * / ** and unary -)")
        elif isinstance(node, ast.BinOp):
            if type(node.op) not in _BINARY:
                raise ExpressionError(f"operator not allowed:{_where(source, node)} "
                                      "(allowed: + - * / ** and unary -)")
        elif isinstance(node, ast.Call):
            func = node.func
            if not isinstance(func, ast.Name) or func.id not in FUNCTIONS:
                what = ast.unparse(func)
                raise ExpressionError(f"unknown function {what!r}; allowed: "
                                      + ", ".join(FUNCTIONS))
            if node.keywords or len(node.args) != 1 or isinstance(node.args[0], ast.Starred):
                raise ExpressionError(f"{func.id}() takes exactly one argument:"
                                      f"{_where(source, node)}")
            callees.add(id(func))
        elif isinstance(node, (ast.operator, ast.unaryop, ast.expr_context)):
            pass  # the op and context markers inside the nodes checked above
        else:
            raise ExpressionError(f"not allowed in an expression: {type(node).__name__}"
                                  f"{_where(source, node)}")
    ordered: list[str] = []
    for *_, name in sorted(names):  # the walk is breadth first; report in reading order
        if name not in ordered:
            ordered.append(name)
    return ordered


def parse(source: str) -> Expression:
    """Check `source` and return an `Expression`; never runs any of it.

    Allowed: numbers, variable names (``pi`` and ``e`` are constants), ``+ - * / **``,
    unary ``-`` and ``+``, parentheses, and calls of ``tanh exp log sigmoid relu sqrt abs``.
    """
    if not isinstance(source, str):
        raise ExpressionError(f"expression must be a string, got {type(source).__name__}")
    if not source.strip():
        raise ExpressionError("empty expression")
    if len(source) > MAX_LENGTH:
        raise ExpressionError(f"expression too long ({len(source)} characters, at most "
                              f"{MAX_LENGTH})")
    try:
        tree = ast.parse(source.strip(), mode="eval").body
    except SyntaxError as e:
        col = f" at column {e.offset}" if e.offset else ""
        raise ExpressionError(f"cannot parse {_quote(source.strip())}{col}: {e.msg}") from None
    except (RecursionError, MemoryError, ValueError):
        raise ExpressionError("expression nested too deeply") from None
    variables = _check(source.strip(), tree)
    return Expression(source.strip(), tree, tuple(variables))


def evaluate(source: str, values: Mapping[str, Number] | None = None) -> Value:
    """Parse `source` and build its Value graph with `values` for its variables."""
    return parse(source).build(values or {})


def parse_assignments(items: Iterable[str]) -> dict[str, float]:
    """``["a=2", "b=-3"]`` -> ``{"a": 2.0, "b": -3.0}`` (the command line's ``--set``)."""
    out: dict[str, float] = {}
    for item in items:
        name, sep, text = item.partition("=")
        name, text = name.strip(), text.strip()
        if not sep or not name or not text:
            raise ExpressionError(f"--set expects NAME=NUMBER, got {item!r}")
        # as Python reads the expression's names: NFKC-normalised, so "ｘ" there is "x" here
        name = unicodedata.normalize("NFKC", name)
        if name in FUNCTIONS or name in _CONSTANTS:
            kind = "a function" if name in FUNCTIONS else "a constant (pi and e are built in)"
            raise ExpressionError(f"--set {item!r}: {name} is {kind}, not a variable")
        if not name.isidentifier() or keyword.iskeyword(name):
            raise ExpressionError(f"--set {item!r}: {name!r} is not a usable variable name")
        try:
            x = float(text)
        except ValueError:
            raise ExpressionError(f"--set {item!r}: {text!r} is not a number") from None
        if not math.isfinite(x):
            raise ExpressionError(f"--set {item!r}: the value must be finite")
        if name in out:
            raise ExpressionError(f"--set gives {name} twice")
        out[name] = x
    return out
