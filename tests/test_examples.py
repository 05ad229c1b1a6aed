"""The example scripts run (quickly, with --quick), write what they say, and their claims hold."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
EXAMPLES = ROOT / "examples"

pytest.importorskip("matplotlib")


def run_example(name, *argv, cwd):
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    done = subprocess.run([sys.executable, str(EXAMPLES / name), *map(str, argv)], cwd=cwd,
                          env=env, capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def written(stdout):
    """Every path the script said it wrote."""
    paths = []
    for line in stdout.splitlines():
        m = re.search(r"wrote (.+)$", line)
        if m:
            paths += [Path(p.strip()) for p in m.group(1).split(",")]
    return paths


@pytest.fixture(scope="module")
def spiral_module():
    sys.path.insert(0, str(EXAMPLES))
    try:
        import spiral
        yield spiral
    finally:
        sys.path.remove(str(EXAMPLES))


def test_xor_tensor_quick(tmp_path):
    out = run_example("xor_tensor.py", "--quick", "--out", tmp_path / "o", cwd=tmp_path)
    for header in ("1. 2-2-2-1 tanh/tanh/sigmoid", "2. 2-4-1 sigmoid", "3. 2-2-1 sigmoid, BCE"):
        assert header in out
    assert out.count("(target 1)") == 6          # four predictions per set-up
    files = written(out)
    assert [f.name for f in files] == ["xor_boundaries.png"]
    assert files[0].stat().st_size > 10_000


def test_xor_tutorial_starts_reproduce_their_numpy(spiral_module):
    """Setups 2 and 3 load the tutorials' np.random.seed(42) weights: our engine then takes
    exactly the steps of their hand-written numpy loop."""
    sys.path.insert(0, str(EXAMPLES))
    import numpy as np
    import xor_tensor

    from tinygrad_edu import data, nn
    from tinygrad_edu.train import predict

    X, y = data.xor()
    model = xor_tensor.tutorial_start(nn.MLP(2, [4], 1, activation="sigmoid",
                                             out_activation="sigmoid", dtype=np.float64))
    xor_tensor.train(model, X, y, nn.MSELoss(), 1.0, 300)
    # the second tutorial's loop, by hand: W1 (2, 4) and W2 (4, 1) from randn * 0.5
    rs = np.random.RandomState(42)
    W1, W2 = rs.randn(2, 4) * 0.5, rs.randn(4, 1) * 0.5
    b1, b2 = np.zeros((1, 4)), np.zeros((1, 1))
    sig = lambda z: 1 / (1 + np.exp(-z))
    for _ in range(300):
        h = sig(X @ W1 + b1)
        p = sig(h @ W2 + b2)
        dz2 = 2 * (p - y) * p * (1 - p) / 4
        dz1 = (dz2 @ W2.T) * h * (1 - h)
        W2 -= h.T @ dz2
        b2 -= dz2.sum(0, keepdims=True)
        W1 -= X.T @ dz1
        b1 -= dz1.sum(0, keepdims=True)
    np.testing.assert_allclose(predict(model, X), sig(sig(X @ W1 + b1) @ W2 + b2), rtol=1e-10)


def test_spiral_quick_runs_all_parts(tmp_path):
    out = run_example("spiral.py", "--quick", "--gif", "--out", tmp_path / "o", cwd=tmp_path)
    assert "Part 1" in out and "Part 2" in out and "Part 3" in out
    names = sorted(f.name for f in written(out))
    assert names == sorted(["spiral_seed_boundary.png", "spiral_seed_loss.png",
                            "spiral_memorised_boundary.png", "spiral_boundary.png",
                            "spiral_loss.png", "spiral_training.gif"])
    for f in written(out):
        assert f.stat().st_size > 10_000, f


def test_spiral_seed_configuration_matches_pytorch(spiral_module, tmp_path, capsys):
    pytest.importorskip("torch")
    args = type("Args", (), {"out": tmp_path, "gif": False})()
    spiral_module.part1(args, scale=1, draw=False)
    out = capsys.readouterr().out
    ours = re.search(r"tinygrad_edu: train loss (\S+), train accuracy (\S+)%", out)
    theirs = re.search(r"PyTorch:\s+train loss (\S+), train accuracy (\S+)%", out)
    assert ours and theirs, out
    assert float(ours.group(1)) == pytest.approx(float(theirs.group(1)), abs=1e-9)
    assert ours.group(2) == theirs.group(2)
    assert 60 < float(ours.group(2)) < 80        # about 70%, not the promised 95%
    gap = float(re.search(r"largest logit gap (\S+)", out).group(1))
    assert gap < 1e-8
    bayes = int(re.search(r"classifier gets about (\d+)%", out).group(1))
    assert 68 <= bayes <= 77


def test_spiral_best_possible_accuracy_tracks_the_noise(spiral_module):
    assert spiral_module.best_possible_accuracy(0.05, n_points=300) > 0.99
    assert spiral_module.best_possible_accuracy(0.2, n_points=300) < 0.8


def test_spiral_solving_configuration_solves_it(tmp_path):
    # in a fresh process: examples set OMP_NUM_THREADS=1 before numpy loads (small matrices
    # train several times faster without BLAS threads), which this process cannot do anymore
    code = ("import spiral\n"
            "r = spiral.solve(__import__('pathlib').Path('.'), draw=False)\n"
            "print('RESULT', r['train_accuracy'], r['test_accuracy'])\n")
    env = dict(os.environ, PYTHONPATH=f"{ROOT}{os.pathsep}{EXAMPLES}", OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stderr
    train_acc, test_acc = map(float, done.stdout.split("RESULT")[1].split())
    assert train_acc >= 0.97
    assert test_acc >= 0.95


def test_demo_quick(tmp_path):
    out = run_example("demo.py", "--quick", "--no-gif", "--out", "results", cwd=tmp_path)
    listed = [Path(line.strip()) for line in out.splitlines() if line.startswith("  results")]
    assert sorted(p.name for p in listed) == ["spiral_boundary.png", "spiral_loss.png",
                                              "spiral_model.npz"]
    for p in listed:
        assert (tmp_path / p).stat().st_size > 1000
    assert "Open the pictures in" in out

    from tinygrad_edu.io import load

    assert load(tmp_path / "results" / "spiral_model.npz").hidden == (64, 64)


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_graph_pictures(tmp_path):
    out = run_example("graph.py", "--out", tmp_path, cwd=tmp_path)
    names = [f.name for f in written(out)]
    assert names == ["expression_graph.svg", "xor_step_graph.svg", "worked_example_graph.svg",
                     "tensor_graph.svg"]
    assert "= 0.7071" in out                       # micrograd's neuron
    step = (tmp_path / "xor_step_graph.svg").read_text()
    assert "layers.0.neurons.0.w.0" in step and "layers.1.neurons.0.b" in step
    assert "0.weight" in (tmp_path / "tensor_graph.svg").read_text()
    assert not list(tmp_path.glob("*.dot"))
