"""The ``tinygrad-edu`` command (also ``python -m tinygrad_edu``); see `run`."""

from .run import CLIError, build_parser, main

__all__ = ["main", "build_parser", "CLIError"]
