"""Funnel plot limits with over-dispersion (Spiegelhalter 2005) and empirical-Bayes shrinkage.

Each municipality's difference ``d_m`` (pct. points; the national target is 0) has a standard
error ``s_m`` (:mod:`kommunebench.uncertainty.intervals`). Municipal differences vary more than
their noise alone explains — that is the point of a benchmark — so the control limits allow for
an *additive random effect* with variance ``τ²``, estimated as in Spiegelhalter (2005) with
DerSimonian–Laird's moment estimator on winsorised z-scores (10 % in each tail):
``φ = mean(z_w²)``, ``τ² = max(0, (n·φ − (n − 1)) / (Σw − Σw²/Σw))``, ``w = 1/s²``.
The limits are ``0 ± z_p · √(s_m² + τ²)`` for p = 95 % and 99.8 %; plotted against population,
``s²`` is smoothed as ``a/N + b`` (outcome noise falls with size, coefficient noise does not).

Empirical-Bayes shrinkage (an alternative *view*, never the official rank): with the same ``τ²``
as prior variance around 0, ``d_m^EB = d_m · τ²/(τ² + s_m²)`` and posterior SD
``√(τ² s_m²/(τ² + s_m²))``; small, noisy municipalities move most towards 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import special

__all__ = ["Funnel", "funnel"]

Z95, Z998 = float(special.ndtri(0.975)), float(special.ndtri(0.999))


@dataclass(frozen=True, eq=False)
class Funnel:
    tau2: float
    phi: float
    z: np.ndarray
    limit95: np.ndarray  # half-width per municipality
    limit998: np.ndarray
    outside95: np.ndarray  # −1 below, +1 above, 0 inside
    outside998: np.ndarray
    shrunk: np.ndarray
    shrunk_se: np.ndarray
    curve_population: np.ndarray
    curve_limit95: np.ndarray
    curve_limit998: np.ndarray


def _winsorised(z: np.ndarray, q: float = 0.1) -> np.ndarray:
    lo, hi = np.quantile(z, [q, 1 - q])
    return np.clip(z, lo, hi)


def funnel(
    diff: np.ndarray, se: np.ndarray, population: np.ndarray, *, points: int = 60, winsorise: float = 0.1
) -> Funnel:
    """Limits and shrinkage (module doc). ``winsorise``: the z-score tails cut before estimating
    τ² (Spiegelhalter's 10 % protects τ² from a few real outliers, at the price of a smaller τ²
    when the spread is simply normal; 0 = plain DerSimonian–Laird)."""
    d, s, pop = (np.asarray(v, float) for v in (diff, se, population))
    ok = s > 0  # a municipality without any variation (tiny test data) does not inform τ²
    s = np.where(ok, s, np.nan)
    z = d / s
    n = int(ok.sum())
    phi = float(np.mean((_winsorised(z[ok], winsorise) if winsorise > 0 else z[ok]) ** 2))
    w = 1 / s[ok] ** 2
    tau2 = max(0.0, (n * phi - (n - 1)) / (w.sum() - (w**2).sum() / w.sum()))
    s = np.where(ok, s, 0.0)
    sd = np.sqrt(s**2 + tau2)
    l95, l998 = Z95 * sd, Z998 * sd
    a, b = np.linalg.lstsq(np.column_stack([1 / pop[ok], np.ones(n)]), s[ok] ** 2, rcond=None)[0]
    grid = np.geomspace(pop.min(), pop.max(), points)
    s_grid = np.sqrt(np.clip(a / grid + max(b, 0.0), 0.0, None) + tau2)
    with np.errstate(invalid="ignore"):
        shrink = np.where(ok, tau2 / (tau2 + s**2), 0.0) if tau2 > 0 else np.zeros_like(s)
    return Funnel(
        tau2=float(tau2),
        phi=phi,
        z=z,
        limit95=l95,
        limit998=l998,
        outside95=np.sign(d) * (np.abs(d) > l95),
        outside998=np.sign(d) * (np.abs(d) > l998),
        shrunk=d * shrink,
        shrunk_se=np.sqrt(shrink * s**2),
        curve_population=grid,
        curve_limit95=Z95 * s_grid,
        curve_limit998=Z998 * s_grid,
    )
