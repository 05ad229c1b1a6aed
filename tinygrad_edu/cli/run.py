"""`main`: parse the arguments, run the command, turn what went wrong into an exit code."""

from __future__ import annotations

import os
import sys
import traceback
from collections.abc import Sequence

from .args import PROG, _protect_expression, _protect_numbers, build_parser
from .errors import CLIError, _is_user_error, _message

DEBUG_ENV = "TINYGRAD_EDU_DEBUG"  # set it to let any error propagate (for a debugger)


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 a usage or input error, 1 a bug
    of ours, reported with its traceback)."""
    parser = build_parser()
    argv = _protect_numbers(_protect_expression(list(sys.argv[1:] if argv is None else argv)))
    try:
        args = parser.parse_args(argv)
    except CLIError as err:
        print(f"{PROG}: error: {err}", file=sys.stderr)
        return 2
    except SystemExit as done:  # --help and --version end here
        return int(done.code or 0)
    if args.command is None:
        names = ", ".join(parser._subparsers._group_actions[0].choices)  # type: ignore[union-attr]
        print(f"{PROG}: error: give a command: {names} (see {PROG} --help)", file=sys.stderr)
        return 2
    where = f"{PROG} {args.command}"
    try:
        code = int(args.func(args) or 0)
        sys.stdout.flush()   # here, so a closed pipe is caught below and not at exit
        return code
    except KeyboardInterrupt:
        print(f"\n{where}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # `... | head` stopped reading: end quietly, like other tools
        _silence_stdout()
        return 141           # 128 + SIGPIPE, what a shell reports for a tool killed this way
    except Exception as err:
        if os.environ.get(DEBUG_ENV):
            raise
        if _is_user_error(err):
            print(f"{where}: error: {_message(err)}", file=sys.stderr)
            return 2
        traceback.print_exc(file=sys.stderr)
        print(f"{where}: internal error: {type(err).__name__}: {_message(err)} (a bug in "
              "tinygrad_edu, not in what you asked for: please report it with the traceback "
              "above)", file=sys.stderr)
        return 1


def _silence_stdout() -> None:
    """Point stdout at /dev/null, so Python's flush at exit doesn't hit the closed pipe again
    (the recipe of Python's signal docs, "Note on SIGPIPE")."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):   # stdout replaced by something without a file descriptor
        pass
