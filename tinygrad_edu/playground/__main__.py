"""``python -m tinygrad_edu.playground [--port 8000] [--host 127.0.0.1] [--open]``."""

from . import main

raise SystemExit(main())
