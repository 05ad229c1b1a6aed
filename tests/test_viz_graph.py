"""draw_graph and render: the DOT source's structure, escaping, colours, big graphs, files."""

from __future__ import annotations

import html
import re
import shutil
import subprocess

import pytest

from tinygrad_edu import Value
from tinygrad_edu.viz import GraphvizNotFoundError, draw_graph, render

HAVE_DOT = shutil.which("dot") is not None
needs_dot = pytest.mark.skipif(not HAVE_DOT, reason="Graphviz's dot program is not installed")

NODE = re.compile(r"^\t(\w+) \[(.*)\]$")
EDGE = re.compile(r"^\t(\w+) -> (\w+)")


def parse(g):
    """(records {id: label}, op nodes {id: label}, edges [(a, b)]) from the DOT source."""
    records, ops, edges = {}, {}, []
    for line in g.source.splitlines():
        if m := EDGE.match(line):
            edges.append(m.groups())
        elif m := NODE.match(line):
            label = re.search(r'label=(?:"((?:[^"\\]|\\.)*)"|(\S+))', m.group(2))
            text = (label.group(1) or label.group(2)) if label else m.group(2)
            if "shape=record" in m.group(2):
                records[m.group(1)] = text
            elif "shape=ellipse" in m.group(2):
                ops[m.group(1)] = text
    return records, ops, edges


def fill(g, node_id):
    line = next(s for s in g.source.splitlines() if s.startswith(f"\t{node_id} ["))
    return re.search(r"fillcolor=(\w+)", line).group(1)


def record_of(records, name):
    hits = [k for k, v in records.items() if v.startswith("{ " + name + " |")]
    assert len(hits) == 1, (name, records)
    return hits[0]


def test_counts_for_a_known_expression():
    a, b, c = Value(2.0, label="a"), Value(-3.0, label="b"), Value(10.0, label="c")
    out = a * b + c
    records, ops, edges = parse(draw_graph(out, legend=False))
    assert len(records) == 5  # a, b, c, a*b, out
    assert sorted(ops.values()) == ["*", "+"]
    # a->*, b->*, *->ab, ab->+, c->+, +->out
    assert len(edges) == 6
    g = draw_graph(out)
    assert "legend" in g.source and len(parse(g)[0]) == 5


def test_a_constant_operand_makes_no_node():
    a = Value(2.0, label="a")
    records, ops, edges = parse(draw_graph(a * 3 + 1, legend=False))
    assert len(records) == 3 and len(ops) == 2 and len(edges) == 4


def test_labels_carry_data_and_grad():
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = a * b
    out.backward()
    records, _, _ = parse(draw_graph(out))
    assert records[record_of(records, "a")] == "{ a | data 2 | grad -3 }"
    assert records[record_of(records, "b")] == "{ b | data -3 | grad 2 }"
    assert records[record_of(records, "n2")] == "{ n2 | data -6 | grad 1 }"
    bare, _, _ = parse(draw_graph(out, show_data=False, show_grad=False))
    assert sorted(bare.values()) == ["{ a }", "{ b }", "{ n2 }"]


def test_small_numbers_are_not_rounded_to_zero():
    a = Value(1e-7, label="a")
    records, _, _ = parse(draw_graph(a * 3.0))
    assert "data 1e-07" in records[record_of(records, "a")]


def test_a_reused_node_is_drawn_once_with_an_arrow_per_use():
    a = Value(3.0, label="a")
    out = a * a + a
    records, ops, edges = parse(draw_graph(out, legend=False))
    a_id = record_of(records, "a")
    assert len(records) == 3  # a, a*a, out
    # two arrows into '*' (it has two operands, both a) and one into '+'
    targets = sorted(ops[t] for s, t in edges if s == a_id)
    assert targets == ["*", "*", "+"]


def test_same_graph_same_source():
    def build():
        x, w = Value(0.5, label="x"), Value(-1.5, label="w")
        h = (x * w).tanh()
        return (h * h + x).sigmoid()

    g1, g2 = draw_graph(build()), draw_graph(build())
    assert g1.source == g2.source  # different objects, different id()s, same DOT
    assert re.search(r"\d{7,}", g1.source) is None  # no id() leaks into the node names


@pytest.mark.parametrize("label", ["a<b", "{x}", "p|q", 'say "hi"', "back\\slash\\", "<html>"])
def test_labels_are_escaped_for_dot(label):
    a = Value(1.0, label=label)
    out = a * 2.0
    out._op = "<op|{x}>"  # an op name with the same troublemakers
    g = draw_graph(out)
    if HAVE_DOT:
        done = subprocess.run(["dot", "-Tsvg"], input=g.source, capture_output=True, text=True)
        assert done.returncode == 0, done.stderr
        assert "Warning" not in done.stderr and "Error" not in done.stderr, done.stderr
        texts = [html.unescape(t) for t in re.findall(r"<text[^>]*>([^<]*)</text>", done.stdout)]
        assert label.strip() in texts
        assert "<op|{x}>" in texts
    else:
        records, _, _ = parse(g)
        assert any("data 1" in v for v in records.values())


# label -> the text the picture must show: entities are text, not markup; control
# characters (NUL ends dot's input, \x01 makes invalid XML) show as Python escapes
SHOWN_AS = [("&amp;", "&amp;"), ("&lt;b&gt;", "&lt;b&gt;"), ("&#60;", "&#60;"),
            ("a & b", "a & b"), ("nul\x00here", "nul\\x00here"), ("bell\x07", "bell\\x07"),
            ("esc\x1b[0m", "esc\\x1b[0m"), ("two\nlines", "two lines"),
            ("lone\ud800", "lone\\ud800")]


@pytest.mark.parametrize("label,shown", SHOWN_AS)
def test_entities_and_control_characters_show_as_typed(label, shown):
    a = Value(1.0, label=label)
    out = a * 2.0
    out._op = label
    g = draw_graph(out, params={label + "!": a})
    assert all(c.isprintable() or c in "\n\t" for c in g.source)
    g.source.encode("utf-8")  # a lone surrogate cannot be written to the .dot file
    if HAVE_DOT:
        import xml.etree.ElementTree as ET

        done = subprocess.run(["dot", "-Tsvg"], input=g.source.encode("utf-8"),
                              capture_output=True)
        assert done.returncode == 0 and not done.stderr, done.stderr
        svg = ET.fromstring(done.stdout)  # well-formed XML, or this raises
        texts = [t.text for t in svg.iter() if t.tag.endswith("}text")]
        assert shown in texts and shown + "!" in texts


def test_colours_follow_the_legend_and_params_name_leaves():
    w, b, x = Value(0.5), Value(0.1), Value(2.0, label="x")
    loss = (w * x + b).tanh()
    g = draw_graph(loss, params=[("layer.weight", w), ("layer.bias", b)])
    records, _, _ = parse(g)
    assert fill(g, record_of(records, "layer.weight")) == "lightblue"
    assert fill(g, record_of(records, "layer.bias")) == "lightblue"
    assert fill(g, record_of(records, "x")) == "lightgoldenrod1"
    out_id = max(records, key=lambda k: int(k[1:]))
    assert fill(g, out_id) == "darkolivegreen1"
    assert {fill(g, k) for k in records if k not in
            (record_of(records, "layer.weight"), record_of(records, "layer.bias"),
             record_of(records, "x"), out_id)} == {"white"}
    # a dict name -> node works the same; without params every Value leaf is an input
    g2 = draw_graph(loss, params={"layer.weight": w, "layer.bias": b})
    assert g2.source == g.source
    g3 = draw_graph(loss)
    assert {fill(g3, k) for k, v in parse(g3)[0].items() if not v.startswith("{ n")} == {
        "lightgoldenrod1"}


def test_params_must_be_nodes():
    with pytest.raises(TypeError, match="params"):
        draw_graph(Value(1.0) * 2, params=[("w", 3.0)])
    from tinygrad_edu import nn

    neuron = nn.scalar.Neuron(1, seed=0)
    out = neuron([Value(1.0)])
    with pytest.raises(TypeError, match=r"params: got the Neuron module itself.*named_parameters"):
        draw_graph(out, params=neuron)


def test_bad_arguments_are_named():
    with pytest.raises(TypeError, match="draw_graph: expected a Value or a Tensor"):
        draw_graph([Value(1.0)])
    with pytest.raises(ValueError, match="rankdir"):
        draw_graph(Value(1.0), rankdir="left")
    for bad in (0, -1, True, 1.5, "10"):
        with pytest.raises(ValueError, match="max_nodes"):
            draw_graph(Value(1.0), max_nodes=bad)


def test_graph_over_the_cap_is_collapsed_near_the_output():
    a, b, c, d = (Value(float(i), label=n) for i, n in enumerate("abcd", 1))
    e = a * b
    f = e + c
    out = f * d  # nodes: a b e c f d out
    g = draw_graph(out, max_nodes=3, legend=False)
    records, ops, edges = parse(g)
    # the three nodes nearest the output: out, then its parents f and d
    assert sorted(v.split(" |")[0] for v in records.values()) == ["{ d", "{ n4", "{ n6"]
    assert "collapsed" in g.source
    # f's '+' has two parents not drawn (e and c): one dashed arrow labelled 2
    assert re.search(r'collapsed -> n4_op \[label=2 style=dashed\]', g.source)
    assert "4 more nodes not drawn: the graph has 7 nodes and 9 arrows;" in g.source
    assert "max_nodes=3 draws at most 3 nodes and 9 arrows." in g.source
    assert "max_nodes=7 (or None)" in g.source
    assert draw_graph(out, max_nodes=None).source == draw_graph(out, max_nodes=7).source


def test_a_100000_node_chain_gives_a_summary_not_a_hang():
    x = Value(0.0, label="x")
    for _ in range(100_000):
        x = x + 1.0
    g = draw_graph(x)  # default max_nodes=500
    records, ops, edges = parse(g)
    assert len(records) == 500 and len(ops) == 500
    assert "99,501 more nodes not drawn: the graph has 100,001 nodes and 200,000 arrows;" \
        in g.source
    assert "99,500 x +" in g.source and "1 x leaf" in g.source
    assert "max_nodes=100001" in g.source


def test_a_dense_graph_is_collapsed_by_its_arrows():
    # 61 nodes but 961 arrows: every sum reads all 30 leaves, as a dense layer does
    leaves = [Value(float(i), label=f"x{i}") for i in range(30)]
    out = Value.sum(Value.sum(leaves[k:] + leaves[:k]) for k in range(30))
    g = draw_graph(out, max_nodes=100, legend=False)
    records, _, edges = parse(g)
    assert len(edges) <= 300 < 961
    assert len(records) == 1 + 30 + 6  # the output, the 30 sums, and as many leaves as fit
    assert "the graph has 61 nodes and 961 arrows;" in g.source
    assert "max_nodes=321 (or None)" in g.source
    assert "collapsed" not in draw_graph(out, max_nodes=321).source


def test_a_100000_input_sum_gives_a_summary():
    s = Value.sum(Value(float(i)) for i in range(100_000))
    g = draw_graph(s, max_nodes=50)
    records, _, edges = parse(g)
    assert len(records) == 50
    assert "collapsed -> n100000_op [label=\"99,951\" style=dashed]" in g.source


@needs_dot
@pytest.mark.parametrize("suffix,magic", [(".svg", b"<svg"), (".png", b"\x89PNG"),
                                          (".pdf", b"%PDF")])
def test_render_writes_the_picture_and_the_source(tmp_path, suffix, magic):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    g = draw_graph(a * b + a)
    target = render(g, tmp_path / f"graph{suffix}")
    assert target == tmp_path / f"graph{suffix}"
    assert magic in target.read_bytes()[:400]
    assert (tmp_path / "graph.dot").read_text() == g.source


@needs_dot
def test_svg_shows_the_numbers_and_displays_in_jupyter(tmp_path):
    a, b = Value(2.0, label="a"), Value(-3.0, label="b")
    out = a * b
    out.backward()
    svg = render(draw_graph(out), tmp_path / "g.svg").read_text()
    assert "grad &#45;3" in svg and "data 2" in svg
    bundle = draw_graph(out)._repr_mimebundle_()
    assert "<svg" in bundle["image/svg+xml"]


def test_missing_dot_fails_early_and_keeps_the_source(tmp_path, monkeypatch):
    monkeypatch.setenv("PATH", str(tmp_path / "empty"))  # no dot anywhere on PATH
    g = draw_graph(Value(1.0, label="a") * 2)
    with pytest.raises(GraphvizNotFoundError) as err:
        render(g, tmp_path / "graph.svg")
    msg = str(err.value)
    for hint in ("apt-get install graphviz", "brew install graphviz", "conda install",
                 "graph.dot", "dot -Tsvg"):
        assert hint in msg
    assert (tmp_path / "graph.dot").read_text() == g.source
    assert not (tmp_path / "graph.svg").exists()


def test_render_makes_missing_folders(tmp_path):
    g = draw_graph(Value(1.0) + 1)
    assert render(g, tmp_path / "new" / "dir" / "g.dot").read_text() == g.source
    if HAVE_DOT:
        assert render(g, tmp_path / "other" / "g.svg").read_bytes().startswith(b"<?xml")
        assert (tmp_path / "other" / "g.dot").exists()


def test_render_source_only_and_bad_suffix(tmp_path):
    g = draw_graph(Value(1.0) + 1)
    assert render(g, tmp_path / "g.dot").read_text() == g.source
    with pytest.raises(ValueError, match=r"\.svg, \.png or \.pdf"):
        render(g, tmp_path / "g.jpeg")
    assert not (tmp_path / "g.jpeg").exists()


# ---- Tensor graphs: the same protocol, arrays instead of floats ----------------------------
def tensor_graph():
    np = pytest.importorskip("numpy")
    from tinygrad_edu.tensor import Tensor

    x = Tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], label="x")
    W = Tensor(np.arange(12, dtype=np.float32).reshape(3, 4) / 10, requires_grad=True, label="W")
    b = Tensor([0.5, -0.5, 1.0, -1.0], requires_grad=True, label="b")
    loss = (x @ W + b).tanh().sum()
    loss.label = "loss"
    return x, W, b, loss


def test_tensor_nodes_show_shape_dtype_values_and_grad_norm():
    import numpy as np

    x, W, b, loss = tensor_graph()
    loss.backward()
    g = draw_graph(loss)
    records, ops, edges = parse(g)
    fields = {v.split(" | ")[0][2:]: v[2:-2].split(" | ") for v in records.values()}
    assert fields["x"] == ["x", "(2, 3) float32", "[[1, 2, 3], [4, 5, 6]]", "grad None"]
    assert fields["W"][1:3] == ["(3, 4) float32", "min 0, mean 0.55, max 1.1"]  # 12 > 6 values
    assert fields["W"][3] == f"grad norm {float(np.linalg.norm(W.grad)):.4g}"
    assert fields["b"][2] == "[0.5, -0.5, 1, -1]"
    assert fields["loss"][1:] == ["() float32", f"{loss.item():.4g}", "grad norm 1"]
    assert sorted(ops.values()) == ["add", "matmul", "sum", "tanh"]
    assert len(records) == 7 and len(edges) == 4 + 2 + 2 + 1 + 1
    # a leaf that requires grad is a parameter (as in torchviz), one that does not an input
    assert fill(g, record_of(records, "W")) == "lightblue"
    assert fill(g, record_of(records, "x")) == "lightgoldenrod1"
    assert fill(g, record_of(records, "loss")) == "darkolivegreen1"


def test_tensor_parameters_named_from_a_dict():
    x, W, b, loss = tensor_graph()
    g = draw_graph(loss, params={"fc.weight": W, "fc.bias": b}, show_data=False)
    records, _, _ = parse(g)
    assert records[record_of(records, "fc.weight")] == "{ fc.weight | (3, 4) float32 | grad None }"
    assert fill(g, record_of(records, "fc.bias")) == "lightblue"


@needs_dot
def test_tensor_graph_renders(tmp_path):
    *_, loss = tensor_graph()
    loss.backward()
    svg = render(draw_graph(loss), tmp_path / "t.svg").read_text()
    assert "matmul" in svg and "(3, 4) float32" in svg


def test_missing_graphviz_package_is_named(monkeypatch):
    import sys

    monkeypatch.setitem(sys.modules, "graphviz", None)  # as if not installed
    with pytest.raises(ImportError, match="pip install graphviz"):
        draw_graph(Value(1.0) * 2)


def test_a_nan_among_many_values_does_not_hide_the_rest():
    import numpy as np

    from tinygrad_edu.tensor import Tensor

    x = Tensor(np.r_[np.arange(9.0), np.nan], requires_grad=True, label="x")
    y = Tensor(np.full(8, np.nan), requires_grad=True, label="y")
    loss = x.sum() + y.sum()
    loss.backward()
    records, _, _ = parse(draw_graph(loss))
    assert records[record_of(records, "x")] == (
        "{ x | (10,) float64 | min 0, mean nan, max 8, 1 nan | grad norm 3.162 }")
    assert records[record_of(records, "y")] == "{ y | (8,) float64 | all 8 nan | grad norm 2.828 }"
