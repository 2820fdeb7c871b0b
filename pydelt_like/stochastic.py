"""Stochastic link functions: derivatives of a transformed process, with Itô's correction.

PyDelt's ``pydelt.stochastic`` under the same names. An interpolator's derivative estimates the
drift of a process ``X``; a *link* ``g`` asks for the drift of ``Y = g(X)`` instead (the growth
rate ``d log X`` of a price, the logit of a proportion). Each link also fixes the instantaneous
variance ``v(x) = d<X>/dt`` of the process it models, which Itô's lemma needs:

==============  ===============  =====================================  ================
link            ``g(x)``         ``v(x)``                               domain
==============  ===============  =====================================  ================
``normal``      ``x``            ``sigma**2``                           all reals
``lognormal``   ``log x``        ``sigma**2 * x**2`` (geometric BM)     ``x > 0``
``gamma``       ``log x``        ``alpha / beta**2``                    ``x > 0``
``beta``        ``logit x``      ``ab / ((a + b)**2 (a + b + 1))``      ``0 < x < 1``
``exponential`` ``log x``        ``1 / rate**2``                        ``x > 0``
``poisson``     ``log x``        ``lam``                                ``x > 0``
==============  ===============  =====================================  ================

With ``method='ito'`` the fitted derivative ``x'`` is read as the Itô drift of ``X``, and the
drift of ``Y`` is ``g'(x) x' + g''(x) v(x) / 2`` (Itô's lemma). With ``method='stratonovich'``
it is read as the Stratonovich drift, for which the ordinary chain rule holds: ``g'(x) x'``, no
correction. A derivative of order ``n`` is the ``(n - 1)``-th time derivative of that drift along
the fitted path (Faà di Bruno's formula), so order ``n`` of the Stratonovich transform is exactly
``d^n g(x(t)) / dt^n``.

Two of PyDelt 0.8.0's formulas are wrong, and this module does not copy them (see the migration
guide): its Stratonovich "correction" is minus Itô's, where Stratonovich calculus has none; and
its beta (logit) correction lacks the factor ``2x - 1`` of ``g''``. PyDelt also clips values
outside a link's domain to ``1e-10`` silently; here they raise a ``ValueError``.

Examples
--------
>>> import numpy as np
>>> link = LogNormalLink(sigma=0.2)
>>> x, dx = np.array([100.0]), np.array([5.0])  # a price growing by 5 per year
>>> transform = StochasticDerivativeTransform(link, method="ito")
>>> transform.transform_derivatives(x, {1: dx})[1]  # 0.05 - 0.2**2 / 2
array([0.03])
"""

from __future__ import annotations

import abc
import math
from collections.abc import Mapping
from typing import Any

import numpy as np

from pydelt_like._validation import as_float_array, check_int, check_option, check_real

__all__ = [
    "LINK_FUNCTIONS",
    "MAX_LINK_ORDER",
    "BetaLink",
    "ExponentialLink",
    "GammaLink",
    "LogNormalLink",
    "NormalLink",
    "PoissonLink",
    "StochasticDerivativeTransform",
    "StochasticLinkFunction",
    "create_link_function",
    "faa_di_bruno",
]

#: Highest derivative order a link transforms: Faà di Bruno's sum has p(n) terms (42 at 10),
#: and no interpolator here gives a useful derivative beyond order 7.
MAX_LINK_ORDER = 10

METHODS = ("ito", "stratonovich")


def _values(values: Any, name: str) -> np.ndarray:
    """Values as a float64 array (a fresh copy; NaN allowed, it propagates)."""
    return as_float_array(values, name=name)


def _outside(x: np.ndarray, inside: np.ndarray, link: str, domain: str) -> ValueError:
    bad = np.flatnonzero(~inside & ~np.isnan(x))
    first = bad[0]
    return ValueError(
        f"the {link} link needs values with {domain}, but {bad.size} of {x.size} are not "
        f"(first: {x.flat[first]!r} at flat index {first}); fit a positive quantity, or use "
        "the normal link"
    )


def faa_di_bruno(outer: list[np.ndarray], inner: list[np.ndarray], order: int) -> np.ndarray:
    """The ``order``-th derivative of a composition ``F(x(t))`` (Faà di Bruno's formula).

    Parameters
    ----------
    outer : list of ndarray
        ``F^(k)(x(t))`` for ``k = 1 .. order`` (``outer[k - 1]``).
    inner : list of ndarray
        ``x^(i)(t)`` for ``i = 1 .. order`` (``inner[i - 1]``), broadcastable with ``outer``.
    order : int
        ``n >= 1``.

    Returns
    -------
    ndarray
        ``sum_k F^(k)(x) B_{n,k}(x', x'', ...)``, with ``B`` the partial Bell polynomials.

    Examples
    --------
    ``d^2/dt^2 exp(x(t)) = exp(x) (x'' + x'^2)``; at ``x' = 2, x'' = 3`` with ``exp(x) = 1``:

    >>> float(faa_di_bruno([np.array(1.0)] * 2, [np.array(2.0), np.array(3.0)], 2))
    7.0
    """
    # bell[m][k] = B_{m,k}(x', ..., x^(m-k+1)), by B_{m,k} = sum_i C(m-1, i-1) x^(i) B_{m-i,k-1}.
    zero = np.zeros(np.broadcast_shapes(*(np.shape(a) for a in inner)))
    bell: list[list[np.ndarray]] = [[zero + 1.0] + [zero] * order]
    for m in range(1, order + 1):
        row = [zero]
        for k in range(1, order + 1):
            total = zero
            for i in range(1, m - k + 2):
                total = total + math.comb(m - 1, i - 1) * inner[i - 1] * bell[m - i][k - 1]
            row.append(total)
        bell.append(row)
    return sum((outer[k - 1] * bell[order][k] for k in range(1, order + 1)), start=zero)


class StochasticLinkFunction(abc.ABC):
    """Base class of link functions (PyDelt's five methods).

    A subclass that implements only PyDelt's abstract methods transforms first derivatives.
    The built-in links also implement :meth:`link_derivative` and :meth:`variance_derivative`,
    from which every method here and derivatives of any order up to ``MAX_LINK_ORDER`` follow.
    """

    name = "custom"

    @abc.abstractmethod
    def transform(self, x: Any) -> np.ndarray:
        """``g(x)``: values in link space."""

    @abc.abstractmethod
    def inverse_transform(self, y: Any) -> np.ndarray:
        """``g^{-1}(y)``: back to the original scale."""

    @abc.abstractmethod
    def derivative_transform(self, x: Any, dx: Any) -> np.ndarray:
        """The chain rule: ``g'(x) * dx``."""

    @abc.abstractmethod
    def ito_correction(self, x: Any, d2x: Any) -> np.ndarray:
        """Itô's term ``g''(x) v(x) / 2`` added to a first derivative (``d2x`` is not needed)."""

    @abc.abstractmethod
    def stratonovich_correction(self, x: Any, dx: Any) -> np.ndarray:
        """The Stratonovich term added to a first derivative (zero for every built-in link)."""

    def link_derivative(self, x: np.ndarray, k: int) -> np.ndarray:
        """``g^(k)(x)``; needed for derivatives of order 2 and more."""
        raise NotImplementedError(
            f"{type(self).__name__} defines no link_derivative(x, k), so only first "
            "derivatives can be transformed; implement it (and variance_derivative) for more"
        )

    def variance_derivative(self, x: np.ndarray, k: int) -> np.ndarray:
        """``v^(k)(x)``, the instantaneous variance and its derivatives (Itô, order >= 2)."""
        raise NotImplementedError(
            f"{type(self).__name__} defines no variance_derivative(x, k); implement it to "
            "transform Itô derivatives of order 2 and more"
        )

    def correction_derivative(self, x: np.ndarray, k: int) -> np.ndarray:
        """``h^(k)(x)`` for Itô's term ``h = g'' v / 2`` (Leibniz's rule)."""
        return 0.5 * sum(
            (
                math.comb(k, j)
                * self.link_derivative(x, k - j + 2)
                * self.variance_derivative(x, j)
                for j in range(k + 1)
            ),
            start=np.zeros_like(x),
        )

    def __repr__(self) -> str:
        params = ", ".join(f"{key}={value!r}" for key, value in vars(self).items())
        return f"{type(self).__name__}({params})"


class _BuiltinLink(StochasticLinkFunction):
    """A link given by ``g^(k)``, ``v^(k)`` and a domain check; PyDelt's methods follow."""

    domain = "any value"

    def _inside(self, x: np.ndarray) -> np.ndarray:
        return np.ones(x.shape, dtype=bool)

    def _check(self, x: Any, name: str = "x") -> np.ndarray:
        values = _values(x, name)
        inside = self._inside(values) | np.isnan(values)
        if not inside.all():
            raise _outside(values, inside, self.name, self.domain)
        return values

    def inverse_transform(self, y: Any) -> np.ndarray:
        """``g^{-1}(y)``: back to the original scale."""
        return self._inverse(_values(y, "y"))

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        return y

    def transform(self, x: Any) -> np.ndarray:
        """``g(x)``; raises ``ValueError`` for values outside the link's domain."""
        return self.link_derivative(self._check(x), 0)

    def derivative_transform(self, x: Any, dx: Any) -> np.ndarray:
        """The chain rule ``g'(x) * dx``; raises ``ValueError`` outside the domain."""
        return self.link_derivative(self._check(x), 1) * _values(dx, "dx")

    def ito_correction(self, x: Any, d2x: Any = None) -> np.ndarray:
        """Itô's term ``g''(x) v(x) / 2``; ``d2x`` is accepted for PyDelt and not needed."""
        return self.correction_derivative(self._check(x), 0)

    def stratonovich_correction(self, x: Any, dx: Any = None) -> np.ndarray:
        """Zero: the chain rule of Stratonovich calculus is the ordinary one."""
        return np.zeros_like(self._check(x))


def _log_derivative(x: np.ndarray, k: int) -> np.ndarray:
    """``d^k log(x) / dx^k``."""
    if k == 0:
        return np.log(x)
    return (-1.0) ** (k - 1) * math.factorial(k - 1) / x**k


def _constant(value: float, x: np.ndarray, k: int) -> np.ndarray:
    return np.full(x.shape, value if k == 0 else 0.0)


class NormalLink(_BuiltinLink):
    """Identity link of a normal (Gaussian) process: derivatives unchanged.

    Parameters
    ----------
    mu : float, default=0.0
        Location; the drift transform does not depend on it.
    sigma : float, default=1.0
        Standard deviation rate (``v = sigma**2``); ``>= 0``. With ``g'' = 0`` it adds nothing.
    """

    name = "normal"

    def __init__(self, mu: float = 0.0, sigma: float = 1.0) -> None:
        self.mu = check_real(mu, name="mu")
        self.sigma = check_real(sigma, name="sigma", low=0)

    def link_derivative(self, x: np.ndarray, k: int) -> np.ndarray:
        """``g^(k)(x)`` of ``g(x) = x``."""
        if k == 0:
            return x.copy()
        return np.full(x.shape, 1.0 if k == 1 else 0.0)

    def variance_derivative(self, x: np.ndarray, k: int) -> np.ndarray:
        """``v = sigma**2``."""
        return _constant(self.sigma**2, x, k)


class _LogLink(_BuiltinLink):
    domain = "x > 0"

    def _inside(self, x: np.ndarray) -> np.ndarray:
        return x > 0

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            out = np.exp(y)
        if np.isinf(out).any():
            raise ValueError(
                f"exp(y) overflows float64 for y above 709.78 (largest y: {np.nanmax(y)!r})"
            )
        return out

    def link_derivative(self, x: np.ndarray, k: int) -> np.ndarray:
        """``g^(k)(x)`` of ``g(x) = log(x)``."""
        return _log_derivative(x, k)


class LogNormalLink(_LogLink):
    """Log link of a log-normal process (geometric Brownian motion, ``v = sigma**2 x**2``).

    Itô's term is the constant ``-sigma**2 / 2``: the familiar ``d log S = (mu - sigma**2/2) dt``.

    Parameters
    ----------
    mu : float, default=0.0
        Location of ``log X``; the drift transform does not depend on it.
    sigma : float, default=1.0
        Volatility, ``>= 0``.
    """

    name = "lognormal"

    def __init__(self, mu: float = 0.0, sigma: float = 1.0) -> None:
        self.mu = check_real(mu, name="mu")
        self.sigma = check_real(sigma, name="sigma", low=0)

    def variance_derivative(self, x: np.ndarray, k: int) -> np.ndarray:
        """``v = sigma**2 x**2`` and its derivatives."""
        s2 = self.sigma**2
        if k == 0:
            return s2 * x**2
        if k == 1:
            return 2 * s2 * x
        return np.full(x.shape, 2 * s2 if k == 2 else 0.0)

    def correction_derivative(self, x: np.ndarray, k: int) -> np.ndarray:
        """``-sigma**2 / 2`` and zero derivatives, in closed form: the product ``g'' v`` of
        ``-1/x**2`` and ``sigma**2 x**2`` would overflow or underflow for large or small x."""
        return np.full(np.shape(x), -0.5 * self.sigma**2 if k == 0 else 0.0)


class GammaLink(_LogLink):
    """Log link of a gamma process, with the gamma variance ``alpha / beta**2``.

    Parameters
    ----------
    alpha : float, default=1.0
        Shape, ``> 0``.
    beta : float, default=1.0
        Rate, ``> 0``.
    """

    name = "gamma"

    def __init__(self, alpha: float = 1.0, beta: float = 1.0) -> None:
        self.alpha = check_real(alpha, name="alpha", low=0, low_inclusive=False)
        self.beta = check_real(beta, name="beta", low=0, low_inclusive=False)

    def variance_derivative(self, x: np.ndarray, k: int) -> np.ndarray:
        """``v = alpha / beta**2``."""
        return _constant(self.alpha / self.beta**2, x, k)


class ExponentialLink(_LogLink):
    """Log link of an exponential process, with the exponential variance ``1 / rate**2``.

    Parameters
    ----------
    rate : float, default=1.0
        Rate, ``> 0``.
    """

    name = "exponential"

    def __init__(self, rate: float = 1.0) -> None:
        self.rate = check_real(rate, name="rate", low=0, low_inclusive=False)

    def variance_derivative(self, x: np.ndarray, k: int) -> np.ndarray:
        """``v = 1 / rate**2``."""
        return _constant(1.0 / self.rate**2, x, k)


class PoissonLink(_LogLink):
    """Log link of a Poisson process, with the Poisson variance ``lam``.

    Parameters
    ----------
    lam : float, default=1.0
        Rate (mean and variance), ``> 0``.
    """

    name = "poisson"

    def __init__(self, lam: float = 1.0) -> None:
        self.lam = check_real(lam, name="lam", low=0, low_inclusive=False)

    def variance_derivative(self, x: np.ndarray, k: int) -> np.ndarray:
        """``v = lam``."""
        return _constant(self.lam, x, k)


class BetaLink(_BuiltinLink):
    """Logit link of a proportion, with the beta variance ``ab / ((a + b)**2 (a + b + 1))``.

    Itô's term is ``v (2x - 1) / (2 x**2 (1 - x)**2)``: zero at ``x = 1/2``, negative below it
    and positive above (PyDelt 0.8.0 gives ``-v / (2 x**2 (1 - x)**2)`` everywhere).

    Parameters
    ----------
    alpha, beta : float, default=1.0
        The beta distribution's shapes, ``> 0``.
    """

    name = "beta"
    domain = "0 < x < 1"

    def __init__(self, alpha: float = 1.0, beta: float = 1.0) -> None:
        self.alpha = check_real(alpha, name="alpha", low=0, low_inclusive=False)
        self.beta = check_real(beta, name="beta", low=0, low_inclusive=False)

    def _inside(self, x: np.ndarray) -> np.ndarray:
        return (x > 0) & (x < 1)

    def _inverse(self, y: np.ndarray) -> np.ndarray:
        with np.errstate(over="ignore"):
            return 1.0 / (1.0 + np.exp(-y))

    def link_derivative(self, x: np.ndarray, k: int) -> np.ndarray:
        """``g^(k)(x)`` of ``g(x) = log(x) - log(1 - x)``."""
        if k == 0:
            return np.log(x) - np.log1p(-x)
        return _log_derivative(x, k) + math.factorial(k - 1) / (1.0 - x) ** k

    def variance_derivative(self, x: np.ndarray, k: int) -> np.ndarray:
        """The beta distribution's variance, a constant."""
        a, b = self.alpha, self.beta
        return _constant(a * b / ((a + b) ** 2 * (a + b + 1)), x, k)


#: Link names accepted by :func:`create_link_function` and ``set_stochastic_link``.
LINK_FUNCTIONS: dict[str, type[StochasticLinkFunction]] = {
    "normal": NormalLink,
    "lognormal": LogNormalLink,
    "gamma": GammaLink,
    "beta": BetaLink,
    "exponential": ExponentialLink,
    "poisson": PoissonLink,
}


def create_link_function(name: str, **kwargs: Any) -> StochasticLinkFunction:
    """Create a link function by name.

    Parameters
    ----------
    name : {'normal', 'lognormal', 'gamma', 'beta', 'exponential', 'poisson'}
        The link.
    **kwargs
        Its parameters (``mu``, ``sigma``, ``alpha``, ``beta``, ``rate``, ``lam``).

    Returns
    -------
    StochasticLinkFunction

    Raises
    ------
    ValueError
        If ``name`` is unknown (the message lists the names) or a parameter is out of range.
    TypeError
        If a parameter does not belong to that link.

    Examples
    --------
    >>> create_link_function("lognormal", sigma=0.2)
    LogNormalLink(mu=0.0, sigma=0.2)
    """
    if not isinstance(name, str) or name not in LINK_FUNCTIONS:
        raise ValueError(f"Unknown link function {name!r}. Available: {list(LINK_FUNCTIONS)}")
    cls = LINK_FUNCTIONS[name]
    try:
        return cls(**kwargs)
    except TypeError as error:
        raise TypeError(f"the {name} link ({cls.__name__}): {error}") from None


def check_link(link_function: Any, kwargs: Mapping[str, Any]) -> StochasticLinkFunction:
    """A link from a name (with parameters) or an instance; what ``set_stochastic_link`` takes."""
    if isinstance(link_function, str):
        return create_link_function(link_function, **kwargs)
    if isinstance(link_function, StochasticLinkFunction):
        if kwargs:
            raise TypeError(
                f"parameters {sorted(kwargs)} go to a link's constructor; pass them when you "
                "create the link, or pass its name instead"
            )
        return link_function
    raise ValueError(
        "link_function must be a link name "
        f"({', '.join(repr(n) for n in LINK_FUNCTIONS)}) or a StochasticLinkFunction, "
        f"got {link_function!r}"
    )


def check_method(method: Any) -> str:
    """``'ito'`` or ``'stratonovich'``."""
    try:
        return str(check_option(method, name="method", allowed=METHODS))
    except ValueError:
        raise ValueError(f"Method must be 'ito' or 'stratonovich', got {method!r}") from None


class StochasticDerivativeTransform:
    """Transforms derivatives of ``X`` into derivatives of ``Y = g(X)`` (Itô or Stratonovich).

    Parameters
    ----------
    link_function : StochasticLinkFunction
        The link ``g`` (with its variance model).
    method : {'ito', 'stratonovich'}, default='ito'
        How to read the derivatives of ``X``: as Itô drifts (Itô's term is added) or as
        Stratonovich drifts (the ordinary chain rule).

    Raises
    ------
    ValueError
        If ``method`` is neither; if ``link_function`` is not a link.

    Examples
    --------
    >>> import numpy as np
    >>> t = StochasticDerivativeTransform(NormalLink(), method="stratonovich")
    >>> t.transform_derivatives(np.array([1.0]), {1: np.array([0.5])})
    {1: array([0.5])}
    """

    def __init__(self, link_function: StochasticLinkFunction, method: str = "ito") -> None:
        self.link_function = check_link(link_function, {})
        self.method = check_method(method)

    def transform_derivatives(
        self, x: Any, derivatives: Mapping[int, Any]
    ) -> dict[int, np.ndarray]:
        """Transform derivatives evaluated at points where the fit takes the values ``x``.

        Parameters
        ----------
        x : array-like
            Values of ``X`` (the fit) at the evaluation points.
        derivatives : dict of int to array-like
            Derivatives of ``X`` by order (``1``, ``2``, ...), each shaped like ``x``. Order
            ``n`` needs every order from 1 to ``n`` (Faà di Bruno's formula); order 0, if
            present, is transformed to ``g(x)``.

        Returns
        -------
        dict of int to ndarray
            Derivatives of ``Y = g(X)`` for the same orders.

        Raises
        ------
        ValueError
            If ``x`` lies outside the link's domain, an order is out of range, or a lower
            order needed by a higher one is missing.
        NotImplementedError
            For orders >= 2 with a custom link that defines no ``link_derivative``.
        """
        link = self.link_function
        values = _values(x, "x")
        orders = sorted(derivatives)
        for order in orders:
            check_int(order, name="derivative order", low=0, high=MAX_LINK_ORDER)
        inner = {order: _values(derivatives[order], f"derivatives[{order}]") for order in orders}
        top = max(orders, default=0)
        missing = [order for order in range(1, top) if order not in inner]
        if missing:
            raise ValueError(
                f"order {top} needs the derivatives of orders 1 to {top - 1} too (Faà di "
                f"Bruno's formula); missing: {missing}"
            )
        out: dict[int, np.ndarray] = {}
        for order in orders:
            if order == 0:
                out[0] = link.transform(values)
            elif order == 1:
                first = link.derivative_transform(values, inner[1])
                if self.method == "ito":
                    first = first + link.ito_correction(values, inner.get(2))
                else:
                    first = first + link.stratonovich_correction(values, inner[1])
                out[1] = first
            else:
                out[order] = self._higher(values, inner, order)
        return out

    def _higher(self, x: np.ndarray, inner: dict[int, np.ndarray], order: int) -> np.ndarray:
        link = self.link_function
        if isinstance(link, _BuiltinLink):
            x = link._check(x)
        paths = [inner[i] for i in range(1, order + 1)]
        chain = faa_di_bruno(
            [link.link_derivative(x, k) for k in range(1, order + 1)], paths, order
        )
        if self.method == "stratonovich":
            return chain
        # Itô: the (order - 1)-th time derivative of h(x(t)), h = g'' v / 2.
        h = [link.correction_derivative(x, k) for k in range(1, order)]
        return chain + faa_di_bruno(h, paths, order - 1)
