"""examples/xor_scalar.py: learns XOR to 100% with `fit` and draws one training step's graph."""

import math
import re
import runpy
import shutil
import sys
from pathlib import Path

import pytest

SCRIPT = Path(__file__).resolve().parents[1] / "examples" / "xor_scalar.py"
ROWS = re.compile(r"^\s+(\d)\s+(\d)\s+(\d)\s+([\d.]+)\s+(\d)$", re.M)


@pytest.fixture(scope="module")
def ns():
    return runpy.run_path(str(SCRIPT))  # not __main__: only defines the functions


def run_script(monkeypatch, capsys, *argv):
    monkeypatch.setattr(sys, "argv", [str(SCRIPT), *map(str, argv)])
    with pytest.raises(SystemExit) as done:
        runpy.run_path(str(SCRIPT), run_name="__main__")
    assert done.value.code == 0
    return capsys.readouterr().out


@pytest.mark.skipif(shutil.which("dot") is None, reason="Graphviz's dot is not installed")
def test_script_draws_the_step_and_predicts_the_table(tmp_path, monkeypatch, capsys):
    out = run_script(monkeypatch, capsys, "--out", tmp_path / "o")
    svg = tmp_path / "o" / "xor_scalar_step.svg"
    assert f"wrote {svg}" in out
    assert sorted(p.name for p in svg.parent.iterdir()) == ["xor_scalar_step.svg"]
    text = svg.read_text()
    assert text.lstrip().startswith(("<?xml", "<svg"))
    for name in ("layers.0.neurons.3.w.1", "layers.1.neurons.0.b", "x1", "x2", "loss",
                 "binary_cross_entropy", "tanh", "sigmoid"):
        assert name in text, name
    assert "epoch    1   loss" in out and "epoch  300   loss" in out
    rows = ROWS.findall(out)
    assert [(r[0], r[1], r[2], r[4]) for r in rows] == [
        ("0", "0", "0", "0"), ("0", "1", "1", "1"), ("1", "0", "1", "1"), ("1", "1", "0", "0")]
    assert all(abs(float(p) - int(t)) < 0.1 for _, _, t, p, _ in rows)
    assert out.rstrip().endswith("accuracy: 4/4 = 100%")


def test_without_dot_it_writes_the_source_and_says_so(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("PATH", str(tmp_path))  # no `dot` on this PATH
    out = run_script(monkeypatch, capsys, "--out", tmp_path / "o", "--epochs", "5")
    source = tmp_path / "o" / "xor_scalar_step.dot"
    assert "`dot` is not installed" in out and str(source) in out
    assert source.read_text().startswith("digraph")
    assert not (tmp_path / "o" / "xor_scalar_step.svg").exists()


def test_training_is_deterministic_and_learns_the_table(ns):
    silent = lambda *_: None
    model = ns["make_model"](0)
    history = ns["train"](model, log=silent)
    again = ns["train"](ns["make_model"](0), log=silent)
    assert history.loss == again.loss  # seeded: the same run twice
    assert len(history) == 300
    assert history.loss[-1] < 0.05 < history.loss[0]
    assert history.accuracy[-1] == 1.0
    from tinygrad_edu import data
    from tinygrad_edu.train import predict

    X, y = data.xor()
    probs = predict(model, X).ravel()
    assert [int(p > 0.5) for p in probs] == [int(t) for t in y.ravel()] == [0, 1, 1, 0]
    assert all(abs(p - t) < 0.1 for p, t in zip(probs, y.ravel()))


def test_train_takes_the_steps_of_a_hand_written_loop(ns):
    """fit's full-batch step is the loop the tutorials write: mean BCE over the 4 rows,
    zero_grad, backward, p -= lr * grad."""
    from tinygrad_edu import Value, data

    ours, by_hand = ns["make_model"](3), ns["make_model"](3)
    history = ns["train"](ours, epochs=20, lr=0.5, log=lambda *_: None)
    X, y = data.xor()
    losses = []
    for _ in range(20):
        terms = []
        for x, t in zip(X.tolist(), y.ravel().tolist()):
            p = by_hand(x)
            terms.append(-(t * p.log() + (1 - t) * (1 - p).log()))
        loss = Value.sum(terms) * 0.25
        by_hand.zero_grad()
        loss.backward()
        for p in by_hand.parameters():
            p.data -= 0.5 * p.grad
        losses.append(loss.data)
    assert history.loss == pytest.approx(losses, rel=1e-12)
    assert [p.data for p in ours.parameters()] == pytest.approx(
        [p.data for p in by_hand.parameters()], rel=1e-12)


def test_one_step_graph_has_the_chain_rule_gradients(ns):
    """The drawn step is one sample's BCE after backward: dL/dp = -1/p for target 1, and
    the inputs' gradients are what the chain rule gives through the network."""
    model = ns["make_model"](0)
    loss = ns["one_step"](model, (0.0, 1.0), 1.0)
    p = model([0.0, 1.0]).data
    assert loss.data == pytest.approx(-math.log(p), rel=1e-12)
    out_w = model.layers[1].neurons[0].w
    hidden = [math.tanh(n.b.data + n.w[1].data) for n in model.layers[0].neurons]
    dz = p - 1.0                                 # d(BCE)/d(logit) for target 1
    assert [w.grad for w in out_w] == pytest.approx([dz * h for h in hidden], rel=1e-9)
    assert model.layers[1].neurons[0].b.grad == pytest.approx(dz, rel=1e-9)
    assert [n.w[0].grad for n in model.layers[0].neurons] == [0.0] * 4   # x1 = 0


@pytest.mark.parametrize("seed", [1, 2, 3])
def test_xor_learns_from_other_seeds_too(ns, seed):
    from tinygrad_edu import data
    from tinygrad_edu.train import predict

    model = ns["make_model"](seed)
    ns["train"](model, log=lambda *_: None)
    X, y = data.xor()
    assert [int(p > 0.5) for p in predict(model, X).ravel()] == [int(t) for t in y.ravel()]
