"""Drivers of the expected level: why a municipality's expected share is what it is.

For the linear model a municipality's expected share is its mean design row times the
coefficients, ``e_m = (x_m / n_m) · b``, and the national expected share is the population-weighted
mean ``ē = (Σ_m x_m / Σ_m n_m) · b``. Their difference splits exactly over the design's columns,

    e_m − ē = Σ_j b_j (x_mj / n_m − X_j / N),

where the intercept's term is zero (its mean is 1 everywhere). Summing the columns of one
covariate group (age, sex, origin, education, family, health, prior benefits, local labour
market) gives the group's *contribution* in percentage points; the contributions of every
municipality sum to its expected share minus the national one (up to float rounding, ~1e-13).

For a model fitted on the period itself the national expected share equals the national actual
share (the intercept's normal equation), so ``ē`` is "landsgennemsnittet". A total over several
areas is the same decomposition with the areas' coefficients added (the model is linear).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kommunebench.data.schemas import LABOUR_MARKET_VARIABLES
from kommunebench.model.design import INTERCEPT

__all__ = ["DRIVER_GROUPS", "Drivers", "driver_group", "expected_drivers"]

#: Covariate groups in display order: design factor (or ``labour_market``) → group name.
DRIVER_GROUPS: Mapping[str, str] = {
    "age_band": "age",
    "sex": "sex",
    "origin": "origin",
    "education": "education",
    "family_type": "family",
    "health_band": "health",
    "prior_benefit_band": "prior_benefits",
    "labour_market": "labour_market",
}


def driver_group(term: str) -> str | None:
    """The group of a design column (``None`` for the intercept); ValueError for an unknown column."""
    if term == INTERCEPT:
        return None
    if term in LABOUR_MARKET_VARIABLES:
        return DRIVER_GROUPS["labour_market"]
    factor = term.split("[", 1)[0]
    if "[" in term and factor in DRIVER_GROUPS:
        return DRIVER_GROUPS[factor]
    raise ValueError(f"design column {term!r} belongs to no driver group")


@dataclass(frozen=True, eq=False)
class Drivers:
    """Contributions (pct. points) of each covariate group to expected − national, per list.

    ``contributions[m, l, g]``: municipality ``kommunekoder[m]``, list ``lists[l]``, group
    ``groups[g]``. ``expected_share[m, l]`` and ``national_share[l]`` are in percent.
    """

    kommunekoder: np.ndarray
    lists: tuple[str, ...]
    groups: tuple[str, ...]
    population: np.ndarray
    expected_share: np.ndarray
    national_share: np.ndarray
    contributions: np.ndarray

    def deviation(self) -> np.ndarray:
        """``expected_share − national_share`` (municipalities × lists)."""
        return self.expected_share - self.national_share[None, :]

    def of(self, kommunekode: int, name: str) -> dict[str, float]:
        """Group → contribution of one municipality in one list."""
        m = int(np.flatnonzero(self.kommunekoder == kommunekode)[0])
        col = self.lists.index(name)
        return {g: float(v) for g, v in zip(self.groups, self.contributions[m, col], strict=True)}

    def to_frame(self) -> pd.DataFrame:
        """One row per municipality × list × group (kommunekode, list, group, contribution_pp, ...)."""
        n_m, n_l, n_g = self.contributions.shape
        return pd.DataFrame(
            {
                "kommunekode": np.repeat(self.kommunekoder.astype(np.int64), n_l * n_g),
                "list": np.tile(np.repeat(np.array(self.lists, dtype=object), n_g), n_m),
                "group": np.tile(np.array(self.groups, dtype=object), n_m * n_l),
                "contribution_pp": self.contributions.ravel(),
                "expected_share": np.repeat(self.expected_share.ravel(), n_g),
                "national_share": np.tile(np.repeat(self.national_share, n_g), n_m),
            }
        )

    def summary(self) -> str:
        dev = np.abs(self.deviation() - self.contributions.sum(axis=2))
        return (
            f"drivers of {len(self.kommunekoder)} municipalities × {len(self.lists)} lists × "
            f"{len(self.groups)} groups; largest gap between the sum of drivers and expected − "
            f"national: {float(dev.max(initial=0.0)):.2e} pct. points"
        )


def expected_drivers(
    x_sums: np.ndarray,
    coef: np.ndarray,
    terms: Sequence[str],
    areas: Sequence[str],
    kommunekoder: np.ndarray,
    *,
    totals: Mapping[str, Sequence[str]] | None = None,
) -> Drivers:
    """The drivers of every municipality's expected share (pure; see the module doc).

    ``x_sums``: municipalities × terms, the design's column sums (the intercept's column is the
    population); ``coef``: terms × areas (``NaN`` = aliased, counted as 0). ``totals`` adds lists
    that sum areas, e.g. ``{"total": ("a_dagpenge", "sygedagpenge", "kontanthjaelp")}``.
    """
    x = np.asarray(x_sums, dtype=float)
    b = np.nan_to_num(np.asarray(coef, dtype=float), nan=0.0)
    terms = tuple(terms)
    if x.shape[1] != len(terms) or b.shape != (len(terms), len(areas)):
        raise ValueError(
            f"shapes do not match: x_sums {x.shape}, coef {b.shape}, {len(terms)} terms, {len(areas)} areas"
        )
    names = list(areas)
    cols = [b]
    for name, parts in (totals or {}).items():
        cols.append(b[:, [list(areas).index(a) for a in parts]].sum(axis=1, keepdims=True))
        names.append(name)
    b = np.hstack(cols)
    pop = x[:, terms.index(INTERCEPT)]
    if (pop <= 0).any():
        raise ValueError("every municipality needs a population above 0")
    mean = x / pop[:, None]
    national = x.sum(axis=0) / pop.sum()
    groups_of = [driver_group(t) for t in terms]
    groups = tuple(g for g in DRIVER_GROUPS.values() if g in groups_of)
    onehot = np.array([[g == grp for grp in groups] for g in groups_of], dtype=float)  # terms × groups
    per_term = (mean - national)[:, :, None] * b[None, :, :] * 100.0  # m × terms × lists
    contributions = np.einsum("mkl,kg->mlg", per_term, onehot)
    out = Drivers(
        kommunekoder=np.asarray(kommunekoder).copy(),
        lists=tuple(names),
        groups=groups,
        population=pop.copy(),
        expected_share=mean @ b * 100.0,
        national_share=national @ b * 100.0,
        contributions=contributions,
    )
    for arr in (out.kommunekoder, out.population, out.expected_share, out.national_share, out.contributions):
        arr.setflags(write=False)
    return out
