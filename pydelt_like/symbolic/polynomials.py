"""Sparse polynomials and rational functions with exact rational coefficients.

The arithmetic under :mod:`~pydelt_like.symbolic.canonical`: a polynomial is a dict from
monomials to :class:`fractions.Fraction` coefficients, a monomial a tuple of
``(kernel, exponent)`` pairs sorted by kernel (an integer naming a variable or another
"kernel" such as ``exp(x)`` or ``tan(x/2)``), exponents positive. A rational function is a
pair ``(numerator, denominator)``. Nothing here rounds: equal means equal.

Sizes are bounded: an operation whose result would exceed :data:`MAX_TERMS` terms raises
:class:`TooLarge`, so that a proof attempt gives up (and the caller falls back to checking
numbers) instead of expanding ``(x + y)^60``.
"""

from __future__ import annotations

from contextvars import ContextVar
from fractions import Fraction

__all__ = ["MAX_TERMS", "Poly", "Rat", "TooLarge"]

Monomial = tuple[tuple[int, int], ...]
Poly = dict[Monomial, Fraction]
Rat = tuple[Poly, Poly]

# Expanded hand-derivation answers have tens of terms; products of their denominators a few
# hundred. Beyond this, expansion costs more than checking numbers does.
MAX_TERMS = 3000
# Exact division of polynomials: at most this many division steps.
_MAX_DIVISION_STEPS = 5000

ONE: Poly = {(): Fraction(1)}
ZERO: Poly = {}


class TooLarge(Exception):
    """An expansion beyond MAX_TERMS terms (or a power beyond reason): give up the proof."""


# The work left to the proof under way, in products of terms (None: unlimited). A proof that
# expands large rational functions term by term can take minutes; the budget stops it in a
# fraction of a second, so that the caller checks numbers instead.
_WORK: ContextVar[list[int] | None] = ContextVar("polynomial_work", default=None)


def budget(limit: int | None) -> object:
    """Limit the work of the polynomial arithmetic that follows (a token for ``end_budget``)."""
    return _WORK.set([limit] if limit is not None else None)


def end_budget(token: object) -> None:
    _WORK.reset(token)  # type: ignore[arg-type]


def _charge(amount: int) -> None:
    left = _WORK.get()
    if left is not None:
        left[0] -= amount
        if left[0] < 0:
            raise TooLarge("the proof's work budget is spent")


def const(value: Fraction | int) -> Poly:
    value = Fraction(value)
    return {(): value} if value else {}


def kernel(index: int, exponent: int = 1) -> Poly:
    return {((index, exponent),): Fraction(1)}


def _check(p: Poly) -> Poly:
    if len(p) > MAX_TERMS:
        raise TooLarge(f"more than {MAX_TERMS} terms")
    return p


def add(a: Poly, b: Poly) -> Poly:
    out = dict(a)
    for mono, c in b.items():
        total = out.get(mono, 0) + c
        if total:
            out[mono] = total
        else:
            out.pop(mono, None)
    return _check(out)


def scale(a: Poly, c: Fraction | int) -> Poly:
    return {m: v * c for m, v in a.items()} if c else {}


def mul_mono(a: Monomial, b: Monomial) -> Monomial:
    if not a:
        return b
    if not b:
        return a
    merged = dict(a)
    for k, e in b:
        merged[k] = merged.get(k, 0) + e
    return tuple(sorted(merged.items()))


def mul(a: Poly, b: Poly) -> Poly:
    if len(a) * len(b) > 50 * MAX_TERMS:
        raise TooLarge("a product too large to expand")
    _charge(len(a) * len(b))
    out: Poly = {}
    for ma, ca in a.items():
        for mb, cb in b.items():
            mono = mul_mono(ma, mb)
            total = out.get(mono, 0) + ca * cb
            if total:
                out[mono] = total
            else:
                out.pop(mono, None)
    return _check(out)


def power(a: Poly, n: int) -> Poly:
    result, base = ONE, a
    while n:
        if n & 1:
            result = mul(result, base)
        n >>= 1
        if n:
            base = mul(base, base)
    return result


def constant_value(a: Poly) -> Fraction | None:
    """The value of a constant polynomial, else None."""
    if not a:
        return Fraction(0)
    if len(a) == 1 and () in a:
        return a[()]
    return None


def _order(mono: Monomial) -> tuple[tuple[int, int], ...]:
    # Lexicographic with the highest kernel most significant: a monomial order.
    return tuple(reversed(mono))


def leading(a: Poly) -> Monomial:
    return max(a, key=_order)


def monomial_gcd(a: Poly) -> Monomial:
    """The largest monomial dividing every term."""
    terms = iter(a)
    common = dict(next(terms))
    for mono in terms:
        exponents = dict(mono)
        common = {k: min(e, exponents[k]) for k, e in common.items() if k in exponents}
        if not common:
            break
    return tuple(sorted(common.items()))


def divide_mono(a: Poly, mono: Monomial) -> Poly:
    if not mono:
        return a
    remove = dict(mono)
    out: Poly = {}
    for m, c in a.items():
        kept = tuple((k, e - remove.get(k, 0)) for k, e in m if e - remove.get(k, 0))
        out[kept] = c
    return out


def _mono_quotient(a: Monomial, b: Monomial) -> Monomial | None:
    exponents = dict(a)
    for k, e in b:
        if exponents.get(k, 0) < e:
            return None
        exponents[k] -= e
    return tuple(sorted((k, e) for k, e in exponents.items() if e))


def exact_divide(a: Poly, b: Poly) -> Poly | None:
    """a / b when b divides a exactly, else None (division by one polynomial is exact iff
    its remainder is zero, for any monomial order)."""
    if not b:
        raise ZeroDivisionError("division by the zero polynomial")
    lead = leading(b)
    lead_c = b[lead]
    quotient: Poly = {}
    rest = dict(a)
    for _ in range(_MAX_DIVISION_STEPS):
        if not rest:
            return quotient
        top = leading(rest)
        factor = _mono_quotient(top, lead)
        if factor is None:
            return None
        c = rest[top] / lead_c
        _charge(len(rest) + len(b))  # finding the leading term and subtracting
        quotient[factor] = quotient.get(factor, 0) + c
        rest = add(rest, {mul_mono(m, factor): -c * v for m, v in b.items()})
    raise TooLarge("division takes too many steps")


def freeze(a: Poly) -> frozenset[tuple[Monomial, Fraction]]:
    return frozenset(a.items())


# ------------------------------------------------------------------ rational functions


def normalize(num: Poly, den: Poly) -> Rat:
    """Cancel monomial factors and constants, divide exactly where possible; the denominator's
    leading coefficient becomes 1, so that equal functions built the same way compare equal."""
    if not den:
        raise ZeroDivisionError("a denominator is identically zero")
    if not num:
        return ZERO, ONE
    top, bottom = dict(monomial_gcd(num)), dict(monomial_gcd(den))
    shared = tuple(sorted((k, min(e, bottom[k])) for k, e in top.items() if k in bottom))
    num, den = divide_mono(num, shared), divide_mono(den, shared)
    c = den[leading(den)]
    if c != 1:
        num, den = scale(num, 1 / c), scale(den, 1 / c)
    if len(den) > 1:
        quotient = exact_divide(num, den)
        if quotient is not None:
            return quotient, ONE
    return num, den


def rat(p: Poly) -> Rat:
    return p, ONE


def r_add(a: Rat, b: Rat) -> Rat:
    if a[1] == b[1]:
        return normalize(add(a[0], b[0]), a[1])
    return normalize(add(mul(a[0], b[1]), mul(b[0], a[1])), mul(a[1], b[1]))


def r_neg(a: Rat) -> Rat:
    return scale(a[0], -1), a[1]


def r_sub(a: Rat, b: Rat) -> Rat:
    return r_add(a, r_neg(b))


def r_mul(a: Rat, b: Rat) -> Rat:
    return normalize(mul(a[0], b[0]), mul(a[1], b[1]))


def r_inv(a: Rat) -> Rat:
    if not a[0]:
        raise ZeroDivisionError("division by an expression that is identically zero")
    return normalize(a[1], a[0])


def r_div(a: Rat, b: Rat) -> Rat:
    return r_mul(a, r_inv(b))


def r_pow(a: Rat, n: int) -> Rat:
    if n < 0:
        a, n = r_inv(a), -n
    return normalize(power(a[0], n), power(a[1], n))


def r_const(value: Fraction | int) -> Rat:
    return const(value), ONE


def r_value(a: Rat) -> Fraction | None:
    """The value of a constant rational function, else None."""
    top, bottom = constant_value(a[0]), constant_value(a[1])
    return None if top is None or bottom is None else top / bottom


def r_key(a: Rat) -> tuple[frozenset, frozenset]:
    return freeze(a[0]), freeze(a[1])
