"""`Parameter`: a Tensor that a `Module` registers as learnable, as ``torch.nn.Parameter``."""

from __future__ import annotations

from typing import Any

from ..tensor import Tensor

__all__ = ["Parameter"]


class Parameter(Tensor):
    """A Tensor with ``requires_grad=True`` by default; assigning one to a Module's
    attribute registers it, so ``parameters()`` and ``state_dict()`` find it.

    Given a Tensor it keeps that Tensor's dtype; given anything else it converts as
    ``Tensor(data)`` does.
    """

    def __init__(self, data: Any, requires_grad: bool = True) -> None:
        if isinstance(data, Tensor):
            super().__init__(data.data, requires_grad=requires_grad, dtype=data.data.dtype)
        else:
            super().__init__(data, requires_grad=requires_grad)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()
