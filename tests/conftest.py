"""Shared test set-up: a headless matplotlib and one Hypothesis profile for the suite."""

import os

os.environ.setdefault("MPLBACKEND", "Agg")

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
