"""What counts as the user's mistake (one line, exit code 2) and what as a bug of ours.

`CLIError` is the commands' own way to refuse what was asked; `_is_user_error` also lets
through the library's error classes about a request (bad data, a bad expression, a model
file we cannot read, training that diverged) and the OS's errors about a path or port.
"""

from __future__ import annotations


class CLIError(Exception):
    """A mistake in what the user asked for: printed as one line, exit code 2."""


def _message(err: BaseException) -> str:
    """An exception's text on one line."""
    text = " ".join(line.strip() for line in str(err).splitlines() if line.strip())
    return text or type(err).__name__


def _is_user_error(err: BaseException) -> bool:
    """Whether `err` is about what the user asked for (one line, exit 2) rather than a bug
    of ours (traceback, exit 1). Only our own error classes qualify, not their bases: a
    ValueError or RuntimeError from deep inside is a bug, and hiding it would hide the bug."""
    from ..data import DataError
    from ..expr import ExpressionError
    from ..interop import UnsupportedModuleError
    from ..io import ModelFileError
    from ..train import TrainingDiverged

    if isinstance(err, (CLIError, DataError, ExpressionError, ModelFileError, TrainingDiverged,
                        UnsupportedModuleError)):
        return True
    if isinstance(err, OSError):   # a path or port the user gave: missing, unwritable, busy
        return True
    # a missing optional extra: our messages for those all say what to pip install
    return isinstance(err, ImportError) and "pip install" in str(err)
