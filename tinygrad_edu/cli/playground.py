"""`playground`: hands its options to the playground's own command line."""

from __future__ import annotations

import argparse


def cmd_playground(args: argparse.Namespace) -> int:
    from .. import playground

    argv = ["--port", str(args.port), "--host", args.host]
    argv += ["--open"] if args.open else []
    argv += ["--verbose"] if args.verbose else []
    try:
        return int(playground.main(argv) or 0)
    except SystemExit as done:  # its own argument checks end this way
        return int(done.code or 0)
