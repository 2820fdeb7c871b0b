"""Progress bars through tqdm, an optional dependency imported only when a bar is asked for."""

from __future__ import annotations

from typing import Any


def progress_bar(iterable: Any = None, **options: Any) -> Any:
    """A ``tqdm.auto.tqdm`` bar over ``iterable`` (or a manual one with ``total=``).

    Parameters
    ----------
    iterable : iterable, optional
        What to iterate over; leave it out for a bar updated by hand.
    **options
        Passed to tqdm (``total``, ``desc``, ``unit``, ...).

    Returns
    -------
    tqdm.auto.tqdm

    Raises
    ------
    ImportError
        If tqdm is not installed, saying how to install it.
    """
    try:
        from tqdm.auto import tqdm
    except ImportError as error:
        raise ImportError(
            "progress=True needs tqdm: pip install 'pydelt-like[progress]'"
        ) from error
    return tqdm(iterable, **options)
