"""The playground server's HTTP API: sessions, training, frames, the XOR trace, and every way
a client can get a request wrong (the server answers 4xx and keeps running)."""

from __future__ import annotations

import http.client
import json
import math
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path

import numpy as np
import pytest

from tinygrad_edu import is_grad_enabled
from tinygrad_edu.nn.linear import Linear
from tinygrad_edu.playground import main, make_server
from tinygrad_edu.playground.session import NAN_MESSAGE, Session, SessionStore
from tinygrad_edu.playground.trainer import Trainer
from tinygrad_edu.playground.validate import LIMITS, Config

ROOT = Path(__file__).resolve().parents[1]


def _start(store=None):
    srv = make_server("127.0.0.1", 0, store=store)
    threading.Thread(target=srv.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    return srv


@pytest.fixture(scope="module")
def server():
    srv = _start()
    yield srv
    srv.shutdown()
    srv.server_close()


class Client:
    def __init__(self, srv):
        self.port = srv.server_address[1]

    def raw(self, method, path, body=None, headers=None):
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            res = conn.getresponse()
            data = res.read()
            return res.status, res.getheader("Content-Type", ""), data
        finally:
            conn.close()

    def call(self, method, path, obj=None):
        body = None if obj is None else json.dumps(obj)
        status, ctype, data = self.raw(method, path, body,
                                       {"Content-Type": "application/json"} if body else None)
        assert ctype == "application/json", (status, data[:200])
        return status, json.loads(data)

    def ok(self, method, path, obj=None, status=200):
        got, out = self.call(method, path, obj)
        assert got == status, out
        return out


@pytest.fixture
def client(server):
    return Client(server)


def _alive(client):
    assert client.ok("GET", "/api/health")["ok"] is True


# ---------------------------------------------------------------------------- static files


def test_page_and_static_files(client):
    status, ctype, html = client.raw("GET", "/")
    assert status == 200 and ctype.startswith("text/html")
    for testid in ["dataset-xor", "dataset-circles", "dataset-gaussian", "dataset-spiral",
                   "dataset-moons", "play", "pause", "step", "reset", "lr", "epoch",
                   "train-loss", "test-loss", "train-accuracy", "boundary"]:
        assert f'data-testid="{testid}"' in html.decode(), testid
    assert b"http://" not in html and b"https://" not in html      # no CDN: works offline
    for name, kind in [("app.js", "text/javascript"), ("style.css", "text/css")]:
        status, ctype, body = client.raw("GET", f"/static/{name}")
        assert status == 200 and ctype.startswith(kind) and len(body) > 1000
        assert b"https://" not in body
    for bad in ["/static/../server.py", "/static/server.py", "/static/nope.js",
                "/static/%2e%2e/validate.py", "/static/"]:
        status, _, _ = client.raw("GET", bad)
        assert status == 404, bad
    status, _, body = client.raw("HEAD", "/")
    assert status == 200 and body == b""


def test_defaults_describe_the_limits(client):
    d = client.ok("GET", "/api/defaults")
    assert d["config"]["dataset"] == "spiral"
    assert d["limits"]["max_layers"] == LIMITS["max_layers"]
    assert set(d["choices"]["dataset"]) == {"xor", "circles", "gaussian", "spiral", "moons", "csv"}
    assert set(d["choices"]["optimizer"]) == {"sgd", "momentum", "adam"}


# ---------------------------------------------------------------------------- sessions


def test_session_create_step_frame_reset(client):
    r = client.ok("POST", "/api/session", {"dataset": "moons", "points": 200, "test_size": 0.25,
                                           "hidden": [5, 3], "seed": 4}, status=201)
    sid, st = r["state"]["session"], r["state"]
    assert st["epoch"] == 0 and st["config"]["hidden"] == [5, 3]
    m = st["metrics"]
    assert 0.3 < m["train_loss"] < 1.5 and 0 <= m["train_accuracy"] <= 1
    pts = r["points"]
    assert len(pts["train"]["x"]) == 150 and len(pts["test"]["x"]) == 50
    assert set(pts["train"]["y"]) == {0, 1}
    f = r["frame"]
    assert len(f["boundary"]["p"]) == f["boundary"]["res"] ** 2
    assert all(0 <= p <= 1 for p in f["boundary"]["p"])
    layers = f["neurons"]["layers"]
    assert [len(layer) for layer in layers] == [5, 3, 1]             # hidden neurons, output
    assert all(len(n) == f["neurons"]["res"] ** 2 for layer in layers for n in layer)
    assert [(len(w["w"]), len(w["w"][0]), len(w["b"])) for w in f["weights"]] == \
        [(5, 2, 5), (3, 5, 3), (1, 3, 1)]                           # PyTorch's (out, in)

    s = client.ok("POST", f"/api/session/{sid}/step", {"epochs": 3})
    assert s["state"]["epoch"] == 3
    assert [h["epoch"] for h in s["history"]] == [1, 2, 3]
    assert s["frame"]["weights"] != f["weights"]                    # it trained
    s = client.ok("POST", f"/api/session/{sid}/step", {"epochs": 2, "frame": False})
    assert s["state"]["epoch"] == 5 and "frame" not in s

    g = client.ok("GET", f"/api/session/{sid}")
    assert g["state"]["epoch"] == 5 and g["points"] == pts

    z = client.ok("POST", f"/api/session/{sid}/reset")
    assert z["state"]["epoch"] == 0
    assert z["frame"]["weights"] == f["weights"]                    # same seed, same start
    assert z["state"]["metrics"] == m

    assert client.ok("POST", f"/api/session/{sid}/close")["closed"] is True
    status, out = client.call("POST", f"/api/session/{sid}/step", {"epochs": 1})
    assert status == 404 and "expired" in out["error"]


def test_training_learns_moons(client):
    r = client.ok("POST", "/api/session", {"dataset": "moons", "noise": 0.1, "hidden": [8, 8],
                                           "activation": "tanh", "optimizer": "adam",
                                           "lr": 0.03, "batch_size": 16}, status=201)
    sid = r["state"]["session"]
    start = r["state"]["metrics"]["train_loss"]
    for _ in range(40):
        st = client.ok("POST", f"/api/session/{sid}/step", {"epochs": 10, "frame": False})
        if st["state"]["epoch"] >= 60:
            break
    m = st["state"]["metrics"]
    assert m["train_loss"] < start / 3
    assert m["train_accuracy"] > 0.95 and m["test_accuracy"] > 0.9


def test_no_hidden_layer_is_logistic_regression(client):
    r = client.ok("POST", "/api/session", {"dataset": "gaussian", "hidden": []}, status=201)
    assert [len(layer) for layer in r["frame"]["neurons"]["layers"]] == [1]
    assert [len(w["w"][0]) for w in r["frame"]["weights"]] == [2]
    sid = r["state"]["session"]
    m = client.ok("POST", f"/api/session/{sid}/step", {"epochs": 10})["state"]["metrics"]
    assert m["train_accuracy"] > 0.95                       # two blobs: a line separates them


def test_learning_rate_changes_live_other_settings_rebuild(client):
    sid = client.ok("POST", "/api/session", {"dataset": "circles", "hidden": [4]},
                    status=201)["state"]["session"]
    client.ok("POST", f"/api/session/{sid}/step", {"epochs": 4, "frame": False})
    r = client.ok("POST", f"/api/session/{sid}/config", {"lr": 0.005, "l2": 0.001,
                                                         "batch_size": 8})
    assert r["rebuilt"] == "live" and r["state"]["epoch"] == 4      # no reset
    assert r["state"]["config"]["lr"] == 0.005 and "points" not in r
    r = client.ok("POST", f"/api/session/{sid}/config", {"hidden": [4, 2]})
    assert r["rebuilt"] == "model" and r["state"]["epoch"] == 0
    assert r["state"]["config"]["lr"] == 0.005                       # settings are kept
    r = client.ok("POST", f"/api/session/{sid}/config", {"dataset": "xor", "noise": 0.1})
    assert r["rebuilt"] == "data" and len(r["points"]["train"]["x"]) == 320


def test_learning_rate_change_affects_the_next_steps(client):
    # Same seed, same data: two runs agree until one of them gets a new learning rate.
    cfg = {"dataset": "gaussian", "hidden": [3], "optimizer": "sgd", "lr": 0.1, "seed": 7}
    a = client.ok("POST", "/api/session", cfg, status=201)["state"]["session"]
    b = client.ok("POST", "/api/session", cfg, status=201)["state"]["session"]
    wa = client.ok("POST", f"/api/session/{a}/step", {"epochs": 2})["frame"]["weights"]
    wb = client.ok("POST", f"/api/session/{b}/step", {"epochs": 2})["frame"]["weights"]
    assert wa == wb
    client.ok("POST", f"/api/session/{b}/config", {"lr": 1e-9})
    wa2 = client.ok("POST", f"/api/session/{a}/step", {"epochs": 1})["frame"]["weights"]
    wb2 = client.ok("POST", f"/api/session/{b}/step", {"epochs": 1})["frame"]["weights"]
    assert wa2 != wa and wb2 == wb                                  # lr 1e-9: (almost) frozen


def test_nan_is_reported_and_training_stops(client):
    # Coordinates of a million through ReLUs and SGD at lr 1: float32 overflows, loss is NaN.
    csv = "x1,x2,label\n" + "".join(f"{(-1) ** i * 1e6},{i * 2.5e4},{i % 2}\n"
                                    for i in range(40))
    sid = client.ok("POST", "/api/session", {"dataset": "csv", "csv": csv, "activation": "relu",
                                             "optimizer": "sgd", "lr": 1.0},
                    status=201)["state"]["session"]
    r = client.ok("POST", f"/api/session/{sid}/step", {"epochs": 20})
    assert r["state"]["diverged"] == NAN_MESSAGE
    assert "loss is NaN: lower the learning rate" in NAN_MESSAGE
    assert r["state"]["metrics"]["train_loss"] is None               # JSON has no NaN
    assert len(r["history"]) < 20                                    # it stopped at once
    json.dumps(r["frame"], allow_nan=False)                          # frames stay valid JSON
    again = client.ok("POST", f"/api/session/{sid}/step", {"epochs": 5})
    assert again["history"] == [] and again["state"]["diverged"]
    z = client.ok("POST", f"/api/session/{sid}/reset")
    assert z["state"]["diverged"] is None and z["state"]["metrics"]["train_loss"] is not None


def test_csv_upload_round_trip(client):
    csv = "x1,x2,label\n" + "".join(f"{i / 10},{-i / 10},{i % 2}\n" for i in range(30))
    r = client.ok("POST", "/api/session", {"dataset": "csv", "csv": csv, "test_size": 0.2},
                  status=201)
    assert len(r["points"]["train"]["x"]) == 24 and len(r["points"]["test"]["x"]) == 6
    xs = sorted(x for x, _ in r["points"]["train"]["x"] + r["points"]["test"]["x"])
    assert xs == sorted(i / 10 for i in range(30))


def test_a_step_stops_at_its_time_budget(client, monkeypatch):
    # With no time to spare, a request still trains one epoch, and no more.
    monkeypatch.setitem(LIMITS, "max_seconds_per_request", 0.0)
    sid = client.ok("POST", "/api/session", {"points": 40}, status=201)["state"]["session"]
    r = client.ok("POST", f"/api/session/{sid}/step", {"epochs": 50, "frame": False})
    assert len(r["history"]) == 1 and r["state"]["epoch"] == 1


def test_frames_are_computed_under_no_grad(monkeypatch):
    seen = []
    forward = Linear.forward

    def spy(self, x):
        seen.append(is_grad_enabled())
        return forward(self, x)

    monkeypatch.setattr(Linear, "forward", spy)
    session = Session("t", Config(points=40, hidden=[3]))
    seen.clear()
    session.frame()
    assert seen and not any(seen)                   # frames record no graph
    seen.clear()
    session.step(1, 10.0)
    assert any(seen)                                # training does


@pytest.mark.parametrize("loss,activation", [("bce", "tanh"), ("mse", "relu")])
def test_neuron_maps_are_each_layers_output(loss, activation):
    trainer = Trainer(Config(hidden=[3, 2], activation=activation, loss=loss, seed=3))
    X = np.random.default_rng(0).normal(size=(7, 2))
    h1, h2, p = trainer.layer_outputs(X)
    (W1, b1), (W2, b2), (W3, b3) = trainer.weights()
    act = np.tanh if activation == "tanh" else (lambda z: np.maximum(z, 0))
    r1 = act(X @ W1.T + b1)
    r2 = act(r1 @ W2.T + b2)
    np.testing.assert_allclose(h1, r1, atol=1e-5)
    np.testing.assert_allclose(h2, r2, atol=1e-5)
    np.testing.assert_allclose(p, 1 / (1 + np.exp(-(r2 @ W3.T + b3))), atol=1e-5)


# ---------------------------------------------------------------------------- bad input


@pytest.mark.parametrize("body,fragment", [
    ({"dataset": "mnist"}, "dataset must be one of"),
    ({"lr": 0}, "lr must be > 0"),
    ({"lr": -1}, "lr must be > 0"),
    ({"lr": 11}, "lr must be > 0.0 and <= 10"),
    ({"lr": "fast"}, "lr must be a number"),
    ({"lr": None}, "lr must be a number"),
    ({"noise": 2}, "noise must be"),
    ({"points": 5}, "points must be from 10 to 2000"),
    ({"points": 10**9}, "points must be from 10 to 2000"),
    ({"points": 100.5}, "points must be a whole number"),
    ({"points": True}, "points must be a whole number"),
    ({"test_size": 0.95}, "test_size must be"),
    ({"seed": -1}, "seed must be from 0"),
    ({"batch_size": 0}, "batch_size must be from 1"),
    ({"l2": -0.1}, "l2 must be"),
    ({"hidden": [8] * 7}, "at most 6 layer sizes"),
    ({"hidden": [33]}, "hidden layer 1 must have 1 to 32 neurons"),
    ({"hidden": [4, 0]}, "hidden layer 2 must have 1 to 32 neurons"),
    ({"hidden": "8,8"}, "hidden must be a list"),
    ({"hidden": [4.5]}, "hidden layer 1"),
    ({"activation": "gelu"}, "activation must be one of relu, tanh, sigmoid"),
    ({"loss": "hinge"}, "loss must be one of bce, mse"),
    ({"optimizer": "lbfgs"}, "optimizer must be one of"),
    ({"learning_rate": 0.1}, "unknown setting(s): learning_rate"),
    ({"dataset": "csv"}, "dataset csv needs the file"),
    ({"dataset": "csv", "csv": "1,2\n"}, "line 1: expected 3 columns"),
    ({"dataset": "csv", "csv": "a,b,c\n1,2,x\n"}, "line 2: 'x' is not a number"),
    ({"dataset": "csv", "csv": "1,2,0\n3,4,1\n"}, "at least 4 are needed"),
    ({"dataset": "csv", "csv": "".join(f"{i},1,{i % 3}\n" for i in range(9))},
     "two classes, labelled 0 and 1; the data has labels 0, 1, 2"),
    ({"dataset": "csv", "csv": "".join(f"{i},1,1\n" for i in range(9))},
     "every row has label 1; a classifier needs rows of both classes"),
    ({"dataset": "csv", "csv": "".join(f"{i},1,{i % 2}\n" for i in range(2001))},
     "more than 2000 data rows"),
    ({"dataset": "csv", "csv": 12}, "csv must be the text"),
    ({"dataset": "csv", "csv": "".join(f"{i}e7,1,{i % 2}\n" for i in range(9))},
     "keep them within 1e+06"),
    ([1, 2, 3], "expected a JSON object"),
    ("spiral", "expected a JSON object"),
    ({"points": 1e308}, "points must be from 10 to 2000, got 1e+308"),
])
def test_bad_settings_get_a_clear_400(client, body, fragment):
    status, out = client.call("POST", "/api/session", body)
    assert status == 400, out
    assert fragment in out["error"], out["error"]
    assert out["status"] == 400
    _alive(client)


def test_bad_settings_on_a_live_session_leave_it_unchanged(client):
    sid = client.ok("POST", "/api/session", {"dataset": "xor"}, status=201)["state"]["session"]
    client.ok("POST", f"/api/session/{sid}/step", {"epochs": 2, "frame": False})
    status, out = client.call("POST", f"/api/session/{sid}/config", {"lr": -5})
    assert status == 400 and "lr" in out["error"]
    status, out = client.call("POST", f"/api/session/{sid}/config",
                              {"dataset": "csv", "csv": "1,2,7\n" * 5})
    assert status == 400
    st = client.ok("GET", f"/api/session/{sid}")["state"]
    assert st["epoch"] == 2 and st["config"]["dataset"] == "xor"


@pytest.mark.parametrize("body,fragment", [
    ({"epochs": 0}, "epochs must be from 1"),
    ({"epochs": 10**6}, "epochs must be from 1 to 200"),
    ({"epochs": "many"}, "epochs must be a whole number"),
    ({"epochs": 1, "frame": "yes"}, "frame must be true or false"),
    ({"epochs": 1, "turbo": True}, "unknown field(s) ['turbo']"),
    ([5], "expected a JSON object"),
])
def test_bad_step_requests(client, body, fragment):
    sid = client.ok("POST", "/api/session", {}, status=201)["state"]["session"]
    status, out = client.call("POST", f"/api/session/{sid}/step", body)
    assert status == 400 and fragment in out["error"], out


@pytest.mark.parametrize("raw,fragment", [
    (b"{", "not valid JSON"),
    (b"{'dataset': 'xor'}", "not valid JSON"),
    (b"\xff\xfe{}", "not UTF-8"),
    (b"[" * 100000 + b"]" * 100000, "nested too deeply"),
    (b'{"lr": NaN}', "lr must be a number"),
    (b'{"lr": Infinity}', "lr must be a number"),
])
def test_malformed_bodies(client, raw, fragment):
    status, ctype, data = client.raw("POST", "/api/session", raw,
                                     {"Content-Type": "application/json"})
    assert status == 400 and ctype == "application/json"
    assert fragment in json.loads(data)["error"]
    _alive(client)


def _send_raw(port, data):
    """Send bytes, then read the reply; the server may hang up before it has read them all."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        try:
            conn.sendall(data)
        except (BrokenPipeError, ConnectionResetError):
            pass
        reply = b""
        while b"\r\n\r\n" not in reply or not reply.rstrip().endswith(b"}"):
            chunk = conn.recv(4096)
            if not chunk:
                break
            reply += chunk
        return reply
    finally:
        conn.close()


def test_oversized_body_is_refused_unread(client):
    n = LIMITS["max_body_bytes"] + 10
    reply = _send_raw(client.port, b"POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Content-Length: " + str(n).encode() + b"\r\n\r\n" + b"1" * n)
    assert reply.startswith(b"HTTP/1.1 413") and b"larger than the limit" in reply
    # Declared huge but never sent: refused from the header alone, no waiting for the body.
    reply = _send_raw(client.port, b"POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Content-Length: 99999999999\r\n\r\n")
    assert reply.startswith(b"HTTP/1.1 413")
    _alive(client)


def test_oversized_csv_inside_a_small_enough_body(client):
    csv = "1,2,0\n" * (LIMITS["max_csv_bytes"] // 6 + 10)
    assert len(csv) < LIMITS["max_body_bytes"]
    status, out = client.call("POST", "/api/session", {"dataset": "csv", "csv": csv})
    assert status == 413 and "KiB" in out["error"]


def test_bad_headers(client):
    status, _, data = client.raw("POST", "/api/session", None,
                                 {"Content-Length": "lots", "Content-Type": "application/json"})
    assert status == 400 and "Content-Length" in json.loads(data)["error"]
    conn = socket.create_connection(("127.0.0.1", client.port), timeout=10)
    conn.sendall(b"POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                 b"Transfer-Encoding: chunked\r\n\r\n2\r\n{}\r\n0\r\n\r\n")
    assert conn.recv(4096).startswith(b"HTTP/1.1 411")
    conn.close()
    _alive(client)


def test_garbage_and_silent_connections_do_not_hurt(client):
    conn = socket.create_connection(("127.0.0.1", client.port), timeout=10)
    conn.sendall(b"\x00\x01 NOT HTTP AT ALL\r\n\r\n")
    assert b"400" in conn.recv(4096)                                 # stdlib's Bad Request
    conn.close()
    idle = socket.create_connection(("127.0.0.1", client.port), timeout=10)  # says nothing
    half = socket.create_connection(("127.0.0.1", client.port), timeout=10)
    half.sendall(b"POST /api/session HTTP/1.1\r\nContent-Length: 100\r\n\r\n{")  # never finishes
    _alive(client)                          # other clients are served meanwhile
    idle.close()
    half.close()
    _alive(client)


@pytest.mark.parametrize("method,path,status", [
    ("GET", "/api/nope", 404),
    ("GET", "/api/session/abc", 404),                  # well-formed id, no such session
    ("POST", "/api/session/abc/step", 404),
    ("POST", "/api/session/abc/fly", 404),
    ("GET", "/api/session/../../etc/passwd", 404),
    ("GET", "/api/session/" + "a" * 200, 404),
    ("GET", "/api/session", 405),
    ("PUT", "/", 405),
    ("DELETE", "/api/defaults", 405),
    ("GET", "/api/xor/trace", 405),
    ("PATCH", "/api/session", 405),
    ("OPTIONS", "/api/session", 405),
    ("TRACE", "/", 405),
    ("PUT", "/api/health", 405),
    ("DELETE", "/favicon.ico", 405),
    ("BREW", "/", 501),
])
def test_unknown_routes_and_methods(client, method, path, status):
    got, out = client.call(method, path)
    assert got == status, out
    assert out["error"]


def test_a_405_names_the_allowed_methods(client):
    sid = client.ok("POST", "/api/session", {"points": 20}, status=201)["state"]["session"]
    for method, path, allow in [("OPTIONS", "/api/session", "POST"),
                                ("PUT", f"/api/session/{sid}", "GET, DELETE, HEAD"),
                                ("GET", f"/api/session/{sid}/step", "POST"),
                                ("POST", "/api/defaults", "GET, HEAD")]:
        conn = http.client.HTTPConnection("127.0.0.1", client.port, timeout=10)
        conn.request(method, path)
        res = conn.getresponse()
        assert res.status == 405 and res.getheader("Allow") == allow, (method, path)
        assert json.loads(res.read())["status"] == 405
        conn.close()


@pytest.mark.parametrize("request_bytes,status,fragment", [
    (b"GET /" + b"a" * 70000 + b" HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n", b"414", "Too Long"),
    (b"GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nX: " + b"a" * 70000 + b"\r\n\r\n", b"431", "too long"),
    (b"GET / HTTP/1.1\r\n" + b"X: a\r\n" * 200 + b"\r\n", b"431", "Too many headers"),
])
def test_the_http_layers_own_refusals_are_json(client, request_bytes, status, fragment):
    reply = _read_all(client.port, request_bytes)
    head, _, body = reply.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 " + status) and b"application/json" in head, head
    assert fragment in json.loads(body)["error"]
    _alive(client)


def test_many_sessions_evict_the_least_recently_used():
    srv = _start(SessionStore(max_sessions=4))
    try:
        c = Client(srv)
        ids = [c.ok("POST", "/api/session", {"dataset": "xor", "points": 20},
                    status=201)["state"]["session"] for _ in range(4)]
        c.ok("GET", f"/api/session/{ids[0]}")          # touch the oldest: now the newest
        more = [c.ok("POST", "/api/session", {"dataset": "xor", "points": 20},
                     status=201)["state"]["session"] for _ in range(2)]
        assert len(srv.store) == 4
        alive = [sid for sid in ids + more if c.call("GET", f"/api/session/{sid}")[0] == 200]
        assert alive == [ids[0], ids[3], *more]
        assert c.ok("GET", "/api/health")["sessions"] == 4
    finally:
        srv.shutdown()
        srv.server_close()


def test_idle_sessions_expire():
    srv = _start(SessionStore(idle_seconds=0.2))
    try:
        c = Client(srv)
        sid = c.ok("POST", "/api/session", {"points": 20}, status=201)["state"]["session"]
        c.ok("GET", f"/api/session/{sid}")
        time.sleep(0.4)
        assert c.call("GET", f"/api/session/{sid}")[0] == 404
    finally:
        srv.shutdown()
        srv.server_close()


def test_concurrent_tabs(client):
    ids = [client.ok("POST", "/api/session", {"dataset": d, "points": 100, "hidden": [4]},
                     status=201)["state"]["session"]
           for d in ["xor", "circles", "moons", "gaussian", "spiral", "xor"]]
    results: dict[str, list[int]] = {}

    def run(sid):
        got = []
        for _ in range(3):
            status, out = client.call("POST", f"/api/session/{sid}/step", {"epochs": 2})
            got.append(out["state"]["epoch"] if status == 200 else -status)
        results[sid] = got

    threads = [threading.Thread(target=run, args=(sid,)) for sid in ids + ids[:2]]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    # Two threads on one session are serialised by its lock: epochs add up exactly.
    assert all(len(v) == 3 and v == sorted(v) and min(v) > 0 for v in results.values())
    for sid in ids:
        expected = 12 if sid in ids[:2] else 6                      # two threads, or one
        assert client.ok("GET", f"/api/session/{sid}")["state"]["epoch"] == expected


# ---------------------------------------------------------------------------- XOR step-through


def test_xor_trace_reproduces_the_worked_example(client):
    ex = client.ok("GET", "/api/xor/example")
    assert ex["w1"] == [[5, 5], [5, 5]] and ex["b1"] == [-2.5, -7.5] and ex["x"] == [1, 0]
    t = client.ok("POST", "/api/xor/trace", ex)
    fwd = {s["id"]: s["value"] for s in t["forward"]}
    bwd = {s["id"]: s for s in t["backward"]}
    sig = lambda z: 1 / (1 + math.exp(-z))
    h1, h2 = sig(2.5), sig(-2.5)
    y_hat = sig(10 * h1 - 10 * h2 - 5)
    assert fwd["z1"] == 2.5 and fwd["z2"] == -2.5
    assert fwd["h1"] == pytest.approx(h1, rel=1e-12) and round(fwd["h1"], 3) == 0.924
    assert fwd["y_hat"] == pytest.approx(y_hat, rel=1e-12) and round(y_hat, 3) == 0.970
    assert fwd["loss"] == pytest.approx(-math.log(y_hat), rel=1e-12)
    # The tutorial's numbers, and the exact values they round.
    assert bwd["z_out"]["grad"] == pytest.approx(y_hat - 1, rel=1e-9)        # ~ -0.030
    assert round(bwd["z_out"]["grad"], 3) == -0.030
    assert bwd["h1"]["grad"] == pytest.approx(10 * (y_hat - 1), rel=1e-9)     # ~ -0.30
    assert round(bwd["h1"]["grad"], 2) == -0.30 and round(bwd["h2"]["grad"], 2) == 0.30
    assert bwd["z1"]["grad"] == pytest.approx(10 * (y_hat - 1) * h1 * (1 - h1), rel=1e-9)
    assert round(bwd["z1"]["grad"], 3) == -0.021 and round(bwd["z2"]["grad"], 3) == 0.021
    assert round(bwd["v1"]["grad"], 3) == -0.028 and round(bwd["v2"]["grad"], 3) == -0.002
    assert bwd["w12"]["grad"] == 0.0 and bwd["w22"]["grad"] == 0.0           # x2 = 0
    # Every step is the chain rule: grad = upstream grad x local derivative.
    for s in t["backward"][1:]:
        assert s["grad"] == pytest.approx(s["upstream_grad"] * s["local"], rel=1e-9, abs=1e-15)
    assert bwd["z1"]["local"] == pytest.approx(h1 * (1 - h1), rel=1e-12)
    assert bwd["h1"]["local"] == pytest.approx(10.0, rel=1e-12)
    # The update is one SGD step with lr 1: w - lr * grad.
    assert t["update"]["v"][0] == pytest.approx(10 - bwd["v1"]["grad"])
    after = client.ok("POST", "/api/xor/trace", {**ex, **t["update"]})
    assert after["loss"] < t["loss"]


def test_xor_trace_mse_and_other_inputs(client):
    ex = client.ok("GET", "/api/xor/example")
    t = client.ok("POST", "/api/xor/trace", {**ex, "loss": "mse", "x": [1, 1], "target": 0})
    fwd = {s["id"]: s["value"] for s in t["forward"]}
    bwd = {s["id"]: s for s in t["backward"]}
    assert fwd["loss"] == pytest.approx(fwd["y_hat"] ** 2)
    assert bwd["y_hat"]["grad"] == pytest.approx(2 * fwd["y_hat"])
    assert t["prediction"] == int(fwd["y_hat"] > 0.5)


@pytest.mark.parametrize("change,fragment", [
    ({"w1": [[1, 2]]}, "w1.1.0 must be a number"),
    ({"w1": [[1, "a"], [1, 1]]}, "w1.0.1 must be a number"),
    ({"v": [1, 1000]}, "v.1 must be from -100 to 100"),
    ({"x": [1]}, "x.1 must be a number"),
    ({"target": 2}, "target must be from 0 to 1"),
    ({"b_out": None}, "b_out must be a number"),
    ({"loss": "hinge"}, "loss must be bce or mse"),
    ({"w1": [[100, 100], [100, 100]], "v": [100, 100], "b_out": 100}, "BCE loss is infinite"),
])
def test_xor_trace_bad_input(client, change, fragment):
    ex = client.ok("GET", "/api/xor/example")
    status, out = client.call("POST", "/api/xor/trace", {**ex, **change})
    assert status == 400 and fragment in out["error"], out


# ---------------------------------------------------------------------------- the command


def test_main_rejects_a_bad_port_and_a_busy_one(capsys, server):
    with pytest.raises(SystemExit) as e:
        main(["--port", "70000"])
    assert e.value.code == 2
    assert main(["--port", str(server.server_address[1])]) == 2      # already in use
    err = capsys.readouterr().err
    assert "cannot listen on 127.0.0.1" in err and "Traceback" not in err


def test_python_m_serves_and_stops_cleanly_on_ctrl_c():
    env = {**os.environ, "PYTHONPATH": str(ROOT)}
    proc = subprocess.Popen([sys.executable, "-m", "tinygrad_edu.playground", "--port", "0"],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, env=env)
    try:
        line = proc.stdout.readline()
        assert "open http://127.0.0.1:" in line, line
        port = int(line.split("http://127.0.0.1:")[1].split("/")[0])
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)
        conn.request("GET", "/api/health")
        assert conn.getresponse().status == 200
        conn.close()
        proc.send_signal(signal.SIGINT)
        out, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            proc.kill()
    assert proc.returncode == 0, err
    assert "playground stopped" in out and "Traceback" not in err


def test_binds_loopback_by_default():
    srv = make_server(port=0)
    try:
        assert srv.server_address[0] == "127.0.0.1"
    finally:
        srv.server_close()


# ---- user input that once escaped as a 500 -------------------------------------------------
CSV4 = "x1,x2,label\n" + "".join(f"{i},{-i},{i % 2}\n" for i in range(4))


def test_too_few_rows_for_the_test_size_is_a_400(client):
    """4 rows with test_size 0.9: ceil(3.6) = 4 test rows leave none to train on."""
    status, out = client.call("POST", "/api/session",
                              {"dataset": "csv", "csv": CSV4, "test_size": 0.9})
    assert status == 400, out
    assert "split the 4 rows" in out["error"] and "test_size=0.9" in out["error"]
    assert "lower the test fraction" in out["error"]
    _alive(client)


def test_a_failed_config_change_keeps_the_session_working(client):
    sid = client.ok("POST", "/api/session", {"dataset": "xor", "test_size": 0.25},
                    status=201)["state"]["session"]
    before = client.ok("POST", f"/api/session/{sid}/step", {"epochs": 2, "frame": False})
    status, out = client.call("POST", f"/api/session/{sid}/config",
                              {"dataset": "csv", "csv": CSV4, "test_size": 0.9})
    assert status == 400 and "test_size=0.9" in out["error"], out
    after = client.ok("POST", f"/api/session/{sid}/step", {"epochs": 1, "frame": False})
    assert after["state"]["config"] == before["state"]["config"]
    assert after["state"]["config"]["dataset"] == "xor"
    assert after["state"]["config"]["test_size"] == 0.25
    assert after["state"]["epoch"] == 3


def _session(**settings):
    return Session("s", Config(**{"dataset": "xor", "points": 40, "hidden": [4],
                                  **settings}))


@pytest.mark.parametrize("change", [{"hidden": [3]}, {"seed": 5}, {"points": 60}])
def test_configure_restores_everything_on_any_failure(monkeypatch, change):
    """A bug while rebuilding (here a RuntimeError from the new model) must not leave the
    session half-configured: the old data, model, epoch and settings all stay."""
    s = _session()
    s.step(2, 10.0)
    kept = {k: getattr(s, k) for k in ("cfg", "X_train", "y_test", "trainer", "epoch",
                                        "metrics", "extent", "rng")}

    def broken(cfg):
        raise RuntimeError("a bug while building the model")
    monkeypatch.setattr("tinygrad_edu.playground.session.Trainer", broken)
    new = Config(**{**s.cfg.__dict__, **change})
    with pytest.raises(RuntimeError, match="a bug"):
        s.configure(new)
    for k, v in kept.items():
        assert getattr(s, k) is v, k
    monkeypatch.undo()
    assert len(s.step(1, 10.0)) == 1 and s.epoch == 3


@pytest.mark.parametrize("raw,fragment", [
    (b'{"seed": 1' + b"0" * 400 + b"}", "401 digits"),
    (b'{"seed": 1' + b"0" * 5000 + b"}", "5001 digits"),
    (b'{"lr": 1' + b"0" * 400 + b"}", "401 digits"),
    (b'{"dataset": "csv", "csv": "1,2,0\\ud800\\n"}', "surrogate"),
    (b'{"\\udfff": 1}', "surrogate"),
])
def test_numbers_and_text_json_cannot_use_are_a_400(client, raw, fragment):
    status, _, data = client.raw("POST", "/api/session", raw,
                                 {"Content-Type": "application/json"})
    assert status == 400, data[:300]
    assert fragment in json.loads(data)["error"]
    _alive(client)


def test_a_huge_whole_number_in_the_xor_trace_is_a_400(client):
    example = client.ok("GET", "/api/xor/example")
    raw = json.dumps(example)[:-1].encode() + b', "lr": 1' + b"0" * 400 + b"}"
    status, _, data = client.raw("POST", "/api/xor/trace", raw,
                                 {"Content-Type": "application/json"})
    assert status == 400 and "401 digits" in json.loads(data)["error"], data[:300]


def test_a_body_shorter_than_its_content_length_is_a_408(client, monkeypatch):
    from tinygrad_edu.playground.server import Handler
    monkeypatch.setattr(Handler, "timeout", 0.5)
    reply = _send_raw(client.port, b"POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n"
                      b"Content-Length: 100\r\n\r\n{\"seed\": 1")
    assert reply.startswith(b"HTTP/1.1 408"), reply[:300]
    assert b"Content-Length" in reply
    _alive(client)


# ---- framing: the body's end must be unambiguous, or its bytes become a request --------------


def _read_all(port, data):
    """Send bytes and read until the server hangs up (every reply it sends)."""
    conn = socket.create_connection(("127.0.0.1", port), timeout=10)
    try:
        conn.sendall(data)
        reply = b""
        while chunk := conn.recv(65536):
            reply += chunk
        return reply
    finally:
        conn.close()


@pytest.mark.parametrize("headers,status,fragment", [
    (b"Content-Length: 2\r\nContent-Length: 500\r\n", b"400", b"conflicting Content-Length"),
    (b"Content-Length: +2\r\n", b"400", b"bad Content-Length '+2'"),
    (b"Content-Length: 0_2\r\n", b"400", b"bad Content-Length '0_2'"),
    (b"Transfer-Encoding: identity\r\n", b"411", b"send a Content-Length"),
])
def test_ambiguous_body_lengths_are_refused(client, headers, status, fragment):
    reply = _read_all(client.port, b"POST /api/session HTTP/1.1\r\nHost: 127.0.0.1\r\n" + headers
                      + b"\r\n{}")
    assert reply.startswith(b"HTTP/1.1 " + status) and fragment in reply, reply[:300]
    assert reply.count(b"HTTP/1.1 ") == 1             # the leftover "{}" was no request
    _alive(client)


def test_a_body_sent_with_a_get_is_never_run_as_a_request(client):
    hidden = b"GET /api/defaults HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n"
    for framing in [b"Content-Length: " + str(len(hidden)).encode(),
                    b"Transfer-Encoding: identity"]:
        reply = _read_all(client.port, b"GET /api/health HTTP/1.1\r\nHost: 127.0.0.1\r\n" + framing
                          + b"\r\n\r\n" + hidden)
        assert reply.count(b"HTTP/1.1 200") == 1 and b"limits" not in reply, reply[-300:]


# ---- other web pages: any site may POST to 127.0.0.1, and a rebound DNS name may read it -----


@pytest.mark.parametrize("headers", [
    {"Origin": "http://evil.example"},                  # a cross-site form or fetch
    {"Origin": "null"},                                 # a sandboxed frame or a file:// page
    {"Host": "evil.example:8000"},                      # DNS rebinding: the name is not ours
])
def test_requests_from_other_sites_are_refused(client, headers):
    before = client.ok("GET", "/api/health")["sessions"]
    status, _, data = client.raw("POST", "/api/session", b'{"points": 20}',
                                 {"Content-Type": "text/plain", **headers})
    assert status == 403, data[:300]
    assert "open the page at http://127.0.0.1:" in json.loads(data)["error"] or \
        "use the page at http://127.0.0.1:" in json.loads(data)["error"]
    assert client.ok("GET", "/api/health")["sessions"] == before     # nothing was created
    own = f"127.0.0.1:{client.port}"
    client.ok("POST", "/api/session", {"points": 20}, status=201)      # no Origin: curl
    status, _, _ = client.raw("POST", "/api/session", b'{"points": 20}',
                              {"Host": own, "Origin": f"http://{own}"})
    assert status == 201                                               # the page itself
