"""``python -m tinygrad_edu.cli``: the same as the ``tinygrad-edu`` command."""

from . import main

raise SystemExit(main())
