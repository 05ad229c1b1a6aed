"""The playground: a local web page that trains a small network live, in this engine.

Run ``tinygrad-edu playground`` (or ``python -m tinygrad_edu.playground``) and open the
address it prints. `main(argv)` is the command line; `serve(host, port)` runs the server
until Ctrl-C; `make_server` binds one without serving (for tests and embedding).
"""

from .server import PlaygroundServer, main, make_server, serve

__all__ = ["serve", "main", "make_server", "PlaygroundServer"]
