"""sweep: one fit per (learning rate, hidden size), the tutorial's comparisons, the PNGs it
writes (read back as pixels), diverged runs, errors, and examples/sweeps.py."""

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import data, nn, optim
from tinygrad_edu.data import xor
from tinygrad_edu.sweep import sweep
from tinygrad_edu.train import fit

ROOT = Path(__file__).resolve().parents[1]


def assert_picture(path):
    """The PNG exists and shows something: many pixels are neither white nor one flat colour."""
    mpimg = pytest.importorskip("matplotlib.image")
    img = mpimg.imread(path)
    assert img.ndim == 3 and img.shape[0] > 200 and img.shape[1] > 400
    rgb = img[..., :3]
    inked = np.mean(np.any(rgb < 0.9, axis=-1))
    assert inked > 0.02, f"{path} is almost blank ({inked:.1%} of pixels drawn)"
    assert len(np.unique(rgb.reshape(-1, 3), axis=0)) > 20  # lines, bars, text: many colours


@pytest.mark.filterwarnings("error")   # a diverging run must not spam numpy's warnings
def test_xor_sweep_writes_its_plots_and_compares_as_the_tutorial(tmp_path):
    pytest.importorskip("matplotlib")
    result = sweep("xor", lrs=(0.1, 10, 1e308), hidden=(2, 4), epochs=300, out_dir=tmp_path)
    assert [(r.lr, r.hidden) for r in result.runs] == [
        (0.1, (2,)), (0.1, (4,)), (10.0, (2,)), (10.0, (4,)), (1e308, (2,)), (1e308, (4,))]
    for key in ("loss_curves", "final"):
        assert Path(result.files[key]).parent == tmp_path
        assert_picture(result.files[key])
    saved = json.loads((tmp_path / "sweep.json").read_text())
    assert saved["dataset"] == "xor" and len(saved["runs"]) == 6
    assert saved["settings"]["loss"] == "mse" and saved["settings"]["batch_size"] is None
    # lr 0.1 hardly moves in 300 epochs; lr 10 solves XOR (the tutorial's lesson)
    slow, fast = result.run(0.1, 4), result.run(10, 4)
    assert len(slow.loss) == len(fast.loss) == 300
    assert slow.final_loss > 0.2 and fast.final_loss < 0.01 and fast.final_accuracy == 1.0
    assert "lr" in result.table() and "100%" in result.table()
    # an absurd learning rate diverges: recorded (and drawn), not raised
    bad = result.run(1e308, 4)
    assert bad.diverged and bad.diverged_epoch >= 1 and bad.final_loss is None
    assert saved["runs"][-1]["diverged"] is True
    assert f"diverged at epoch {bad.diverged_epoch}" in result.table()


@pytest.mark.filterwarnings("error")   # numpy's overflow warnings, matplotlib's log-scale ones
@pytest.mark.parametrize("dataset, lr", [("xor", 1e308), ("spiral", 1e300)])
def test_a_sweep_where_every_run_diverges_draws_and_tells(tmp_path, dataset, lr):
    """lr 1e308 on XOR blows up at epoch 2 (one finite loss first); on the spiral, with
    mini-batches, inside epoch 1 (no finite loss at all). Neither may crash the plots."""
    pytest.importorskip("matplotlib")
    result = sweep(dataset, lrs=(lr,), hidden=(2, 4), epochs=5, out_dir=tmp_path)
    assert all(r.diverged and r.final_loss is None for r in result.runs)
    rows = result.table().splitlines()[1:]
    assert len(rows) == 2
    for row, run in zip(rows, result.runs):
        assert row.endswith(f"diverged at epoch {run.diverged_epoch}"), row
        assert row.split()[2:4] == ["-", "-"]            # no final loss, no accuracy
    for key in ("loss_curves", "final"):
        assert_picture(result.files[key])
    saved = json.loads((tmp_path / "sweep.json").read_text())
    assert [r["diverged"] for r in saved["runs"]] == [True, True]

    from tinygrad_edu.sweep import _final_figure

    fig = _final_figure(result)
    ax_loss, ax_acc = fig.axes[:2]
    lo, hi = ax_loss.get_ylim()
    assert 0 < lo < hi < float("inf") and ax_loss.get_yscale() == "log"
    hatched = [b for b in ax_loss.patches if b.get_hatch() == "//"]
    assert len(hatched) == 2 and not ax_acc.patches   # a marked bar each, no accuracy bars
    texts = [t.get_text() for t in ax_loss.texts]
    assert texts == [f"diverged at epoch {r.diverged_epoch}" for r in result.runs]


def test_diverged_and_finished_runs_share_the_final_loss_axis():
    pytest.importorskip("matplotlib")
    from tinygrad_edu.sweep import _final_figure

    result = sweep("xor", lrs=(10, 1e308), hidden=(2,), epochs=50, out_dir=None)
    good, bad = result.runs
    assert not good.diverged and bad.diverged
    ax_loss = _final_figure(result).axes[0]
    lo, hi = ax_loss.get_ylim()
    assert lo < good.final_loss < hi                    # the finished run's bar is in view
    solid, hatched = ax_loss.patches
    assert solid.get_y() + solid.get_height() == pytest.approx(good.final_loss)
    assert hatched.get_hatch() == "//"
    assert hatched.get_y() + hatched.get_height() == pytest.approx(hi)   # up to the top


def test_the_output_folder_is_made_before_training(tmp_path, monkeypatch):
    import tinygrad_edu.sweep as sweep_module

    def no_training(*args, **kwargs):
        raise AssertionError("trained before checking out_dir")

    monkeypatch.setattr(sweep_module, "fit", no_training)
    (tmp_path / "taken").write_text("a file, not a folder")
    with pytest.raises(OSError):
        sweep("xor", lrs=(1.0,), hidden=(2,), epochs=2, out_dir=tmp_path / "taken")


def test_a_run_is_exactly_fit_from_the_same_seed():
    result = sweep("xor", lrs=(1.0,), hidden=(4,), epochs=50, out_dir=None, seed=3)
    model = nn.MLP(2, [4], 1, activation="sigmoid", out_activation="sigmoid", seed=3)
    X, y = xor()
    h = fit(model, X, y, nn.MSELoss(), optim.SGD(model.parameters(), lr=1.0), epochs=50,
            progress=False)
    assert result.runs[0].loss == h.loss and result.files == {}


def test_deeper_hidden_layers_and_custom_data():
    X = np.array([[0.0, 0.0], [1.0, 1.0], [0.0, 1.0], [1.0, 0.0]])
    y = np.array([0.0, 0.0, 1.0, 1.0])
    result = sweep((X, y), lrs=(0.5,), hidden=((3, 2),), epochs=5, out_dir=None,
                   optimizer="adam", batch_size=2)
    assert result.dataset == "custom" and result.runs[0].hidden == (3, 2)
    assert result.settings["optimizer"] == "adam" and len(result.runs[0].loss) == 5


def test_sweep_errors():
    with pytest.raises(ValueError, match="unknown dataset 'nope'"):
        sweep("nope", out_dir=None)
    with pytest.raises(ValueError, match="loss must be 'mse' or 'bce'"):
        sweep("xor", loss="hinge", out_dir=None)
    with pytest.raises(ValueError, match="learning rates must be positive"):
        sweep("xor", lrs=(0.1, -1), out_dir=None)
    with pytest.raises(ValueError, match="hidden size must be a positive int"):
        sweep("xor", hidden=(0,), out_dir=None)
    with pytest.raises(ValueError, match="optimizer must be 'sgd' or 'adam'"):
        sweep("xor", optimizer="rmsprop", out_dir=None)


def test_without_matplotlib_the_error_names_the_extra(tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib.figure", None)
    with pytest.raises(ImportError, match=r"tinygrad_edu\[plot\].*out_dir=None"):
        sweep("xor", lrs=(1.0,), hidden=(2,), epochs=2, out_dir=tmp_path)


def test_the_example_script_runs(tmp_path):
    pytest.importorskip("matplotlib")
    proc = subprocess.run([sys.executable, str(ROOT / "examples" / "sweeps.py"), "--lr", "1",
                           "10", "--hidden", "2", "4", "--epochs", "100", "--out",
                           str(tmp_path)], capture_output=True, text=True, timeout=120,
                          cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    assert proc.returncode == 0, proc.stderr
    assert "xor: 4 runs of 100 epochs" in proc.stdout
    assert f"wrote loss_curves: {tmp_path / 'loss_curves.png'}" in proc.stdout
    assert_picture(tmp_path / "final.png")


def test_custom_data_must_be_a_binary_problem_and_single_values_are_a_grid_of_one():
    # BCEWithLogitsLoss against labels 0/1/2 or -1/1 trained quietly to a meaningless number
    X, y3 = data.blobs(n_samples=30, centers=3, seed=0)
    with pytest.raises(ValueError, match=r"labels must be 0 and 1.*got \[0\.0, 1\.0, 2\.0\]"):
        sweep((X, y3), lrs=(0.1,), hidden=(2,), epochs=1, out_dir=None)
    Xx, yx = data.xor()
    with pytest.raises(ValueError, match=r"labels must be 0 and 1.*got \[-1\.0, 1\.0\]"):
        sweep((Xx, 2 * yx - 1), lrs=(0.1,), hidden=(2,), epochs=1, out_dir=None)
    with pytest.raises(ValueError, match=r"X must be 2-D \(samples, features\), got shape "
                                         r"\(4,\)"):
        sweep((np.zeros(4), np.zeros(4)), lrs=(0.1,), hidden=(2,), epochs=1, out_dir=None)
    with pytest.raises(ValueError, match=r"one label per row.*shape \(4, 2\)"):
        sweep((Xx, np.eye(2)[[0, 1, 1, 0]]), lrs=(0.1,), hidden=(2,), epochs=1, out_dir=None)
    with pytest.raises(ValueError, match="learning rates must be positive numbers, got '0.1'"):
        sweep("xor", lrs="0.1", out_dir=None)
    # one learning rate, one hidden size: a grid of one (was "'int' object is not iterable")
    result = sweep((Xx, yx.ravel().astype(int)), lrs=0.5, hidden=3, epochs=2, out_dir=None)
    assert [(r.lr, r.hidden) for r in result.runs] == [(0.5, (3,))]
