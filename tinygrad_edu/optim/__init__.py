"""Optimizers and learning-rate schedules, named and behaving as in ``torch.optim``.

They are duck-typed over parameters with ``.data`` and ``.grad``, so they train both
Tensor models (``nn.Linear``, ``nn.MLP``) and Value models (``nn.scalar``)::

    opt = optim.Adam(model.parameters(), lr=1e-2)
    ...
    opt.zero_grad(); loss.backward(); opt.step()
"""

from . import lr_scheduler
from .adam import Adam, AdamW
from .optimizer import Optimizer
from .sgd import SGD

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "lr_scheduler"]
