"""Every ```python block in README.md and docs/*.md runs, so the docs cannot rot.

Blocks of one file run in order in one namespace (a tutorial builds on its earlier
blocks), with the working directory set to a temporary folder so files they write
land there. A python block followed directly by an ```output block must print exactly
that output. Mark a block ```text (or anything but python) to keep it from running.
"""

import contextlib
import io
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
FENCE = re.compile(r"^```(\w*)[^\n]*\n(.*?)^```", re.S | re.M)


def blocks(path: Path) -> list[tuple[str, str | None]]:
    """(code, expected output or None) for each python block of a Markdown file."""
    fenced = FENCE.findall(path.read_text(encoding="utf-8"))
    out = []
    for i, (lang, body) in enumerate(fenced):
        if lang == "python":
            nxt = fenced[i + 1] if i + 1 < len(fenced) else ("", "")
            out.append((body, nxt[1] if nxt[0] == "output" else None))
    return out


WITH_CODE = [p for p in FILES if blocks(p)]


def test_docs_exist_and_have_code():
    assert (ROOT / "README.md").exists()
    assert sum(len(blocks(p)) for p in FILES) > 10


@pytest.mark.parametrize("path", WITH_CODE, ids=[p.name for p in WITH_CODE])
def test_python_blocks_run(path, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": f"docs_{path.stem}"}
    for i, (code, expected) in enumerate(blocks(path), 1):
        printed = io.StringIO()
        try:
            with contextlib.redirect_stdout(printed):
                exec(compile(code, f"{path.name}[block {i}]", "exec"), namespace)
        except Exception as e:  # name the block so a failing doc is easy to find
            raise AssertionError(f"{path.name}, python block {i} failed: {e!r}\n{code}") from e
        if expected is not None:
            assert printed.getvalue().strip() == expected.strip(), (
                f"{path.name}, python block {i} printed something else than its output block")
