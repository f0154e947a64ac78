"""Result objects of the model stage: :class:`ModelFit` (coefficients) and :class:`BenchmarkFit`."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
from scipy import special

from kommunebench.data.reference import AREA_LABELS
from kommunebench.model.design import Design
from kommunebench.model.municipal import MunicipalCrossproducts
from kommunebench.model.ols import OLSResult

__all__ = ["ModelFit", "BenchmarkFit", "MUNICIPAL_COLUMNS"]

MUNICIPAL_COLUMNS = ("kommunekode", "area", "population", "actual", "expected")


@dataclass(frozen=True, eq=False)
class ModelFit:
    """The national person-level OLS per benefit area, fitted on one period (read-only).

    Outcome: the person's share of the period's weeks on benefit in the area (fuldtidspersoner),
    so a coefficient is in fuldtidspersoner per person. ``period`` is the label of the period the
    coefficients were estimated on (the base period of a fremskrivning).
    """

    design: Design
    scope: str
    period: str
    ols: OLSResult

    @property
    def areas(self) -> tuple[str, ...]:
        return self.ols.outcomes

    @property
    def terms(self) -> tuple[str, ...]:
        return self.ols.terms

    @property
    def coef(self) -> np.ndarray:
        """Terms × areas; ``NaN`` for aliased terms."""
        return self.ols.coef

    @property
    def std_err(self) -> np.ndarray:
        return self.ols.std_err

    @property
    def r_squared(self) -> np.ndarray:
        return self.ols.r_squared

    @property
    def n(self) -> int:
        return self.ols.n

    @property
    def k(self) -> int:
        """Number of estimated coefficients (design columns less aliased ones)."""
        return self.ols.rank

    @property
    def df_resid(self) -> int:
        return self.ols.df_resid

    @property
    def aliased(self) -> tuple[str, ...]:
        return self.ols.aliased

    def coefficients(self, area: str) -> pd.Series:
        return pd.Series(self.coef[:, self._area(area)], index=list(self.terms), name=area)

    def cov(self, area: str) -> np.ndarray:
        """Classical covariance matrix of ``area``'s coefficients (``NaN`` for aliased terms)."""
        return self.ols.cov(self._area(area))

    def _area(self, area: str) -> int:
        try:
            return self.areas.index(area)
        except ValueError:
            raise KeyError(f"no area {area!r} in this model; areas: {', '.join(self.areas)}") from None

    def to_frame(self) -> pd.DataFrame:
        """Tidy coefficients: one row per area × term (area, term, coef, std_err, t, p_value)."""
        k, a = self.coef.shape
        return pd.DataFrame(
            {
                "area": np.repeat(np.array(self.areas, dtype=object), k),
                "term": np.tile(np.array(self.terms, dtype=object), a),
                "coef": self.coef.T.ravel(),
                "std_err": self.std_err.T.ravel(),
                "t": self.ols.t_values.T.ravel(),
                "p_value": self.ols.p_values.T.ravel(),
            }
        )

    def summary(self, area: str | None = None) -> str:
        """A text table per area (all areas unless ``area`` is given), like linearmodels'."""
        areas = self.areas if area is None else (self.areas[self._area(area)],)
        return "\n\n".join(self._summary_one(a) for a in areas)

    def _summary_one(self, area: str) -> str:
        a = self._area(area)
        width = 90
        title = f"OLS estimation summary: {area} ({AREA_LABELS.get(area, area)})"
        left = [
            ("Outcome:", "share of period on benefit"),
            ("Fitted on:", self.period),
            ("Scope:", self.scope),
            ("Estimator:", "OLS, no municipality effects"),
            ("Covariance:", "classical"),
        ]
        s2 = float(self.ols.sigma2[a])
        right = [
            ("R-squared:", f"{self.r_squared[a]:.4f}"),
            ("No. observations:", f"{self.n:,}"),
            ("Df model:", f"{self.k - 1:,}"),
            ("Df residuals:", f"{self.df_resid:,}"),
            ("Residual std. err.:", f"{np.sqrt(s2):.4g}"),
        ]
        lines = [title.center(width), "=" * width]
        for (l1, v1), (l2, v2) in zip(left, right, strict=True):
            lines.append(f"{l1:<12}{v1:<31}{l2:<21}{v2:>26}")
        lines += [
            "",
            "Parameter estimates".center(width),
            "=" * width,
            f"{'':<34}{'coef':>11}{'std err':>10}{'t':>8}{'P>|t|':>7}{'[0.025':>10}{'0.975]':>10}",
            "-" * width,
        ]
        q = special.stdtrit(self.df_resid, 0.975)
        t, p = self.ols.t_values[:, a], self.ols.p_values[:, a]
        for j, term in enumerate(self.terms):
            b, se = self.coef[j, a], self.std_err[j, a]
            name = term if len(term) <= 33 else term[:32] + "…"
            if np.isnan(b):
                lines.append(f"{name:<34}{'(aliased: not estimable, left out)':>56}")
                continue
            lines.append(
                f"{name:<34}{b:>11.4g}{se:>10.3g}{t[j]:>8.2f}{p[j]:>7.3f}{b - q * se:>10.3g}{b + q * se:>10.3g}"
            )
        lines.append("=" * width)
        if self.aliased:
            lines.append(
                "Aliased columns (linear combinations of earlier ones, as R's lm drops "
                "them): " + ", ".join(self.aliased)
            )
        for var, why in self.design.dropped_by_design:
            lines.append(f"Left out by design: {var} ({why}).")
        return "\n".join(lines)


@dataclass(frozen=True, eq=False)
class BenchmarkFit:
    """Expected vs actual fuldtidspersoner per municipality and area for one period.

    ``municipal``: one row per area × kommunekode (area-major, in ``areas`` order), columns
    kommunekode, area, population (residents 16–66), actual and expected (fuldtidspersoner).
    ``expected`` is the municipality's design column sums (``x_sums``, municipalities ×
    terms, in ``kommunekoder`` order) times the model's coefficients. For a fremskrivning the
    model was fitted on ``base_period`` and the sums are of ``period``.
    ``crossproducts``: the per-municipality cross-products of ``period`` and
    ``fit_crossproducts`` those of the period the coefficients were fitted on (the same object
    unless projected); the uncertainty stage works from them.
    """

    model: ModelFit
    period: str
    kommunekoder: np.ndarray
    x_sums: np.ndarray
    _municipal: pd.DataFrame = field(repr=False)
    crossproducts: MunicipalCrossproducts | None = field(default=None, repr=False)
    fit_crossproducts: MunicipalCrossproducts | None = field(default=None, repr=False)

    @property
    def municipal(self) -> pd.DataFrame:
        return self._municipal.copy()

    @property
    def scope(self) -> str:
        return self.model.scope

    @property
    def areas(self) -> tuple[str, ...]:
        return self.model.areas

    @property
    def base_period(self) -> str:
        return self.model.period

    @property
    def projected(self) -> bool:
        """True for a fremskrivning (coefficients from an earlier base period)."""
        return self.model.period != self.period

    def expected_std_err(self) -> pd.DataFrame:
        """Standard error of each expected count from the coefficients' uncertainty alone."""
        out = []
        cov_u = np.nan_to_num(self.model.ols.cov_unscaled, nan=0.0)
        q = np.einsum("mk,kl,ml->m", self.x_sums, cov_u, self.x_sums)
        for a, area in enumerate(self.areas):
            se = np.sqrt(self.model.ols.sigma2[a] * q)
            out.append(pd.DataFrame({"kommunekode": self.kommunekoder, "area": area, "expected_std_err": se}))
        return pd.concat(out, ignore_index=True)
