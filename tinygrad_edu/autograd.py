"""The one backward driver, shared by `Value` and `Tensor`.

Every node (a Value or a Tensor) carries four things the driver needs:
``_prev`` (a tuple of the nodes it was computed from), ``_backward`` (a closure
``backward(grad)`` that adds this node's share of the gradient into its parents,
or None for a leaf), ``grad``, and ``_op`` (a name, for messages and pictures).

`backward(root)` walks the graph once in reverse topological order and calls each
closure with the node's own gradient. The closures never capture their output, so
the graph holds no reference cycles and is freed the moment the user drops it.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Callable, Iterator
from typing import Any

__all__ = [
    "no_grad",
    "enable_grad",
    "is_grad_enabled",
    "detect_anomaly",
    "is_anomaly_enabled",
    "topological_order",
    "backward",
    "AnomalyError",
]


class _Mode(threading.local):
    # Thread-local like PyTorch's grad mode: the playground trains in worker threads.
    grad_enabled = True
    anomaly = False


_mode = _Mode()


def is_grad_enabled() -> bool:
    """True when new ops record their parents and backward closures."""
    return _mode.grad_enabled


class _GradMode(contextlib.ContextDecorator):
    _enabled: bool

    def __new__(cls, func: Callable | None = None) -> Any:
        # `@no_grad` without parentheses works too, as `@torch.no_grad` does
        self = super().__new__(cls)
        return self if func is None else self(func)

    def _recreate_cm(self) -> _GradMode:
        # a decorated function gets a fresh context per call, so recursion and
        # threads never share the saved mode
        return type(self)()

    def __enter__(self) -> None:
        # a stack, not one slot: the same instance may be entered again before it exits
        self.__dict__.setdefault("_saved", []).append(_mode.grad_enabled)
        _mode.grad_enabled = self._enabled

    def __exit__(self, *exc: object) -> None:
        _mode.grad_enabled = self._saved.pop()


class no_grad(_GradMode):
    """Context manager and decorator: ops inside record no graph (no parents, no closure).

    Use it for evaluation and for updating parameters, exactly like ``torch.no_grad``.
    """

    _enabled = False


class enable_grad(_GradMode):
    """Context manager and decorator that turns graph recording back on inside ``no_grad``."""

    _enabled = True


class AnomalyError(FloatingPointError):
    """Raised under `detect_anomaly` by the first op whose forward or backward made nan/inf."""


def is_anomaly_enabled() -> bool:
    """True inside a detect_anomaly() block: ops then check for nan/inf."""
    return _mode.anomaly


@contextlib.contextmanager
def detect_anomaly() -> Iterator[None]:
    """Within this block, the first op whose forward or backward produces nan or inf
    raises `AnomalyError` naming the op and its inputs. It costs a check per op,
    so it is off by default (as in PyTorch)."""
    prev = _mode.anomaly
    _mode.anomaly = True
    try:
        yield
    finally:
        _mode.anomaly = prev


def topological_order(root: Any) -> list[Any]:
    """Every node that `root` depends on, each after all of its parents (root last).

    Iterative depth-first search, so a chain of 200,000 ops needs no recursion.
    Nodes are told apart by identity (`id`), never by value; parents are tuples, so
    the order is the same every time for the same graph.
    """
    order: list[Any] = []
    visited: set[int] = {id(root)}
    stack: list[tuple[Any, Iterator[Any]]] = [(root, iter(root._prev))]
    while stack:
        node, parents = stack[-1]
        for parent in parents:
            if id(parent) not in visited:
                visited.add(id(parent))
                stack.append((parent, iter(parent._prev)))
                break
        else:  # all parents done: the node itself comes next
            stack.pop()
            order.append(node)
    return order


def backward(
    root: Any,
    seed: Any,
    reset: Callable[[Any], None] | None = None,
    after: Callable[[Any], None] | None = None,
    before: Callable[[Any], None] | None = None,
) -> list[Any]:
    """Backpropagate from `root`, whose gradient is seeded with `seed` (1 for a scalar loss).

    Contract (the same as PyTorch's for a graph used once):
    - the grads of non-leaf nodes are reset first (by `reset`), so calling backward
      twice never adds stale intermediate gradients into the result;
    - leaf grads accumulate across calls until the user zeroes them.
    `after(node)`, if given, runs after each closure to validate the gradients it just
    produced (Tensor compares shapes; anomaly mode looks for nan), so an error names the
    op that made the bad gradient; `before(node)`, if given, runs before it (Tensor checks
    that no input was changed in place since the op ran). Returns the topological order.
    """
    order = topological_order(root)
    if reset is not None:
        for node in order:
            if node._prev:
                reset(node)
    root._accumulate(seed)
    for node in reversed(order):
        fn = node._backward
        if fn is not None and node.grad is not None:
            if before is not None:
                before(node)
            fn(node.grad)
            if after is not None:
                after(node)
    return order
