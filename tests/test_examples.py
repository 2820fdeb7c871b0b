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
    kinds = ("exercise", "mistake", "identity", "activation ", "backpropagation")
    checked = [k for k in results if k.startswith(kinds)]
    assert len(checked) >= 18 and all(results[k] == 1.0 for k in checked), results
    assert all(results[k] <= 1e-6 for k in results if k.startswith("spline"))  # exact samples
    assert results["implicit order 1 -x/y"] == 1.0 and results["implicit order 2 -25/y^3"] == 1.0
    assert results["implicit order 2 -1/y^3"] == 0.0
    assert results.get("network_autograd_difference", 0.0) <= 1e-14
    assert results.get("activation_autograd_difference", 0.0) <= 1e-14
    assert "6*x + 2" in capsys.readouterr().out


def test_pysindy_lorenz_quick_run_recovers_the_equations():
    pytest.importorskip("pysindy")
    results = _load("pysindy_lorenz").main(["--quick"])
    for (noise, _irregular, _name), (error, false, missed) in results.items():
        assert false == 0 and missed == 0
        assert error < (0.02 if noise == 0.01 else 0.05)


def test_mauna_loa_growth_rate_and_seasonal_cycle(tmp_path, capsys):
    pytest.importorskip("statsmodels")
    pytest.importorskip("matplotlib")
    results = _load("mauna_loa_co2").main(["--output", str(tmp_path)])
    annual = results["annual"]
    # Published growth rates (NOAA, Mauna Loa): about 0.8-1.0 ppm/yr in the 1960s and
    # 1.3-1.7 ppm/yr in the 1990s; the record's overall rise is 316 -> 371 ppm in 43.75 years.
    assert 0.6 < annual.loc[1960:1969].mean() < 1.1
    assert 1.2 < annual.loc[1990:1999].mean() < 1.8
    assert annual.mean() == pytest.approx((371.5 - 316.1) / 43.75, rel=0.1)
    assert results["rate"].notna().all() and results["gaps"] == 59  # gaps are bridged
    seasonal = results["seasonal"]
    assert int(seasonal.idxmax()) == 5 and int(seasonal.idxmin()) in (9, 10)
    assert 5.0 < seasonal.max() - seasonal.min() < 7.5
    assert (tmp_path / "mauna_loa_co2.png").stat().st_size > 20_000
    assert "seasonal cycle" in capsys.readouterr().out


def test_uncertainty_bands_hold_on_the_sine_and_miss_on_the_bump(tmp_path):
    pytest.importorskip("matplotlib")
    results = _load("uncertainty_bands").main(["--output", str(tmp_path), "--replicates", "12"])
    assert results["sine"]["overall"] > 0.8
    assert results["bump"]["elsewhere"] > 0.85
    assert results["bump"]["on the bump"] < 0.85  # the documented failure: bias beats the band
    assert (tmp_path / "uncertainty_bands.png").stat().st_size > 20_000


def test_every_example_is_run_by_this_file():
    tested = Path(__file__).read_text()
    for script in EXAMPLES.glob("*.py"):
        assert f'_load("{script.stem}")' in tested, f"{script.name} is not run by the tests"
