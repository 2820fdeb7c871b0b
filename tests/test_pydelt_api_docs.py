"""The PyDelt suite script: its import rewriting, its table, and its exceptions in the docs."""

from __future__ import annotations

import importlib.util
import re
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


def _suite():
    path = ROOT / "benchmarks" / "pydelt_suite.py"
    spec = importlib.util.spec_from_file_location("pydelt_suite", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up there
    sys.path.insert(0, str(path.parent))
    try:
        spec.loader.exec_module(module)
    finally:
        sys.path.remove(str(path.parent))
    return module


SUITE = _suite()


def test_every_exception_is_documented_with_its_kind():
    page = (ROOT / "docs" / "pydelt-migration.md").read_text()
    documented = set(re.findall(r"^\| `(test_\w+\.py::[\w:]+)` \|", page, re.M))
    assert documented == set(SUITE.EXCEPTIONS)
    differences = [k for k, (kind, _) in SUITE.EXCEPTIONS.items() if kind == SUITE.DIFFERENCE]
    assert len(differences) <= SUITE.MAX_DIFFERENCES
    for name in differences:
        assert re.search(rf"`{re.escape(name)}` \| deliberate difference", page)


def test_rewrite_imports_changes_imports_and_patch_targets_only():
    source = (
        '"""Tests of pydelt."""\n'
        "import numpy as np\n"
        "from pydelt.interpolation import (\n    SplineInterpolator,\n)\n"
        "from ..stochastic import NormalLink\n"
        "import pydelt\n"
        "    from pydelt.interpolation import LlaInterpolator\n"
        "x = 'pydelt.multivariate'\n"
        "with patch('pydelt.multivariate.PYTORCH_AVAILABLE', False):\n"
    )
    expected = (
        '"""Tests of pydelt."""\n'
        "import numpy as np\n"
        "from pydelt_like.interpolation import (\n    SplineInterpolator,\n)\n"
        "from pydelt_like.stochastic import NormalLink\n"
        "import pydelt_like\n"
        "    from pydelt_like.interpolation import LlaInterpolator\n"
        "x = 'pydelt.multivariate'\n"
        "with patch('pydelt_like.multivariate.PYTORCH_AVAILABLE', False):\n"
    )
    assert SUITE.rewrite_imports(source) == expected


def test_table_counts_misses_and_exceptions(capsys):
    excepted = next(iter(SUITE.EXCEPTIONS))
    own = SUITE.Run(
        outcomes={
            "a.py::t1": "passed",
            "a.py::t2": "passed",
            excepted: "passed",
            "a.py::t3": "failed",
        },
        seconds=1.0,
        returncode=1,
    )
    ours = SUITE.Run(
        outcomes={
            "a.py::t1": "passed",
            "a.py::t2": "skipped",
            excepted: "failed",
            "a.py::t3": "passed",
        },
        seconds=1.0,
        returncode=1,
    )
    missed, counts = SUITE.table(own, ours)
    assert missed == ["a.py::t2: PyDelt passes it on its own code, pydelt_like skipped"]
    assert counts["pydelt_passed"] == 3 and counts["both"] == 1
    assert counts["excepted"] == 1 and counts["ours_only"] == 1
    assert "exception (" in capsys.readouterr().out


@pytest.mark.slow
def test_multivariate_benchmark_quick_run_meets_its_bar():
    import subprocess

    command = [sys.executable, str(ROOT / "benchmarks" / "multivariate.py"), "--quick"]
    done = subprocess.run(command, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    rows = [line for line in done.stdout.splitlines() if " grid " in f" {line} "]
    assert len(rows) == 6 and "all bars met" in done.stdout
