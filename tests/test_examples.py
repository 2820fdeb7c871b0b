"""Every example runs end to end and its numbers are right."""

from __future__ import annotations

import importlib.util
from pathlib import Path

import pytest

EXAMPLES = Path(__file__).resolve().parents[1] / "examples"


def _load(name):
    spec = importlib.util.spec_from_file_location(name, EXAMPLES / f"{name}.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_quickstart_errors_are_small_and_plot_is_saved(tmp_path, capsys):
    pytest.importorskip("matplotlib")
    errors = _load("quickstart").main(["--output", str(tmp_path)])
    # The truth's rms is about 0.28, 0.49 and 1.12 for orders 0, 1 and 2.
    assert errors[0] < 0.01
    assert errors[1] < 0.02
    assert errors[2] < 0.08
    assert (tmp_path / "quickstart.png").stat().st_size > 10_000
    assert "estimated noise std" in capsys.readouterr().out


def test_symbolic_walkthrough_numbers(capsys):
    results = _load("symbolic_walkthrough").main()
    assert results["classic_max_difference"] <= 1e-9
    assert results["mistake flagged"] == 1.0
    assert all(v == 1.0 for k, v in results.items() if k.startswith("exercise"))
    assert results["network_hand_difference"] <= 1e-15
    assert results.get("network_autograd_difference", 0.0) <= 1e-14
    assert "6*x + 2" in capsys.readouterr().out


def test_pysindy_lorenz_quick_run_recovers_the_equations():
    pytest.importorskip("pysindy")
    results = _load("pysindy_lorenz").main(["--quick"])
    for (noise, _irregular, _name), (error, false, missed) in results.items():
        assert false == 0 and missed == 0
        assert error < (0.02 if noise == 0.01 else 0.05)
