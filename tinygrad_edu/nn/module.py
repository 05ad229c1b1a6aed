"""`Module`: the base class of every model, scalar or Tensor, shaped like ``torch.nn.Module``.

Assigning an attribute registers it: a `Value`, a list of Values or a `Parameter` becomes
a parameter, a `Module` (or a list of Modules) a submodule. That is all `parameters()`,
`zero_grad()` and `state_dict()` need to find every weight, with PyTorch's dotted names::

    class Affine(Module):
        def __init__(self):
            super().__init__()
            self.w = [Value(0.5), Value(-1.0)]     # registered as "w.0", "w.1"
            self.b = Value(0.0)                    # registered as "b"
"""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from typing import Any, NamedTuple

import numpy as np

from ..value import Value

__all__ = ["Module"]


class _IncompatibleKeys(NamedTuple):
    missing_keys: list[str]
    unexpected_keys: list[str]


def _is_tensor_parameter(x: object) -> bool:
    # An instance of Parameter can only exist once nn/parameter.py (and so tensor.py) has
    # been imported, so looking in sys.modules avoids importing Tensor for scalar models.
    mod = sys.modules.get(__package__ + ".parameter")
    return mod is not None and isinstance(x, mod.Parameter)


def _is_param(x: object) -> bool:
    return isinstance(x, Value) or _is_tensor_parameter(x)


def _is_module(x: object) -> bool:
    return isinstance(x, Module)


def _is_list_of_parts(value: object) -> bool:
    # An empty list counts: micrograd-style code fills it with append() after assigning it.
    # An empty tuple cannot grow, so it is just a setting (like MLP.hidden == ()).
    return (isinstance(value, list) or (isinstance(value, tuple) and len(value) > 0)) and all(
        _is_param(x) or _is_module(x) for x in value)


def _expand(name: str, entry: Any, keep: Any) -> Iterator[tuple[str, Any]]:
    """('w', [a, b]) -> ('w.0', a), ('w.1', b), like PyTorch's ParameterList / ModuleList.

    A list is read when it is used, not when it is assigned, so later appends count;
    `keep` picks the parameters or the modules out of it."""
    if isinstance(entry, (list, tuple)):
        for i, item in enumerate(entry):
            if keep(item):
                yield f"{name}.{i}", item
    else:
        yield name, entry


def _indent(text: str) -> str:
    return text.replace("\n", "\n  ")


class Module:
    """Base class for models: subclass it, assign parameters and submodules in
    ``__init__`` (after ``super().__init__()``), and write ``forward``.

    Differs from PyTorch in one convenience: a plain list of Values or of Modules is
    registered (as ``name.0``, ``name.1``, ...) without a ParameterList/ModuleList wrapper,
    so micrograd-style code such as ``self.w = [Value(...) for _ in range(n)]`` just works,
    as does ``self.w = []`` followed by ``self.w.append(...)``: a list is read when it is used.
    """

    training: bool

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", {})
        object.__setattr__(self, "_modules", {})
        object.__setattr__(self, "training", True)

    # ---- registration ------------------------------------------------------------
    def __setattr__(self, name: str, value: Any) -> None:
        if "_parameters" not in self.__dict__:
            raise AttributeError(f"cannot assign {name!r} before Module.__init__() call: "
                                 f"call super().__init__() first in {type(self).__name__}")
        is_param, is_module = _is_param(value), isinstance(value, Module)
        is_list = not (is_param or is_module) and _is_list_of_parts(value)
        # Assigning to a name already registered keeps its place in the order (a dict
        # keeps a key's position), so reassigning a layer does not reorder state_dict().
        if not (is_param or is_list):
            self._parameters.pop(name, None)
        if not (is_module or is_list):
            self._modules.pop(name, None)
        if is_param or is_list:  # a list is indexed both ways; _expand sorts the items out
            self._parameters[name] = value
        if is_module or is_list:
            self._modules[name] = value
        # The attribute also lives in __dict__, so reading it is a plain (fast) lookup;
        # the two dicts above are an ordered index of names.
        object.__setattr__(self, name, value)

    def __delattr__(self, name: str) -> None:
        self._parameters.pop(name, None)
        self._modules.pop(name, None)
        object.__delattr__(self, name)

    def _check_name(self, name: Any, what: str) -> None:
        if not isinstance(name, str):
            raise TypeError(f"{what} name should be a string, got {type(name).__name__}")
        if name == "" or "." in name:
            raise KeyError(f"{what} name can't be empty or contain \".\" (the dots join "
                           f"the names in state_dict keys), got: {name!r}")

    def register_parameter(self, name: str, param: Any) -> None:
        """Same as ``setattr(self, name, param)``, as in PyTorch; `param` must be a
        Parameter, a Value (or a list of them), or None."""
        self._check_name(name, "parameter")
        if not (param is None or _is_param(param) or
                (isinstance(param, (list, tuple)) and all(_is_param(p) for p in param))):
            raise TypeError(f"cannot assign {type(param).__name__!r} object to parameter "
                            f"{name!r} (nn.Parameter, Value or None required)")
        setattr(self, name, param)

    def add_module(self, name: str, module: Module | None) -> None:
        """Same as ``setattr(self, name, module)``, as in PyTorch; `module` must be a
        Module or None."""
        self._check_name(name, "module")
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"{type(module).__name__} is not a Module subclass")
        setattr(self, name, module)

    # ---- calling -------------------------------------------------------------------
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        return self.forward(*args, **kwargs)

    # ---- traversal -----------------------------------------------------------------
    def named_children(self) -> Iterator[tuple[str, Module]]:
        """(name, submodule) for each direct submodule. Differs from PyTorch, which lists a
        module held under two names once: here each name is listed, as Sequential runs it."""
        for name, entry in self._modules.items():
            yield from _expand(name, entry, _is_module)

    def children(self) -> Iterator[Module]:
        for _, module in self.named_children():
            yield module

    def named_modules(self, prefix: str = "") -> Iterator[tuple[str, Module]]:
        """This module and every submodule, depth first, each once, with dotted names."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:  # iterative, so deep models need no recursion
            name, module = stack.pop()
            if id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            kids = [(f"{name}.{n}" if name else n, m) for n, m in module.named_children()]
            stack.extend(reversed(kids))

    def modules(self) -> Iterator[Module]:
        for _, module in self.named_modules():
            yield module

    def named_parameters(self, prefix: str = "", recurse: bool = True) -> Iterator[tuple[str, Any]]:
        """(dotted name, parameter) pairs, each parameter once even if shared, as PyTorch."""
        seen: set[int] = set()
        modules = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_name, module in modules:
            for name, entry in module._parameters.items():
                for pname, p in _expand(name, entry, _is_param):
                    if id(p) not in seen:
                        seen.add(id(p))
                        yield (f"{mod_name}.{pname}" if mod_name else pname), p

    def parameters(self, recurse: bool = True) -> list[Any]:
        """Every parameter, in registration order. A list (PyTorch returns an iterator),
        so ``for p in model.parameters()`` in a training loop can run many times."""
        return [p for _, p in self.named_parameters(recurse=recurse)]

    def num_parameters(self) -> int:
        """How many numbers the model learns (a Value counts 1, a Parameter its size)."""
        return sum(1 if isinstance(p, Value) else int(p.data.size) for p in self.parameters())

    # ---- training helpers ------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient before the next backward().

        Tensor grads become None (PyTorch's default); a Value's grad is a float, so 0.0.
        """
        for p in self.parameters():
            if isinstance(p, Value):
                p.grad = 0.0
            elif set_to_none or p.grad is None:
                p.grad = None
            else:
                p.grad = np.zeros_like(p.grad)

    def train(self, mode: bool = True) -> Module:
        """Set training mode (True) or evaluation mode (False) here and in every submodule."""
        if not isinstance(mode, bool):
            raise ValueError(f"train(mode): mode must be True or False, got {mode!r}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Evaluation mode, the same as ``train(False)`` (it does not turn off gradients;
        use ``no_grad()`` for that)."""
        return self.train(False)

    def apply(self, fn: Any) -> Module:
        """Call ``fn(module)`` on every submodule, then on this module, as PyTorch; returns
        the module. The usual use is initialisation::

            def init_weights(m):
                if isinstance(m, nn.Linear):
                    nn.init.xavier_uniform_(m.weight)
            model.apply(init_weights)
        """
        done: set[int] = set()
        for module in self.children():
            if id(module) not in done:  # a layer listed twice is visited once, as there
                done.add(id(module))
                module.apply(fn)
        fn(self)
        return self

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Switch gradient tracking of every Tensor parameter on or off (off freezes them:
        backward leaves their grad None and optimizers skip them); returns the module.
        A Value always tracks its gradient, so a scalar model cannot be frozen this way:
        leave its parameters out of the optimizer instead."""
        params = self.parameters()
        if not requires_grad and any(isinstance(p, Value) for p in params):
            raise TypeError(f"{type(self).__name__}.requires_grad_(False): Value parameters "
                            "always track gradients; to freeze them, leave them out of the "
                            "optimizer")
        for p in params:
            if not isinstance(p, Value):
                p.requires_grad_(requires_grad)
        return self

    # ---- saving and loading --------------------------------------------------------------
    def state_dict(self) -> dict[str, np.ndarray]:
        """Name -> a copy of each parameter as a numpy array (a Value becomes a 0-d array),
        with PyTorch's keys and order (a shared layer under each of its names)."""
        return {key: _to_array(p) for key, p in self._state_items()}

    def _state_items(self) -> Iterator[tuple[str, Any]]:
        """(key, parameter) under every name that reaches it, in PyTorch's state_dict order:
        a module's own parameters, then each submodule's. Unlike named_parameters(), a
        layer held under two names appears under both, as in PyTorch, so a state_dict of
        either library loads into the other."""
        stack: list[tuple[str, Module, tuple[int, ...]]] = [("", self, ())]
        while stack:  # iterative, so deep models need no recursion
            prefix, module, above = stack.pop()
            for name, entry in module._parameters.items():
                for pname, p in _expand(name, entry, _is_param):
                    yield prefix + pname, p
            above = (*above, id(module))
            kids = []
            for name, child in module.named_children():
                if id(child) in above:
                    raise ValueError(f"state_dict: {prefix + name!r} is a module that "
                                     "contains itself, so its keys would never end")
                kids.append((f"{prefix}{name}.", child, above))
            stack.extend(reversed(kids))

    def load_state_dict(self, state_dict: dict[str, Any], strict: bool = True) -> _IncompatibleKeys:
        """Copy arrays into the parameters with the same names, in place.

        Every key is checked before anything is copied: a shape mismatch is always an
        error; missing and unexpected keys are errors when `strict` (as in PyTorch).
        Returns the missing and unexpected keys.
        """
        if not isinstance(state_dict, Mapping):
            raise TypeError(f"load_state_dict: expected a dict of name -> array (as state_dict() "
                            f"returns), got {type(state_dict).__name__}")
        own = dict(self._state_items())
        missing = [k for k in own if k not in state_dict]
        unexpected = [k for k in state_dict if k not in own]
        errors = []
        if strict and unexpected:
            errors.append("unexpected key(s) in state_dict: " + ", ".join(map(repr, unexpected)))
        if strict and missing:
            errors.append("missing key(s) in state_dict: " + ", ".join(map(repr, missing)))
        for key, p in own.items():
            if key in state_dict:
                kind = np.asarray(state_dict[key]).dtype.kind
                if kind not in "biuf":
                    errors.append(f"{key!r} holds {type(state_dict[key]).__name__}, not numbers")
                    continue
                have, got = _shape(p), np.shape(state_dict[key])
                if have != got:
                    errors.append(f"size mismatch for {key!r}: copying a parameter of shape "
                                  f"{got} from state_dict, the shape in the model is {have}")
        if errors:
            raise RuntimeError(f"Error(s) in loading state_dict for {type(self).__name__}:\n  "
                               + "\n  ".join(errors))
        for key, p in own.items():
            if key in state_dict:
                if isinstance(p, Value):
                    p.data = float(np.asarray(state_dict[key]))
                else:
                    p.data[...] = np.asarray(state_dict[key])
        return _IncompatibleKeys(missing, unexpected)

    # ---- printing ------------------------------------------------------------------------
    def extra_repr(self) -> str:
        """Override to show a module's settings inside its repr, as PyTorch's layers do."""
        return ""

    def __repr__(self) -> str:
        lines = self.extra_repr().split("\n") if self.extra_repr() else []
        extra_only = len(lines) == 1
        for name, entry in self._modules.items():
            if isinstance(entry, (list, tuple)):
                lines += _list_lines(name, entry)
            else:
                lines.append(f"({name}): {_indent(repr(entry))}")
        if not lines:
            return f"{type(self).__name__}()"
        if extra_only and len(lines) == 1:
            return f"{type(self).__name__}({lines[0]})"
        return f"{type(self).__name__}(\n  " + "\n  ".join(lines) + "\n)"


def _list_lines(name: str, entry: list | tuple) -> list[str]:
    """Runs of identical submodules are printed once, as PyTorch does: (w.0-15): 16 x ..."""
    items = [(i, m) for i, m in enumerate(entry) if _is_module(m)]
    lines, k = [], 0
    while k < len(items):
        first, text = items[k][0], repr(items[k][1])
        j = k + 1
        while j < len(items) and items[j][0] == items[j - 1][0] + 1 and repr(items[j][1]) == text:
            j += 1
        last = items[j - 1][0]
        if j - k == 1:
            lines.append(f"({name}.{first}): {_indent(text)}")
        else:
            lines.append(f"({name}.{first}-{last}): {j - k} x {_indent(text)}")
        k = j
    return lines


def _shape(p: Any) -> tuple[int, ...]:
    return () if isinstance(p, Value) else tuple(p.data.shape)


def _to_array(p: Any) -> np.ndarray:
    if isinstance(p, Value):
        return np.array(p.data, dtype=np.float64)
    return np.array(p.data, copy=True)
