"""The result of check_derivative: the verdict, how strong it is, and every point used."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

__all__ = ["DerivativeCheck"]

AGREES, DIFFERS = "agrees", "differs"
UNDEFINED_F, OFF_CURVE = "undefined: f", "undefined: not on the curve"
UNDEFINED_DERIVATIVE, UNDEFINED_YOURS = "undefined: derivative", "undefined: yours"


@dataclass(frozen=True)
class DerivativeCheck:
    """The outcome of :func:`check_derivative`; prints as a table with the verdict.

    Attributes
    ----------
    verdict : {'correct', 'wrong', 'undefined'}
        'wrong' when your answer differs from the derivative at some point (or is undefined
        at a random point where the derivative is defined); 'undefined' when no point was
        found where ``f`` is defined; else 'correct'.
    ok : bool
        ``verdict == 'correct'``.
    proved : bool
        Whether your answer was proved equal to the derivative by simplification (on the
        curve, for an equation); otherwise a correct verdict rests on the random points.
    variables : tuple of str
        The variables, in the order of the table's columns.
    points : dict of str to numpy.ndarray
        Every point used, one array per variable: the points you gave first, then the
        random ones.
    given : numpy.ndarray of bool
        True for the points you gave.
    hand, reference : numpy.ndarray
        Your answer and the derivative it is checked against at each point (NaN where
        undefined).
    reference_kind : {'symbolic', 'numeric'}
        The derivative by the rules (``f`` an expression or equation), or by central
        differences (``f`` a callable).
    numeric, spline : numpy.ndarray or None
        Central differences of ``f``, and the derivative of a spline fitted to samples of
        ``f`` (what data would give); None where they do not apply.
    errors : numpy.ndarray
        ``|hand - reference|``.
    status : tuple of str
        Per point: 'agrees', 'differs', 'undefined: f' (or 'undefined: not on the curve'),
        'undefined: derivative' or 'undefined: yours'.
    derivative : Expr or None
        The derivative by the rules.
    rtol, atol : float
        The tolerance beyond the rounding-error bounds.
    notes : tuple of str
        Anything worth knowing.
    description : str
        What was checked.
    """

    verdict: str
    ok: bool
    proved: bool
    variables: tuple[str, ...]
    points: dict[str, np.ndarray]
    given: np.ndarray
    hand: np.ndarray
    reference: np.ndarray
    reference_kind: str
    numeric: np.ndarray | None
    spline: np.ndarray | None
    errors: np.ndarray
    status: tuple[str, ...]
    derivative: Any
    rtol: float
    atol: float
    notes: tuple[str, ...] = ()
    description: str = ""

    @property
    def failures(self) -> dict[str, np.ndarray]:
        """The points where your answer is wrong."""
        bad = np.array([s == DIFFERS for s in self.status], dtype=bool)
        bad |= ~self.given & np.array([s == UNDEFINED_YOURS for s in self.status], dtype=bool)
        return {name: values[bad] for name, values in self.points.items()}

    @property
    def max_error(self) -> float:
        """The largest ``|hand - reference|`` where both are defined (NaN if none)."""
        finite = self.errors[np.isfinite(self.errors)]
        return float(finite.max()) if finite.size else float("nan")

    def _where(self, index: int) -> str:
        return ", ".join(f"{n} = {self.points[n][index]:.6g}" for n in self.variables)

    def __str__(self) -> str:
        columns = [(name, self.points[name]) for name in self.variables]
        columns += [("hand", self.hand), (self.reference_kind, self.reference)]
        if self.numeric is not None and self.reference_kind != "numeric":
            columns.append(("numeric", self.numeric))
        if self.spline is not None:
            columns.append(("spline", self.spline))
        columns.append((f"|hand - {self.reference_kind}|", self.errors))
        header = "  ".join(f"{name:>14s}" for name, _ in columns) + "  point   status"
        lines = [self.description, header] if self.description else [header]
        for i, status in enumerate(self.status):
            cells = "  ".join(f"{values[i]:14.8g}" for _, values in columns)
            lines.append(f"{cells}  {'given ' if self.given[i] else 'random'}  {status}")
        lines.append(f"verdict: {self.verdict.upper()} ({self._strength()})")
        wrong = [i for i, s in enumerate(self.status) if s == DIFFERS]
        if wrong:
            lines.append("differs at " + "; ".join(self._where(i) for i in wrong[:6]))
        yours = [i for i, s in enumerate(self.status) if s == UNDEFINED_YOURS]
        if yours:
            lines.append(
                "your answer is undefined (the derivative is not) at "
                + "; ".join(self._where(i) for i in yours[:6])
            )
        for reason in (UNDEFINED_F, OFF_CURVE, UNDEFINED_DERIVATIVE):
            spots = [i for i, s in enumerate(self.status) if s == reason and self.given[i]]
            if spots:
                what = {
                    UNDEFINED_F: "f is not defined there",
                    OFF_CURVE: "not on the curve",
                    UNDEFINED_DERIVATIVE: "the derivative is not defined there",
                }[reason]
                shown = "; ".join(self._where(i) for i in spots[:6])
                lines.append(f"undefined at {shown} ({what})")
        lines.extend(f"note: {note}" for note in self.notes)
        return "\n".join(lines)

    def _strength(self) -> str:
        random = int((~self.given).sum())
        compared = sum(
            1
            for s, g in zip(self.status, self.given, strict=True)
            if not g and s in (AGREES, DIFFERS)
        )
        tolerance = f"rounding bounds + rtol={self.rtol:g}" + (
            f" + atol={self.atol:g}" if self.atol else ""
        )
        if self.verdict == "undefined":
            return f"no point found where f is defined, of {random} random ones"
        if self.verdict == "wrong":
            return f"disproved by the points below; {compared} random points compared"
        if self.proved:
            return f"proved equal by simplification; agrees at {compared} random points too"
        return f"agrees at {compared} random points to within {tolerance}; not proved symbolically"
