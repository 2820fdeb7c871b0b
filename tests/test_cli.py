"""The pydelt-like command: same numbers as the Python API, one-line errors, complete help."""

from __future__ import annotations

import io
import re
import subprocess
import sys
import warnings

import numpy as np
import pytest

from pydelt_like.cli import main
from pydelt_like.timeseries import differentiate

pd = pytest.importorskip("pandas")


@pytest.fixture
def csv_file(tmp_path):
    rng = np.random.default_rng(0)
    sec = np.sort(rng.uniform(0, 3600, 300))
    stamps = pd.Timestamp("2024-05-01 08:00") + pd.to_timedelta(sec, unit="s")
    frame = pd.DataFrame(
        {
            "time": stamps.strftime("%Y-%m-%d %H:%M:%S.%f"),
            "value": np.sin(sec / 300) + 0.01 * rng.standard_normal(sec.size),
            "other": sec**2 / 1e6,
            "label": ["x"] * sec.size,
        }
    )
    frame.loc[17, "value"] = np.nan
    path = tmp_path / "data.csv"
    frame.to_csv(path, index=False)
    return path, frame


def test_round_trip_gives_the_same_numbers_as_the_python_api(csv_file, tmp_path):
    path, frame = csv_file
    out = tmp_path / "out.csv"
    code = main(
        [
            "diff",
            str(path),
            "--x",
            "time",
            "--y",
            "value",
            "--y",
            "other",
            "--order",
            "1",
            "--order",
            "2",
            "--unit",
            "min",
            "--float-format",
            "%.17g",
            "-o",
            str(out),
        ]
    )
    assert code == 0
    written = pd.read_csv(out)
    names = {1: "d/dt [per min]", 2: "d²/dt² [per min²]"}  # no --y-unit: 'per' the time unit
    assert list(written.columns) == [
        "time",
        *(f"{column} {names[order]}" for column in ("value", "other") for order in (1, 2)),
    ]
    assert (written["time"] == frame["time"]).all()  # timestamps as written in the input
    indexed = frame.set_index(pd.to_datetime(frame["time"]))[["value", "other"]]
    for order in (1, 2):
        api = differentiate(indexed, order=order, unit="min")
        for column in ("value", "other"):
            np.testing.assert_array_equal(
                written[f"{column} {names[order]}"], api[column].to_numpy()
            )
    # And they are right: d(sec**2/1e6)/dmin = 2 sec / 1e6 * 60.
    sec = (indexed.index - indexed.index[0]).total_seconds().to_numpy() + float(
        (indexed.index[0] - pd.Timestamp("2024-05-01 08:00")).total_seconds()
    )
    np.testing.assert_allclose(written["other d/dt [per min]"], 2 * sec / 1e6 * 60, rtol=1e-6)


def test_standard_input_and_output_and_default_columns(csv_file, monkeypatch, capsys):
    path, _ = csv_file
    monkeypatch.setattr(sys, "stdin", io.StringIO(path.read_text()))
    assert main(["diff", "--x", "time", "--order", "0"]) == 0
    written = pd.read_csv(io.StringIO(capsys.readouterr().out))
    # Every numeric column other than x, not the text column.
    assert list(written.columns) == ["time", "value fit", "other fit"]
    assert np.isfinite(written["value fit"]).all()  # the gap at row 17 is bridged


def test_numeric_x_and_fixed_smoothing(tmp_path, capsys):
    x = np.linspace(0, 1, 50)
    path = tmp_path / "poly.csv"
    pd.DataFrame({"x": x, "y": x**3}).to_csv(path, index=False)
    assert main(["diff", str(path), "--x", "x", "--smoothing", "0", "--param", "k=3"]) == 0
    written = pd.read_csv(io.StringIO(capsys.readouterr().out))
    np.testing.assert_allclose(written["y d/dx"], 3 * x**2, atol=1e-6, rtol=1e-6)  # 7 digits


def test_plot_is_saved(csv_file, tmp_path):
    pytest.importorskip("matplotlib")
    path, _ = csv_file
    figure = tmp_path / "fig.png"
    code = main(
        [
            "diff",
            str(path),
            "--x",
            "time",
            "--y",
            "value",
            "--y",
            "other",
            "-o",
            str(tmp_path / "o.csv"),
            "--plot",
            str(figure),
        ]
    )
    assert code == 0
    assert figure.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and figure.stat().st_size > 20_000


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--x", "nope"], "no column 'nope' for --x"),
        (["--x", "time", "--y", "missing"], "no column 'missing' for --y"),
        (["--x", "time", "--y", "label"], "column 'label' (--y) holds"),
        (["--x", "label", "--y", "value"], "neither numbers nor timestamps"),
        (["--x", "value", "--y", "other"], "column 'value' has 1 missing"),
        (["--x", "other", "--y", "time"], "column 'time' (--y) holds"),
        (["--x", "other", "--y", "value", "--order", "9"], "derivatives up to order 5"),
        (["--x", "time", "--order", "-1"], "--order must be >= 0"),
        (["--x", "time", "--method", "neural", "--smoothing", "1"], "neural has none"),
        (["--x", "time", "--smoothing", "lots"], "'auto' or a number"),
        (["--x", "time", "--param", "k"], "NAME=VALUE"),
        (["--x", "time", "--param", "colour=3"], "colour"),
    ],
)
def test_bad_data_exit_1_with_one_line(csv_file, capsys, arguments, message):
    path, _ = csv_file
    assert main(["diff", str(path), *arguments]) == 1
    err = capsys.readouterr().err
    assert err.startswith("pydelt-like: error: ") and message in err
    assert err.count("\n") == 1


def test_missing_x_values_are_refused(tmp_path, capsys):
    path = tmp_path / "nan_x.csv"
    pd.DataFrame({"x": [0.0, 1.0, np.nan, 3.0], "y": [0.0, 1.0, 2.0, 3.0]}).to_csv(
        path, index=False
    )
    assert main(["diff", str(path), "--x", "x"]) == 1
    assert "missing or infinite values, first at position 2" in capsys.readouterr().err


def test_unreadable_inputs(tmp_path, capsys):
    assert main(["diff", str(tmp_path / "absent.csv"), "--x", "t"]) == 1
    assert "no such file" in capsys.readouterr().err
    (tmp_path / "empty.csv").write_text("")
    assert main(["diff", str(tmp_path / "empty.csv"), "--x", "t"]) == 1
    assert "empty" in capsys.readouterr().err
    (tmp_path / "header.csv").write_text("t,v\n")
    assert main(["diff", str(tmp_path / "header.csv"), "--x", "t", "--y", "v"]) == 1
    assert "no rows" in capsys.readouterr().err
    (tmp_path / "binary.csv").write_bytes(b"\xff\xfe\x00\x81\x82\n\x00\xff")
    assert main(["diff", str(tmp_path / "binary.csv"), "--x", "t"]) == 1
    assert capsys.readouterr().err.startswith("pydelt-like: error: ")


def test_mixed_utc_offsets_are_converted(tmp_path, capsys):
    path = tmp_path / "dst.csv"
    stamps = pd.date_range("2024-03-31 00:00", periods=8, freq="h", tz="Europe/Paris")
    pd.DataFrame({"t": [s.isoformat() for s in stamps], "v": 2.0 * np.arange(8)}).to_csv(
        path, index=False
    )
    assert main(["diff", str(path), "--x", "t", "--unit", "h"]) == 0
    written = pd.read_csv(io.StringIO(capsys.readouterr().out))
    np.testing.assert_allclose(written["v d/dt [per h]"], 2.0, rtol=1e-6)  # across the DST change


def test_help_is_complete_and_module_entry_point_runs():
    result = subprocess.run(
        [sys.executable, "-m", "pydelt_like", "diff", "--help"],
        capture_output=True,
        text=True,
        check=True,
    )
    for option in (
        "--x",
        "--y",
        "--method",
        "--order",
        "--smoothing",
        "--unit",
        "--output",
        "--plot",
        "--progress",
        "--param",
        "--seed",
        "examples:",
        "Exit status",
    ):
        assert option in result.stdout
    bad = subprocess.run(
        [sys.executable, "-m", "pydelt_like", "diff"], capture_output=True, text=True
    )
    assert bad.returncode == 2 and "--x" in bad.stderr


def test_review_cases_tabs_booleans_mixed_dates_and_exact_x(tmp_path, capsys):
    path = tmp_path / "tab.tsv"
    path.write_text(
        "t\tv\tflag\n2024-01-01\t0\tTrue\n2024-01-01 06:00\t1\tFalse\n2024-01-01 12:00\t2\tTrue\n"
        "2024-01-01 18:00\t3\tTrue\n2024-01-02\t4\tFalse\n2024-01-02 06:00\t5\tTrue\n"
        "2024-01-02 12:00\t6\tTrue\n2024-01-02 18:00\t7\tFalse\n"
    )
    assert main(["diff", str(path), "--x", "t", "--sep", "\\t", "--unit", "h", "--std"]) == 0
    written = pd.read_csv(io.StringIO(capsys.readouterr().out), sep="\t")
    # The boolean column is left out.
    assert list(written.columns) == ["t", "v d/dt [per h]", "v d/dt std [per h]"]
    assert written["t"].iloc[0] == "2024-01-01" and written["t"].iloc[1] == "2024-01-01 06:00"
    np.testing.assert_allclose(written["v d/dt [per h]"], 1 / 6, rtol=1e-6)
    numeric = tmp_path / "x.csv"
    numeric.write_text("x,y\n0.0,0\n0.1,1\n0.2,2\n0.3,3\n0.4,4\n0.5,5\n0.6,6\n0.7,7\n")
    assert main(["diff", str(numeric), "--x", "x"]) == 0
    assert capsys.readouterr().out.splitlines()[2].startswith("0.1,")  # x as written
    assert main(["diff", str(numeric), "--x", "x", "--sep", ";;"]) == 1
    assert "one character" in capsys.readouterr().err


def test_std_columns_equal_the_api(csv_file, tmp_path):
    path, frame = csv_file
    out = tmp_path / "std.csv"
    arguments = ["--x", "time", "--y", "other", "--std", "--float-format", "%.17g"]
    assert main(["diff", str(path), *arguments, "-o", str(out)]) == 0
    written = pd.read_csv(out)
    indexed = frame.set_index(pd.to_datetime(frame["time"]))[["other"]]
    _, std = differentiate(indexed, return_std=True)
    np.testing.assert_array_equal(written["other d/dt std [per s]"], std["other"].to_numpy())


def test_waiting_on_a_terminal_is_refused(monkeypatch, capsys):
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True, raising=False)
    assert main(["diff", "--x", "t"]) == 1
    assert "no input" in capsys.readouterr().err


def _minutes_file(tmp_path, sep=",", name="m.csv"):
    path = tmp_path / name
    stamps = pd.date_range("2024-01-01 00:00", periods=40, freq="min")
    lines = [sep.join(["t", "v"])]
    lines += [sep.join([str(s), f"{0.5 * i:.1f}"]) for i, s in enumerate(stamps)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize(
    ("unit", "per_minute_factor"),
    [("min", 1.0), ("h", 60.0), ("month", 365.25 * 1440 / 12), ("year", 365.25 * 1440)],
)
def test_unit_table_is_the_python_one(tmp_path, capsys, unit, per_minute_factor):
    path = _minutes_file(tmp_path)
    assert main(["diff", str(path), "--x", "t", "--unit", unit]) == 0
    written = pd.read_csv(io.StringIO(capsys.readouterr().out))
    header = f"v d/dt [per {unit}]"
    np.testing.assert_allclose(written[header], 0.5 * per_minute_factor, rtol=1e-6)


@pytest.mark.parametrize(
    ("unit", "match"),
    [
        ("MS", r"--unit 'MS' is pandas' month-start.*--unit month.*--unit ms"),
        ("M", r"--unit 'M' means a month"),
        ("m", r"--unit min or --unit month"),
        ("15T", r"'T' in --unit 15T is a retired pandas alias"),
        ("YS", r"--unit year"),
        ("fortnight", r"--unit fortnight is not a time unit; use 'ns'"),
        ("-1h", r"positive"),
    ],
)
def test_units_without_one_meaning_are_refused_before_reading(tmp_path, capsys, unit, match):
    missing = tmp_path / "missing.csv"  # the unit is checked first: no file needed
    assert main(["diff", str(missing), "--x", "t", f"--unit={unit}"]) == 1
    err = capsys.readouterr().err
    assert err.startswith("pydelt-like: error: ") and len(err.strip().splitlines()) == 1
    assert re.search(match, err), err


def test_unit_with_numeric_x_is_refused(tmp_path, capsys):
    path = tmp_path / "n.csv"
    path.write_text("x,y\n0,0\n1,1\n2,2\n3,3\n4,4\n5,5\n")
    assert main(["diff", str(path), "--x", "x", "--unit", "h"]) == 1
    assert "holds numbers" in capsys.readouterr().err


@pytest.mark.parametrize("text", ["\\x", "\\", "\\N{bogus}", "\\u00", "\\€", "\\xZZ"])
def test_malformed_escapes_in_sep_get_one_line(tmp_path, capsys, text):
    path = _minutes_file(tmp_path)
    assert main(["diff", str(path), "--x", "t", "--sep", text]) == 1
    err = capsys.readouterr().err
    assert "--sep" in err and "not a valid escape sequence" in err
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize(
    "text", [".", "-", "+", ":", '"', "1", "e", "T", "\\n", "\n", "\\r", "\\v", "\u2028"]
)
def test_separators_that_occur_in_numbers_dates_or_line_ends_are_refused(tmp_path, capsys, text):
    path = _minutes_file(tmp_path)
    assert main(["diff", str(path), "--x", "t", "--sep", text]) == 1
    assert "cannot separate fields" in capsys.readouterr().err
    assert main(["diff", str(path), "--x", "t", "--sep", "\\0"]) == 1
    assert "NUL" in capsys.readouterr().err


@pytest.mark.parametrize("sep", [";", "|", "\t", "€", "\x1f", "'"])
def test_other_one_character_separators_work_both_ways(tmp_path, capsys, sep):
    path = _minutes_file(tmp_path, sep=sep)
    typed = {"\t": "\\t", "\x1f": "\\x1f"}.get(sep, sep)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no pandas warning about its engine either
        assert main(["diff", str(path), "--x", "t", "--sep", typed, "--unit", "min"]) == 0
    written = pd.read_csv(io.StringIO(capsys.readouterr().out), sep=sep, engine="python")
    assert list(written.columns) == ["t", "v d/dt [per min]"]
    np.testing.assert_allclose(written["v d/dt [per min]"], 0.5, rtol=1e-6)


def test_a_separator_inside_the_values_is_not_read_as_an_index(tmp_path, capsys):
    # A space splits '2024-01-01 00:00:00' in two: pandas would take the dates as an index
    # and differentiate against the times of day alone.
    path = _minutes_file(tmp_path, sep=" ")
    assert main(["diff", str(path), "--x", "t", "--sep", " "]) == 1
    assert "more fields than the header" in capsys.readouterr().err
