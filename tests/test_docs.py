"""Every ```python block in README.md and docs/*.md runs, so the docs cannot rot.

Blocks of one file run in order in one namespace (a tutorial builds on its earlier
blocks), with the working directory set to a temporary folder so files they write
land there. Mark a block ```text (or anything but python) to keep it from running.
"""

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted([ROOT / "README.md", *(ROOT / "docs").glob("*.md")])
BLOCK = re.compile(r"^```python[^\n]*\n(.*?)^```", re.S | re.M)


def python_blocks(path: Path) -> list[str]:
    return BLOCK.findall(path.read_text(encoding="utf-8"))


def test_docs_exist_and_have_code():
    assert (ROOT / "README.md").exists()
    assert sum(len(python_blocks(p)) for p in FILES) > 10


WITH_CODE = [p for p in FILES if python_blocks(p)]


@pytest.mark.parametrize("path", WITH_CODE, ids=[p.name for p in WITH_CODE])
def test_python_blocks_run(path, tmp_path, monkeypatch):
    blocks = python_blocks(path)
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("MPLBACKEND", "Agg")
    namespace = {"__name__": f"docs_{path.stem}"}
    for i, code in enumerate(blocks, 1):
        try:
            exec(compile(code, f"{path.name}[block {i}]", "exec"), namespace)
        except Exception as e:  # name the block so a failing doc is easy to find
            raise AssertionError(f"{path.name}, python block {i} failed: {e!r}\n{code}") from e
