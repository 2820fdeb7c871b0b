"""pydelt_like.stochastic: link functions checked against SymPy's Itô and chain rules."""

from __future__ import annotations

import numpy as np
import pytest
import sympy as sp
from hypothesis import given
from hypothesis import strategies as st

from pydelt_like.stochastic import (
    LINK_FUNCTIONS,
    MAX_LINK_ORDER,
    BetaLink,
    ExponentialLink,
    GammaLink,
    LogNormalLink,
    NormalLink,
    PoissonLink,
    StochasticDerivativeTransform,
    StochasticLinkFunction,
    create_link_function,
    faa_di_bruno,
)

x_ = sp.symbols("x", positive=True)
t_ = sp.symbols("t", real=True)

# link, g(x) and the variance v(x) it assumes, written independently of the module.
LINKS = [
    (NormalLink(sigma=0.7), x_, sp.Float(0.49)),
    (LogNormalLink(sigma=0.3), sp.log(x_), sp.Float(0.09) * x_**2),
    (GammaLink(alpha=2.0, beta=1.5), sp.log(x_), sp.Float(2.0 / 1.5**2)),
    (ExponentialLink(rate=4.0), sp.log(x_), sp.Float(1 / 16)),
    (PoissonLink(lam=3.0), sp.log(x_), sp.Float(3.0)),
    (BetaLink(alpha=2.0, beta=3.0), sp.log(x_ / (1 - x_)), sp.Float(6.0 / (25 * 6))),
]


def _path(link: StochasticLinkFunction) -> sp.Expr:
    """A smooth path inside the link's domain."""
    base = 2 + sp.sin(t_) / 3 + t_ / 5
    return base / 4 if isinstance(link, BetaLink) else base


@pytest.mark.parametrize(("link", "g", "v"), LINKS, ids=lambda p: type(p).__name__)
@pytest.mark.parametrize("method", ["ito", "stratonovich"])
def test_transforms_match_ito_lemma_and_chain_rule(link, g, v, method):
    """Order n is d^(n-1)/dt^(n-1) of Y's drift; Itô adds g''(X) v(X) / 2 to the drift."""
    path = _path(link)
    y = g.subs(x_, path)
    drift = sp.diff(y, t_)
    if method == "ito":
        drift += sp.Rational(1, 2) * (sp.diff(g, x_, 2) * v).subs(x_, path)
    t0 = 0.7
    value = np.array([float(path.subs(t_, t0))])
    derivatives = {k: np.array([float(sp.diff(path, t_, k).subs(t_, t0))]) for k in range(5)}
    got = StochasticDerivativeTransform(link, method).transform_derivatives(value, derivatives)
    assert got[0] == pytest.approx(float(y.subs(t_, t0)), rel=1e-12)
    for n in range(1, 5):
        want = float(sp.diff(drift, t_, n - 1).subs(t_, t0))
        assert got[n][0] == pytest.approx(want, rel=1e-9, abs=1e-12), n


def test_pydelt_values_kept_where_pydelt_is_right():
    x = np.array([1.0, 2.0, 3.0])
    dx = np.array([0.1, 0.2, 0.3])
    lognormal = LogNormalLink(sigma=0.5)
    np.testing.assert_allclose(lognormal.derivative_transform(x, dx), dx / x)
    np.testing.assert_allclose(lognormal.ito_correction(x, dx), -0.125)
    gamma = GammaLink(alpha=2.0, beta=1.0)
    np.testing.assert_allclose(gamma.ito_correction(x, dx), -0.5 * 2.0 / x**2)
    np.testing.assert_allclose(PoissonLink(lam=3.0).ito_correction(x, dx), -1.5 / x**2)
    np.testing.assert_allclose(ExponentialLink(rate=2.0).ito_correction(x, dx), -0.125 / x**2)


def test_lognormal_ito_term_is_constant_at_every_scale():
    # -1/x**2 times sigma**2 x**2 once gave 0 * inf = NaN at x = 1e200.
    x = np.array([1e-300, 1e-200, 1.0, 1e200, 1e300])
    np.testing.assert_allclose(LogNormalLink(sigma=0.2).ito_correction(x), -0.02, rtol=1e-15)


def test_stratonovich_has_no_correction_and_beta_has_the_2x_minus_1_factor():
    x = np.array([0.2, 0.5, 0.8])
    for link, _, _ in LINKS:
        inside = x if isinstance(link, BetaLink) else x + 1
        np.testing.assert_array_equal(link.stratonovich_correction(inside, inside), 0.0)
    beta = BetaLink(alpha=2.0, beta=3.0)
    v = 6.0 / (25 * 6)
    np.testing.assert_allclose(
        beta.ito_correction(x), 0.5 * v * (2 * x - 1) / (x**2 * (1 - x) ** 2), rtol=1e-12
    )
    assert beta.ito_correction(np.array([0.5]))[0] == 0.0


@given(st.floats(min_value=1e-6, max_value=1e6), st.sampled_from(["lognormal", "gamma"]))
def test_log_links_round_trip(value, name):
    link = create_link_function(name)
    x = np.array([value])
    np.testing.assert_allclose(link.inverse_transform(link.transform(x)), x, rtol=1e-12)


@given(st.floats(min_value=1e-6, max_value=1 - 1e-6))
def test_logit_round_trips(value):
    link = BetaLink()
    x = np.array([value])
    np.testing.assert_allclose(link.inverse_transform(link.transform(x)), x, rtol=1e-9)


@pytest.mark.parametrize(
    ("link", "bad"),
    [(LogNormalLink(), 0.0), (PoissonLink(), -1.0), (BetaLink(), 1.0), (BetaLink(), 0.0)],
)
def test_values_outside_the_domain_raise(link, bad):
    with pytest.raises(ValueError, match=r"link needs values with .*1 of 2 are not"):
        link.transform(np.array([0.5, bad]))
    with pytest.raises(ValueError, match="first: "):
        link.derivative_transform(np.array([bad, 0.5]), np.array([1.0, 1.0]))


def test_nan_propagates_without_error():
    out = LogNormalLink().derivative_transform(np.array([np.nan, 2.0]), np.array([1.0, 1.0]))
    assert np.isnan(out[0]) and out[1] == 0.5


def test_inverse_overflow_raises():
    with pytest.raises(ValueError, match="overflows"):
        LogNormalLink().inverse_transform(np.array([800.0]))


def test_create_link_function():
    normal = create_link_function("normal", mu=1.0, sigma=2.0)
    assert isinstance(normal, NormalLink) and (normal.mu, normal.sigma) == (1.0, 2.0)
    assert set(LINK_FUNCTIONS) == {"normal", "lognormal", "gamma", "beta", "exponential", "poisson"}
    with pytest.raises(ValueError, match="Unknown link function 'invalid'"):
        create_link_function("invalid")
    with pytest.raises(TypeError, match="lognormal link"):
        create_link_function("lognormal", rate=2.0)
    with pytest.raises(ValueError, match="sigma must be >= 0"):
        create_link_function("lognormal", sigma=-1.0)
    with pytest.raises(ValueError, match="alpha must be > 0"):
        GammaLink(alpha=0.0)


def test_transform_checks_its_arguments():
    with pytest.raises(ValueError, match="Method must be 'ito' or 'stratonovich'"):
        StochasticDerivativeTransform(NormalLink(), method="invalid")
    with pytest.raises(ValueError, match="link_function must be"):
        StochasticDerivativeTransform(42)  # type: ignore[arg-type]
    transform = StochasticDerivativeTransform(LogNormalLink())
    with pytest.raises(ValueError, match=r"missing: \[2\]"):
        transform.transform_derivatives(np.array([1.0]), {1: [1.0], 3: [1.0]})
    with pytest.raises(ValueError, match=f"at most {MAX_LINK_ORDER}"):
        transform.transform_derivatives(np.array([1.0]), {MAX_LINK_ORDER + 1: [1.0]})


class _Custom(StochasticLinkFunction):
    """A user's link with PyDelt's five methods only."""

    def transform(self, x):
        return 2 * np.asarray(x)

    def inverse_transform(self, y):
        return np.asarray(y) / 2

    def derivative_transform(self, x, dx):
        return 2 * np.asarray(dx)

    def ito_correction(self, x, d2x):
        return np.zeros_like(np.asarray(x))

    def stratonovich_correction(self, x, dx):
        return np.zeros_like(np.asarray(x))


def test_custom_link_transforms_first_derivatives_only():
    transform = StochasticDerivativeTransform(_Custom())
    assert transform.transform_derivatives(np.array([1.0]), {1: [3.0]})[1][0] == 6.0
    with pytest.raises(NotImplementedError, match="link_derivative"):
        transform.transform_derivatives(np.array([1.0]), {1: [3.0], 2: [1.0]})


def test_faa_di_bruno_against_sympy():
    f = sp.exp(sp.sin(t_) * t_)  # F = exp, x(t) = t sin t
    inner = sp.sin(t_) * t_
    t0 = 0.4
    xs = [np.array(float(sp.diff(inner, t_, i).subs(t_, t0))) for i in range(1, 7)]
    outer = [np.array(float(sp.exp(inner).subs(t_, t0)))] * 6
    for n in range(1, 7):
        want = float(sp.diff(f, t_, n).subs(t_, t0))
        assert float(faa_di_bruno(outer, xs, n)) == pytest.approx(want, rel=1e-12)
