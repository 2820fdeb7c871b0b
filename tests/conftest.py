"""Shared pytest set-up: a deterministic hypothesis profile and a headless matplotlib."""

import os

from hypothesis import settings

# Set before any test module imports matplotlib, so no test ever needs a display.
os.environ.setdefault("MPLBACKEND", "Agg")

# Same examples on every run, no wall-clock deadlines: a CI failure always reproduces.
settings.register_profile("ci", derandomize=True, deadline=None, max_examples=50)
settings.load_profile("ci")
