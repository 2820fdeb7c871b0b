"""Proofs of equality by canonical forms: rational functions of "kernels" with exact coefficients.

Both expressions are rewritten into rational functions, with rational coefficients, of a few
kinds of kernel, and their difference is expanded; they are proved equal when its numerator
is zero. The rewriting is where the identities live:

- sin, cos, tan, sec, csc, cot of ``k*phi`` (k a whole number) become rational functions of
  ``t = tan(phi/2)`` (``sin(phi) = 2t/(1 + t^2)``, ``cos(phi) = (1 - t^2)/(1 + t^2)``); the
  base angle ``phi`` of each argument is the largest one of which every angle seen is a
  whole multiple. Sums of angles expand; ``sin(k*pi/2)`` is exact. Pythagorean, double- and
  multiple-angle identities follow from polynomial algebra.
- exp, sinh, cosh, tanh, sech, csch, coth, sigmoid, silu become rational functions of
  ``E = exp(g*u)`` (sigmoid(u) = E/(E + 1)), so every sigmoid and tanh identity does.
- ``log|...|`` splits over products, quotients and powers; constants into primes
  (``log(10) = log(2) + log(5)``); ``log(exp(u)) = u`` and ``exp(c*log(u)) = |u|^c``.
  ``a^b`` with ``b`` not a number is ``exp(b*log(a))``.
- Non-integer powers ``u^(p/q)`` (and sqrt, cbrt, abs, sign, step, relu, leaky_relu) become
  powers of ``R = |u|^(1/q)`` with ``R^(2q) = u^2`` (``R^q = u`` for a positive u).
- Everything else (asin, atan, erf, ...) is a kernel of its canonical argument (odd functions
  with a canonical sign).

Every rewrite is an identity wherever the expression it rewrites is defined, save for sets of
measure zero (``sign(u) = u/|u|`` is undefined at 0): so equal canonical forms prove the two
expressions equal almost everywhere both are defined. Unequal forms prove nothing (some
identities are out of reach: factoring inside logs, nested radicals); a proof attempt that
grows too large gives up. :func:`~pydelt_like.symbolic.equivalent` then checks numbers.
"""

from __future__ import annotations

import math
from fractions import Fraction
from typing import Any

from pydelt_like.symbolic import polynomials as P
from pydelt_like.symbolic.nodes import Add, Const, Expr, Func, Mul, Pow, Var, postorder
from pydelt_like.symbolic.polynomials import Poly, Rat, TooLarge, r_add, r_mul, r_sub

__all__ = ["MAX_PROOF_NODES", "MAX_PROOF_WORK", "proves_equal"]

# Expressions beyond this many distinct nodes are not worth expanding: check numbers instead.
MAX_PROOF_NODES = 2000
# Products of polynomial terms a proof may spend (about 10 microseconds each): the proofs of
# the corpus take at most about 700, those of the 1,000 random derivatives of the benchmark at
# most about 18,000; a fourth implicit derivative of the folium, expanded term by term, would
# take a minute. Beyond the budget (half a second at most) the proof gives up.
MAX_PROOF_WORK = 50_000
_MAX_MULTIPLE = 24  # sin(24*phi) is a polynomial of degree 48 in tan(phi/2): enough
_MAX_POWER = 64  # integer powers beyond this expand to more terms than a proof can hold
_MAX_RESTARTS = 12  # each restart refines a base angle or root; a dozen is plenty
_TRIAL_DIVISION = 10_000  # constants are factored into primes up to this; the rest is one atom


class GiveUp(Exception):
    """The proof attempt cannot go on (too large, or outside what the rewriting knows)."""


class _Restart(Exception):
    """A base angle, exponential or root had to be refined: convert again from the start."""


def _gcd(a: Fraction, b: Fraction) -> Fraction:
    return Fraction(math.gcd(a.numerator * b.denominator, b.numerator * a.denominator)) / (
        a.denominator * b.denominator
    )


def _factor(n: int) -> dict[int, int]:
    """Prime factors of n > 0 found by trial division; a large rest counts as one factor."""
    out: dict[int, int] = {}
    p = 2
    while p * p <= n and p < _TRIAL_DIVISION:
        while n % p == 0:
            out[p] = out.get(p, 0) + 1
            n //= p
        p += 1 if p == 2 else 2
    if n > 1:
        out[n] = out.get(n, 0) + 1
    return out


def _primes(c: Fraction) -> dict[int, int]:
    factors = _factor(c.numerator)
    for p, a in _factor(c.denominator).items():
        factors[p] = factors.get(p, 0) - a
    return factors


def _rational(value: float) -> Fraction:
    """The fraction a float stands for: 1/3 for 0.3333333333333333, else its exact value."""
    near = Fraction(value).limit_denominator(10**6)
    return near if float(near) == value else Fraction(value)


class Canonicalizer:
    """Converts expressions into rational functions of kernels; one instance per comparison
    (kernel numbers and base angles are shared by the expressions compared)."""

    def __init__(self) -> None:
        self.index: dict[Any, int] = {}
        self.payload: dict[int, tuple] = {}
        self.positive: set[int] = set()
        self.relations: dict[int, tuple[int, Poly]] = {}
        self.bases: dict[Any, Any] = {}
        self.cache: dict[Expr, Rat] = {}

    # ------------------------------------------------------------------ kernels
    def kernel(self, key: Any, payload: tuple = ("opaque",), positive: bool = False) -> int:
        if key not in self.index:
            k = len(self.index)
            self.index[key] = k
            self.payload[k] = payload
            if positive:
                self.positive.add(k)
        return self.index[key]

    def k(self, key: Any, payload: tuple = ("opaque",), positive: bool = False) -> Rat:
        return P.rat(P.kernel(self.kernel(key, payload, positive)))

    def multiple(self, key: Any, coefficient: Fraction) -> int:
        """coefficient / base as a whole number, refining the base (and restarting) if needed."""
        base = self.bases.setdefault(key, abs(coefficient))
        ratio = coefficient / base
        if ratio.denominator != 1:
            self.bases[key] = _gcd(base, coefficient)
            raise _Restart
        if abs(ratio) > _MAX_MULTIPLE:
            raise GiveUp("a multiple angle too large to expand")
        return int(ratio)

    # ------------------------------------------------------------------ driver
    def forms(self, exprs: list[Expr]) -> list[Rat]:
        for _ in range(_MAX_RESTARTS):
            self.cache = {}
            try:
                return [self.convert(e) for e in exprs]
            except _Restart:
                continue
        raise GiveUp("base angles did not settle")

    def convert(self, expr: Expr) -> Rat:
        for node in postorder(expr):
            if node not in self.cache:
                self.cache[node] = self.node(node)
        return self.cache[expr]

    def node(self, node: Expr) -> Rat:
        if isinstance(node, Const):
            return self.constant(node.data)
        if isinstance(node, Var):
            return self.k(("var", node.data))
        args = [self.cache[a] for a in node.args]
        if isinstance(node, Add):
            total = args[0]
            for term in args[1:]:
                total = r_add(total, term)
            return total
        if isinstance(node, Mul):
            product = args[0]
            for factor in args[1:]:
                product = r_mul(product, factor)
            return product
        if isinstance(node, Pow):
            return self.power(args[0], args[1])
        assert isinstance(node, Func)
        return self.function(node.name, node.param, args[0])

    def constant(self, value: float) -> Rat:
        from pydelt_like.symbolic.printing import pi_multiple

        if value == math.e:
            return self.exp_of(P.r_const(1))
        near = _rational(value)
        if float(near) == value and near.denominator <= 10**6:
            return P.r_const(near)
        multiple = pi_multiple(value)
        if multiple is not None:
            return r_mul(P.r_const(Fraction(*multiple)), self.k(("pi",), positive=True))
        return P.r_const(near)

    # ------------------------------------------------------------------ exp and log
    def split(self, u: Rat) -> list[tuple[Any, Fraction, Rat]]:
        """u as a sum of coefficient * unit terms: monomials of a polynomial, else u itself."""
        num, den = u
        bottom = P.constant_value(den)
        if bottom is not None:
            return [(("m", m), c / bottom, P.rat({m: Fraction(1)})) for m, c in num.items()]
        lead = num[P.leading(num)]
        unit = (P.scale(num, 1 / lead), den)
        return [(("r", P.r_key(unit)), lead, unit)]

    def log_atom(self, unit: Rat) -> tuple | None:
        """The payload of a log kernel when unit is exactly that kernel, else None."""
        num, den = unit
        if den == P.ONE and len(num) == 1:
            ((mono, c),) = num.items()
            if c == 1 and len(mono) == 1 and mono[0][1] == 1:
                payload = self.payload[mono[0][0]]
                if payload[0] == "log":
                    return payload
        return None

    def exp_of(self, u: Rat) -> Rat:
        result = P.r_const(1)
        for key, c, unit in self.split(u):
            atom = self.log_atom(unit)
            if atom is not None:  # exp(c log|a|) = |a|^c
                result = r_mul(result, self.atom_power(atom[1], atom[2], c, atom[3]))
                continue
            n = self.multiple(("exp", key), c)
            g = self.bases[("exp", key)]
            e = self.k(("exp", key, g), ("exp", g, unit), positive=True)
            result = r_mul(result, P.r_pow(e, n))
        return result

    def log_of(self, u: Rat) -> Rat:
        return r_sub(self.log_poly(u[0]), self.log_poly(u[1]))

    def parts(self, p: Poly) -> tuple[Fraction, P.Monomial, Poly]:
        """p = c * monomial * prim with prim's leading coefficient 1 and no monomial factor."""
        if not p:
            raise GiveUp("the logarithm or root of zero")
        c = p[P.leading(p)]
        mono = P.monomial_gcd(p)
        return c, mono, P.divide_mono(P.scale(p, 1 / c), mono)

    def log_poly(self, p: Poly) -> Rat:
        c, mono, prim = self.parts(p)
        total = self.log_const(abs(c))
        for k, e in mono:
            total = r_add(total, r_mul(P.r_const(e), self.log_kernel(k)))
        if prim != P.ONE:
            key = ("p", P.freeze(prim))
            total = r_add(total, self.k(("log", key), ("log", prim, False, key)))
        return total

    def log_kernel(self, k: int) -> Rat:
        payload = self.payload[k]
        if payload[0] == "exp":  # log(exp(g u)) = g u
            return r_mul(P.r_const(payload[1]), payload[2])
        if payload[0] == "root":  # log(|a|^(1/q)) = log|a| / q
            return r_mul(P.r_const(Fraction(1, payload[1])), self.log_poly(payload[2]))
        key = ("k", k)
        return self.k(("log", key), ("log", P.kernel(k), k in self.positive, key))

    def log_const(self, c: Fraction) -> Rat:
        total = P.r_const(0)
        for p, a in _primes(c).items():
            atom = ("c", p)
            log_p = self.k(("log", atom), ("log", P.const(p), True, atom), positive=p > 1)
            total = r_add(total, r_mul(P.r_const(a), log_p))
        return total

    # ------------------------------------------------------------------ powers and roots
    def power(self, base: Rat, exponent: Rat) -> Rat:
        r = P.r_value(exponent)
        if r is None:  # a^b = exp(b log|a|) wherever a^b is defined (a > 0)
            return self.exp_of(r_mul(exponent, self.log_of(base)))
        if r.denominator == 1:
            if abs(r) > _MAX_POWER:
                raise GiveUp("a power too large to expand")
            return P.r_pow(base, int(r))
        if r.denominator % 2:  # a real odd root: u^(p/q) = sign(u)^p |u|^(p/q)
            return (
                r_mul(base, self.abs_power(base, r - 1))
                if r.numerator % 2
                else self.abs_power(base, r)
            )
        return self.abs_power(base, r)  # u^r with r not whole needs u >= 0: it is |u|^r

    def abs_power(self, u: Rat, s: Fraction) -> Rat:
        """|u|^s."""
        return P.r_div(self.abs_power_poly(u[0], s), self.abs_power_poly(u[1], s))

    def abs_power_poly(self, p: Poly, s: Fraction) -> Rat:
        c, mono, prim = self.parts(p)
        result = self.const_power(abs(c), s)
        for k, e in mono:
            result = r_mul(result, self.kernel_power(k, e * s))
        if prim != P.ONE:
            result = r_mul(result, self.atom_power(prim, False, s, ("p", P.freeze(prim))))
        return result

    def kernel_power(self, k: int, t: Fraction) -> Rat:
        """|k|^t for a kernel k."""
        payload = self.payload[k]
        if payload[0] == "exp":
            return self.exp_of(r_mul(P.r_const(t * payload[1]), payload[2]))
        if payload[0] == "root":
            _, q, atom, positive, key = payload
            return self.atom_power(atom, positive, t / q, key)
        return self.atom_power(P.kernel(k), k in self.positive, t, ("k", k))

    def const_power(self, c: Fraction, s: Fraction) -> Rat:
        if s < 0:  # 2^(-1/2) as 1/R, the form 1/sqrt(2) takes
            return P.r_inv(self.const_power(c, -s))
        if s.denominator == 1:
            if abs(s) > _MAX_POWER:
                raise GiveUp("a power too large to expand")
            return P.r_const(c ** int(s))
        result = P.r_const(1)
        for p, a in _primes(c).items():
            whole, part = divmod(a * s, 1)
            result = r_mul(result, P.r_const(Fraction(p) ** int(whole)))
            if part:
                result = r_mul(result, self.atom_power(P.const(p), True, part, ("c", p)))
        return result

    def atom_power(self, atom: Poly, positive: bool, s: Fraction, key: Any) -> Rat:
        """|atom|^s through the root kernel R = |atom|^(1/q), q the common denominator."""
        if s.denominator == 1 and (positive or s.numerator % 2 == 0):
            return P.r_pow(P.rat(atom), int(s))
        q = self.bases.setdefault(("root", key), s.denominator)
        if (s * q).denominator != 1:
            self.bases[("root", key)] = math.lcm(q, s.denominator)
            raise _Restart
        index = self.kernel(("root", key, q), ("root", q, atom, positive, key), positive=True)
        # R^q = atom for a positive atom, else R^(2q) = atom^2: the relations of the quotient.
        self.relations[index] = (q, atom) if positive else (2 * q, P.power(atom, 2))
        n = s * q
        if abs(n) > _MAX_POWER * q:
            raise GiveUp("a power too large to expand")
        return P.r_pow(P.rat(P.kernel(index)), int(n))

    # ------------------------------------------------------------------ functions
    def trig(self, u: Rat) -> tuple[Rat, Rat]:
        """(cos u, sin u)."""
        cos_u, sin_u = P.r_const(1), P.r_const(0)
        for key, c, unit in self.split(u):
            if unit == self.k(("pi",), positive=True) and (2 * c).denominator == 1:
                quarter = int(2 * c) % 4  # cos and sin of a multiple of pi/2 are exact
                pair = (P.r_const((1, 0, -1, 0)[quarter]), P.r_const((0, 1, 0, -1)[quarter]))
            else:
                n = self.multiple(("angle", key), c)
                g = self.bases[("angle", key)]
                t = self.k(("tan", key, g), ("tan", g, unit))
                t2 = r_mul(t, t)
                below = r_add(P.r_const(1), t2)
                base = (P.r_div(r_sub(P.r_const(1), t2), below), P.r_div(r_add(t, t), below))
                pair = (P.r_const(1), P.r_const(0))
                for _ in range(abs(n)):
                    pair = _rotate(pair, base)
                if n < 0:
                    pair = (pair[0], P.r_neg(pair[1]))
            cos_u, sin_u = _rotate((cos_u, sin_u), pair)
        return cos_u, sin_u

    def odd(self, name: str, u: Rat) -> Rat:
        """f(u) for an odd f, as a kernel of the argument with a positive leading coefficient."""
        u = P.normalize(self.reduce(u[0]), self.reduce(u[1]))
        num = u[0]
        if num and num[P.leading(num)] < 0:
            return P.r_neg(self.odd(name, P.r_neg(u)))
        return self.k(("fn", name, P.r_key(u)))

    def function(self, name: str, param: float | None, u: Rat) -> Rat:
        half, one = P.r_const(Fraction(1, 2)), P.r_const(1)
        if name in ("sin", "cos", "tan", "sec", "csc", "cot"):
            c, s = self.trig(u)
            top, bottom = {
                "sin": (s, one),
                "cos": (c, one),
                "tan": (s, c),
                "sec": (one, c),
                "csc": (one, s),
                "cot": (c, s),
            }[name]
            return P.r_div(top, bottom)
        if name in ("exp", "sinh", "cosh", "tanh", "sech", "csch", "coth", "sigmoid", "silu"):
            e = self.exp_of(u)
            inverse = P.r_inv(e)
            plus, minus = r_add(e, inverse), r_sub(e, inverse)
            logistic = P.r_div(e, r_add(e, one))
            return {
                "exp": e,
                "sinh": r_mul(minus, half),
                "cosh": r_mul(plus, half),
                "tanh": P.r_div(minus, plus),
                "sech": P.r_div(P.r_const(2), plus),
                "csch": P.r_div(P.r_const(2), minus),
                "coth": P.r_div(plus, minus),
                "sigmoid": logistic,
                "silu": r_mul(u, logistic),
            }[name]
        if name == "softplus":
            return self.log_of(r_add(one, self.exp_of(u)))
        if name == "log":
            log_u = self.log_of(u)
            return log_u if param is None else P.r_div(log_u, self.log_const(_rational(param)))
        if name in ("sqrt", "cbrt", "abs", "sign", "step", "relu", "leaky_relu"):
            return self.piecewise(name, param, u)
        if name == "acos":
            quarter = r_mul(half, self.k(("pi",), positive=True))
            return r_sub(quarter, self.odd("asin", u))
        if name == "atanh":
            return r_mul(half, r_sub(self.log_of(r_add(one, u)), self.log_of(r_sub(one, u))))
        if name == "gelu":
            scaled = r_mul(u, self.const_power(Fraction(2), Fraction(-1, 2)))
            return r_mul(r_mul(half, u), r_add(one, self.odd("erf", scaled)))
        if name in ("asin", "atan", "asinh", "erf"):
            return self.odd(name, u)
        u = P.normalize(self.reduce(u[0]), self.reduce(u[1]))
        return self.k(("fn", name, param, P.r_key(u)))

    def piecewise(self, name: str, param: float | None, u: Rat) -> Rat:
        half, one = P.r_const(Fraction(1, 2)), P.r_const(1)
        if name == "sqrt":
            return self.abs_power(u, Fraction(1, 2))
        if name == "cbrt":  # sign(u) |u|^(1/3) = u |u|^(-2/3)
            return r_mul(u, self.abs_power(u, Fraction(-2, 3)))
        size = self.abs_power(u, Fraction(1))
        if name == "abs":
            return size
        sign = P.r_div(u, size)
        if name == "sign":
            return sign
        if name == "step":
            return r_mul(half, r_add(one, sign))
        alpha = Fraction(0) if name == "relu" else _rational(param or 0.0)
        both = r_add(r_mul(P.r_const(1 + alpha), u), r_mul(P.r_const(1 - alpha), size))
        return r_mul(half, both)

    # ------------------------------------------------------------------ relations
    def reduce(self, p: Poly) -> Poly:
        """p with every power of a root kernel reduced by its relation (R^(2q) = a^2)."""
        for _ in range(200):
            out: Poly = {}
            changed = False
            for mono, c in p.items():
                for k, e in sorted(mono, reverse=True):
                    if k in self.relations and e >= self.relations[k][0]:
                        m, replacement = self.relations[k]
                        rest = tuple((j, f if j != k else f - m) for j, f in mono)
                        rest = tuple(pair for pair in rest if pair[1])
                        term = P.mul({rest: c}, replacement)
                        out = P.add(out, term)
                        changed = True
                        break
                else:
                    out = P.add(out, {mono: c})
            p = out
            if not changed:
                return p
        raise GiveUp("relations did not settle")


def _rotate(a: tuple[Rat, Rat], b: tuple[Rat, Rat]) -> tuple[Rat, Rat]:
    """(cos, sin) of the sum of two angles."""
    return (
        r_sub(r_mul(a[0], b[0]), r_mul(a[1], b[1])),
        r_add(r_mul(a[1], b[0]), r_mul(a[0], b[1])),
    )


def proves_equal(a: Expr, b: Expr, modulo: Expr | None = None) -> bool | None:
    """Whether ``a - b`` simplifies to zero (on the curve ``modulo = 0`` when one is given).

    Returns
    -------
    bool or None
        True: proved equal (almost everywhere both are defined). False: the canonical forms
        differ, which proves nothing. None: the attempt gave up (too large, or nothing to
        expand into).
    """
    exprs = [a, b] + ([modulo] if modulo is not None else [])
    if sum(sum(1 for _ in postorder(e)) for e in exprs) > MAX_PROOF_NODES:
        return None
    canon = Canonicalizer()
    token = P.budget(MAX_PROOF_WORK)
    try:
        forms = canon.forms(exprs)
        difference = canon.reduce(r_sub(forms[0], forms[1])[0])
        if not difference:
            return True
        if modulo is not None:
            curve = canon.reduce(forms[2][0])
            if curve and P.constant_value(curve) is None:
                return P.exact_divide(difference, curve) is not None
        return False
    except (GiveUp, TooLarge, ZeroDivisionError, OverflowError):
        return None
    finally:
        P.end_budget(token)
