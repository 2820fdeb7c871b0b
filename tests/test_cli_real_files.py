"""The command line on real files, written as their sources write them (see real_files.py)."""

from __future__ import annotations

import io
import re
import subprocess
import sys

import numpy as np
import pytest

from pydelt_like.cli import main
from pydelt_like.timeseries import differentiate, fit_columns
from tests import real_files

pd = pytest.importorskip("pandas")


def _run(capsys, *arguments):
    code = main(["diff", *map(str, arguments)])
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_weekly_co2_with_gaps_gives_growth_in_ppm_per_year(tmp_path, capsys):
    pytest.importorskip("statsmodels")
    path = real_files.co2_weekly(tmp_path)
    code, out, err = _run(capsys, path, "--x", "date", "--y-unit", "ppm", "--unit", "year", "--std")
    assert code == 0 and err == ""
    written = pd.read_csv(io.StringIO(out))
    assert list(written.columns) == ["date", "co2 d/dt [ppm/year]", "co2 d/dt std [ppm/year]"]
    rate = written["co2 d/dt [ppm/year]"]
    years = pd.to_datetime(written["date"]).dt.year
    # NOAA: about 1.5 ppm a year in the 1990s; the gaps (empty fields) are bridged.
    assert 1.2 < rate[years.between(1990, 1999)].mean() < 1.8 and rate.notna().all()
    digits = [
        re.sub(r"[-.]|e.*", "", line.split(",")[1]).lstrip("0") for line in out.splitlines()[1:]
    ]
    assert max(map(len, digits)) == 7  # 7 significant digits by default


def test_a_body_temperature_typo_is_named_and_left_out_on_request(tmp_path, capsys):
    path = real_files.body_temperature(tmp_path)
    code, out, err = _run(capsys, path, "--x", "time", "--unit", "h", "--y-unit", "degC")
    assert code == 0
    assert err.startswith("pydelt-like: warning: column 'temperature' has 1 gross outlier")
    assert "3.7 at 2024-03-06 10:00" in err and "--outliers omit leaves it out" in err
    assert err.count("\n") == 1 and "Warning" not in err  # one line, no traceback
    code, out, err = _run(
        capsys, path, "--x", "time", "--unit", "h", "--outliers", "omit", "--order", "0"
    )
    fit = pd.read_csv(io.StringIO(out))["temperature fit"]
    assert code == 0 and "left out of the fit" in err
    assert fit.between(36.0, 39.5).all()  # the fever, not a dip to 3.7


def test_the_vapour_pressure_of_mercury_through_the_log(tmp_path, capsys):
    path = real_files.mercury_pressure(tmp_path)
    arguments = [path, "--x", "temperature", "--y", "pressure", "--log", "--std"]
    arguments += ["--order", "0", "--order", "1", "--x-unit", "degC", "--y-unit", "mmHg"]
    code, out, err = _run(capsys, *arguments, "--float-format", "%.17g")
    assert code == 0 and err == ""
    written = pd.read_csv(io.StringIO(out))
    assert list(written.columns)[1:] == [
        "pressure fit [mmHg]",
        "pressure fit std [mmHg]",
        "pressure d/dtemperature [mmHg/degC]",
        "pressure d/dtemperature std [mmHg/degC]",
    ]
    fit, slope = fit_columns(
        real_files.PRESSURE_T, real_files.PRESSURE_P, orders=(0, 1), log=True, return_std=True
    )
    np.testing.assert_array_equal(written.iloc[:, 1], fit.values[:, 0])
    np.testing.assert_array_equal(written.iloc[:, 3], slope.values[:, 0])
    np.testing.assert_array_equal(written.iloc[:, 4], slope.std[:, 0])
    assert (written.iloc[:, 3] > 0).all()  # a vapour pressure only rises


def test_tree_growth_in_long_format(tmp_path, capsys):
    path = real_files.tree_growth(tmp_path)
    code, out, err = _run(
        capsys, path, "--by", "tree", "--x", "year", "--y", "height", "--std", "--y-unit", "m"
    )
    assert code == 0 and err == ""
    written = pd.read_csv(io.StringIO(out))
    frame = pd.read_csv(path)
    # A numeric x without --x-unit: no unit to divide by, so none in the headers.
    assert list(written.columns) == ["tree", "year", "height d/dyear", "height d/dyear std"]
    assert (written["tree"] == frame["tree"]).all() and (written["year"] == frame["year"]).all()
    # Each tree fitted on its own years, as differentiate does with that tree alone.
    one = frame[frame["tree"] == "T2"].sort_values("year")
    alone = differentiate(pd.Series(one["height"].to_numpy(), index=one["year"].astype(float)))
    ours = written.loc[one.index, "height d/dyear"].to_numpy()
    np.testing.assert_allclose(ours, alone.to_numpy(), rtol=1e-6)


def test_a_german_logger_file_hourly_for_a_year(tmp_path, capsys):
    path = real_files.hourly_temperature(tmp_path)
    # Without --decimal: the hint; with it, day-first dates need no option here (13.01 can
    # only be the 13th of January).
    code, _, err = _run(capsys, path, "--sep", ";", "--x", "Zeit")
    assert code == 1 and "--decimal ," in err
    code, out, err = _run(
        capsys, path, "--sep", ";", "--decimal", ",", "--x", "Zeit", "--unit", "h"
    )
    assert code == 0 and err == ""
    lines = out.splitlines()
    assert lines[0] == "Zeit;Temperatur d/dt [per h]" and lines[1].startswith("01.01.2023 00:00;")
    rates = [float(line.split(";")[1].replace(",", ".")) for line in lines[1:]]
    # The daily cycle of ±4 degrees: its rate swings by about ±1 degree per hour.
    assert 0.7 < np.percentile(rates, 99) < 2.0 and len(rates) == 8760 - 168


def test_dates_that_read_both_ways_are_refused_until_said(tmp_path, capsys):
    path = tmp_path / "both.csv"
    path.write_text("d;v\n" + "".join(f"0{i}.02.2024;{i},5\n" for i in range(1, 10)))
    code, _, err = _run(capsys, path, "--sep", ";", "--decimal", ",", "--x", "d")
    assert code == 1 and "day first (01 February 2024) or month first (January 02 2024)" in err
    code, out, _ = _run(capsys, path, "--sep", ";", "--decimal", ",", "--x", "d", "--dayfirst")
    assert code == 0 and out.splitlines()[1].startswith("01.02.2024;")
    code, out2, _ = _run(
        capsys, path, "--sep", ";", "--decimal", ",", "--x", "d", "--date-format", "%m.%d.%Y"
    )
    assert code == 0 and out2 != out  # days apart instead of months apart
    code, _, err = _run(
        capsys, path, "--sep", ";", "--decimal", ",", "--x", "d", "--date-format", "%Y"
    )
    assert code == 1 and "does not match --date-format '%Y'" in err


def test_monthly_and_quarterly_stamps(tmp_path, capsys):
    path = tmp_path / "q.csv"
    quarters = [f"{2015 + i // 4}Q{i % 4 + 1}" for i in range(24)]
    path.write_text("q,gdp\n" + "".join(f"{q},{1000 + 12 * i}\n" for i, q in enumerate(quarters)))
    code, out, _ = _run(capsys, path, "--x", "q", "--unit", "quarter", "--y-unit", "EUR")
    written = pd.read_csv(io.StringIO(out))
    assert code == 0 and list(written.columns) == ["q", "gdp d/dt [EUR/quarter]"]
    np.testing.assert_allclose(written.iloc[2:-2, 1], 12.0, rtol=0.03)  # quarters vary in days
    monthly = tmp_path / "m.csv"
    monthly.write_text(
        "m,v\n" + "".join(f"{2020 + i // 12}-{i % 12 + 1:02d},{i}\n" for i in range(30))
    )
    code, out, _ = _run(capsys, monthly, "--x", "m", "--unit", "month")
    np.testing.assert_allclose(pd.read_csv(io.StringIO(out)).iloc[2:-2, 1], 1.0, rtol=0.05)


def test_weights_resolution_and_float_format(tmp_path, capsys):
    t = np.linspace(0, 10, 200)
    rng = np.random.default_rng(3)
    w = rng.uniform(0.5, 2, t.size)
    frame = pd.DataFrame({"t": t, "y": np.sin(t) + rng.normal(0, 0.05, t.size), "w": w})
    path = tmp_path / "w.csv"
    frame.to_csv(path, index=False)
    code, out, _ = _run(
        capsys, path, "--x", "t", "--y", "y", "--weights", "w", "--float-format", "%.17g"
    )
    (ours,) = fit_columns(t, frame["y"], weights=w)
    assert code == 0
    np.testing.assert_array_equal(pd.read_csv(io.StringIO(out)).iloc[:, 1], ours.values[:, 0])
    code, out, _ = _run(capsys, path, "--x", "t", "--y", "y", "--resolution", "2.5")
    (coarse,) = fit_columns(t, frame["y"], resolution=2.5)
    np.testing.assert_allclose(
        pd.read_csv(io.StringIO(out)).iloc[:, 1], coarse.values[:, 0], rtol=1e-6
    )
    code, out, _ = _run(capsys, path, "--x", "t", "--y", "y", "--float-format", "%.3f")
    assert re.fullmatch(r"-?\d+\.\d{3}", out.splitlines()[5].split(",")[1])
    for bad, message in (
        (["--float-format", "%d%d"], "--float-format must be"),
        (["--float-format", "plain"], "--float-format must be"),
        (["--resolution", "1year"], "length of time, but the x column holds numbers"),
        (["--weights", "nope"], "no column 'nope' for --weights"),
        (["--decimal", ";"], "--decimal must be"),
        (["--x-unit", "s", "--sep", ",", "--decimal", ","], "also the field separator"),
    ):
        code, _, err = _run(capsys, path, "--x", "t", "--y", "y", *bad)
        assert code == 1 and message in err, (bad, err)


def test_the_figure_is_plot_derivatives_with_the_commands_settings(tmp_path, capsys, monkeypatch):
    pytest.importorskip("matplotlib")
    import pydelt_like.plot

    calls = []
    real = pydelt_like.plot.plot_derivatives

    def spy(source, *args, **kwargs):
        calls.append((source, kwargs))
        return real(source, *args, **kwargs)

    monkeypatch.setattr(pydelt_like.plot, "plot_derivatives", spy)
    path = real_files.body_temperature(tmp_path)
    figure = tmp_path / "body.png"
    arguments = [path, "--x", "time", "--unit", "h", "--std", "--outliers", "omit"]
    code, _, err = _run(capsys, *arguments, "--y-unit", "degC", "--plot", figure)
    assert code == 0 and err.count("\n") == 1  # the refit for the figure does not say it twice
    ((source, kwargs),) = calls
    assert isinstance(source.index, pd.DatetimeIndex) and source.name == "temperature"
    assert (
        kwargs["unit"].name == "h" and kwargs["outliers"] == "omit" and kwargs["y_unit"] == "degC"
    )
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


def test_library_warnings_are_one_line_without_source(tmp_path):
    path = tmp_path / "mixed.csv"
    path.write_text("t,v\n" + "".join(f"Jan {i + 1} 2024,{i * i}\n" for i in range(20)))
    result = subprocess.run(
        [sys.executable, "-m", "pydelt_like", "diff", str(path), "--x", "t", "--unit", "D",
         "--smoothing", "1e-30", "--param", "max_knots=2"],
        capture_output=True,
        text=True,
    )  # fmt: skip
    assert result.returncode == 0
    lines = result.stderr.strip().splitlines()
    assert lines and all(line.startswith("pydelt-like: warning: ") for line in lines)
    assert "cli" not in result.stderr and "warnings.warn" not in result.stderr


def test_noaa_style_comments_missing_value_marks_encodings_and_byte_order_marks(tmp_path, capsys):
    # NOAA's monthly Mauna Loa CSV: '#' comment lines above the header, -99.99 for a missing
    # month, the time as a decimal year.
    months = np.arange(48)
    decimal_year = 1958.2027 + months / 12
    average = 315.7 + 0.07 * months + 3 * np.sin(2 * np.pi * months / 12)
    lines = ["# Monthly mean CO2 at Mauna Loa", "# -99.99: missing", "year,decimal date,average"]
    lines += [
        f"{int(y)},{y:.4f},{-99.99 if m in (5, 30) else a:.2f}"
        for m, y, a in zip(months, decimal_year, average, strict=True)
    ]
    path = tmp_path / "co2_mm.csv"
    path.write_text("\n".join(lines) + "\n")
    code, _, err = _run(capsys, path, "--x", "decimal date", "--y", "average")
    assert code == 1 and "--comment '#'" in err
    arguments = [path, "--comment", "#", "--x", "decimal date", "--y", "average"]
    code, out, err = _run(capsys, *arguments, "--na-values", "-99.99", "--order", "0")
    assert code == 0 and err == ""
    fit = pd.read_csv(io.StringIO(out))["average fit"]
    np.testing.assert_allclose(fit[[5, 30]], average[[5, 30]], atol=0.3)  # bridged, not -99.99
    code, _, err = _run(capsys, *arguments)  # without --na-values: the marks are outliers
    assert code == 0 and "gross outlier" in err and "-99.99" in err
    # A latin-1 file with a byte beyond ASCII, and a UTF-8 one with a byte-order mark.
    latin = tmp_path / "latin.csv"
    latin.write_bytes("t,Temperatur °C\n".encode("latin-1") + b"".join(
        f"{i},{20 + 0.5 * i}\n".encode() for i in range(12)
    ))  # fmt: skip
    code, _, err = _run(capsys, latin, "--x", "t")
    assert code == 1 and "--encoding latin-1" in err
    code, out, _ = _run(capsys, latin, "--x", "t", "--encoding", "latin-1")
    assert code == 0 and out.splitlines()[0] == "t,Temperatur °C d/dt"
    marked = tmp_path / "bom.csv"
    marked.write_bytes(b"\xef\xbb\xbf" + latin.read_bytes().decode("latin-1").encode())
    code, out, _ = _run(capsys, marked, "--x", "t")
    assert code == 0 and out.startswith("t,")
    code, _, err = _run(capsys, marked, "--x", "t", "--encoding", "klingon")
    assert code == 1 and "--encoding 'klingon'" in err
