"""`check_out_file`: an output FILE the user named, checked before any work is done."""

from __future__ import annotations

from pathlib import Path

from .errors import CLIError


def check_out_file(path: Path, option: str, example: str,
                   not_same_as: Path | None = None) -> None:
    """Fail now, with the option's name, if `path` cannot be written as a file: it is a
    folder, a part of the way there is a file, or it is `not_same_as` (the input it would
    overwrite). An existing file is overwritten, as train's and graph's outputs are;
    `example` is a file name to suggest inside a folder."""
    if path.is_dir():
        raise CLIError(f"{option} {path}: it is a folder; give a file name, such as "
                       f"{path / example}")
    parent = path.absolute().parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise CLIError(f"{option} {path}: {parent} is a file, so no folder can be made there")
    if not_same_as is not None and path.exists() and not_same_as.exists() \
            and path.samefile(not_same_as):
        raise CLIError(f"{option} {path}: that is the model being read; writing there would "
                       "destroy it")
