"""diagnose: the seed's debugging checklist as a function. A healthy model passes; a dead
layer, wrong labels, a double sigmoid, a huge init, an unused parameter and imbalanced or
unscaled data are each flagged with advice; the model is left as it was found."""

import json
import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, data, nn
from tinygrad_edu.diagnose import Report, diagnose

X_SPIRAL, Y_SPIRAL = data.spiral()


def test_a_healthy_model_passes_with_initial_loss_near_ln2():
    model = nn.MLP(2, [16, 8], 1, seed=0)
    report = diagnose(model, X_SPIRAL, Y_SPIRAL, nn.BCEWithLogitsLoss())
    assert isinstance(report, Report) and report.ok and report.problems == []
    assert report.expected_loss == pytest.approx(math.log(2))
    assert report.initial_loss == pytest.approx(math.log(2), abs=0.05)
    assert report.n_samples == 400 and report.x_shape == (400, 2) and report.y_shape == (400, 1)
    assert report.label_values == [0.0, 1.0]
    assert report.class_balance == {"0": 0.5, "1": 0.5}
    assert report.outputs_vary and report.output_shape == (400, 1)
    assert list(report.grad_norms) == [name for name, _ in model.named_parameters()]
    assert all(g > 0 for g in report.grad_norms.values())
    assert report.dead_units == {"1": (0, 16), "3": (0, 8)}
    text = str(report)
    assert "no problems found" in text and "ln 2" in text and "0.weight" in text


def test_a_dead_layer_is_flagged_by_name():
    # the middle Linear outputs -1 for every input: the ReLU after it is always off
    model = nn.MLP(2, [16, 8], 1, seed=0)
    model[2].weight.data[...] = 0.0
    model[2].bias.data[...] = -1.0
    report = diagnose(model, X_SPIRAL, Y_SPIRAL, nn.BCEWithLogitsLoss())
    assert not report.ok
    zero = {k for k, g in report.grad_norms.items() if g == 0}
    assert zero == {"0.weight", "0.bias", "2.weight", "2.bias", "4.weight"}
    assert report.grad_norms["4.bias"] > 0  # the output bias still learns: only it
    assert report.dead_units["3"] == (8, 8) and report.dead_units["1"][0] < 16
    assert report.outputs_vary is False
    names = {c.name for c in report.problems}
    assert {"outputs", "gradients", "relu"} <= names
    text = str(report)
    assert "[FAIL]" in text and "gradient exactly zero for 0.weight" in text
    assert "layer 3 (ReLU): all 8 units are off" in text and "<- zero" in text


def test_labels_that_are_not_0_and_1_fail_for_binary_cross_entropy():
    model = nn.MLP(2, [4], 1, seed=0)
    report = diagnose(model, X_SPIRAL, Y_SPIRAL + 1, nn.BCEWithLogitsLoss())
    check = next(c for c in report.checks if c.name == "data")
    assert check.status == "fail" and "needs labels 0 and 1, got [1, 2]" in check.advice


def test_a_sigmoid_before_bce_with_logits_is_flagged():
    model = nn.MLP(2, [4], 1, out_activation="sigmoid", seed=0)
    report = diagnose(model, X_SPIRAL, Y_SPIRAL, nn.BCEWithLogitsLoss())
    check = next(c for c in report.checks if c.name == "outputs")
    assert check.status == "warn" and "applies the sigmoid itself" in check.advice
    assert report.ok  # a warning, not a failure


def test_a_huge_init_gives_a_high_first_loss():
    model = nn.MLP(2, [16], 1, seed=0)
    for p in model.parameters():
        p.data *= 30
    report = diagnose(model, X_SPIRAL, Y_SPIRAL, nn.BCEWithLogitsLoss())
    check = next(c for c in report.checks if c.name == "loss")
    assert report.initial_loss > 2 * math.log(2)
    assert check.status == "warn" and "confidently wrong" in check.advice


def test_a_parameter_unused_in_forward_has_no_gradient():
    class Forgetful(nn.Module):
        def __init__(self):
            super().__init__()
            self.used = nn.Linear(2, 1, seed=0)
            self.unused = nn.Linear(2, 1, seed=1)

        def forward(self, x):
            return self.used(x)

    report = diagnose(Forgetful(), X_SPIRAL, Y_SPIRAL, nn.BCEWithLogitsLoss())
    assert report.grad_norms["unused.weight"] is None and report.grad_norms["used.weight"] > 0
    assert "no gradient at all for unused.weight, unused.bias" in str(report)
    assert "None (no gradient)" in str(report) and not report.ok


def test_imbalanced_and_unscaled_data_get_warnings():
    model = nn.MLP(2, [4], 1, seed=0)
    y = (np.arange(400) % 10 == 0).astype(float).reshape(-1, 1)
    report = diagnose(model, X_SPIRAL, y, nn.BCEWithLogitsLoss())
    check = next(c for c in report.checks if c.name == "data")
    assert check.status == "warn" and "imbalanced" in check.advice and "90%" in check.advice
    report = diagnose(model, X_SPIRAL * 1000 + 5000, Y_SPIRAL, nn.BCEWithLogitsLoss())
    check = next(c for c in report.checks if c.name == "data")
    assert check.status == "warn" and "standardise" in check.advice


def test_cross_entropy_expects_ln_of_the_class_count():
    X, y = data.blobs(n_samples=90, centers=3, seed=0, labels="int")
    report = diagnose(nn.MLP(2, [8], 3, seed=0), X, y, nn.CrossEntropyLoss())
    assert report.expected_loss == pytest.approx(math.log(3))
    assert report.initial_loss == pytest.approx(math.log(3), rel=0.3)
    assert report.class_balance == {"0": pytest.approx(1 / 3), "1": pytest.approx(1 / 3),
                                    "2": pytest.approx(1 / 3)}


def test_a_target_shape_mismatch_is_reported_in_the_users_terms():
    report = diagnose(nn.MLP(2, [4], 1, seed=0), X_SPIRAL, Y_SPIRAL.reshape(-1),
                      nn.BCEWithLogitsLoss())
    check = next(c for c in report.checks if c.name == "loss")
    assert check.status == "fail" and "y.reshape(-1, 1)" in check.message


def test_value_models_are_diagnosed_too():
    X, y = data.xor()
    model = nn.scalar.MLP(2, [3, 1], activation="tanh", out_activation="sigmoid", seed=0)
    report = diagnose(model, X, y, nn.MSELoss())
    assert report.expected_loss == 0.25 and report.ok
    assert len(report.grad_norms) == model.num_parameters()
    assert all(g > 0 for g in report.grad_norms.values())


def test_the_model_is_left_as_it_was_and_the_report_is_json():
    model = nn.MLP(2, [8], 1, seed=0).eval()
    before = model.state_dict()
    grads = [np.full(p.shape, 7.0, dtype=p.dtype) for p in model.parameters()]
    for p, g in zip(model.parameters(), grads):
        p.grad = g
    report = diagnose(model, Tensor(X_SPIRAL), Tensor(Y_SPIRAL), nn.BCEWithLogitsLoss())
    assert model.training is False
    for k, v in model.state_dict().items():
        np.testing.assert_array_equal(v, before[k])
    for p, g in zip(model.parameters(), grads):
        assert p.grad is g
    d = json.loads(json.dumps(report.to_dict()))
    assert d["checks"][0]["name"] == "data" and d["initial_loss"] == report.initial_loss


def test_max_samples_limits_the_rows_used():
    report = diagnose(nn.MLP(2, [4], 1, seed=0), X_SPIRAL, Y_SPIRAL, nn.BCEWithLogitsLoss(),
                      max_samples=50)
    assert report.n_samples == 50 and report.output_shape == (50, 1)


def test_the_data_line_shows_the_users_dtype_and_the_one_checked():
    """float64 arrays checked as the float32 model sees them: the line names both, not only
    the converted dtype (which made users think their data was float32)."""
    X, y = X_SPIRAL.astype(np.float64), Y_SPIRAL.astype(np.float64)
    line = next(c.message for c in diagnose(nn.MLP(2, [4], 1, seed=0), X, y,
                                            nn.BCEWithLogitsLoss(), max_samples=50).checks
                if c.name == "data")
    assert line.startswith("X (50, 2) float64 (as float32), y (50, 1) float64 (as float32);")
    same = diagnose(nn.MLP(2, [4], 1, seed=0), X.astype(np.float32), y.astype(np.float32),
                    nn.BCEWithLogitsLoss()).checks
    assert next(c.message for c in same if c.name == "data").startswith(
        "X (400, 2) float32, y (400, 1) float32;")
