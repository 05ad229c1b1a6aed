"""plot.py: probabilities from both engines, and pictures that really show something."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

matplotlib = pytest.importorskip("matplotlib")
matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
from matplotlib.image import imread  # noqa: E402

from tinygrad_edu import Tensor, data, nn, optim, plot  # noqa: E402
from tinygrad_edu.train import History, fit  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]


class Threshold(nn.Module):
    """A known model: logit = 4 * x1, so class 1 exactly on the right half-plane."""

    def __init__(self):
        super().__init__()
        self.layer = nn.Linear(2, 1, dtype=np.float64)
        self.layer.weight.data[...] = [[4.0, 0.0]]
        self.layer.bias.data[...] = 0.0

    def forward(self, x):
        return self.layer(x)


def sigmoid(z):
    return 1 / (1 + np.exp(-z))


def pixels(path):
    img = imread(str(path))
    assert img.ndim == 3 and img.shape[0] > 100 and img.shape[1] > 100
    return img[..., :3]


def distinct_colours(img):
    return len(np.unique((img * 31).round().reshape(-1, 3), axis=0))


def test_predict_proba_logits_probabilities_tanh_and_softmax():
    X = np.array([[-1.0, 0.3], [0.0, 2.0], [0.5, -1.0]])
    model = Threshold()
    assert plot.output_kind(model) == "logit"
    np.testing.assert_allclose(plot.predict_proba(model, X), sigmoid(4 * X[:, 0]))

    probs = nn.MLP(2, [3], 1, out_activation="sigmoid", seed=0)
    assert plot.output_kind(probs) == "probability"
    raw = probs(Tensor(X, dtype=np.float32)).data.ravel()
    np.testing.assert_allclose(plot.predict_proba(probs, X), raw, rtol=1e-6)

    tanh = nn.MLP(2, [3], 1, out_activation="tanh", seed=0)
    raw = tanh(Tensor(X, dtype=np.float32)).data.ravel()
    np.testing.assert_allclose(plot.predict_proba(tanh, X), (raw + 1) / 2, rtol=1e-6)

    three = nn.MLP(2, [4], 3, seed=0)
    p = plot.predict_proba(three, X)
    z = three(Tensor(X, dtype=np.float32)).data
    e = np.exp(z - z.max(axis=1, keepdims=True))
    np.testing.assert_allclose(p, e / e.sum(axis=1, keepdims=True), rtol=1e-5)
    two = nn.MLP(2, [4], 2, seed=0)       # two logits: P(class 1) from the softmax
    z = two(Tensor(X, dtype=np.float32)).data
    np.testing.assert_allclose(plot.predict_proba(two, X), sigmoid(z[:, 1] - z[:, 0]),
                               rtol=1e-5)
    # output= overrides what the last layer suggests
    np.testing.assert_allclose(plot.predict_proba(model, X, output="probability"),
                               np.clip(4 * X[:, 0], 0, 1))
    with pytest.raises(ValueError, match="output must be"):
        plot.predict_proba(model, X, output="odds")
    with pytest.raises(ValueError, match="2-D"):
        plot.predict_proba(model, X[0])


def test_an_output_activation_given_as_a_function_is_read_like_its_module():
    import tinygrad_edu.nn.functional as F

    X = np.array([[-1.0, 0.3], [0.0, 2.0], [0.5, -1.0]])
    for fn in (F.sigmoid, Tensor.sigmoid):  # MLP holds Lambda(fn=sigmoid)
        probs = nn.MLP(2, [3], 1, out_activation=fn, seed=0)
        assert plot.output_kind(probs) == "probability"
        raw = probs(Tensor(X, dtype=np.float32)).data.ravel()
        # not sigmoid(probability), which squeezes every point into (0.5, 0.73)
        np.testing.assert_allclose(plot.predict_proba(probs, X), raw, rtol=1e-6)
    assert plot.output_kind(nn.MLP(2, [3], 1, out_activation=Tensor.tanh)) == "tanh"
    assert plot.output_kind(nn.MLP(2, [3], 1, out_activation=lambda t: t * 2)) == "logit"
    soft = nn.MLP(2, [3], 3, out_activation=lambda t: F.softmax(t, dim=1), seed=0)
    assert plot.output_kind(soft) == "logit"  # a lambda says nothing: raw scores assumed


def test_scalar_and_tensor_engines_agree():
    scalar = nn.scalar.MLP(2, [3, 1], activation="tanh", out_activation="sigmoid", seed=1)
    tensor = nn.MLP(2, [3], 1, activation="tanh", out_activation="sigmoid", dtype=np.float64)
    for lin, layer in zip([tensor[0], tensor[2]], scalar.layers):
        lin.weight.data[...] = [[w.data for w in n.w] for n in layer.neurons]
        lin.bias.data[...] = [n.b.data for n in layer.neurons]
    X = np.random.default_rng(0).normal(size=(30, 2))
    assert plot.output_kind(scalar) == plot.output_kind(tensor) == "probability"
    np.testing.assert_allclose(plot.predict_proba(scalar, X), plot.predict_proba(tensor, X),
                               rtol=1e-12)


def test_evaluation_builds_no_graph_and_keeps_the_mode():
    model = nn.MLP(2, [4], 1, dropout=0.5, seed=0)
    model.train()
    X = np.random.default_rng(1).normal(size=(50, 2))
    a, b = plot.predict_proba(model, X), plot.predict_proba(model, X)
    np.testing.assert_array_equal(a, b)   # dropout off while evaluating
    assert model.training                 # and back on afterwards
    assert all(p.grad is None for p in model.parameters())


def test_decision_boundary_colours_each_side_by_class(tmp_path):
    X = np.array([[-2.0, -1.0], [-1.0, 1.0], [1.0, -1.0], [2.0, 1.0]])
    y = np.array([[0.0], [0.0], [1.0], [1.0]])
    ax = plot.decision_boundary(Threshold(), X, y, resolution=60, colorbar=False)
    fig = ax.figure
    fig.savefig(tmp_path / "b.png", dpi=fig.dpi)
    img = pixels(tmp_path / "b.png")
    height = img.shape[0]

    def colour_at(x, y):
        px, py = ax.transData.transform((x, y))
        return img[int(height - py), int(px)]

    left, right = colour_at(-1.5, 0.5), colour_at(1.5, 0.5)
    assert left[2] > left[0] + 0.2      # blue where P(class 1) ~ 0
    assert right[0] > right[2] + 0.2    # red where P(class 1) ~ 1
    plt.close(fig)


def test_decision_boundary_file_is_not_blank_for_both_engines(tmp_path):
    X, y = data.moons(60, seed=0)
    tensor = nn.MLP(2, [8], 1, seed=0)
    scalar = nn.scalar.MLP(2, [8, 1], activation="relu", seed=0)
    for name, model in [("tensor", tensor), ("scalar", scalar)]:
        path = tmp_path / f"{name}.png"
        ax = plot.decision_boundary(model, X, y, resolution=40, path=path, title=name)
        assert ax.get_title() == name
        img = pixels(path)
        assert img.std() > 0.1
        assert distinct_colours(img) > 20
    assert not plt.get_fignums()  # figures made for a path are closed


def test_decision_boundary_draws_into_a_given_axes_and_handles_labels():
    fig, axes = plt.subplots(1, 2)
    X, y = data.blobs(40, centers=3, seed=0, labels="int")
    model = nn.MLP(2, [8], 3, seed=0)
    assert plot.decision_boundary(model, X, y, ax=axes[0], resolution=30) is axes[0]
    Xb, yb = data.moons(40, seed=0)
    plot.decision_boundary(Threshold(), Xb, 2 * yb - 1, ax=axes[1], resolution=30)  # +-1 labels
    assert plt.get_fignums() == [fig.number]  # drew into ours, made no new figure
    plt.close(fig)


@pytest.mark.parametrize("X, y, message", [
    (np.zeros((5, 3)), None, "shape \\(n, 2\\)"),
    (np.zeros((0, 2)), None, "shape \\(n, 2\\)"),
    (np.zeros((5, 2)), np.zeros(4), "5 rows but y has 4"),
])
def test_decision_boundary_rejects_bad_input(X, y, message):
    with pytest.raises(ValueError, match=message):
        plot.decision_boundary(Threshold(), X, y)


@pytest.mark.filterwarnings("error")   # matplotlib's "identical low and high xlims" too
@pytest.mark.parametrize("X", [
    np.ones((5, 2)),                      # every point the same
    np.array([[2.0, -3.0]]),              # one point
    np.array([[2e6, 3e6]]),               # one point far from the origin
    np.full((3, 2), 1e6) + [0.0, 1e-7],   # a spread far below float64's grain there
], ids=["identical", "one", "one-far", "almost-identical"])
def test_decision_boundary_on_points_with_no_extent_gets_a_window_around_them(tmp_path, X):
    ax = plot.decision_boundary(Threshold(), X, resolution=20, path=tmp_path / "p.png")
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    size = max(1.0, np.abs(X).max())
    for lo, hi, centre in ((x0, x1, X[:, 0].mean()), (y0, y1, X[:, 1].mean())):
        assert hi - lo >= 0.1 * size          # a real window, not a few float64 steps
        assert lo < centre < hi and (lo + hi) / 2 == pytest.approx(centre, rel=1e-6)
    np.testing.assert_array_equal(ax.collections[-1].get_offsets(), X)   # the points drawn
    assert pixels(tmp_path / "p.png").std() > 0.05


@pytest.mark.filterwarnings("error")
def test_decision_boundary_with_a_single_class_draws_it(tmp_path):
    X = np.random.default_rng(0).normal(size=(10, 2))
    ax = plot.decision_boundary(Threshold(), X, np.zeros(10), resolution=20)
    points = ax.collections[-1]
    np.testing.assert_array_equal(points.get_array(), np.zeros(10))   # all class 0
    assert points.get_clim() == (0, 1)   # class 0 keeps class 0's colour (not the middle)
    plt.close(ax.figure)


@pytest.mark.parametrize("X, padding, message", [
    (np.array([[1.0, 0.0], [1.0, 2.0]]), 0, r"every point has x1 = 1, so padding=0 leaves "
     r"no area"),
    (np.zeros((3, 2)), 0.0, "every point has x1 = 0"),
    (np.eye(2), -0.5, r"padding must be a finite number >= 0 .* got -0.5"),
    (np.eye(2), float("nan"), "padding must be a finite number >= 0"),
    (np.array([[0.0, 1.0], [np.nan, 2.0]]), None, r"1 row\(s\) with nan or inf.*row 1"),
    (np.array([[np.inf, 1.0]]), None, "with nan or inf"),
])
def test_decision_boundary_refuses_what_it_cannot_draw(X, padding, message):
    with pytest.raises(ValueError, match=message):
        plot.decision_boundary(Threshold(), X, padding=padding, resolution=5)
    with pytest.raises(ValueError, match=message):
        plot.BoundaryRecorder(X, padding=padding, resolution=5)
    assert not plt.get_fignums()   # failed before making a figure


def test_decision_boundary_padding_zero_on_spread_points_is_their_extent():
    X = np.array([[0.0, 0.0], [1.0, 2.0]])
    ax = plot.decision_boundary(Threshold(), X, padding=0, resolution=5)
    assert ax.get_xlim() == (0.0, 1.0) and ax.get_ylim() == (0.0, 2.0)
    plt.close(ax.figure)


def test_loss_curves_empty_all_nan_and_single_epoch_histories(tmp_path):
    with pytest.raises(ValueError, match=r"the history is empty \(no epoch recorded yet\)"):
        plot.loss_curves(History())
    with pytest.raises(ValueError, match="history is empty"):
        plot.loss_curves({"loss": [], "accuracy": []})
    with pytest.raises(ValueError, match="every recorded loss is nan"):
        plot.loss_curves({"loss": [float("nan"), None]})
    assert not plt.get_fignums()
    # one epoch: one point, drawn as a dot (a line through one point is invisible)
    axes = plot.loss_curves({"loss": [0.7], "accuracy": [0.5]}, path=tmp_path / "one.png")
    (line,) = axes[0].get_lines()
    assert line.get_marker() == "o" and list(line.get_ydata()) == [0.7]
    assert axes[1].get_lines()[0].get_marker() == "o"
    # more epochs keep the plain line
    axes = plot.loss_curves({"loss": [0.7, 0.6]})
    assert axes[0].get_lines()[0].get_marker() in (None, "None", "")
    plt.close(axes[0].figure)


@pytest.mark.filterwarnings("error")   # matplotlib warns on a log axis with nothing > 0
def test_loss_curves_log_scale_with_no_positive_loss_stays_linear_and_says_so():
    axes = plot.loss_curves({"loss": [0.0, 0.0, 0.0]}, log_scale=True)
    assert axes[0].get_yscale() == "linear" and "no value > 0" in axes[0].get_ylabel()
    axes[0].figure.canvas.draw()
    axes = plot.loss_curves({"loss": [0.0, 0.5]}, log_scale=True)   # one positive is enough
    assert axes[0].get_yscale() == "log"
    plt.close("all")


def test_loss_curves_from_a_history_and_from_a_dict(tmp_path):
    X, y = data.moons(60, seed=0)
    model = nn.MLP(2, [8], 1, seed=0)
    history = fit(model, X, y, nn.BCEWithLogitsLoss(), optim.Adam(model.parameters(), lr=0.05),
                  20, validation=(X[:20], y[:20]), progress=False)
    axes = plot.loss_curves(history, path=tmp_path / "h.png")
    assert len(axes) == 2
    loss_lines = axes[0].get_lines()
    assert [line.get_label() for line in loss_lines] == ["train", "validation"]
    np.testing.assert_allclose(loss_lines[0].get_ydata(), history.loss)
    np.testing.assert_allclose(loss_lines[0].get_xdata(), history.epochs)
    np.testing.assert_allclose(axes[1].get_lines()[1].get_ydata(), history.val_accuracy)
    img = pixels(tmp_path / "h.png")
    assert img.std() > 0.05 and distinct_colours(img) > 10

    # a plain dict (e.g. History.to_dict() read back from JSON), loss only: one panel
    axes = plot.loss_curves({"train_loss": [1.0, 0.5, 0.25]}, log_scale=True,
                            path=tmp_path / "d.png")
    assert len(axes) == 1 and axes[0].get_yscale() == "log"
    assert History.from_dict(history.to_dict()).loss == history.loss
    with pytest.raises(ValueError, match="no per-epoch loss"):
        plot.loss_curves({"accuracy": [0.5]})
    with pytest.raises(TypeError, match="History or a dict"):
        plot.loss_curves(42)


def test_animate_training_writes_a_moving_gif(tmp_path):
    PIL = pytest.importorskip("PIL.Image")
    X, y = data.moons(60, seed=0)
    model = nn.MLP(2, [8], 1, seed=0)
    recorder = plot.BoundaryRecorder(X, y, every=5, resolution=30)
    fit(model, X, y, nn.BCEWithLogitsLoss(), optim.Adam(model.parameters(), lr=0.1), 20,
        callbacks=[recorder], progress=False)
    assert [epoch for epoch, *_ in recorder.frames] == [1, 5, 10, 15, 20]
    assert "loss" in recorder.frames[-1][2] and "accuracy" in recorder.frames[-1][2]
    path = plot.animate_training(recorder, tmp_path / "train.gif", fps=5, hold_last=0.4)
    with PIL.open(path) as gif:
        assert gif.n_frames >= 5
        gif.seek(0)
        first = np.asarray(gif.convert("RGB"), dtype=float)
        gif.seek(3)
        later = np.asarray(gif.convert("RGB"), dtype=float)
    assert first.std() > 20
    assert np.abs(first - later).mean() > 0.5   # the boundary moved between frames
    with pytest.raises(ValueError, match="no frames"):
        plot.animate_training(plot.BoundaryRecorder(X, y), tmp_path / "empty.gif")
    with pytest.raises(ValueError, match=r"\.gif"):
        plot.animate_training(recorder, tmp_path / "train.mp4")


def test_loss_curves_takes_epochs_as_an_array():
    # a history loaded with np.load holds arrays: `epoch or epochs` raised numpy's
    # "truth value of an array is ambiguous"
    axes = plot.loss_curves({"loss": np.array([1.0, 0.5, 0.2]), "epoch": np.array([5, 10, 15])})
    assert axes[0].get_lines()[0].get_xdata().tolist() == [5, 10, 15]
    axes = plot.loss_curves({"loss": [1.0, 0.5], "epochs": np.array([[1, 2]])})  # not 1-D
    assert axes[0].get_lines()[0].get_xdata().tolist() == [1, 2]
    plt.close("all")


def test_animate_training_one_frame_and_bad_settings(tmp_path):
    PIL = pytest.importorskip("PIL.Image")
    X = np.array([[-1.0, 0.0], [1.0, 0.0], [0.0, 1.0]])
    recorder = plot.BoundaryRecorder(X, [0, 1, 1], resolution=20)
    recorder.capture(Threshold(), 1)
    path = plot.animate_training(recorder, tmp_path / "one.gif", fps=4, hold_last=1.0)
    with PIL.open(path) as gif:
        assert np.asarray(gif.convert("RGB"), dtype=float).std() > 20
    for kwargs in ({"fps": 0}, {"fps": -2}, {"dpi": 0}, {"fps": True}, {"fps": float("nan")}):
        name = next(iter(kwargs))
        with pytest.raises(ValueError, match=f"animate_training: {name} must be a number > 0"):
            plot.animate_training(recorder, tmp_path / "bad.gif", **kwargs)
    assert not (tmp_path / "bad.gif").exists()
    for resolution in (0, 1, 2.5, True):
        with pytest.raises(ValueError, match="BoundaryRecorder: resolution must be an int"):
            plot.BoundaryRecorder(X, resolution=resolution)


def test_missing_matplotlib_names_the_extra(monkeypatch):
    monkeypatch.setitem(sys.modules, "matplotlib", None)  # "import matplotlib" now fails
    with pytest.raises(ImportError, match=r"tinygrad_edu\[plot\]"):
        plot.decision_boundary(Threshold(), np.zeros((3, 2)), resolution=5)
    # probabilities need only numpy
    assert plot.predict_proba(Threshold(), np.zeros((3, 2))).shape == (3,)


def test_agg_backend_chosen_without_a_display(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("DISPLAY", "WAYLAND_DISPLAY",
                                                             "MPLBACKEND")}
    env["PYTHONPATH"] = str(ROOT)
    code = ("import numpy as np, matplotlib\n"
            "from tinygrad_edu import nn, plot\n"
            "plot.decision_boundary(nn.MLP(2, [3], 1, seed=0), np.eye(2), resolution=5,\n"
            "                       path='b.png')\n"
            "print(matplotlib.get_backend())\n")
    done = subprocess.run([sys.executable, "-c", code], cwd=tmp_path, env=env,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip().lower() == "agg"
    assert (tmp_path / "b.png").stat().st_size > 1000
