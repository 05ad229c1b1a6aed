"""The playground's HTTP server: static files and a small JSON API, standard library only.

The page drives training by polling: while playing, it asks ``POST /api/session/<id>/step``
for a few epochs at a time and draws the frame that comes back. Every request is
validated; a bad one gets a 4xx JSON ``{"error": "..."}``, and nothing a client sends can
stop the server.

    GET  /                              the page (static/index.html)
    GET  /static/<file>                 app.js, style.css
    GET  /api/defaults                  default settings, limits and choices
    POST /api/session                   new session from settings -> state, points, frame
    GET  /api/session/<id>              state, points and frame
    POST /api/session/<id>/config       change settings (lr, l2, batch size: live)
    POST /api/session/<id>/step         {"epochs": n} -> metrics per epoch, frame
    POST /api/session/<id>/reset        fresh weights, same data
    POST /api/session/<id>/close        end the session (DELETE works too)
    GET  /api/xor/example               the tutorial's worked XOR example
    POST /api/xor/trace                 forward and backward steps for given weights
"""

from __future__ import annotations

import argparse
import ipaddress
import json
import re
import sys
import threading
import time
import traceback
import webbrowser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from importlib import resources
from typing import Any

from . import stepthrough
from .session import SessionStore
from .validate import (
    ACTIVATIONS,
    DATASETS,
    DEFAULT_NOISE,
    LIMITS,
    LOSSES,
    OPTIMIZERS,
    BadRequest,
    Config,
    parse_config,
    parse_int,
)

__all__ = ["PlaygroundServer", "make_server", "serve", "main"]

_SESSION_ROUTE = re.compile(r"^/api/session/([A-Za-z0-9_-]{1,64})(?:/([a-z]+))?$")
_STATIC_NAME = re.compile(r"^[a-z0-9_-]+\.(html|js|css)$")
_SURROGATE = re.compile("[\ud800-\udfff]")
_DIGITS = re.compile(r"[0-9]+")
MAX_INT_DIGITS = 20
_CONTENT_TYPES = {"html": "text/html; charset=utf-8", "js": "text/javascript; charset=utf-8",
                  "css": "text/css; charset=utf-8"}


class PlaygroundServer(ThreadingHTTPServer):
    """A threading HTTP server that holds the sessions; ``url`` is where the page lives."""

    daemon_threads = True            # a hung client never blocks shutdown

    def __init__(self, address: tuple[str, int], store: SessionStore | None = None,
                 quiet: bool = True) -> None:
        super().__init__(address, Handler)
        self.loopback_only = _is_loopback(str(self.server_address[0]))
        self.store = store if store is not None else SessionStore()  # (an empty one is falsy)
        self.quiet = quiet

    def handle_error(self, request: Any, client_address: Any) -> None:
        # A browser closing a kept-alive connection is normal, not worth a traceback.
        exc = sys.exc_info()[1]
        if isinstance(exc, (ConnectionError, TimeoutError)):
            return
        super().handle_error(request, client_address)

    @property
    def url(self) -> str:
        host, port = self.server_address[:2]
        if ":" in host:
            host = f"[{host}]"
        return f"http://{host}:{port}/"


class Handler(BaseHTTPRequestHandler):
    server: PlaygroundServer
    server_version = "tinygrad-edu-playground"
    protocol_version = "HTTP/1.1"
    timeout = 30                     # seconds a silent client may hold a connection

    # ---- plumbing ----------------------------------------------------------------------
    def log_message(self, format: str, *args: Any) -> None:
        if not self.server.quiet:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, content_type: str, cache: bool = False) -> None:
        self.send_response(status)
        if status == 405 and self._allow:
            self.send_header("Allow", self._allow)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("Cache-Control", "max-age=60" if cache else "no-store")
        self.send_header("X-Content-Type-Options", "nosniff")
        if self.close_connection:
            self.send_header("Connection", "close")
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)

    def _json(self, obj: Any, status: int = 200) -> None:
        body = json.dumps(obj, separators=(",", ":"), allow_nan=False).encode()
        self._send(status, body, "application/json")

    def _error(self, status: int, message: str) -> None:
        self._json({"error": message, "status": status}, status)

    def send_error(self, code: int, message: str | None = None,
                   explain: str | None = None) -> None:
        # http.server's own refusals (a garbled request line, a 64 KiB URL, too many
        # headers, an unknown method) come as JSON too, so the page can always show them.
        self.log_error("code %d, message %s", code, message)
        self.close_connection = True
        self._allow = ""
        self._error(code, message or self.responses.get(code, ("error",))[0])

    def _body(self) -> Any:
        """The request's JSON body, or {} when empty; size-checked before it is read."""
        if self.headers.get("Transfer-Encoding") is not None:
            # Any coding (chunked, identity, gzip): without a Content-Length the body's end is
            # unknown, and the unread bytes would be parsed as the next request.
            self.close_connection = True
            raise BadRequest("send a Content-Length; Transfer-Encoding bodies are not accepted",
                             411)
        lengths = {v.strip() for v in self.headers.get_all("Content-Length") or []}
        if len(lengths) > 1:
            # Two lengths that disagree: which one ends the body is a guess (RFC 9112 6.3).
            self.close_connection = True
            raise BadRequest(f"conflicting Content-Length headers {sorted(lengths)}"[:120])
        raw_len = lengths.pop() if lengths else "0"
        # Digits only: int() would also take "+2", "0_2" or " 2", which HTTP does not allow.
        if not _DIGITS.fullmatch(raw_len) or len(raw_len) > MAX_INT_DIGITS:
            self.close_connection = True
            raise BadRequest(f"bad Content-Length {raw_len[:20]!r}")
        length = int(raw_len)
        if length > LIMITS["max_body_bytes"]:
            self.close_connection = True       # the unread body must not become a request
            raise BadRequest(f"request body of {length} bytes is larger than the limit of "
                             f"{LIMITS['max_body_bytes']} bytes", 413)
        try:
            raw = self.rfile.read(length) if length else b""
        except TimeoutError:
            self.close_connection = True
            raise BadRequest(f"the request body stopped arriving before its Content-Length of "
                             f"{length} bytes", 408) from None
        self._consumed = True
        if len(raw) < length:
            self.close_connection = True
            raise BadRequest(f"the request body has {len(raw)} bytes, its Content-Length "
                             f"says {length}")
        if not raw.strip():
            return {}
        try:
            obj = json.loads(raw.decode("utf-8"), parse_int=_small_int)
        except UnicodeDecodeError:
            raise BadRequest("request body is not UTF-8 text") from None
        except json.JSONDecodeError as e:
            raise BadRequest(f"request body is not valid JSON: {e.msg} at line {e.lineno} "
                             f"column {e.colno}") from None
        except RecursionError:
            raise BadRequest("request body is nested too deeply") from None
        _no_surrogates(obj)
        return obj

    def _dispatch(self, method: str) -> None:
        self._consumed = False
        self._allow = ""
        try:
            self._check_origin(method)
            self._route(method)
        except BadRequest as e:
            self._error(e.status, str(e))
        except (BrokenPipeError, ConnectionResetError):
            self.close_connection = True
        except Exception as e:  # the server survives its own bugs; the client hears of them
            traceback.print_exc(file=sys.stderr)
            self.close_connection = True
            self._error(500, f"internal error: {type(e).__name__}: {e}")
        has_body = (self.headers.get("Content-Length", "0").strip() not in ("", "0")
                    or self.headers.get("Transfer-Encoding") is not None)
        if not self._consumed and has_body:
            self.close_connection = True       # an unread body must not be taken as a request

    def _check_origin(self, method: str) -> None:
        # Any web page the user visits may send a "simple" POST to 127.0.0.1 (no CORS
        # preflight), and a DNS-rebound name may even read the answers. The page itself
        # always sends Host = this server, and Origin = Host on a POST.
        host = self.headers.get("Host")
        if self.server.loopback_only and host is not None:
            name = host.rsplit(":", 1)[0] if not host.endswith("]") else host
            if not _is_loopback(name.strip("[]")):
                raise BadRequest(f"Host {host[:100]!r} is not this machine; open the page "
                                 f"at {self.server.url}", 403)
        origin = self.headers.get("Origin")
        if method not in ("GET", "HEAD") and origin is not None and host is not None \
                and origin not in (f"http://{host}", f"https://{host}"):
            raise BadRequest(f"a request from another site ({origin[:100]}) is refused; "
                             f"use the page at {self.server.url}", 403)

    def do_GET(self) -> None:
        self._dispatch("GET")

    def do_HEAD(self) -> None:
        self._dispatch("GET")

    def do_POST(self) -> None:
        self._dispatch("POST")

    def do_DELETE(self) -> None:
        self._dispatch("DELETE")

    def do_PUT(self) -> None:
        self._dispatch("PUT")

    def do_PATCH(self) -> None:
        self._dispatch("PATCH")

    def do_OPTIONS(self) -> None:
        # No cross-origin use is offered (no CORS headers), so a preflight fails as it should.
        self._dispatch("OPTIONS")

    def do_TRACE(self) -> None:
        self._dispatch("TRACE")

    # ---- routes ------------------------------------------------------------------------
    def _route(self, method: str) -> None:
        path = self.path.split("?", 1)[0].split("#", 1)[0]
        store = self.server.store
        if path in ("/", "/index.html"):
            self._need(method, "GET")
            return self._static("index.html")
        if path.startswith("/static/"):
            self._need(method, "GET")
            return self._static(path[len("/static/"):])
        if path == "/favicon.ico":
            self._need(method, "GET")
            return self._send(204, b"", "image/x-icon", cache=True)
        if path == "/api/health":
            self._need(method, "GET")
            return self._json({"ok": True, "sessions": len(store)})
        if path == "/api/defaults":
            self._need(method, "GET")
            return self._json(_defaults())
        if path == "/api/xor/example":
            self._need(method, "GET")
            return self._json(stepthrough.WORKED_EXAMPLE)
        if path == "/api/xor/trace":
            self._need(method, "POST")
            return self._json(stepthrough.trace(stepthrough.parse_params(self._body())))
        if path == "/api/session":
            self._need(method, "POST")
            cfg = parse_config(self._body())
            session = self._train_slot(lambda: store.create(cfg))
            with session.lock:
                return self._json({"state": session.state(), "points": session.points(),
                                   "frame": session.frame()}, 201)
        m = _SESSION_ROUTE.match(path)
        if m:
            return self._session_route(method, store, m.group(1), m.group(2))
        raise BadRequest(f"no such page or API: {path[:100]}", 404)

    def _need(self, method: str, *allowed: str) -> None:
        if method not in allowed:
            self._allow = ", ".join(allowed + (("HEAD",) if "GET" in allowed else ()))
            shown = self.command if self.command == "HEAD" else method
            raise BadRequest(f"{shown} is not allowed here; use {' or '.join(allowed)}", 405)

    def _session_route(self, method: str, store: SessionStore, sid: str,
                       action: str | None) -> None:
        if (action is None and method == "DELETE") or action == "close":
            if action == "close":
                self._need(method, "POST")
            store.close(sid)
            return self._json({"closed": True})
        if action is None:
            self._need(method, "GET", "DELETE")
            session = store.get(sid)
            with session.lock:
                return self._json({"state": session.state(), "points": session.points(),
                                   "frame": session.frame()})
        if action not in ("config", "step", "reset"):
            raise BadRequest(f"no such session action: {action}", 404)
        self._need(method, "POST")
        body = self._body()
        session = store.get(sid)
        if action == "config":
            with session.lock:
                cfg = parse_config(body, base=session.cfg)
                rebuilt = self._train_slot(lambda: session.configure(cfg))
                out = {"state": session.state(), "rebuilt": rebuilt, "frame": session.frame()}
                if rebuilt == "data":
                    out["points"] = session.points()
                return self._json(out)
        if action == "reset":
            with session.lock:
                session.reset()
                return self._json({"state": session.state(), "frame": session.frame()})
        if not isinstance(body, dict):
            raise BadRequest("expected a JSON object like {\"epochs\": 5}")
        unknown = sorted(set(body) - {"epochs", "frame"})
        if unknown:
            raise BadRequest(f"unknown field(s) {unknown}; step takes epochs and frame")
        epochs = parse_int(body, "epochs", 1, LIMITS["max_epochs_per_request"], 1)
        want_frame = body.get("frame", True)
        if not isinstance(want_frame, bool):
            raise BadRequest(f"frame must be true or false, got {want_frame!r}")
        with session.lock:
            t0 = time.perf_counter()
            history = self._train_slot(
                lambda: session.step(epochs, LIMITS["max_seconds_per_request"]))
            # The page sizes its next request from this: a steady few frames a second.
            out = {"state": session.state(), "history": history,
                   "train_seconds": time.perf_counter() - t0}
            if want_frame:
                out["frame"] = session.frame()
            return self._json(out)

    def _train_slot(self, work: Any) -> Any:
        # At most a few requests compute at once, so many tabs cannot starve the machine.
        if not self.server.store.training.acquire(timeout=10):
            raise BadRequest("the server is busy training other sessions; try again", 503)
        try:
            return work()
        finally:
            self.server.store.training.release()

    def _static(self, name: str) -> None:
        m = _STATIC_NAME.match(name)
        if not m:
            raise BadRequest(f"no such file: {name[:100]}", 404)
        f = resources.files(__package__).joinpath("static", name)
        if not f.is_file():
            raise BadRequest(f"no such file: {name}", 404)
        self._send(200, f.read_bytes(), _CONTENT_TYPES[m.group(1)])


def _small_int(text: str) -> int:
    # Every whole number the API takes is far below 10**20; a longer one would only reach
    # float() (OverflowError) or int() (Python's digit limit) deeper in, as a 500.
    digits = len(text.lstrip("-"))
    if digits > MAX_INT_DIGITS:
        raise BadRequest(f"a whole number in the request has {digits} digits; the largest "
                         f"setting needs at most {MAX_INT_DIGITS}")
    return int(text)


def _no_surrogates(obj: Any) -> None:
    # JSON's \ud800-\udfff escapes can make strings that are not text (a lone surrogate);
    # encoding one to UTF-8 later would fail as a 500. Iterative: the body may nest deeply.
    stack = [obj]
    while stack:
        v = stack.pop()
        if isinstance(v, str):
            if _SURROGATE.search(v):
                raise BadRequest("request body holds a lone UTF-16 surrogate (a \\ud800-"
                                 "\\udfff escape without its pair), which is not text")
        elif isinstance(v, dict):
            stack.extend(v)
            stack.extend(v.values())
        elif isinstance(v, list):
            stack.extend(v)


def _defaults() -> dict[str, Any]:
    return {"config": Config().to_dict(), "limits": LIMITS, "default_noise": DEFAULT_NOISE,
            "choices": {"dataset": DATASETS, "activation": ACTIVATIONS, "loss": LOSSES,
                        "optimizer": OPTIMIZERS}}


# ---- running it ----------------------------------------------------------------------------


def make_server(host: str = "127.0.0.1", port: int = 8000, quiet: bool = True,
                store: SessionStore | None = None) -> PlaygroundServer:
    """Bind the playground to ``host:port`` (port 0 picks a free one) without serving yet."""
    return PlaygroundServer((host, port), store=store, quiet=quiet)


def _is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def serve(host: str = "127.0.0.1", port: int = 8000, open_browser: bool = False,
          quiet: bool = True) -> None:
    """Run the playground until Ctrl-C. It listens on loopback only unless ``host`` says so."""
    server = make_server(host, port, quiet=quiet)
    print(f"tinygrad-edu playground: open {server.url}  (Ctrl-C to stop)", flush=True)
    if not _is_loopback(host):
        print(f"warning: listening on {host}, so other machines can reach this page; it has "
              "no login", file=sys.stderr, flush=True)
    if open_browser:
        threading.Timer(0.3, webbrowser.open, args=(server.url,)).start()
    try:
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        print("\nplayground stopped", flush=True)
    finally:
        server.server_close()


def main(argv: list[str] | None = None) -> int:
    """``tinygrad-edu playground [--port 8000] [--host 127.0.0.1] [--open]``; returns the exit
    code (0, or 2 when the address cannot be used)."""
    parser = argparse.ArgumentParser(
        prog="tinygrad-edu playground",
        description="A local web page that trains a network live, in this engine.")
    parser.add_argument("--port", type=int, default=8000, help="port to listen on (0: any free)")
    parser.add_argument("--host", default="127.0.0.1",
                        help="address to bind (default loopback; 0.0.0.0 opens it to your network)")
    parser.add_argument("--open", action="store_true", help="open the page in a web browser")
    parser.add_argument("--verbose", action="store_true", help="log every request")
    args = parser.parse_args(argv)
    if not 0 <= args.port <= 65535:
        parser.exit(2, f"tinygrad-edu playground: error: --port must be 0..65535, got "
                       f"{args.port}\n")
    try:
        serve(args.host, args.port, open_browser=args.open, quiet=not args.verbose)
    except OSError as e:
        print(f"tinygrad-edu playground: error: cannot listen on {args.host}:{args.port}: "
              f"{e.strerror or e}", file=sys.stderr)
        return 2
    return 0
