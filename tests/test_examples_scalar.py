"""examples/xor_scalar.py: runs as a script and learns XOR to 100% accuracy."""

import runpy
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "xor_scalar.py"


def test_xor_script_prints_losses_and_reaches_full_accuracy(capsys, monkeypatch):
    monkeypatch.setattr(sys, "argv", [str(SCRIPT)])
    runpy.run_path(str(SCRIPT), run_name="__main__")
    out = capsys.readouterr().out
    assert "epoch    1   loss" in out and "epoch  300   loss" in out
    assert out.rstrip().endswith("accuracy: 4/4 = 100%")


def test_xor_training_is_deterministic_and_learns_the_table():
    ns = runpy.run_path(str(SCRIPT))  # not __main__: only defines the functions
    silent = lambda *_: None
    model, losses = ns["train"](log=silent)
    _, again = ns["train"](log=silent)
    assert losses == again  # seeded: the same run twice
    assert losses[-1] < 0.05 < losses[0]
    X, y = ns["xor_rows"]()
    probs = ns["predict"](model, X)
    assert [int(p > 0.5) for p in probs] == [int(t) for t in y] == [0, 1, 1, 0]
    assert all(abs(p - t) < 0.1 for p, t in zip(probs, y))


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_xor_learns_from_other_seeds_too(seed):
    ns = runpy.run_path(str(SCRIPT))
    model, _ = ns["train"](seed=seed, log=lambda *_: None)
    X, y = ns["xor_rows"]()
    assert [int(p > 0.5) for p in ns["predict"](model, X)] == [int(t) for t in y]
