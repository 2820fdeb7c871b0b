"""The peer comparison runs in quick mode, skips missing peers, and writes a sane page."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

PEERS = Path(__file__).resolve().parents[1] / "benchmarks" / "peers.py"


@pytest.fixture(scope="module")
def quick_run(tmp_path_factory):
    pytest.importorskip("matplotlib")
    out = tmp_path_factory.mktemp("bench")
    # Every peer package is treated as missing, so the test needs nothing of the bench extra.
    command = [sys.executable, str(PEERS), "--quick", "--out", str(out)]
    command += ["--without", "pydelt,pynumdiff,derivative,csaps,statsmodels"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    return done, out


def _summary_rows(page: str) -> dict[tuple[str, int], list[str]]:
    rows = {}
    for line in page.splitlines():
        cells = [c.strip() for c in line.strip().strip("|").split("|")]
        if len(cells) == 8 and cells[1] in ("1", "2"):
            rows[(cells[0], int(cells[1]))] = cells
    return rows


def test_quick_run_finishes_and_notes_the_skipped_peers(quick_run):
    done, out = quick_run
    assert done.returncode in (0, 1), done.stderr[-2000:]  # 1 is a missed bar, not a crash
    assert "Traceback" not in done.stderr
    for package in ("pydelt", "pynumdiff", "derivative", "csaps", "statsmodels"):
        assert f"note: {package}: skipped" in done.stdout
    page = (out / "benchmarks.md").read_text()
    assert "**Skipped**: pynumdiff" in page
    assert "linear interpolation" in page


def test_quick_page_has_every_quick_row_with_sane_numbers(quick_run):
    _, out = quick_run
    page = (out / "benchmarks.md").read_text()
    rows = _summary_rows(page)
    cases = ("sin_clean_100", "sin_noise0.05_500", "gaps_noise0.01_400")
    assert set(rows) == {(case, order) for case in cases for order in (1, 2)}
    ours = {key: float(cells[2]) for key, cells in rows.items()}
    # Clean sine, 100 samples: the spline's first derivative is far below the noisy rows'.
    assert ours[("sin_clean_100", 1)] < 1e-4
    assert ours[("sin_clean_100", 2)] < 1e-2
    # sigma = 0.05 on a unit sine: a sane derivative, not a blown-up one.
    assert 1e-4 < ours[("sin_noise0.05_500", 1)] < 0.1
    # Only SciPy is left among the peers.
    assert all(cells[4].startswith("SciPy") for cells in rows.values())
    ratios = [float(re.sub("x$", "", cells[5])) for cells in rows.values()]
    assert all(ratio > 0 for ratio in ratios)


def test_quick_run_writes_the_plots(quick_run):
    _, out = quick_run
    images = out / "img" / "benchmarks"
    for name in ("summary", "scaling", "sin_clean_100", "gaps_noise0.01_400"):
        assert (images / f"{name}.png").stat().st_size > 5_000
