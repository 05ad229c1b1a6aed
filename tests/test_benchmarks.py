"""The benchmarks still run: each with --quick (2 tiny steps per engine, seconds), in a fresh
process, printing its table with every engine's row. The benchmarks themselves assert that
the engines' losses agree, so a wrong gradient in any engine fails here too. No timing."""

import importlib.util
import os
import re
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BENCH = ROOT / "benchmarks"

OURS_SCALAR = ["tinygrad_edu `Value`, GC on", "tinygrad_edu `Value`, GC disabled during its step"]
MICROGRAD = ["micrograd 0.1.0 as shipped (GC on)", "micrograd, GC disabled during its step"]
OURS_TENSOR = ["numpy by hand (the floor)", "tinygrad_edu (nn + optim)",
               "tinygrad_edu, unfused Tensor ops"]


def installed(name):
    return importlib.util.find_spec(name) is not None


def run_bench(script, *argv, cwd, block=()):
    """Run a benchmark; `block` names packages made unimportable in that process only."""
    path = [str(ROOT)]
    if block:
        shadow = cwd / "blocked"
        for name in block:  # a package of that name that refuses to import, found first
            (shadow / name).mkdir(parents=True, exist_ok=True)
            (shadow / name / "__init__.py").write_text(
                f"raise ImportError('{name} is blocked by the test')\n")
        path.insert(0, str(shadow))
    env = dict(os.environ, PYTHONPATH=os.pathsep.join(path), OMP_NUM_THREADS="1")
    done = subprocess.run([sys.executable, str(BENCH / script), *argv], cwd=cwd, env=env,
                          capture_output=True, text=True, timeout=300)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "Traceback" not in done.stderr
    return done.stdout


def table_rows(out):
    """The engine names of the table's rows, in order (ratio rows left out)."""
    rows = re.findall(r"^\| (.+?) \|", out, re.M)
    return [r for r in rows if r != "engine" and not r.startswith(("---", "ratio: "))]


def test_bench_scalar_quick(tmp_path):
    out = run_bench("bench_scalar.py", "--quick", cwd=tmp_path)
    expected = (MICROGRAD if installed("micrograd") else []) + OURS_SCALAR
    assert table_rows(out) == expected
    diff = float(re.search(r"losses over 2 steps: .*?: (\S+)$", out, re.M).group(1))
    assert diff < 1e-9
    assert ("micrograd is not installed" in out) == (not installed("micrograd"))


def test_bench_scalar_quick_without_micrograd(tmp_path):
    out = run_bench("bench_scalar.py", "--quick", cwd=tmp_path, block=["micrograd"])
    assert "micrograd is not installed" in out
    assert table_rows(out) == OURS_SCALAR
    assert "numpy written by hand" in out  # still checked against an independent reference


def test_bench_tensor_quick(tmp_path):
    out = run_bench("bench_tensor.py", "--quick", cwd=tmp_path)
    expected = list(OURS_TENSOR)
    if installed("torch"):
        expected += ["PyTorch CPU, 1 thread"]
        rows = table_rows(out)
        assert re.fullmatch(r"PyTorch CPU, \d+ threads? \(default\)", rows[-1]), rows
        assert rows[:-1] == expected
        assert "spiral: |tinygrad_edu - PyTorch| after 2 epochs" in out
    else:
        assert table_rows(out) == expected
        assert "PyTorch is not installed" in out
    for workload in ("spiral", "wide"):
        assert f"{workload}: final loss after 2 steps: " in out


def test_bench_tensor_quick_without_torch(tmp_path):
    out = run_bench("bench_tensor.py", "--quick", "--only", "spiral", cwd=tmp_path,
                    block=["torch"])
    assert "PyTorch is not installed" in out
    assert table_rows(out) == OURS_TENSOR
    assert "spiral: final loss after 2 steps: " in out and "wide:" not in out

