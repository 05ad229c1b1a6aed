"""Containers: `Sequential` chains layers, `ModuleList` holds them, as in ``torch.nn``.

Both register their layers under the names "0", "1", ..., so parameter names are
PyTorch's ("0.weight", "2.bias"), and a state_dict moves between the two libraries.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterable, Iterator
from typing import Any

import numpy as np

from .module import Module

__all__ = ["Sequential", "ModuleList"]


class _Indexed(Module):
    """Layers kept in order under the names "0", "1", ... (or the names given)."""

    def _children(self) -> dict[str, Module]:
        # only the layers: a subclass may also keep lists (see Module) among its attributes
        return {k: v for k, v in self._modules.items() if isinstance(v, Module)}

    def _check(self, module: Any, where: str) -> Module:
        if not isinstance(module, Module):
            hint = " (wrap a function in nn.Lambda(fn))" if callable(module) else ""
            raise TypeError(f"{type(self).__name__}: {where} is a {type(module).__name__}, not "
                            f"a Module{hint}")
        return module

    def _renumber(self, modules: list[Module]) -> None:
        for name in list(self._children()):
            delattr(self, name)
        for i, m in enumerate(modules):
            self.add_module(str(i), m)

    def _index(self, idx: int) -> int:
        if isinstance(idx, bool) or not isinstance(idx, (int, np.integer)):
            raise TypeError(f"{type(self).__name__} indices must be integers or slices, not "
                            f"{type(idx).__name__}")
        n = len(self._children())
        if not -n <= idx < n:
            raise IndexError(f"index {idx} is out of range for {type(self).__name__} of "
                             f"length {n}")
        return idx % n

    def __len__(self) -> int:
        return len(self._children())

    def __iter__(self) -> Iterator[Module]:
        return iter(list(self._children().values()))

    def __setitem__(self, idx: int, module: Module) -> None:
        name = list(self._children())[self._index(idx)]
        self._check(module, f"item {idx}")
        modules = dict(self._children())
        modules[name] = module
        for key in list(self._children()):
            delattr(self, key)
        for key, m in modules.items():
            self.add_module(key, m)

    def __delitem__(self, idx: int | slice) -> None:
        modules = list(self._children().values())
        del modules[idx if isinstance(idx, slice) else self._index(idx)]
        self._renumber(modules)  # as PyTorch: the rest are renumbered 0, 1, ...

    def append(self, module: Module) -> _Indexed:
        self.add_module(str(len(self)), self._check(module, "the appended item"))
        return self

    def extend(self, modules: Iterable[Module]) -> _Indexed:
        for m in modules:
            self.append(m)
        return self

    def insert(self, index: int, module: Module) -> None:
        modules = list(self._children().values())
        modules.insert(index, self._check(module, "the inserted item"))
        self._renumber(modules)


class Sequential(_Indexed):
    """Calls its layers in order, each on the previous one's output.

    ``Sequential(nn.Linear(2, 16), nn.ReLU(), nn.Linear(16, 1))`` has the same state_dict
    keys and shapes as the same ``torch.nn.Sequential``. An OrderedDict of named layers
    is accepted too, as in PyTorch.
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], (dict, OrderedDict)):
            for name, module in args[0].items():
                self.add_module(str(name), self._check(module, f"layer {name!r}"))
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), self._check(module, f"argument {i}"))

    def forward(self, input: Any) -> Any:
        for module in self._children().values():
            input = module(input)
        return input

    def __getitem__(self, idx: int | slice) -> Any:
        items = list(self._children().items())
        if isinstance(idx, slice):
            return Sequential(OrderedDict(items[idx]))
        return items[self._index(idx)][1]


class ModuleList(_Indexed):
    """A list of layers whose parameters the parent module can see; you call them yourself
    in `forward` (it has no forward of its own, as in PyTorch)."""

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: int | slice) -> Any:
        modules = list(self._children().values())
        if isinstance(idx, slice):
            return ModuleList(modules[idx])
        return modules[self._index(idx)]

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError("ModuleList has no forward(): iterate over it and call each "
                                  "layer in your own module's forward")
