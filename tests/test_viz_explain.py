"""explain / backward_steps: the worked XOR example's numbers, the rows' bookkeeping,
and the text, Markdown and HTML tables."""

from __future__ import annotations

import math
import re
from html.parser import HTMLParser

import pytest

from tinygrad_edu import Value
from tinygrad_edu.autograd import topological_order
from tinygrad_edu.viz import (
    WORKED_PARAMETERS,
    backward_steps,
    explain,
    worked_example,
    worked_example_parameters,
)


def by_name(steps):
    return {s.name: s for s in steps}


def sigmoid(z):
    return 1 / (1 + math.exp(-z))


# ---- the seed's worked example (numbers as the tutorial prints them) -------------------
SEED = [  # (node, what, seed's number, tolerance of its rounding)
    ("y_hat", "value", 0.970, 5e-4),
    ("z_out", "value", 3.48, 5e-3),
    ("h1", "value", 0.924, 5e-4),
    ("h2", "value", 0.076, 5e-4),
    ("z_out", "grad", -0.030, 5e-4),
    ("v1", "grad", -0.028, 5e-4),
    ("v2", "grad", -0.002, 5e-4),
    ("h1", "grad", -0.30, 5e-3),
    ("h2", "grad", 0.30, 5e-3),
    ("z1", "grad", -0.021, 5e-4),
    ("z2", "grad", 0.021, 5e-4),
    ("w11", "grad", -0.021, 5e-4),
    ("w21", "grad", 0.021, 5e-4),
]


@pytest.mark.parametrize("name,what,expected,tol", SEED)
def test_worked_example_matches_the_seed(name, what, expected, tol):
    step = by_name(backward_steps(worked_example()))[name]
    assert getattr(step, what) == pytest.approx(expected, abs=tol)


def test_worked_example_matches_the_closed_form():
    s = by_name(backward_steps(worked_example()))
    h1, h2 = sigmoid(2.5), sigmoid(-2.5)
    y_hat = sigmoid(10 * h1 - 10 * h2 - 5)
    assert s["y_hat"].value == pytest.approx(y_hat, rel=1e-12)
    assert s["L"].value == pytest.approx(-math.log(y_hat), rel=1e-12)
    assert s["z_out"].grad == pytest.approx(y_hat - 1, rel=1e-9)  # BCE + sigmoid: y_hat - y
    assert s["h1"].grad == pytest.approx((y_hat - 1) * 10, rel=1e-9)
    assert s["z1"].grad == pytest.approx((y_hat - 1) * 10 * h1 * (1 - h1), rel=1e-9)
    # w12 multiplies x2 = 0: its local derivative is 0, so it gets no gradient at all
    w1x = {p.name: p for p in s["z1"].parents}
    assert w1x["w12"].local == 0 and s["w12"].grad == 0
    assert list(w1x) == ["w11", "w12", "b1"]  # the input (1, 0) is data: no nodes
    assert w1x["w11"].local == 1 and w1x["b1"].local == 1
    vh = {p.name: p for p in s["z_out"].parents}
    assert vh["v1"].local == pytest.approx(h1) and vh["h1"].local == 10
    sig = s["y_hat"].parents[0]
    assert sig.name == "z_out" and sig.local == pytest.approx(y_hat * (1 - y_hat), rel=1e-12)


def test_worked_example_other_inputs_and_targets():
    s = by_name(backward_steps(worked_example(x=(0.0, 1.0), y=0.0)))
    assert s["w11"].grad == 0 and s["w12"].grad != 0  # now x1 = 0 silences w11
    assert s["z_out"].grad == pytest.approx(s["y_hat"].value - 0.0, rel=1e-9)


def test_worked_example_parameters_by_name():
    loss = worked_example()
    params = worked_example_parameters(loss)
    assert tuple(params) == WORKED_PARAMETERS
    assert params["v2"].data == -10 and params["b_out"].data == -5


# ---- bookkeeping against the real driver ----------------------------------------------
def test_grads_equal_the_real_backward_and_stale_grads_are_reset():
    real, shown = worked_example(), worked_example()
    real.backward()
    for n in topological_order(shown):
        n.grad = 123.0  # stale values: explain must start from zero, as zero_grad would
    steps = backward_steps(shown)
    a, b = topological_order(real), topological_order(shown)
    assert [n.grad for n in a] == [n.grad for n in b]  # exactly, not approximately
    assert [s.grad for s in steps] == [n.grad for n in reversed(a)]  # the table shows them


def test_rows_follow_the_driver_order():
    loss = worked_example()
    order = topological_order(loss)
    steps = backward_steps(loss)
    assert [s.position for s in steps] == list(range(len(order)))[::-1]
    assert [s.name for s in steps][:3] == ["L", "-L", "(1-y)*log(1-y_hat)"]


def test_contributions_are_local_times_upstream_and_add_up():
    steps = backward_steps(worked_example())
    total: dict[str, float] = {}
    for s in steps:
        if s.name in total:  # every contribution to this node arrived before its own row
            assert s.grad == total[s.name]
        for p in s.parents:
            assert p.contribution == pytest.approx(p.local * s.grad, rel=1e-12, abs=1e-300)
            total[p.name] = total.get(p.name, 0.0) + p.contribution
            assert p.grad_after == total[p.name]


def test_repeated_parent_gets_the_total_local_derivative():
    a = Value(3.0, label="a")
    sq = a * a
    sq.label = "sq"
    out = sq + a
    s = by_name(backward_steps(out))
    assert [(p.name, p.local) for p in s["sq"].parents] == [("a", 6.0)]  # d(a*a)/da = 2a
    assert [p.grad_after for p in s["n2"].parents] == [1.0, 1.0]  # sq, then a's first share
    assert s["sq"].parents[0].grad_after == 7.0  # a: 1 from '+', then 6 more from '*'
    assert s["a"].grad == a.grad == 7.0


def test_unlabelled_nodes_get_their_topological_names():
    a = Value(2.0)
    out = (a * 3.0).tanh()
    assert [s.name for s in backward_steps(out)] == ["n2", "n1", "n0"]
    named = backward_steps(out, params={"weight": a})
    assert named[-1].name == "weight"


def test_relu_and_leaves_without_parents():
    a = Value(-1.0, label="a")
    out = a.relu()
    s = by_name(backward_steps(out))
    assert s["a"].parents == () and s["a"].op == ""
    assert s["n1"].parents[0].local == 0.0 and a.grad == 0.0


def test_big_graphs_are_refused_with_the_way_out():
    x = Value(0.0)
    for _ in range(2000):
        x = x + 1.0
    with pytest.raises(ValueError, match=r"2,001 nodes.*max_nodes=2001"):
        explain(x)
    assert len(backward_steps(x, max_nodes=None)) == 2001


def test_bad_arguments():
    with pytest.raises(ValueError, match="format"):
        explain(Value(1.0), format="latex")
    with pytest.raises(TypeError, match="explain: expected a Value or a Tensor"):
        explain(1.0)
    for bad in (0, -1, True, "10", 2.5):
        with pytest.raises(ValueError, match="explain: max_nodes must be a positive int"):
            explain(Value(1.0) * 2, max_nodes=bad)


# ---- the three formats -----------------------------------------------------------------
def table_lines(text):
    lines = text.splitlines()
    rule = next(i for i, line in enumerate(lines) if line.startswith("----"))
    return lines[rule - 1], lines[rule], lines[rule + 1:]


def test_text_is_aligned_in_columns():
    text = explain(worked_example())
    head, rule, rows = table_lines(text)
    spans = [m.span() for m in re.finditer(r"-+", rule)]
    assert len(spans) == 9
    gaps = set(range(len(rule))) - {i for a, b in spans for i in range(a, b)}
    for line in [head, *rows]:
        assert len(line) <= len(rule)
        assert all(line[i] == " " for i in gaps if i < len(line)), line
    # the z_out row, as a learner reads it: value, grad, then its parents
    z = next(r for r in rows if r.split()[1:3] == ["z_out", "dot"])
    assert z.split()[3:7] == ["3.483", "-0.0298", "v1", "0.9241"]
    assert max(len(line) for line in text.splitlines()[:3]) <= 88  # caption wrapped


def test_every_node_has_one_row_and_every_parent_one_line():
    loss = worked_example()
    steps = backward_steps(worked_example())
    _, _, rows = table_lines(explain(loss))
    assert len(rows) == sum(max(1, len(s.parents)) for s in steps)
    numbered = [r for r in rows if r[:4].strip()]
    assert [int(r.split()[0]) for r in numbered] == list(range(1, len(steps) + 1))


def test_markdown_table_and_escaping():
    a = Value(2.0, label="a|b*c_d")
    md = explain(a * a, format="markdown")
    table = [line for line in md.splitlines() if line.startswith("|")]
    unescaped = [len(re.findall(r"(?<!\\)\|", line)) for line in table]
    assert set(unescaped) == {10}  # 9 columns, every line, the label's | escaped
    assert table[1] == "|---:|---|---|---:|---:|---|---:|---:|---:|"
    assert r"a\|b\*c\_d" in md
    assert table[2].split(" | ")[1:4] == ["n1", r"\*", "4"]
    md = explain(Value(1.0, label="&amp; ~~x~~ $y$") * 2, format="markdown")
    assert r"\&amp; \~\~x\~\~ \$y\$" in md  # shown as typed, not as &, strikethrough, maths


def test_labels_with_newlines_or_control_characters_keep_every_table_whole():
    a, b = Value(2.0, label="two\nlines"), Value(3.0, label="esc\x1b[31m")
    out = a * b
    out.label = "out\r\nput"
    text = explain(out)
    assert "\x1b" not in text and "esc\\x1b[31m" in text
    head, rule, rows = table_lines(text)
    assert len(rows) == 4  # out (two parent lines), then the two leaves
    assert rows[0].split()[:3] == ["1", "out", "put"]
    md = explain(out, format="markdown")
    table = [line for line in md.splitlines() if line.startswith("|")]
    assert len(table) == 6
    assert {len(re.findall(r"(?<!\\)\|", line)) for line in table} == {10}
    assert "two lines" in md and "out put" in md.splitlines()[0]
    page = explain(out, format="html")
    assert "two lines" in page and "\x1b" not in page


class _Cells(HTMLParser):
    def __init__(self):
        super().__init__()
        self.rows, self.spans, self.in_cell = [], [], False

    def handle_starttag(self, tag, attrs):
        if tag == "tr":
            self.rows.append([])
        if tag in ("td", "th"):
            self.rows[-1].append("")
            self.spans.append(int(dict(attrs).get("rowspan", 1)))
            self.in_cell = True

    def handle_endtag(self, tag):
        self.in_cell = self.in_cell and tag not in ("td", "th")

    def handle_data(self, data):
        if self.in_cell:
            self.rows[-1][-1] += data


def test_html_table_is_escaped_and_spans_parents():
    a, b = Value(2.0, label="<script>"), Value(3.0, label="b & c")
    out = a * b
    out.label = "out"
    page = explain(out, format="html")
    assert "<script>" not in page and "&lt;script&gt;" in page and "b &amp; c" in page
    p = _Cells()
    p.feed(page)
    assert p.rows[0][:3] == ["step", "node", "op"]
    # 'out' has two parents: its node cells span two rows, the second row has parent cells
    assert p.rows[1][:5] == ["1", "out", "*", "6", "1"] and p.rows[1][5] == "<script>"
    assert p.rows[2] == ["b & c", "2", "2", "2"]
    assert p.spans.count(2) == 5


def test_formats_carry_the_same_numbers():
    loss = worked_example()
    text, md, page = (explain(loss, format=f) for f in ("text", "markdown", "html"))
    for number in ("-0.0298", "-0.298", "-0.02089", "0.9702", "-0.02754"):
        assert number in text and number in md and number in page


# ---- Tensor graphs: contributions are vector-Jacobian products ------------------------------
def tensor_graph(dtype="float64"):
    import numpy as np

    from tinygrad_edu.tensor import Tensor

    rng = np.random.default_rng(0)
    x = Tensor(rng.normal(size=(4, 3)), dtype=dtype, label="x")
    W = Tensor(rng.normal(size=(3, 2)), dtype=dtype, requires_grad=True, label="W")
    b = Tensor(rng.normal(size=(2,)), dtype=dtype, requires_grad=True, label="b")
    z = x @ W
    z.label = "z"
    a = z + b
    a.label = "a"
    loss = a.tanh().mean()
    loss.label = "loss"
    return x, W, b, loss


@pytest.mark.parametrize("dtype", ["float32", "float64"])
def test_tensor_grads_equal_the_real_backward(dtype):
    import numpy as np

    *_, real = tensor_graph(dtype)
    real.backward()
    *_, shown = tensor_graph(dtype)
    steps = backward_steps(shown)
    for r, s in zip(topological_order(real), topological_order(shown)):
        assert (r.grad is None) == (s.grad is None)
        if r.grad is not None:
            assert r.grad.dtype == s.grad.dtype and np.array_equal(r.grad, s.grad)
    assert [s.shape for s in steps][:2] == [(), (4, 2)]


def test_tensor_contributions_are_vjps_and_undo_broadcasting():
    import numpy as np

    x, W, b, loss = tensor_graph()
    s = by_name(backward_steps(loss))
    add = {p.name: p for p in s["a"].parents}
    # b was broadcast over the 4 rows: its share is the upstream grad summed over them
    np.testing.assert_allclose(add["b"].contribution, s["a"].grad.sum(axis=0), rtol=1e-12)
    np.testing.assert_array_equal(add["z"].contribution, s["a"].grad)
    mm = {p.name: p for p in s["z"].parents}
    np.testing.assert_allclose(mm["W"].contribution, x.data.T @ s["z"].grad, rtol=1e-12)
    assert mm["x"].contribution is None and s["x"].grad is None  # x does not require grad
    assert all(p.local is None for st in s.values() for p in st.parents)  # Jacobians: not shown


def test_tensor_table_shows_shapes_not_jacobians():
    *_, loss = tensor_graph()
    text = explain(loss)
    assert "vector-Jacobian product" in text
    head, rule, rows = table_lines(text)
    assert head.split() == ["step", "node", "op", "shape", "value", "grad", "parent",
                            "contribution", "parent", "grad"]
    z = next(r for r in rows if r.split()[1:3] == ["z", "matmul"])
    assert "(4, 2)" in z and "min " in z  # 8 numbers: summarised
    assert "[" in next(r for r in rows if r.split()[1:2] == ["b"])  # 2 numbers: shown


def test_tensor_root_must_be_a_scalar():
    from tinygrad_edu.tensor import Tensor

    out = Tensor([[1.0, 2.0]], requires_grad=True) * 2.0
    with pytest.raises(ValueError, match=r"scalar.*\(1, 2\).*sum\(\)"):
        explain(out)


def test_tensor_input_changed_in_place_is_refused_as_backward_refuses_it():
    from tinygrad_edu.tensor import Tensor

    a = Tensor([1.0, 2.0], requires_grad=True, label="a")
    x = Tensor([3.0, 4.0], label="x")
    loss = (a * x).sum()
    x += 10.0  # mul's backward needs the old x: its grad for a would be [13, 14]
    with pytest.raises(RuntimeError, match="changed in place"):
        loss.backward()
    with pytest.raises(RuntimeError, match="changed in place"):
        explain(loss)


def test_tensor_anomaly_mode_names_the_op_as_backward_does():
    from tinygrad_edu import detect_anomaly
    from tinygrad_edu.autograd import AnomalyError
    from tinygrad_edu.tensor import Tensor

    x = Tensor([0.0, 1.0], requires_grad=True)
    with detect_anomaly():
        loss = (x ** 0.5).sum()  # d sqrt(x)/dx at 0 is inf
        with pytest.raises(AnomalyError, match="pow: backward produced nan or inf"):
            explain(loss)


def test_tensor_root_that_needs_no_grad_is_refused_and_left_alone():
    from tinygrad_edu.tensor import Tensor

    x = Tensor([1.0, 2.0])
    total = x.sum()
    with pytest.raises(RuntimeError, match="explain: this tensor does not require grad"):
        explain(total)
    assert total.grad is None and x.grad is None
