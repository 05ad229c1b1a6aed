"""The tinygrad-edu command: every subcommand works, every mistake is one line, exit 2,
and every bug of ours shows its traceback, exit 1."""

import os
import re
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import cli
from tinygrad_edu.cli import args as cli_args
from tinygrad_edu.cli import run as cli_run
from tinygrad_edu.cli import saved_models, training
from tinygrad_edu.io import load

ROOT = Path(__file__).resolve().parents[1]


def run(capsys, *argv):
    code = cli.main([str(a) for a in argv])
    out, err = capsys.readouterr()
    return code, out, err


def assert_one_line_error(code, out, err, fragment):
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert fragment in lines[0], lines[0]


def subprocess_env():
    env = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    env.pop(cli_run.DEBUG_ENV, None)
    return env


def python_m(*argv, cwd=None, timeout=120):
    return subprocess.run([sys.executable, "-m", "tinygrad_edu", *map(str, argv)], cwd=cwd,
                          env=subprocess_env(), capture_output=True, text=True, timeout=timeout)


# ---- the parser --------------------------------------------------------------------------------


def test_help_and_version(capsys):
    code, out, _ = run(capsys, "--help")
    assert code == 0
    for name in ("train", "graph", "explain", "predict", "info", "sweep", "export", "playground"):
        assert name in out
    code, out, _ = run(capsys, "train", "--help")
    assert code == 0 and "--hidden" in out and "--test-split" in out
    code, out, _ = run(capsys, "--version")
    assert code == 0 and out.startswith("tinygrad-edu ")


@pytest.mark.parametrize("argv, fragment", [
    ([], "give a command"),
    (["fly"], "invalid choice: 'fly'"),
    (["train"], "required: DATASET"),
    (["train", "spiral", "--lr", "abc"], "argument --lr: 'abc' is not a number"),
    (["train", "spiral", "--lr", "-1"], "must be a finite number > 0"),
    (["train", "spiral", "--lr", "nan"], "must be a finite number > 0"),
    (["train", "spiral", "--epochs", "0"], "must be >= 1"),
    (["train", "spiral", "--epochs", "100001"], "--epochs: must be at most 100000, got 100001"),
    (["train", "spiral", "--samples", "100001"], "--samples: must be at most 100000"),
    (["train", "spiral", "--samples", "0"], "--samples: must be >= 1"),
    (["train", "spiral", "--hidden", "8", "4097"], "--hidden: must be at most 4096, got 4097"),
    (["sweep", "xor", "--epochs", "100001"], "--epochs: must be at most 100000"),
    (["sweep", "xor", "--hidden", "2", "4097"], "--hidden: must be at most 4096"),
    (["train", "spiral", "--hidden"], "expected at least one argument"),
    (["train", "spiral", "--hidden", "16", "x"], "'x' is not a whole number"),
    (["train", "spiral", "--test-split", "1.5"], "fraction in [0, 1)"),
    (["train", "spiral", "--seed", "-3"], "between 0 and 2**32 - 1"),
    (["train", "spiral", "--loss", "kl"], "invalid choice: 'kl'"),
    (["train", "spiral", "--bogus"], "unrecognized arguments: --bogus"),
    (["predict", "m.npz", "one"], "'one' is not a number"),
    (["predict", "m.npz", "inf"], "must be a finite number"),
    (["explain", "--format", "pdf"], "invalid choice: 'pdf'"),
])
def test_bad_arguments_are_one_line_and_exit_2(capsys, argv, fragment):
    code, out, err = run(capsys, *argv)
    assert_one_line_error(code, out, err, fragment)


def test_bad_arguments_through_a_real_process():
    done = python_m("train", "spiral", "--lr", "-1")
    assert done.returncode == 2
    assert done.stderr.count("\n") == 1 and "Traceback" not in done.stderr
    assert "--lr" in done.stderr


# ---- train, predict, info ------------------------------------------------------------------------


def test_train_writes_model_and_pictures_and_ends_with_one_summary_line(capsys, tmp_path):
    out_dir = tmp_path / "run"
    code, out, err = run(capsys, "train", "spiral", "--hidden", "8", "4", "--epochs", "3",
                         "--out", out_dir)
    assert code == 0, err
    last = out.strip().splitlines()[-1]
    m = re.fullmatch(r"final: train loss (\d+\.\d+) acc (\d+\.\d)% \| test loss (\d+\.\d+) "
                     r"acc (\d+\.\d)% \| \d+\.\ds", last)
    assert m, last
    assert "320 train / 80 test points" in out and "2-8-4-1 relu (65 parameters)" in out
    for name in ("model.npz", "boundary.png", "loss.png"):
        assert (out_dir / name).stat().st_size > 1000
    model = load(out_dir / "model.npz")
    assert model.hidden == (8, 4) and model.num_parameters() == 65
    # the summary line is the model's real loss on the training split
    from tinygrad_edu import data, nn
    from tinygrad_edu.train import evaluate

    X, y = data.spiral()
    X_tr, _, y_tr, _ = data.train_test_split(X, y, 0.2, seed=0)
    loss, acc = evaluate(model, X_tr, y_tr, nn.BCEWithLogitsLoss())
    assert float(m.group(1)) == pytest.approx(loss, abs=1e-4)
    assert float(m.group(2)) == pytest.approx(100 * acc, abs=0.06)


def test_train_learns_xor_with_the_second_tutorials_setup(capsys, tmp_path):
    code, out, err = run(capsys, "train", "xor", "--hidden", "4", "--activation", "sigmoid",
                         "--loss", "mse", "--optimizer", "sgd", "--lr", "1", "--epochs", "3000",
                         "--seed", "1", "--out", tmp_path, "--quiet")
    assert code == 0, err
    assert "4 train / 0 test points" in out   # xor keeps all four points by default
    assert out.strip().splitlines()[-1].startswith("final: train loss 0.0")
    assert "acc 100.0%" in out


@pytest.mark.parametrize("extra", [
    ["--loss", "ce"], ["--loss", "hinge", "--batch-size", "16"],
    ["--optimizer", "adamw", "--weight-decay", "0.01", "--activation", "tanh"],
    ["--optimizer", "sgd", "--momentum", "0.9", "--test-split", "0"],
])
def test_train_options(capsys, tmp_path, extra):
    code, out, err = run(capsys, "train", "moons", "--epochs", "2", "--out", tmp_path, *extra)
    assert code == 0, err
    assert out.strip().splitlines()[-1].startswith("final: train loss")


def test_train_gif(capsys, tmp_path):
    code, _, err = run(capsys, "train", "circles", "--epochs", "4", "--out", tmp_path, "--gif")
    assert code == 0, err
    assert (tmp_path / "training.gif").read_bytes()[:6] in (b"GIF89a", b"GIF87a")


def test_train_from_csv_and_its_errors(capsys, tmp_path):
    rows = ["x1,x2,label"] + [f"{x:.3f},{-x:.3f},{int(x > 0)}" for x in np.linspace(-1, 1, 20)]
    (tmp_path / "ok.csv").write_text("\n".join(rows))
    code, out, err = run(capsys, "train", tmp_path / "ok.csv", "--epochs", "2", "--out", tmp_path)
    assert code == 0, err
    assert "16 train / 4 test points" in out

    (tmp_path / "three.csv").write_text("0,0,0\n1,1,1\n2,2,2\n3,3,0\n")
    code, out, err = run(capsys, "train", tmp_path / "three.csv", "--out", tmp_path)
    assert_one_line_error(code, out, err, "use --loss ce")
    (tmp_path / "bad.csv").write_text("0,0,0\n1,oops,1\n")
    code, out, err = run(capsys, "train", tmp_path / "bad.csv", "--out", tmp_path)
    assert_one_line_error(code, out, err, "line 2: 'oops' is not a number")
    code, out, err = run(capsys, "train", tmp_path / "missing.csv", "--out", tmp_path)
    assert_one_line_error(code, out, err, "no such file")
    code, out, err = run(capsys, "train", "swirl", "--out", tmp_path)
    assert_one_line_error(code, out, err, "unknown dataset 'swirl'")
    code, out, err = run(capsys, "train", "xor", "--test-split", "0.5", "--out", tmp_path,
                         "--loss", "bce", "--epochs", "1")
    assert code == 0, err   # 2 of 4 points held out: allowed, if odd
    code, out, err = run(capsys, "train", "spiral", "--optimizer", "adam", "--momentum", "0.9")
    assert_one_line_error(code, out, err, "--momentum is for --optimizer sgd")


def test_count_caps_accept_their_limit():
    assert cli_args._samples(str(cli_args.MAX_SAMPLES)) == cli_args.MAX_SAMPLES
    assert cli_args._epochs(str(cli_args.MAX_EPOCHS)) == cli_args.MAX_EPOCHS
    assert cli_args._width(str(cli_args.MAX_WIDTH)) == cli_args.MAX_WIDTH


@pytest.fixture
def no_training(monkeypatch):
    """Make any training fail the test: what should be refused must be refused first."""
    import tinygrad_edu.sweep
    import tinygrad_edu.train

    def fit(*args, **kwargs):
        raise AssertionError("trained before refusing the arguments")

    monkeypatch.setattr(tinygrad_edu.train, "fit", fit)
    monkeypatch.setattr(tinygrad_edu.sweep, "fit", fit)


def test_count_caps_that_span_several_values(capsys, tmp_path, no_training):
    code, out, err = run(capsys, "train", "spiral", "--hidden", *["2"] * 17, "--out", tmp_path)
    assert_one_line_error(code, out, err, "--hidden: at most 16 hidden layers, got 17")
    code, out, err = run(capsys, "sweep", "xor", "--lr", *[str(k) for k in range(1, 12)],
                         "--hidden", *[str(k) for k in range(1, 11)], "--out", tmp_path)
    assert_one_line_error(code, out, err, "110 runs (learning rates x hidden sizes) is more "
                          "than 100")


@pytest.mark.parametrize("argv, fragment", [
    (["train", "xor", "--samples", "3"], "cannot make xor with --samples 3: n_samples must be "
     "an int >= 4 (one row per corner of the XOR truth table), got 3"),
    (["train", "moons", "--samples", "1"], "cannot make moons with --samples 1: n_samples "
     "must be an int >= 2"),
    (["train", "blobs", "--samples", "1"], "cannot make blobs with --samples 1: n_samples=1 "
     "is fewer than the 2 centers"),
])
def test_dataset_sizes_too_small_for_every_class(capsys, tmp_path, no_training, argv, fragment):
    code, out, err = run(capsys, *argv, "--out", tmp_path)
    assert_one_line_error(code, out, err, fragment)


@pytest.mark.parametrize("command", ["train", "sweep"])
def test_an_unusable_out_is_refused_before_training(capsys, tmp_path, no_training, monkeypatch,
                                                     command):
    dataset = "spiral"
    (tmp_path / "file").write_text("not a folder")
    code, out, err = run(capsys, command, dataset, "--out", tmp_path / "file")
    assert_one_line_error(code, out, err, f"--out {tmp_path / 'file'}: it is a file, not a "
                          "folder")
    code, out, err = run(capsys, command, dataset, "--out", tmp_path / "file" / "deeper" / "x")
    assert_one_line_error(code, out, err, f"{tmp_path / 'file'} is a file, so no folder can "
                          "be made under it")
    # a folder we may not write in (os.access, since root may write anywhere)
    monkeypatch.setattr(training.os, "access", lambda path, mode: False)
    code, out, err = run(capsys, command, dataset, "--out", tmp_path)
    assert_one_line_error(code, out, err, "the folder is not writable")
    code, out, err = run(capsys, command, dataset, "--out", tmp_path / "new")
    assert_one_line_error(code, out, err, f"cannot make the folder: {tmp_path} is not writable")
    assert not (tmp_path / "new").exists()   # checking created nothing


def test_train_divergence_is_one_line(capsys, tmp_path):
    code, out, err = run(capsys, "train", "xor", "--optimizer", "sgd", "--lr", "1e300",
                         "--loss", "mse", "--epochs", "5", "--out", tmp_path)
    assert_one_line_error(code, out, err, "training diverged")
    assert "Lower the learning rate" in err


def test_train_says_when_the_loss_rose_though_it_stayed_finite(capsys, tmp_path):
    code, out, err = run(capsys, "train", "spiral", "--lr", "1e9", "--epochs", "20", "--quiet",
                         "--out", tmp_path)
    assert code == 0, err   # Adam: a huge loss, never nan; it ended with no word of it
    assert "note: the training loss rose from" in err and "try a lower --lr (it is 1e+09)" in err
    code, out, err = run(capsys, "train", "xor", "--epochs", "20", "--quiet", "--out", tmp_path)
    assert code == 0 and "note" not in err


def test_output_into_a_closed_pipe_ends_quietly(tmp_path):
    """`tinygrad-edu info m.npz | head -1`: once the reader is gone, no 'Broken pipe' error
    and no traceback at exit, just the shell's status for SIGPIPE."""
    from tinygrad_edu import nn
    from tinygrad_edu.io import save

    save(nn.MLP(2, [3], 1, seed=0), tmp_path / "m.npz")
    read_end, write_end = os.pipe()
    os.close(read_end)                      # the reader has already gone: every write fails
    try:
        proc = subprocess.run([sys.executable, "-m", "tinygrad_edu", "info", tmp_path / "m.npz"],
                              env=subprocess_env(), stdout=write_end, stderr=subprocess.PIPE,
                              text=True, timeout=120)
    finally:
        os.close(write_end)
    assert proc.returncode == 141, proc.stderr
    assert proc.stderr == ""


def test_predict_and_info(capsys, tmp_path):
    from tinygrad_edu import nn
    from tinygrad_edu.io import save

    model = nn.MLP(2, [3], 1, dtype=np.float64, seed=0)
    model[0].weight.data[...] = 0.0
    model[0].bias.data[...] = [1.0, 0.0, 0.0]
    model[2].weight.data[...] = [[2.0, 0.0, 0.0]]
    model[2].bias.data[...] = -1.0      # logit = 2 * relu(1) - 1 = 1 everywhere
    save(model, tmp_path / "m.npz")
    code, out, err = run(capsys, "predict", tmp_path / "m.npz", "0.5", "-1", "3", "4")
    assert code == 0, err
    p = 1 / (1 + np.exp(-1.0))
    assert f"0.5 -1 -> P(class 1) = {p:.4f} -> class 1" in out
    assert f"3 4 -> P(class 1) = {p:.4f} -> class 1" in out
    code, out, err = run(capsys, "predict", tmp_path / "m.npz", "1", "2", "3")
    assert_one_line_error(code, out, err, "takes 2 features per point, got 3 numbers")

    code, out, err = run(capsys, "info", tmp_path / "m.npz")
    assert code == 0, err
    assert "MLP, 13 parameters" in out
    assert re.search(r"0\.weight\s+\(3, 2\)\s+float64", out)

    (tmp_path / "junk.npz").write_bytes(b"not a zip at all")
    for command in ("predict", "info", "export"):
        extra = ["1", "2"] if command == "predict" else (["--onnx", tmp_path / "x.onnx"]
                                                        if command == "export" else [])
        code, out, err = run(capsys, command, tmp_path / "junk.npz", *extra)
        assert_one_line_error(code, out, err, "not a .npz archive")
        code, out, err = run(capsys, command, tmp_path / "nothing.npz", *extra)
        assert_one_line_error(code, out, err, "no such file")
    code, out, err = run(capsys, "info", tmp_path)
    assert_one_line_error(code, out, err, "is a folder")


# ---- graph, explain ----------------------------------------------------------------------------


def test_predict_takes_negative_numbers_in_any_notation(capsys, tmp_path):
    saved_model(tmp_path)
    code, out, err = run(capsys, "predict", tmp_path / "m.npz", "-1e-3", "-2.", "-1", "-.5")
    assert code == 0, err   # argparse took "-1e-3" and "-2." for options
    assert out.startswith("-0.001 -2 -> P(class 1) = ") and "\n-1 -0.5 -> " in out
    code, out, err = run(capsys, "predict", tmp_path / "m.npz", "-inf", "1")
    assert_one_line_error(code, out, err, "must be a finite number, got -inf")


def test_predict_refuses_inputs_whose_answer_would_be_nan(capsys, tmp_path):
    # a float32 model: 1e40 becomes inf, and nan > 0.5 printed "class 0" as an answer
    from tinygrad_edu import nn
    from tinygrad_edu.io import save

    model = nn.MLP(2, [2], 1, seed=0)
    first, last = model[0], model[2]
    first.weight.data[...], first.bias.data[...] = 1.0, 0.0
    last.weight.data[...] = [[1.0, -1.0]]   # inf - inf once a hidden unit overflows
    save(model, tmp_path / "relu.npz")
    code, out, err = run(capsys, "predict", tmp_path / "relu.npz", "1e40", "1")
    assert_one_line_error(code, out, err, "1e+40 is beyond the model's float32 range")
    code, out, err = run(capsys, "predict", tmp_path / "relu.npz", "1", "1", "3e38", "3e38")
    assert_one_line_error(code, out, err, "output for the point 3e+38 3e+38 is not a number")
    assert out == ""


def test_graph_draws_values_and_grads(capsys, tmp_path):
    pytest.importorskip("graphviz")
    if not __import__("shutil").which("dot"):
        pytest.skip("Graphviz's dot is not installed")
    svg = tmp_path / "g.svg"
    code, out, err = run(capsys, "graph", "tanh(a*b + c)", "--set", "a=2", "b=-3", "c=10",
                         "--out", svg)
    assert code == 0, err
    slope = 1 - np.tanh(4.0) ** 2
    assert f"d/da = {-3 * slope:.6g}" in out and f"d/dc = {slope:.6g}" in out
    text = svg.read_text().replace("&#45;", "-")   # dot writes minus signs as entities
    assert text.lstrip().startswith(("<?xml", "<svg"))
    for label in ("data 2", "data -3", "data 10", "a*b + c", "tanh", "grad 1"):
        assert label in text, label
    assert (tmp_path / "g.dot").exists()


def test_graph_dot_only_missing_dot_and_bad_input(capsys, tmp_path, monkeypatch):
    code, out, err = run(capsys, "graph", "x * x", "--set", "x=3", "--out", tmp_path / "g.dot")
    assert code == 0, err
    assert "wrote the DOT source" in out and "d/dx = 6" in out
    assert "digraph" in (tmp_path / "g.dot").read_text()

    import tinygrad_edu.viz.graph as graph_module

    monkeypatch.setattr(graph_module.shutil, "which", lambda name: None)
    code, out, err = run(capsys, "graph", "x * x", "--set", "x=3", "--out", tmp_path / "h.svg")
    assert_one_line_error(code, out, err, "`dot` program is not installed")
    assert "h.dot" in err and (tmp_path / "h.dot").exists()

    for argv, fragment in [
        (["graph", "__import__('os').getcwd()"], "unknown function"),
        (["graph", "a +"], "cannot parse"),
        (["graph", "a + b", "--set", "a=1"], "no value for b"),
        (["graph", "a", "--set", "a"], "NAME=NUMBER"),
        (["graph", "a", "--set", "a=1", "--out", tmp_path / "g.jpg"], "end it in .svg"),
        (["graph", "log(a)", "--set", "a=-1"], "log: input must be > 0"),
    ]:
        code, out, err = run(capsys, *argv)
        assert_one_line_error(code, out, err, fragment)


def test_graph_out_that_is_a_folder_or_under_a_file_is_refused_before_any_work(capsys,
                                                                             tmp_path):
    (tmp_path / "dir.svg").mkdir()   # dot failed on it: "internal error", exit 1
    (tmp_path / "afile").write_text("x")
    for out, fragment in [(tmp_path / "dir.svg", "it is a folder; give a file name"),
                          (tmp_path / "afile" / "g.svg", "afile is a file, so no folder"),
                          (tmp_path / "g.txt", "end it in .svg")]:
        code, stdout, err = run(capsys, "graph", "a*2", "--set", "a=1", "--out", out)
        assert_one_line_error(code, stdout, err, fragment)
        assert stdout == ""   # refused before the result is printed


def test_graph_through_a_real_process(tmp_path):
    done = python_m("graph", "a*b", "--set", "a=2", "b=5", "--out", "ab.dot", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "a*b = 10" in done.stdout and (tmp_path / "ab.dot").exists()
    done = python_m("graph", "-a*b", "--set", "a=2", "b=5", "--out", "neg.dot", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "-a*b = -10" in done.stdout and (tmp_path / "neg.dot").exists()


@pytest.mark.parametrize("argv", [
    ["graph", "-a*b", "--set", "a=2", "b=3"],
    ["graph", "--set", "a=2", "b=3", "--out", "{dot}", "-a*b"],
    ["graph", "--rankdir", "TB", "-a*b", "--set", "a=2", "b=3"],
    ["graph", "--set", "a=2", "b=3", "--out", "{dot}", "--", "-a*b"],
    ["graph", "--set", "a=2", "b=3", "-a*b"],       # after --set's values, not one of them
    ["graph", "--set", "a=2", "b=3", "-a*b", "--out", "{dot}"],
])
def test_an_expression_may_start_with_a_minus(capsys, tmp_path, argv):
    dot = tmp_path / "g.dot"
    argv = [a.replace("{dot}", str(dot)) for a in argv]
    if "--out" not in argv:
        argv += ["--out", str(dot)]
    code, out, err = run(capsys, *argv)
    assert code == 0, err
    assert out.startswith("-a*b = -6\n  d/da = -3\n  d/db = -2\n")
    assert dot.exists()


def test_an_expression_after_set_is_not_read_as_a_set_value(capsys, tmp_path):
    dot = tmp_path / "g.dot"
    code, out, err = run(capsys, "graph", "--set", "a=2", "b=3", "a*b", "--out", dot)
    assert code == 0, err
    assert out.startswith("a*b = 6\n")
    code, out, err = run(capsys, "explain", "--set", "a=2", "a*a")
    assert code == 0, err
    assert out.startswith("f = a*a = 4\n")
    # with the expression given, a value without "=" is still a mistake in --set
    code, out, err = run(capsys, "graph", "a*b", "--set", "a=2", "b", "--out", dot)
    assert_one_line_error(code, out, err, "--set expects NAME=NUMBER, got 'b'")


def test_an_expression_of_many_minuses_is_an_expression_not_an_option(capsys, tmp_path):
    dot = tmp_path / "g.dot"
    code, out, err = run(capsys, "graph", "---a", "--set", "a=2", "--out", dot)
    assert code == 0, err
    assert out.startswith("---a = -2\n  d/da = -1\n")
    code, out, err = run(capsys, "graph", "-" * 10_000 + "a", "--set", "a=2", "--out", dot)
    assert_one_line_error(code, out, err, "expression too long (10001 characters")
    code, out, err = run(capsys, "graph", "-" * 1_999 + "a", "--set", "a=2", "--out", dot)
    assert_one_line_error(code, out, err, "expression too large")


def test_explain_an_expression_with_a_leading_minus_and_help_still_works(capsys):
    code, out, err = run(capsys, "explain", "-a*b", "--set", "a=2", "b=3")
    assert code == 0, err
    assert out.startswith("f = -a*b = -6\n")
    code, out, err = run(capsys, "graph", "-h")
    assert code == 0 and "EXPR" in out and "usage:" in out
    code, out, err = run(capsys, "graph", "--out", "-x.dot")   # a value of --out is not EXPR
    assert_one_line_error(code, out, err, "--out: expected one argument")


def test_graph_says_why_a_value_is_inf_or_nan(capsys, tmp_path):
    dot = tmp_path / "g.dot"
    code, out, err = run(capsys, "graph", "exp(a)", "--set", "a=1000", "--out", dot)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "exp(a) = inf: overflow (beyond float64's largest number, about 1.8e308)"
    assert lines[1].startswith("  d/da = inf: too large for float64")
    code, out, err = run(capsys, "graph", "exp(a) - exp(a)", "--set", "a=800", "--out", dot)
    assert code == 0, err
    lines = out.splitlines()
    assert lines[0] == "exp(a) - exp(a) = nan: not a number, because exp(a) overflowed to inf first"
    assert lines[1].startswith("  d/da = nan: not a number")
    code, out, err = run(capsys, "graph", "sqrt(a)", "--set", "a=0", "--out", dot)
    assert out.splitlines()[:2] == ["sqrt(a) = 0", "  d/da = inf: too large for float64 (an "
                                    "overflow, or an infinitely steep slope)"]
    code, out, err = run(capsys, "graph", "a*b", "--set", "a=2", "b=3", "--out", dot)
    assert out.splitlines()[:3] == ["a*b = 6", "  d/da = 3", "  d/db = 2"]   # finite: no note
    code, out, err = run(capsys, "explain", "a*a", "--set", "a=1e200")
    assert code == 0, err
    assert out.startswith("f = a*a = inf: overflow")


def test_explain_the_worked_example(capsys):
    code, out, err = run(capsys, "explain")
    assert code == 0, err
    rows = {line.split()[1]: line.split() for line in out.splitlines()
            if re.match(r"\s+\d+\s", line)}
    assert float(rows["y_hat"][3]) == pytest.approx(0.970, abs=1e-3)
    assert float(rows["z_out"][4]) == pytest.approx(-0.030, abs=1e-3)   # dL/dz_out
    assert float(rows["h1"][4]) == pytest.approx(-0.30, abs=5e-3)       # dL/dh1 (-0.298)
    assert float(rows["z1"][4]) == pytest.approx(-0.021, abs=1e-3)      # dL/dz1
    code, out, _ = run(capsys, "explain", "--format", "markdown")
    assert code == 0 and "| step |" in out
    code, out, _ = run(capsys, "explain", "--format", "html")
    assert code == 0 and "<table" in out


def test_explain_an_expression(capsys):
    code, out, err = run(capsys, "explain", "a*b + a", "--set", "a=2", "b=3")
    assert code == 0, err
    assert out.startswith("f = a*b + a = 8")
    leaf_rows = {line.split()[1]: line.split() for line in out.splitlines()
                 if re.match(r"\s+\d+\s+\w+\s+leaf", line)}
    assert leaf_rows["a"][4] == "4" and leaf_rows["b"][4] == "2"   # df/da = b + 1, df/db = a
    code, out, err = run(capsys, "explain", "--set", "a=1")
    assert_one_line_error(code, out, err, "--set needs an expression")


# ---- sweep, export, playground ---------------------------------------------------------------


def test_sweep(capsys, tmp_path):
    code, out, err = run(capsys, "sweep", "xor", "--lr", "0.5", "5", "--hidden", "2", "4",
                         "--epochs", "5", "--out", tmp_path)
    assert code == 0, err
    table = [line.split() for line in out.splitlines() if re.match(r"\s+\d", line)]
    assert [(r[0], r[1]) for r in table] == [("0.5", "2"), ("0.5", "4"), ("5", "2"), ("5", "4")]
    for name in ("loss_curves.png", "final.png", "sweep.json"):
        assert (tmp_path / name).exists()
    code, out, err = run(capsys, "sweep", "swirl", "--out", tmp_path)
    assert_one_line_error(code, out, err, "unknown dataset 'swirl'")


def test_sweep_where_every_run_diverges(capsys, tmp_path, recwarn):
    code, out, err = run(capsys, "sweep", "xor", "--lr", "1e308", "--hidden", "2", "4",
                         "--epochs", "5", "--out", tmp_path)
    assert code == 0, err
    rows = [line for line in out.splitlines() if re.match(r"\s+1e\+308", line)]
    assert len(rows) == 2 and all(re.search(r"diverged at epoch \d+$", r) for r in rows)
    for name in ("loss_curves.png", "final.png", "sweep.json"):
        assert (tmp_path / name).stat().st_size > 1000
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]   # no spam
    assert err == ""


def saved_model(tmp_path):
    from tinygrad_edu import nn
    from tinygrad_edu.io import save

    model = nn.MLP(2, [4], 1, activation="tanh", seed=0)
    save(model, tmp_path / "m.npz")
    return model


def test_export_torch(capsys, tmp_path):
    torch = pytest.importorskip("torch")
    model = saved_model(tmp_path)
    code, out, err = run(capsys, "export", tmp_path / "m.npz", "--torch", tmp_path / "m.pt")
    assert code == 0, err
    state = torch.load(tmp_path / "m.pt", weights_only=True)
    np.testing.assert_array_equal(state["0.weight"].numpy(), model[0].weight.data)
    # what it prints after the first line is Python to paste: it builds the module and loads
    # the file (strict: every key and shape must match), and that module computes ours
    head, code_text = out.split("Load it with:\n", 1)
    assert head == f"wrote {tmp_path / 'm.pt'}: a PyTorch state_dict. "
    namespace: dict = {}
    exec(compile(code_text, "<printed>", "exec"), namespace)
    torch_model = namespace["model"]
    assert isinstance(torch_model, torch.nn.Sequential)
    assert [type(m).__name__ for m in torch_model] == ["Linear", "Tanh", "Linear"]
    X = np.array([[0.5, -1.0], [2.0, 0.1]], dtype=np.float32)
    from tinygrad_edu import Tensor

    with torch.no_grad():
        theirs = torch_model(torch.from_numpy(X)).numpy()
    np.testing.assert_allclose(theirs, model(Tensor(X)).data, rtol=1e-6, atol=1e-7)


def test_export_onnx(capsys, tmp_path):
    pytest.importorskip("onnx")
    ort = pytest.importorskip("onnxruntime")
    model = saved_model(tmp_path)
    code, out, err = run(capsys, "export", tmp_path / "m.npz", "--onnx", tmp_path / "m.onnx")
    assert code == 0, err
    session = ort.InferenceSession(str(tmp_path / "m.onnx"))
    X = np.array([[0.5, -1.0], [2.0, 0.1]], dtype=np.float32)
    from tinygrad_edu import Tensor

    (theirs,) = session.run(None, {"input": X})
    np.testing.assert_allclose(theirs, model(Tensor(X)).data, rtol=1e-5, atol=1e-6)


def test_export_errors(capsys, tmp_path, monkeypatch):
    saved_model(tmp_path)
    code, out, err = run(capsys, "export", tmp_path / "m.npz")
    assert_one_line_error(code, out, err, "--onnx FILE and/or --torch FILE")
    monkeypatch.setitem(sys.modules, "onnx", None)   # as if the extra were not installed
    code, out, err = run(capsys, "export", tmp_path / "m.npz", "--onnx", tmp_path / "m.onnx")
    assert_one_line_error(code, out, err, "onnx")
    assert "pip install" in err


def test_export_never_overwrites_its_model_and_checks_its_paths_first(capsys, tmp_path):
    saved_model(tmp_path)
    model_file = tmp_path / "m.npz"
    before = model_file.read_bytes()
    (tmp_path / "afile").write_text("x")
    for argv, fragment in [
        (["--torch", model_file], "that is the model being read"),   # it was overwritten
        (["--onnx", tmp_path / "." / "m.npz"], "that is the model being read"),
        (["--torch", tmp_path], "it is a folder; give a file name"),   # torch's RuntimeError
        (["--onnx", tmp_path / "afile" / "m.onnx"], "afile is a file, so no folder"),
        (["--torch", tmp_path / "same", "--onnx", tmp_path / "same"], "both"),
    ]:
        code, out, err = run(capsys, "export", model_file, *argv)
        assert_one_line_error(code, out, err, fragment)
    assert model_file.read_bytes() == before and not (tmp_path / "same").exists()
    load(model_file)


def test_playground_bad_port(capsys):
    code, out, err = run(capsys, "playground", "--port", "70000")
    assert_one_line_error(code, out, err, "--port: must be 0..65535, got 70000")


def test_playground_serves_the_page():
    proc = subprocess.Popen([sys.executable, "-m", "tinygrad_edu", "playground", "--port", "0"],
                            env=subprocess_env(), stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                            text=True)
    try:
        line = proc.stdout.readline()
        url = re.search(r"http://\S+", line)
        assert url, line
        deadline = time.time() + 30
        while True:
            try:
                with urllib.request.urlopen(url.group(0), timeout=5) as page:
                    body = page.read().decode()
                break
            except OSError:
                if time.time() > deadline:
                    raise
                time.sleep(0.2)
        assert "<html" in body.lower()
    finally:
        proc.terminate()
        proc.wait(timeout=10)


# ---- what is not the user's fault ----------------------------------------------------------------


@pytest.mark.parametrize("error", [
    AttributeError("a bug"),
    RuntimeError("a bug"),                  # was taken for the user's mistake
    ValueError("a bug"),                    # from deep inside, not from parsing what was typed
    TypeError("a bug"),
    ZeroDivisionError("a bug"),
    ImportError("cannot import name 'x'"),  # our broken import, not a missing extra
], ids=lambda e: type(e).__name__)
def test_internal_error_shows_its_traceback_and_exits_1(capsys, monkeypatch, error):
    def broken(args):
        raise error

    monkeypatch.setattr(saved_models, "cmd_info", broken)
    code = cli.main(["info", "x.npz"])
    err = capsys.readouterr().err
    assert code == 1
    assert err.startswith("Traceback (most recent call last):") and "in broken" in err
    last = err.strip().splitlines()[-1]
    assert last.startswith(f"tinygrad-edu info: internal error: {type(error).__name__}: "
                           f"{error}")
    assert "please report it" in last
    monkeypatch.setenv(cli_run.DEBUG_ENV, "1")
    with pytest.raises(type(error)):
        cli.main(["info", "x.npz"])


def user_errors():
    from tinygrad_edu.data import DataError
    from tinygrad_edu.expr import ExpressionError
    from tinygrad_edu.interop import UnsupportedModuleError
    from tinygrad_edu.io import ModelFileError
    from tinygrad_edu.train import TrainingDiverged

    return [cli.CLIError("yours"), DataError("yours"), ExpressionError("yours"),
            ModelFileError("yours"), TrainingDiverged("yours", 3),
            UnsupportedModuleError("yours"), FileNotFoundError("yours"),
            PermissionError("yours"),
            ImportError("export_onnx needs the optional package 'onnx': pip install yours")]


@pytest.mark.parametrize("error", user_errors(), ids=lambda e: type(e).__name__)
def test_our_error_classes_about_the_users_request_are_one_line_exit_2(capsys, monkeypatch,
                                                                        error):
    def refuse(args):
        raise error

    monkeypatch.setattr(saved_models, "cmd_info", refuse)
    code, out, err = run(capsys, "info", "x.npz")
    assert_one_line_error(code, out, err, "yours")
