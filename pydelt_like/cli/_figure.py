"""``--plot``: the figure of :func:`~pydelt_like.plot.plot_derivatives`, one column of axes per
y column, fitted with the command's own settings (method, unit, resolution, weights, log)."""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from pydelt_like.cli._errors import CommandError

#: Series drawn at most per axes in long format; more would be a tangle no one can read.
MAX_SERIES_DRAWN = 12


def save_figure(
    path: str,
    frame: Any,
    index: Any,
    keys: list[str],
    y_names: list[str],
    setting: Any,
    weights: str | None,
) -> None:
    """Save the data, the fit and each order, stacked, with bands where the fit gives them."""
    import matplotlib

    matplotlib.use("Agg")  # files only: never open a window
    import matplotlib.pyplot as plt
    import pandas as pd

    from pydelt_like.plot import plot_derivatives

    plot_orders = sorted({0, *setting.orders})
    fig, axes = plt.subplots(
        len(plot_orders),
        len(y_names),
        sharex="col",
        squeeze=False,
        figsize=(5 + 4 * len(y_names), 2.4 * len(plot_orders) + 1),
    )
    options = dict(
        method=setting.method,
        unit=setting.unit,
        resolution=setting.resolution,
        log=setting.log,
        outliers=setting.outliers,
        x_unit=None if setting.unit is not None else setting.x_unit,
        y_unit=setting.y_unit,
        **setting.params,
    )
    groups = frame.groupby(keys, sort=False).indices if keys else {None: np.arange(len(frame))}
    for j, name in enumerate(y_names):
        for count, (key, rows) in enumerate(groups.items()):
            if count == MAX_SERIES_DRAWN:
                axes[0, j].set_title(
                    f"{name}: the first {MAX_SERIES_DRAWN} of {len(groups)} series", fontsize=9
                )
                break
            order = np.argsort(np.asarray(index[rows]), kind="stable")
            rows = np.asarray(rows)[order]
            series = pd.Series(
                frame[name].to_numpy(dtype=float)[rows], index=index[rows], name=name
            )
            w = None if weights is None else frame[weights].to_numpy(dtype=float)[rows]
            label = None if key is None else ", ".join(map(str, np.atleast_1d(key)))
            with warnings.catch_warnings():
                # The same fits as the output's: what they had to say is said already.
                warnings.simplefilter("ignore")
                plot_derivatives(
                    series, plot_orders, ax=axes[:, j], weights=w, label=label, **options
                )
        else:
            axes[0, j].set_title(str(name))
    fig.tight_layout()
    try:
        fig.savefig(path, dpi=110)
    except OSError as error:
        raise CommandError(f"cannot write the plot {path!r}: {error.strerror or error}") from None
    finally:
        plt.close(fig)
