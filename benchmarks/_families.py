"""PyDelt's other families in the peer comparison: our LLA, GLLA, GOLD, LOWESS, LOESS and
FDA beside PyDelt's same methods, SciPy's ``savgol_filter`` and statsmodels' ``lowess``.

``peers.py`` builds its ``Method`` rows from the fit functions here and adds the verdict of
the families' bars (issue 16): each family at its automatic settings at least as accurate as
PyDelt's same method at PyDelt's defaults on every case, and within 1.5x of our spline on the
noisy rows.
"""

from __future__ import annotations

import warnings

import numpy as np

#: (our class, PyDelt's row for the same method, our row at PyDelt's parameters or None).
FAMILIES = [
    ("LlaInterpolator", "PyDelt Lla()", "ours LlaInterpolator(window_size=5, degree=1)"),
    ("GllaInterpolator", "PyDelt Glla()", "ours GllaInterpolator(embedding=3, n=2)"),
    ("GoldInterpolator", "PyDelt Gold()", "ours GoldInterpolator(window_size=5, n=2)"),
    ("LowessInterpolator", "PyDelt Lowess()", "ours LowessInterpolator(frac=0.1, it=3, degree=1)"),
    ("LoessInterpolator", "PyDelt Loess()", "ours LoessInterpolator(degree=2, frac=0.1, it=3)"),
    ("FdaInterpolator", "PyDelt Fda()", None),
]
#: PyDelt's parameters, as our rows "at PyDelt's parameters" pass them.
PYDELT_PARAMETERS = {
    "LlaInterpolator": {"window_size": 5, "degree": 1},
    "GllaInterpolator": {"embedding": 3, "n": 2},
    "GoldInterpolator": {"window_size": 5, "n": 2},
    "LowessInterpolator": {"frac": 0.1, "it": 3, "degree": 1},
    "LoessInterpolator": {"degree": 2, "frac": 0.1, "it": 3},
}
SPLINE = "ours SplineInterpolator()"
#: The families' bars: against PyDelt's same method (ties below the floor count as equal), and
#: against our spline on the noisy rows.
SPLINE_FACTOR = 1.5


def auto_name(cls: str) -> str:
    return f"ours {cls}()"


def ours(cls: str, **params):
    """Fit function of one of our families with the given parameters."""

    def fit(x, y, info):
        import pydelt_like

        model = getattr(pydelt_like, cls)(**params).fit(x, y)
        return _Callables(model.differentiate)

    return fit


class _Callables:
    def __init__(self, make):
        self.make = make

    def differentiate(self, order):
        return self.make(order)


class _Uniform:
    """Values at the samples of a method that needs a uniform step (resampled if not)."""

    def __init__(self, x, y, values_of):
        steps = np.diff(x)
        if np.ptp(steps) > 1e-9 * np.mean(steps):
            grid = np.linspace(x[0], x[-1], x.size)
            y, x = np.interp(grid, x, y), grid
        self.x, self.y, self.values_of = x, y, values_of

    def differentiate(self, order):
        values = self.values_of(self.x, self.y, order)
        return lambda grid: np.interp(grid, self.x, values)


def savgol(window_length: int, polyorder: int):
    """SciPy's Savitzky-Golay filter, its derivative of each order computed directly."""

    def fit(x, y, info):
        from scipy.signal import savgol_filter

        def values(t, v, order):
            step = float(t[1] - t[0])
            return savgol_filter(v, window_length, polyorder, deriv=order, delta=step)

        return _Uniform(x, y, values)

    return fit


def statsmodels_lowess(frac: float):
    """statsmodels' ``lowess`` smoothing, then ``numpy.gradient`` of the smoothed values."""

    class _Smoothed:
        def __init__(self, x, y):
            from statsmodels.nonparametric.smoothers_lowess import lowess

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                smooth = lowess(y, x, frac=frac, it=3, return_sorted=False)
            self.x, self.cache = x, {0: smooth}

        def values(self, order):
            if order not in self.cache:
                self.cache[order] = np.gradient(self.values(order - 1), self.x)
            return self.cache[order]

        def differentiate(self, order):
            values = self.values(order)
            return lambda grid: np.interp(grid, self.x, values)

    return lambda x, y, info: _Smoothed(x, y)


def _noisy(case) -> bool:
    return bool(np.any(np.asarray(case["sigma"]) > 0))


def family_rows(cases, results, floor):
    """One row per family, case and order: ours, PyDelt's same method, our spline, verdicts."""
    rows = []
    for cls, pydelt_name, _ in FAMILIES:
        name = auto_name(cls)
        for case in cases:
            res = results[case["name"]]
            if name not in res:
                continue
            for order in (1, 2):
                value = res[name]["nrmse"][order]
                pydelt = res[pydelt_name]["nrmse"][order] if pydelt_name in res else np.nan
                spline = res[SPLINE]["nrmse"][order]
                vs_pydelt = (
                    max(value, floor) / max(pydelt, floor) if np.isfinite(pydelt) else np.nan
                )
                vs_spline = max(value, floor) / max(spline, floor)
                noisy = _noisy(case)
                rows.append(
                    {
                        "family": cls,
                        "case": case["name"],
                        "order": order,
                        "noisy": noisy,
                        "ours": value,
                        "pydelt": pydelt,
                        "spline": spline,
                        "vs_pydelt": vs_pydelt,
                        "vs_spline": vs_spline,
                        # A NaN (failed) fit of ours misses; a missing PyDelt row does not.
                        "beats_pydelt": bool(np.isfinite(value))
                        and (not np.isfinite(pydelt) or vs_pydelt <= 1.0),
                        "near_spline": (not noisy) or bool(vs_spline <= SPLINE_FACTOR),
                    }
                )
    return rows


def family_missed(rows) -> list[str]:
    missed = []
    for r in rows:
        if not r["beats_pydelt"]:
            missed.append(
                f"{r['family']} {r['case']} order {r['order']}: {r['ours']:.3g} against PyDelt's "
                f"{r['pydelt']:.3g} ({r['vs_pydelt']:.2f}x); bar: at least as accurate"
            )
        if not r["near_spline"]:
            missed.append(
                f"{r['family']} {r['case']} order {r['order']}: {r['ours']:.3g} is "
                f"{r['vs_spline']:.2f}x our spline's {r['spline']:.3g}; bar {SPLINE_FACTOR}x"
            )
    return missed


def print_family_summary(rows) -> None:
    print(f"\n{'family':20s} {'case':34s} {'ord':>3s} {'ours':>10s} {'PyDelt':>10s} {'spline':>10s} {'/PyDelt':>8s} {'/spline':>8s}")  # fmt: skip
    for r in rows:
        flag = "" if r["beats_pydelt"] and r["near_spline"] else "  MISSED"
        print(f"{r['family']:20s} {r['case']:34s} {r['order']:3d} {r['ours']:10.3g} {r['pydelt']:10.3g} {r['spline']:10.3g} {r['vs_pydelt']:8.2g} {r['vs_spline']:8.2f}{flag}")  # fmt: skip


def family_lines(rows, fmt) -> list[str]:
    """The Markdown section of ``benchmarks.md`` on the families."""
    missed = family_missed(rows)
    met = sum(r["beats_pydelt"] and r["near_spline"] for r in rows)
    lines = [
        "## PyDelt's other families",
        "",
        "Our LLA, GLLA, GOLD, LOWESS, LOESS and FDA (see [Families](families.md)) at their "
        "automatic settings, against PyDelt's class of the same name at PyDelt's defaults and "
        "against our spline. Bars (issue 16): at least as accurate as PyDelt's same method "
        f"in every row (values below {fmt(1e-10)} tie), and within {SPLINE_FACTOR}x of our "
        "spline in the noisy rows. The rows of ours at PyDelt's own parameters and the "
        "SciPy / statsmodels rows are in the tables of each case below.",
        "",
        f"Bars met in **{met} of {len(rows)}** rows.",
        "",
    ]
    if missed:
        lines += ["**Missed**:", ""] + [f"- {m}" for m in missed] + [""]
    lines += [
        "| family | case | order | noisy | ours | PyDelt, same method | our spline | ours / PyDelt | ours / spline |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        ratio_p = "—" if not np.isfinite(r["vs_pydelt"]) else f"{r['vs_pydelt']:.2g}x"
        mark_s = "" if r["near_spline"] else " **(bar missed)**"
        mark_p = "" if r["beats_pydelt"] else " **(bar missed)**"
        lines.append(
            f"| {r['family']} | {r['case']} | {r['order']} | {'yes' if r['noisy'] else 'no'} | "
            f"{fmt(r['ours'])} | {fmt(r['pydelt'])} | {fmt(r['spline'])} | {ratio_p}{mark_p} | "
            f"{r['vs_spline']:.3g}x{mark_s} |"
        )
    lines.append("")
    return lines


BEGIN_MARK = "<!-- families-accuracy: written by benchmarks/peers.py, do not edit -->"
END_MARK = "<!-- /families-accuracy -->"
#: One column per estimator: LLA, GLLA and GOLD share one, as do LOWESS and LOESS.
_COLUMNS = [
    ("LLA / GLLA / GOLD", ("LlaInterpolator", "GllaInterpolator", "GoldInterpolator")),
    ("LOWESS / LOESS", ("LowessInterpolator", "LoessInterpolator")),
    ("FDA", ("FdaInterpolator",)),
]


def accuracy_block(rows, fmt, when: str) -> list[str]:
    """The compact table of ``docs/families.md``: nrmse of ours, PyDelt's same method's in
    brackets, and our spline's, per case and order, and the bars' verdict."""
    by_key = {(r["family"], r["case"], r["order"]): r for r in rows}
    missed = family_missed(rows)
    met = sum(r["beats_pydelt"] and r["near_spline"] for r in rows)
    lines = [
        BEGIN_MARK,
        "",
        f"Interior nrmse of the derivative ({when}; `python benchmarks/peers.py --families` "
        "reproduces it): ours at the automatic settings (the worst of the classes in the "
        "column, which share one estimator), PyDelt's classes of the same names at their "
        "defaults in brackets (the best of them), our spline last. Bars met in "
        f"**{met} of {len(rows)}** rows" + (":" if not missed else "; missed:"),
        "",
    ]
    lines += [f"- {m}" for m in missed] + ([""] if missed else [])
    head = "| case | order | " + " | ".join(label for label, _ in _COLUMNS) + " | our spline |"
    lines += [head, "|---|---|" + "---|" * (len(_COLUMNS) + 1)]
    cases = list(dict.fromkeys(r["case"] for r in rows))
    for case in cases:
        for order in (1, 2):
            cells, spline = [], None
            for _, classes in _COLUMNS:
                found = [by_key[k] for c in classes if (k := (c, case, order)) in by_key]
                if not found:
                    cells.append("—")
                    continue
                spline = found[0]["spline"]
                ours = float(np.max([r["ours"] for r in found]))  # a NaN (failure) shows
                pydelt = min(
                    (r["pydelt"] for r in found if np.isfinite(r["pydelt"])), default=np.nan
                )
                cells.append(f"{fmt(ours)} ({fmt(pydelt)})")
            lines.append(f"| {case} | {order} | " + " | ".join(cells) + f" | {fmt(spline)} |")
    return [*lines, "", END_MARK]


def write_accuracy(path, rows, fmt, when: str) -> bool:
    """Replace the marked block of ``path`` (or its placeholder line) with the table; False
    when the page has neither."""
    from pathlib import Path

    page = Path(path)
    if not page.exists():
        return False
    text = page.read_text()
    block = "\n".join(accuracy_block(rows, fmt, when))
    if BEGIN_MARK in text and END_MARK in text:
        head, rest = text.split(BEGIN_MARK, 1)
        tail = rest.split(END_MARK, 1)[1]
        text = head + block + tail
    elif "ACCURACY_PLACEHOLDER" in text:
        text = text.replace("ACCURACY_PLACEHOLDER", block)
    else:
        return False
    page.write_text(text)
    return True
