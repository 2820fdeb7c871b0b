"""Five kinds of real files, written as their sources write them, for the command line's tests.

- weekly Mauna Loa CO₂ (statsmodels' copy of the NOAA record), gaps as empty fields;
- a body-temperature record (every 4 hours for 10 days, a fever, one mistyped reading 3.7);
- the vapour pressure of mercury (R's ``pressure`` data), which spans seven decades;
- tree heights in long format (several trees, each measured in years of its own);
- a year of hourly air temperatures as a German logger writes them:
  ``dd.mm.yyyy hh:mm;12,5`` (day-first dates, decimal commas, semicolons).
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

# R's `pressure` data set: the vapour pressure of mercury (mm Hg) against temperature (°C).
PRESSURE_T = np.arange(0.0, 361.0, 20.0)
PRESSURE_P = np.array(
    [0.0002, 0.0012, 0.006, 0.03, 0.09, 0.27, 0.75, 1.85, 4.2, 8.8, 17.3, 32.1, 57.0, 96.0,
     157.0, 247.0, 376.0, 558.0, 806.0]
)  # fmt: skip


def co2_weekly(directory: Path) -> Path:
    """The weekly Mauna Loa record, 1958-2001, 59 weeks missing (empty fields)."""
    from statsmodels.datasets import co2

    record = co2.load_pandas().data["co2"]
    path = directory / "co2_weekly.csv"
    record.rename_axis("date").to_frame("co2").to_csv(path, float_format="%.1f")
    return path


def body_temperature(directory: Path) -> Path:
    """Every 4 hours for 10 days: a fever peaking on day 4; one reading typed 3.7 for 37.x."""
    import pandas as pd

    rng = np.random.default_rng(7)
    stamps = pd.date_range("2024-03-01 06:00", periods=60, freq="4h")
    days = np.arange(60) / 6.0
    fever = 2.2 * np.exp(-0.5 * ((days - 4.0) / 1.2) ** 2)
    circadian = 0.3 * np.sin(2 * np.pi * (days - 0.4))
    celsius = 36.8 + fever + circadian + rng.normal(0, 0.08, 60)
    text = [f"{c:.1f}" for c in celsius]
    text[31] = "3.7"  # a mistyped reading: the decimal point one digit early
    path = directory / "body_temperature.csv"
    lines = [
        "time,temperature",
        *(f"{s:%Y-%m-%d %H:%M},{v}" for s, v in zip(stamps, text, strict=True)),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def mercury_pressure(directory: Path) -> Path:
    path = directory / "pressure.csv"
    lines = [
        "temperature,pressure",
        *(f"{t:g},{p:g}" for t, p in zip(PRESSURE_T, PRESSURE_P, strict=True)),
    ]
    path.write_text("\n".join(lines) + "\n")
    return path


def tree_growth(directory: Path) -> Path:
    """Heights (m) of five trees, each measured in years of its own, rows in no order."""
    import pandas as pd

    rng = np.random.default_rng(3)
    rows = []
    for number, (top, rate, middle) in enumerate(
        [
            (24.0, 0.18, 25.0),
            (30.0, 0.15, 30.0),
            (18.0, 0.22, 20.0),
            (27.0, 0.12, 35.0),
            (21.0, 0.2, 22.0),
        ]
    ):
        years = np.sort(
            rng.choice(np.arange(1975, 2025), size=int(rng.integers(14, 22)), replace=False)
        )
        age = years - 1970.0
        height = top / (1 + np.exp(-rate * (age - middle))) + rng.normal(0, 0.15, years.size)
        rows += [
            (f"T{number + 1}", int(y), round(float(h), 2))
            for y, h in zip(years, height, strict=True)
        ]
    frame = pd.DataFrame(rows, columns=["tree", "year", "height"]).sample(frac=1.0, random_state=1)
    path = directory / "trees.csv"
    frame.to_csv(path, index=False)
    return path


def hourly_temperature(directory: Path) -> Path:
    """A year of hourly air temperature, 'dd.mm.yyyy hh:mm;12,5', with a week-long outage."""
    import pandas as pd

    rng = np.random.default_rng(11)
    stamps = pd.date_range("2023-01-01 00:00", "2023-12-31 23:00", freq="h")
    day = np.arange(stamps.size) / 24.0
    seasonal = 9.0 - 9.5 * np.cos(2 * np.pi * (day - 15) / 365.0)
    daily = 4.0 * np.sin(2 * np.pi * (day - 0.375))
    weather = np.convolve(rng.normal(0, 1.0, stamps.size), np.ones(48) / 7.0, mode="same")
    celsius = seasonal + daily + weather + rng.normal(0, 0.2, stamps.size)
    keep = np.ones(stamps.size, dtype=bool)
    keep[5000:5168] = False  # the logger was down for a week in July
    lines = ["Zeit;Temperatur"] + [
        f"{s:%d.%m.%Y %H:%M};{f'{v:.1f}'.replace('.', ',')}"
        for s, v in zip(stamps[keep], celsius[keep], strict=True)
    ]
    path = directory / "hourly_temperature.csv"
    path.write_text("\n".join(lines) + "\n")
    return path


def write_all(directory: Path) -> dict[str, Path]:
    directory.mkdir(parents=True, exist_ok=True)
    return {
        "co2": co2_weekly(directory),
        "body": body_temperature(directory),
        "pressure": mercury_pressure(directory),
        "trees": tree_growth(directory),
        "hourly": hourly_temperature(directory),
    }


if __name__ == "__main__":
    import sys

    for name, path in write_all(Path(sys.argv[1])).items():
        print(name, path)
