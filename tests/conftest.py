"""Shared test set-up: a headless matplotlib and one Hypothesis profile for the suite."""

import os
import sys

os.environ.setdefault("MPLBACKEND", "Agg")

import pytest  # noqa: E402
from hypothesis import HealthCheck, settings  # noqa: E402

# No deadlines: a shared 2-core CI machine makes per-example timing meaningless.
settings.register_profile(
    "default", deadline=None, max_examples=40,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "default"))

try:  # one thread: on a shared 2-core machine torch's thread pool makes tiny ops 10x slower
    import torch

    torch.set_num_threads(1)
except ImportError:
    pass


@pytest.fixture(autouse=True)
def _close_figures():
    """Each test starts with no open matplotlib figure, whatever ran before it (docs
    examples draw with pyplot and, like a user at a prompt, leave their figures open)."""
    yield
    plt = sys.modules.get("matplotlib.pyplot")
    if plt is not None:
        plt.close("all")
