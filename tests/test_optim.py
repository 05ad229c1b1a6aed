"""Tests for tinygrad_edu.optim: update rules against torch.optim, param groups, state
dicts, Value parameters, schedulers and gradient clipping."""

import math

import numpy as np
import pytest

from tinygrad_edu import Tensor, Value, optim
from tinygrad_edu.nn.utils import clip_grad_norm_, clip_grad_value_
from tinygrad_edu.optim.lr_scheduler import CosineAnnealingLR, ExponentialLR, StepLR

SHAPES = [(3, 4), (4,), ()]
STEPS = 100


def _start(seed=0):
    rng = np.random.default_rng(seed)
    return [np.asarray(rng.standard_normal(s)) for s in SHAPES]


def _grads(seed=1):
    """A fixed sequence of gradients: one list (one array per parameter) per step."""
    rng = np.random.default_rng(seed)
    return [[np.asarray(rng.standard_normal(s) * (1 + k % 7)) for s in SHAPES]
            for k in range(STEPS)]


def _run_ours(cls, kwargs, start, grads, sched=None):
    params = [Tensor(a.copy(), requires_grad=True) for a in start]
    opt = cls(params, **kwargs)
    scheduler = sched[0](opt, **sched[1]) if sched else None
    lrs = []
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = g.copy()
        opt.step()
        if scheduler:
            scheduler.step()
            lrs.append(opt.param_groups[0]["lr"])
    return [p.data for p in params], lrs


def _run_torch(torch, cls, kwargs, start, grads, sched=None):
    torch.set_num_threads(1)  # tiny tensors: threads only contend on a shared CI machine
    params = [torch.tensor(a.copy(), requires_grad=True) for a in start]
    opt = cls(params, **kwargs)
    scheduler = sched[0](opt, **sched[1]) if sched else None
    lrs = []
    for gs in grads:
        for p, g in zip(params, gs):
            p.grad = torch.from_numpy(g.copy())
        opt.step()
        if scheduler:
            scheduler.step()
            lrs.append(opt.param_groups[0]["lr"])
    return [p.detach().numpy() for p in params], lrs


CASES = [
    ("SGD", {"lr": 0.05}),
    ("SGD", {"lr": 0.05, "momentum": 0.9}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "dampening": 0.3}),
    ("SGD", {"lr": 0.05, "momentum": 0.9, "nesterov": True}),
    ("SGD", {"lr": 0.05, "momentum": 0.5, "weight_decay": 0.1}),
    ("SGD", {"lr": 0.05, "weight_decay": 0.1, "momentum": 0.9, "nesterov": True,
             "maximize": True}),
    ("Adam", {}),
    ("Adam", {"lr": 0.01, "betas": (0.8, 0.99), "eps": 1e-6}),
    ("Adam", {"lr": 0.01, "amsgrad": True}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1}),
    ("Adam", {"lr": 0.01, "weight_decay": 0.1, "amsgrad": True, "maximize": True}),
    ("AdamW", {"lr": 0.01}),
    ("AdamW", {"lr": 0.01, "weight_decay": 0.3, "amsgrad": True}),
]


@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_100_steps_match_torch_in_float64(name, kwargs):
    torch = pytest.importorskip("torch")
    start, grads = _start(), _grads()
    ours, _ = _run_ours(getattr(optim, name), kwargs, start, grads)
    theirs, _ = _run_torch(torch, getattr(torch.optim, name), kwargs, start, grads)
    for a, b, s in zip(ours, theirs, start):
        assert not np.allclose(a, s)  # the parameters really moved
        np.testing.assert_allclose(a, b, rtol=0, atol=1e-10)


SCHEDULES = [
    (StepLR, "StepLR", {"step_size": 7, "gamma": 0.5}),
    (ExponentialLR, "ExponentialLR", {"gamma": 0.97}),
    (CosineAnnealingLR, "CosineAnnealingLR", {"T_max": 30}),
    (CosineAnnealingLR, "CosineAnnealingLR", {"T_max": 10, "eta_min": 0.01}),
]


@pytest.mark.parametrize("ours,name,kwargs", SCHEDULES, ids=[f"{n}-{k}" for _, n, k in SCHEDULES])
def test_schedulers_match_torch(ours, name, kwargs):
    torch = pytest.importorskip("torch")
    start, grads = _start(), _grads()
    a, lrs_a = _run_ours(optim.SGD, {"lr": 0.1, "momentum": 0.9}, start, grads, (ours, kwargs))
    b, lrs_b = _run_torch(torch, torch.optim.SGD, {"lr": 0.1, "momentum": 0.9}, start, grads,
                          (getattr(torch.optim.lr_scheduler, name), kwargs))
    assert len(set(lrs_a)) > 3  # the schedule really changes the lr
    np.testing.assert_allclose(lrs_a, lrs_b, rtol=1e-13, atol=0)
    for x, y in zip(a, b):
        np.testing.assert_allclose(x, y, rtol=0, atol=1e-10)


def test_cosine_closed_form_and_recursive_agree():
    p = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.SGD([p], lr=0.5)
    sched = CosineAnnealingLR(opt, T_max=8, eta_min=0.1)
    seen = [sched.get_last_lr()[0]]
    for _ in range(20):
        opt.step()
        sched.step()
        seen.append(sched.get_last_lr()[0])
    closed = [0.1 + 0.4 * (1 + math.cos(math.pi * e / 8)) / 2 for e in range(21)]
    np.testing.assert_allclose(seen, closed, rtol=1e-12)
    sched.step(4)  # jumping to an epoch uses the closed form
    assert opt.param_groups[0]["lr"] == pytest.approx(closed[4])


def test_step_lr_values_and_scheduler_before_optimizer_warns():
    p = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.SGD([p], lr=1.0)
    sched = StepLR(opt, step_size=2, gamma=0.5)
    with pytest.warns(UserWarning, match="before `optimizer.step"):
        sched.step()
    lrs = []
    for _ in range(5):
        opt.step()
        sched.step()
        lrs.append(opt.param_groups[0]["lr"])
    assert lrs == [0.5, 0.5, 0.25, 0.25, 0.125]  # epochs 2..6: 1.0 * 0.5 ** (epoch // 2)
    state = sched.state_dict()
    assert "optimizer" not in state and state["last_epoch"] == 6


def test_scheduler_rejects_bad_arguments():
    opt = optim.SGD([Tensor(np.zeros(1), requires_grad=True)], lr=0.1)
    with pytest.raises(TypeError, match="not an Optimizer"):
        StepLR("sgd", step_size=1)
    with pytest.raises(ValueError, match="step_size"):
        StepLR(opt, step_size=0)
    with pytest.raises(ValueError, match="T_max"):
        CosineAnnealingLR(opt, T_max=0)


# ---- Value parameters: the same rules on Python floats ------------------------------------
@pytest.mark.parametrize("name,kwargs", CASES, ids=[f"{n}-{k}" for n, k in CASES])
def test_value_parameters_follow_the_same_rule_as_arrays(name, kwargs):
    start, grads = _start(), _grads()
    arrays, _ = _run_ours(getattr(optim, name), kwargs, start, grads)
    values = [Value(float(x)) for x in start[0].reshape(-1)]
    opt = getattr(optim, name)(values, **kwargs)
    for gs in grads:
        for v, g in zip(values, gs[0].reshape(-1)):
            v.grad = float(g)
        opt.step()
    got = np.array([v.data for v in values])
    assert all(type(v.data) is float for v in values)
    np.testing.assert_allclose(got, arrays[0].reshape(-1), rtol=0, atol=1e-12)


def test_value_model_trains_and_zero_grad_sets_floats():
    x, w = [1.0, -2.0], [Value(0.3), Value(-0.1)]
    opt = optim.SGD(w, lr=0.1)
    losses = []
    for _ in range(30):
        opt.zero_grad()
        pred = Value.dot(w, x)
        loss = (pred - 1.0) ** 2
        loss.backward()
        opt.step()
        losses.append(loss.data)
    assert losses[-1] < 1e-6 < losses[0]
    opt.zero_grad()
    assert all(v.grad == 0.0 and type(v.grad) is float for v in w)


# ---- behaviour shared by all optimizers ---------------------------------------------------
def test_params_without_grad_are_skipped_and_zero_grad_sets_none():
    a = Tensor(np.ones(3), requires_grad=True)
    b = Tensor(np.ones(3), requires_grad=True)
    opt = optim.Adam([a, b], lr=0.1)
    a.grad = np.ones(3)
    opt.step()
    assert np.all(a.data < 1) and np.all(b.data == 1)
    assert b not in opt.state and opt.state[a]["step"] == 1
    opt.zero_grad()
    assert a.grad is None
    a.grad = np.ones(3)
    opt.zero_grad(set_to_none=False)
    assert a.grad is not None and np.all(a.grad == 0)


def test_state_is_allocated_once_and_parameters_update_in_place():
    p = Tensor(np.ones((2, 2)), requires_grad=True)
    data = p.data
    opt = optim.Adam([p], lr=0.1)
    p.grad = np.ones((2, 2))
    opt.step()
    m = opt.state[p]["exp_avg"]
    p.grad = np.ones((2, 2))
    opt.step()
    assert opt.state[p]["exp_avg"] is m and p.data is data


def test_param_groups_have_their_own_settings_and_lr_can_change_mid_run():
    a = Tensor(np.zeros(2), requires_grad=True)
    b = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.SGD([{"params": [a]}, {"params": [b], "lr": 1.0}], lr=0.1, momentum=0.0)
    assert opt.param_groups[0]["lr"] == 0.1 and opt.param_groups[1]["lr"] == 1.0
    a.grad, b.grad = np.ones(2), np.ones(2)
    opt.step()
    np.testing.assert_allclose(a.data, -0.1)
    np.testing.assert_allclose(b.data, -1.0)
    opt.param_groups[0]["lr"] = 0.5
    opt.step()
    np.testing.assert_allclose(a.data, -0.6)


def test_named_parameters_are_accepted():
    a = Tensor(np.zeros(2), requires_grad=True)
    opt = optim.SGD([("w", a)], lr=1.0)
    a.grad = np.ones(2)
    opt.step()
    np.testing.assert_allclose(a.data, -1.0)
    assert opt.param_groups[0]["param_names"] == ["w"]


@pytest.mark.parametrize("make,match", [
    (lambda p: optim.SGD([p], lr=-0.1), "Invalid learning rate"),
    (lambda p: optim.SGD([p], lr=0.1, momentum=-1), "momentum"),
    (lambda p: optim.SGD([p], lr=0.1, weight_decay=-1), "weight_decay"),
    (lambda p: optim.SGD([p], lr=0.1, nesterov=True), "Nesterov"),
    (lambda p: optim.SGD([p], lr=0.1, momentum=0.9, dampening=0.1, nesterov=True), "Nesterov"),
    (lambda p: optim.Adam([p], lr=float("nan")), "learning rate"),
    (lambda p: optim.Adam([p], eps=-1.0), "epsilon"),
    (lambda p: optim.Adam([p], betas=(1.0, 0.999)), "index 0"),
    (lambda p: optim.Adam([p], betas=(0.9, -0.1)), "index 1"),
    (lambda p: optim.AdamW([p], weight_decay=-0.1), "weight_decay"),
    (lambda p: optim.SGD([], lr=0.1), "empty parameter list"),
    (lambda p: optim.SGD([p, p], lr=0.1), "twice.*updated twice per step.*PyTorch only warns"),
    (lambda p: StepLR(optim.SGD([p]), step_size=2, gamma=-0.5), "gamma"),
    (lambda p: CosineAnnealingLR(optim.SGD([p]), T_max=5, eta_min=-0.1), "eta_min"),
    (lambda p: optim.SGD([{"params": [p]}, {"params": [p]}], lr=0.1), "more than one"),
])
def test_bad_settings_raise_value_error(make, match):
    with pytest.raises(ValueError, match=match):
        make(Tensor(np.zeros(2), requires_grad=True))


def test_bad_params_raise_type_error():
    p = Tensor(np.zeros(2), requires_grad=True)
    with pytest.raises(TypeError, match="gamma must be a number"):  # failed only at step()
        ExponentialLR(optim.SGD([p]), gamma="0.9")
    p.grad = [1.0, 1.0]  # set by hand: was AttributeError 'list' object has no attribute
    with pytest.raises(TypeError, match=r"\.grad must be a numpy array, got list"):
        optim.SGD([p], lr=0.1).step()
    p.grad = None
    with pytest.raises(TypeError, match=r"wrap it in a list"):
        optim.SGD(p, lr=0.1)
    with pytest.raises(TypeError, match="not a set"):
        optim.SGD({p}, lr=0.1)
    with pytest.raises(TypeError, match=r"\.data and \.grad"):
        optim.SGD([np.zeros(2)], lr=0.1)
    with pytest.raises(TypeError, match="floating-point"):
        optim.SGD([Tensor(np.zeros(2, dtype=np.int64))], lr=0.1)
    with pytest.raises(ValueError, match="non-leaf"):
        optim.SGD([p * 2], lr=0.1)
    with pytest.raises(TypeError, match="number"):
        optim.SGD([p], lr="0.1")


def test_passing_a_model_instead_of_its_parameters_is_explained():
    class FakeModel:
        def parameters(self):
            return []

        def named_parameters(self):
            return []

    with pytest.raises(TypeError, match=r"model\.parameters\(\)"):
        optim.Adam(FakeModel())


def test_gradient_of_wrong_shape_is_caught():
    p = Tensor(np.zeros(3), requires_grad=True)
    opt = optim.SGD([p], lr=0.1)
    p.grad = np.ones(4)
    with pytest.raises(ValueError, match=r"shape \(3,\) has a gradient of shape \(4,\)"):
        opt.step()


def test_step_with_closure_returns_its_loss():
    p = Tensor(np.array([2.0]), requires_grad=True)
    opt = optim.SGD([p], lr=0.25)

    def closure():
        opt.zero_grad()
        loss = (p * p).sum()
        loss.backward()
        return loss

    loss = opt.step(closure)
    assert loss.item() == 4.0 and p.data[0] == 1.0


def test_state_dict_round_trip_continues_identically():
    start, grads = _start(), _grads()
    params = [Tensor(a.copy(), requires_grad=True) for a in start]
    opt = optim.Adam(params, lr=0.01, amsgrad=True)
    for gs in grads[:10]:
        for p, g in zip(params, gs):
            p.grad = g.copy()
        opt.step()
    saved = opt.state_dict()
    snapshot = [p.data.copy() for p in params]
    assert saved["param_groups"][0]["params"] == [0, 1, 2]
    assert saved["state"][0]["step"] == 10
    for gs in grads[10:20]:  # keep going with the original...
        for p, g in zip(params, gs):
            p.grad = g.copy()
        opt.step()
    expected = [p.data.copy() for p in params]
    saved["state"][0]["exp_avg"] += 0  # the dict holds copies, not the live buffers
    clones = [Tensor(s.copy(), requires_grad=True) for s in snapshot]
    opt2 = optim.Adam(clones, lr=0.5)
    opt2.load_state_dict(saved)
    assert opt2.param_groups[0]["lr"] == 0.01 and opt2.param_groups[0]["params"][0] is clones[0]
    for gs in grads[10:20]:  # ...and from the checkpoint
        for p, g in zip(clones, gs):
            p.grad = g.copy()
        opt2.step()
    for a, b in zip(clones, expected):
        np.testing.assert_array_equal(a.data, b)


def test_load_state_dict_rejects_mismatches():
    a = Tensor(np.zeros(2), requires_grad=True)
    b = Tensor(np.zeros(3), requires_grad=True)
    opt = optim.SGD([a], lr=0.1, momentum=0.9)
    a.grad = np.ones(2)
    opt.step()
    saved = opt.state_dict()
    with pytest.raises(ValueError, match="group"):
        optim.SGD([{"params": [a]}, {"params": [b]}], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="2 parameters|1 parameters"):
        optim.SGD([a, b], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match=r"shape \(2,\).*shape \(3,\)"):
        optim.SGD([b], lr=0.1).load_state_dict(saved)
    with pytest.raises(ValueError, match="keys"):
        optim.SGD([a], lr=0.1).load_state_dict({"state": {}})


def test_repr_lists_groups():
    opt = optim.Adam([Tensor(np.zeros(1), requires_grad=True)], lr=0.01)
    text = repr(opt)
    assert text.startswith("Adam (") and "lr: 0.01" in text and "betas: (0.9, 0.999)" in text


# ---- gradient clipping --------------------------------------------------------------------
@pytest.mark.parametrize("norm_type", [2.0, 1.0, 3.0, float("inf")])
@pytest.mark.parametrize("max_norm", [0.5, 100.0])
def test_clip_grad_norm_matches_torch(norm_type, max_norm):
    torch = pytest.importorskip("torch")
    grads = _grads()[0]
    ours = [Tensor(np.zeros(s), requires_grad=True) for s in SHAPES]
    theirs = [torch.zeros(s, dtype=torch.float64, requires_grad=True) for s in SHAPES]
    for p, q, g in zip(ours, theirs, grads):
        p.grad, q.grad = g.copy(), torch.from_numpy(g.copy())
    total = clip_grad_norm_(ours, max_norm, norm_type)
    expected = torch.nn.utils.clip_grad_norm_(theirs, max_norm, norm_type)
    assert total.item() == pytest.approx(expected.item(), rel=1e-12)
    for p, q in zip(ours, theirs):
        np.testing.assert_allclose(p.grad, q.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_clip_grad_norm_on_values_and_nonfinite():
    vs = [Value(0.0), Value(0.0)]
    vs[0].grad, vs[1].grad = 3.0, 4.0
    total = clip_grad_norm_(vs, 1.0)
    assert total.item() == pytest.approx(5.0)
    assert vs[0].grad == pytest.approx(0.6, rel=1e-5) and vs[1].grad == pytest.approx(0.8, 1e-5)
    p = Tensor(np.zeros(2), requires_grad=True)
    p.grad = np.array([np.inf, 1.0])
    with pytest.raises(RuntimeError, match="inf"):
        clip_grad_norm_([p], 1.0, error_if_nonfinite=True)
    assert clip_grad_norm_([Tensor(np.zeros(2), requires_grad=True)], 1.0).item() == 0.0


def test_clip_grad_norm_of_nonfinite_grads_matches_torch_without_numpy_warnings(recwarn):
    torch = pytest.importorskip("torch")
    cases = [np.array([np.inf, 1.0, 1.0]), np.array([np.nan, 1.0, 1.0]),
             np.array([1e30, 1e30, 1.0], dtype=np.float32)]  # the float32 norm overflows
    for g in cases:
        p = Tensor(np.zeros(3, dtype=g.dtype), requires_grad=True)
        q = torch.zeros(3, dtype=torch.from_numpy(g).dtype, requires_grad=True)
        p.grad, q.grad = g.copy(), torch.from_numpy(g.copy())
        total = clip_grad_norm_([p], 1.0)
        expected = torch.nn.utils.clip_grad_norm_([q], 1.0)
        np.testing.assert_array_equal(total.item(), expected.item())
        np.testing.assert_array_equal(p.grad, q.grad.numpy())
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_clip_grad_value():
    p = Tensor(np.zeros(3), requires_grad=True)
    p.grad = np.array([-5.0, 0.5, 5.0])
    v = Value(0.0)
    v.grad = -7.0
    clip_grad_value_([p, v], 1.0)
    np.testing.assert_array_equal(p.grad, [-1.0, 0.5, 1.0])
    assert v.grad == -1.0
