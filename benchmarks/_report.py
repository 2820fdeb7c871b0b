"""The verdict every benchmark ends with."""

from __future__ import annotations


def verdict(missed: list[str]) -> int:
    """Print the missed bars (or that all were met); return the exit status."""
    if missed:
        print("\nMISSED BARS:\n  " + "\n  ".join(missed))
        return 1
    print("\nall bars met")
    return 0
