"""`Optimizer`: what SGD, Adam and AdamW share, shaped like ``torch.optim.Optimizer``.

An optimizer holds `param_groups` (lists of parameters, each with its own hyperparameters)
and a per-parameter `state` (momentum buffers, moment estimates), made on the first step.
It is duck-typed: a parameter is anything with ``.data`` and ``.grad``. A Tensor's data is
a numpy array, updated in place; a `Value`'s data is a Python float, replaced. So the same
optimizer trains ``nn.Linear`` layers and micrograd-style ``nn.scalar`` neurons.
"""

from __future__ import annotations

import copy
import numbers
from collections.abc import Callable, Iterable
from typing import Any

import numpy as np

from ..autograd import enable_grad

__all__ = ["Optimizer"]


def _is_param(x: object) -> bool:
    return hasattr(x, "data") and hasattr(x, "grad")


def _check_param(p: object, where: str) -> None:
    if not _is_param(p):
        raise TypeError(f"{where}: can only optimize objects with .data and .grad (a Tensor, "
                        f"Parameter or Value), got {type(p).__name__}")
    data = p.data
    if isinstance(data, np.ndarray):
        if data.dtype.kind != "f":
            raise TypeError(f"{where}: can only optimize floating-point tensors, got {data.dtype}")
        if getattr(p, "_backward", None) is not None:
            raise ValueError(f"{where}: can't optimize a non-leaf Tensor (the result of an op); "
                             "optimize the parameters it was computed from")
    elif not isinstance(data, numbers.Real):
        raise TypeError(f"{where}: a parameter's .data must be a numpy array or a float, got "
                        f"{type(data).__name__}")


def _number(name: str, value: Any, opt: str, low: float = 0.0) -> None:
    """PyTorch's range checks, e.g. ``Invalid learning rate: -0.1``, made a little clearer."""
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{opt}: {name} must be a number, got {value!r}")
    if not value >= low:  # also catches nan
        raise ValueError(f"{opt}: Invalid {name} value: {value} (it must be >= {low})")


class Optimizer:
    """Base class. Subclasses give their `defaults` and write `_update_array` (a numpy
    parameter, in place) and `_update_scalar` (a float parameter, returning the new value)."""

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any]) -> None:
        self.defaults = defaults
        self.state: dict[Any, dict[str, Any]] = {}  # parameter -> its buffers (keyed by identity)
        self.param_groups: list[dict[str, Any]] = []
        self._opt_called = False  # lr schedulers warn if they step before the optimizer did
        name = type(self).__name__
        if hasattr(params, "parameters") and hasattr(params, "named_parameters"):
            raise TypeError(f"{name}: pass model.parameters(), not the model itself")
        if _is_param(params):
            raise TypeError(f"{name}: params should be an iterable of parameters or of dicts, "
                            f"got a single {type(params).__name__}; wrap it in a list: [p]")
        if isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: params must be an ordered collection, not a set (the "
                            "order of a set changes between runs); use a list")
        groups = list(params)
        if not groups:
            raise ValueError(f"{name}: optimizer got an empty parameter list")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def _validate(self, group: dict[str, Any]) -> None:
        """Check a group's hyperparameters (subclasses extend it)."""
        _number("learning rate", group["lr"], type(self).__name__)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own settings (missing ones take the defaults)."""
        name = type(self).__name__
        if not isinstance(param_group, dict):
            raise TypeError(f"{name}: a param group must be a dict, got "
                            f"{type(param_group).__name__}")
        group = dict(param_group)
        params = group.get("params")
        if params is None:
            raise ValueError(f"{name}: a param group needs a 'params' entry")
        if _is_param(params):
            params = [params]
        elif isinstance(params, (set, frozenset)):
            raise TypeError(f"{name}: a group's params must be a list, not a set")
        params = list(params)
        if params and all(isinstance(p, tuple) and len(p) == 2 and isinstance(p[0], str)
                          for p in params):  # model.named_parameters(), as PyTorch 2.x allows
            group["param_names"] = [n for n, _ in params]
            params = [p for _, p in params]
        for p in params:
            _check_param(p, name)
        group["params"] = params
        for key, default in self.defaults.items():
            group.setdefault(key, default)
        self._validate(group)
        ids = [id(p) for p in params]
        if len(set(ids)) != len(ids):
            raise ValueError(f"{name}: a parameter group lists the same parameter twice; it "
                             "would be updated twice per step (PyTorch only warns, and says "
                             "this will become an error)")
        taken = {id(p) for g in self.param_groups for p in g["params"]}
        if taken & set(ids):
            raise ValueError(f"{name}: some parameters appear in more than one parameter group")
        self.param_groups.append(group)

    # ---- the training-loop calls ------------------------------------------------------------
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Clear every gradient: None for Tensors (PyTorch's default), 0.0 for Values."""
        for group in self.param_groups:
            for p in group["params"]:
                if not isinstance(p.data, np.ndarray):
                    p.grad = 0.0
                elif set_to_none or p.grad is None:
                    p.grad = None
                else:
                    p.grad = np.zeros_like(p.grad)  # new: a grad array may be shared

    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Update every parameter that has a gradient; those whose grad is None are skipped.

        `closure`, if given, re-evaluates the model and returns the loss (as in PyTorch).
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        self._opt_called = True
        for group in self.param_groups:
            for p in group["params"]:
                g = p.grad
                if g is None:
                    continue
                state = self.state.get(p)
                if state is None:
                    state = self.state[p] = {}
                if isinstance(p.data, np.ndarray):
                    if not isinstance(g, np.ndarray):
                        raise TypeError(f"{type(self).__name__}: a parameter's .grad must be a "
                                        f"numpy array, got {type(g).__name__}")
                    if g.shape != p.data.shape:
                        raise ValueError(f"{type(self).__name__}: a parameter of shape "
                                         f"{p.data.shape} has a gradient of shape {g.shape}")
                    self._update_array(p.data, g, state, group)
                else:
                    p.data = self._update_scalar(p.data, float(g), state, group)
        return loss

    def _update_array(self, x: np.ndarray, g: np.ndarray, state: dict, group: dict) -> None:
        """The update rule for an array parameter, in place (each optimizer defines it)."""
        raise NotImplementedError(f"{type(self).__name__} must define _update_array")

    def _update_scalar(self, x: float, g: float, state: dict, group: dict) -> float:
        """The same rule for a Value's float: returns the new value (each optimizer defines it)."""
        raise NotImplementedError(f"{type(self).__name__} must define _update_scalar")

    # ---- checkpoints ----------------------------------------------------------------------
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: buffers}, "param_groups": [settings + "params": indices]}``.

        Parameters are named by their position across the groups, as in PyTorch, so the
        dict can be loaded into a fresh optimizer over a rebuilt model. Arrays are copies.
        """
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            packed = {k: copy.deepcopy(v) for k, v in group.items() if k != "params"}
            packed["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                packed["params"].append(index[id(p)])
            groups.append(packed)
        state = {index[id(p)]: {k: (v.copy() if isinstance(v, np.ndarray) else v)
                                for k, v in s.items()}
                 for p, s in self.state.items() if id(p) in index}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore settings and buffers saved by `state_dict` (checked before anything changes)."""
        name = type(self).__name__
        if not isinstance(state_dict, dict) or set(state_dict) != {"state", "param_groups"}:
            raise ValueError(f"{name}.load_state_dict: expected a dict with keys 'state' and "
                             "'param_groups', as made by state_dict()")
        saved = state_dict["param_groups"]
        if len(saved) != len(self.param_groups):
            raise ValueError(f"{name}.load_state_dict: loaded state dict has {len(saved)} "
                             f"parameter group(s), this optimizer has {len(self.param_groups)}")
        params: dict[int, Any] = {}
        for mine, theirs in zip(self.param_groups, saved):
            if len(mine["params"]) != len(theirs["params"]):
                raise ValueError(f"{name}.load_state_dict: a loaded parameter group has "
                                 f"{len(theirs['params'])} parameters, this optimizer's has "
                                 f"{len(mine['params'])}")
            params.update(zip(theirs["params"], mine["params"]))
        new_state: dict[Any, dict[str, Any]] = {}
        for i, buffers in state_dict["state"].items():
            if i not in params:
                raise ValueError(f"{name}.load_state_dict: state for parameter {i}, which no "
                                 "group lists")
            p = params[i]
            new_state[p] = {k: _restore(v, p, k, name) for k, v in buffers.items()}
        for mine, theirs in zip(self.param_groups, saved):
            kept = mine["params"]
            mine.clear()
            mine.update({k: copy.deepcopy(v) for k, v in theirs.items() if k != "params"})
            mine["params"] = kept
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for key in sorted(k for k in group if k not in ("params", "param_names")):
                lines.append(f"    {key}: {group[key]}")
        return "\n".join(lines) + "\n)"


def _restore(value: Any, p: Any, key: str, opt: str) -> Any:
    """A copy of a saved buffer, checked against (and cast to) its parameter."""
    if isinstance(value, np.ndarray) and isinstance(p.data, np.ndarray):
        if value.shape != p.data.shape:
            raise ValueError(f"{opt}.load_state_dict: buffer {key!r} has shape {value.shape}, "
                             f"its parameter has shape {p.data.shape}")
        return value.astype(p.data.dtype, copy=True)
    if isinstance(p.data, np.ndarray) and value is not None and key != "step":
        raise ValueError(f"{opt}.load_state_dict: buffer {key!r} should be an array of shape "
                         f"{p.data.shape}, got {type(value).__name__}")
    return copy.deepcopy(value)
