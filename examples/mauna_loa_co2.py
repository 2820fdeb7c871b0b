"""Mauna Loa CO₂: the growth rate in ppm per year and the seasonal cycle, from a gappy record.

The weekly record of atmospheric CO₂ at Mauna Loa, 1958–2001, ships with statsmodels
(``statsmodels.datasets.co2``): 2284 weeks, 59 of them missing. With its DatetimeIndex as it
is, :func:`pydelt_like.timeseries.differentiate` gives the rate of change per Julian year at
every week (the gaps are bridged by the fit), named ``'co2 d/dt'`` in ``'ppm/year'``. The
instantaneous rate swings with the seasons (the Northern Hemisphere's plants take up CO₂ in
spring and summer); its mean over each calendar year is the annual growth rate. The slow trend
is the same fit smoothed over a year (``resolution='1year'``: no knot interval shorter than a
year, so the yearly cycle is left out as noise); the seasonal cycle is what the fit holds
beyond it, averaged by month. The figure is drawn by :func:`pydelt_like.plot.plot_derivatives`:
calendar dates, units on every axis and the 95 % band.

Run: ``python examples/mauna_loa_co2.py [--output DIR] [--no-plot]``
"""

from __future__ import annotations

import argparse
from pathlib import Path

import pandas as pd

from pydelt_like.timeseries import differentiate


def load_co2() -> pd.Series:
    """The weekly Mauna Loa record (ppm) with its gaps (NaN), from statsmodels."""
    from statsmodels.datasets import co2

    record = co2.load_pandas().data["co2"]
    record.attrs["units"] = "ppm"  # read by differentiate and plot_derivatives for the labels
    return record


def analyse(co2: pd.Series) -> dict[str, object]:
    """Growth rate (instantaneous and per calendar year) and mean seasonal cycle."""
    fit = differentiate(co2, order=0)  # the smoothed record, gaps filled
    rate = differentiate(co2, unit="year")  # ppm per year at every week
    complete_years = rate.groupby(rate.index.year).count() >= 50
    annual = rate.groupby(rate.index.year).mean()[complete_years]

    # Smoothed over a year: knot intervals of at least a year cannot draw the seasons.
    trend = differentiate(co2, order=0, unit="year", resolution="1year")
    trend_rate = differentiate(co2, unit="year", resolution="1year")
    seasonal = (fit - trend).groupby(fit.index.month).mean()
    return {
        "trend_rate": trend_rate,
        "fit": fit,
        "rate": rate,
        "annual": annual,
        "trend": trend,
        "seasonal": seasonal,
        "gaps": int(co2.isna().sum()),
    }


def plot(co2: pd.Series, results: dict, path: Path) -> None:
    """Save the record and its fit, its growth rate (all years, and the last seven), both
    with their 95 % bands, and the seasonal cycle."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    from pydelt_like.plot import plot_derivatives

    fig, axes = plt.subplots(4, 1, figsize=(8, 11.5), height_ratios=[1.1, 1, 1, 0.8])
    plot_derivatives(co2, orders=(0, 1), ax=axes[:2], unit="year", label="spline fit")
    trend, trend_rate, annual = results["trend"], results["trend_rate"], results["annual"]
    axes[0].plot(trend.index, trend, "k--", lw=1, label="trend (resolution 1 year)")
    axes[0].legend(fontsize="small", loc="upper left")
    axes[1].step(
        pd.to_datetime([f"{y}-07-01" for y in annual.index]),
        annual,
        where="mid",
        color="k",
        lw=1.2,
        label="calendar-year mean",
    )
    axes[1].plot(trend_rate.index, trend_rate, "r", lw=1.5, label="trend")
    axes[1].axhline(0, color="0.8", lw=0.8)
    axes[1].legend(fontsize="small", loc="upper left", ncols=2)
    axes[1].set_xlabel("date")

    # The last seven years close up: the seasonal peaks and the band around them.
    plot_derivatives(co2, orders=(1,), ax=axes[2:3], unit="year", label="spline fit")
    axes[2].set_xlim(pd.Timestamp("1995-01-01"), co2.index[-1] + pd.Timedelta(weeks=8))
    axes[2].axhline(0, color="0.8", lw=0.8)
    axes[2].legend(fontsize="small", loc="upper left")
    for note in axes[2].texts:  # the note of the 1964 gap, which this close-up does not show
        note.remove()

    seasonal = results["seasonal"]
    axes[3].bar(seasonal.index, seasonal, color="C2")
    axes[3].set_xticks(range(1, 13), list("JFMAMJJASOND"))
    axes[3].set_ylabel("seasonal cycle [ppm]")
    axes[3].set_xlabel("month")
    fig.tight_layout()
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=110)
    plt.close(fig)


def main(argv: list[str] | None = None) -> dict[str, object]:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--output", type=Path, default=Path(__file__).parent / "output")
    parser.add_argument("--no-plot", action="store_true", help="skip the figure")
    args = parser.parse_args(argv)

    co2 = load_co2()
    results = analyse(co2)
    annual, seasonal = results["annual"], results["seasonal"]
    print(f"{len(co2)} weeks, {results['gaps']} missing; fit bridges the gaps\n")
    print("growth rate, mean over each decade's complete calendar years [ppm/year]:")
    for decade, values in annual.groupby(annual.index // 10 * 10):  # type: ignore[union-attr]
        print(f"  {decade}s: {values.mean():.2f}")
    print(
        f"\nseasonal cycle: highest in month {int(seasonal.idxmax())}, lowest in month "  # type: ignore[union-attr]
        f"{int(seasonal.idxmin())}, peak to trough {seasonal.max() - seasonal.min():.1f} ppm"  # type: ignore[union-attr]
    )
    if not args.no_plot:
        path = args.output / "mauna_loa_co2.png"
        plot(co2, results, path)
        print(f"\nplot saved to {path}")
    return results


if __name__ == "__main__":
    main()
