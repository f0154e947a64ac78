"""The synthetic Denmark's cost input (``admin_costs``) with a planted cost inefficiency.

Per municipality and year: the full-time persons on benefits (the generated benefit weeks of the
three benchmark areas ÷ weeks in the year) and the administrative resource use in kr. =
fuldtidspersoner × the cost per fuldtidsperson. The cost per fuldtidsperson is the best-practice
cost at the municipality's results times a planted excess factor exp(|N(0, :data:`SPREAD`)|) ≥ 1
drawn once per municipality from its own stream ``default_rng([seed, kommunekode, STREAM])``.

**The best-practice cost** (the *cost frontier*, ``cost_frontier``):

* ``"flad"`` (default, :data:`DEFAULT_COST_FRONTIER`): it does not depend on the results,
  C = :data:`FRONTIER_KR` × 1.02^t — money buys no results, a degenerate technology for DEA; the
  subsampling intervals cover the truth on most seeds but not all (docs/efficiency.md).
* ``"stigende"``: it rises with the municipality's true results,
  C(y*) = :data:`FRONTIER_KR` × 1.02^t × exp(Σₐ βₐ (y*ₐ − 1)), where y*ₐ = 1 ÷ (1 + rₐ) is the
  municipality's true løfteevne in area a (rₐ its planted relative effect: its residents' benefit
  shares are × (1 + rₐ), so expected ÷ actual = 1 ÷ (1 + rₐ) before outcome noise) and
  βₐ = :data:`ELASTICITY` × the area's share of the national fuldtidspersoner (1.62 / 2.87 / 3.12 %
  of the 16–66-year-olds, ``calibrate.NATIONAL_TARGETS``): a best-practice municipality whose
  løfteevne is 1 % higher in every area spends ≈ 1 % more per fuldtidsperson. C is increasing and
  convex (the exponential of a linear function), so the technology {(x, y): x ≥ C(y)} is convex
  and freely disposable, and a municipality's input-oriented VRS efficiency against it (at its true
  outputs) is C(y*) ÷ x = 1 ÷ its factor exactly. The DEA sees *estimated* løfteevne, whose outcome
  noise at scale 0.1 pushes the estimated frontier beyond the true one: measured in
  docs/efficiency.md ("The synthetic Denmark's cost frontier"), the truth is then not coverable.

``truth_costs.parquet`` holds the truth per municipality: ``excess_factor``, ``cost_efficiency``
= 1 ÷ factor, the true løfteevne per area (``true_loefteevne_<area>``) and the first year's
best-practice cost per fuldtidsperson at those results (``frontier_cost_kr``).
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

from kommunebench.errors import ConfigError

__all__ = [
    "AREAS",
    "COST_FRONTIERS",
    "DEFAULT_COST_FRONTIER",
    "ELASTICITY",
    "FRONTIER_KR",
    "SPREAD",
    "STREAM",
    "SCHEMA",
    "check_cost_frontier",
    "excess_factor",
    "frontier_cost",
    "true_loefteevne",
    "cost_rows",
    "truth_row",
]

AREAS = ("a_dagpenge", "sygedagpenge", "kontanthjaelp")
COST_FRONTIERS = ("flad", "stigende")
DEFAULT_COST_FRONTIER = "flad"
FRONTIER_KR = 38_000.0  # best-practice administrative cost per fuldtidsperson at løfteevne 1, first year
ELASTICITY = 1.0  # of the best-practice cost per fuldtidsperson w.r.t. the løfteevne in every area
_FTE_SHARE = np.array([1.62, 2.87, 3.12])  # national pct on benefits per area (calibrate.NATIONAL_TARGETS)
BETA = ELASTICITY * _FTE_SHARE / _FTE_SHARE.sum()  # per area: 0.213, 0.377, 0.410
SPREAD = 0.2
STREAM = 0xC057
SCHEMA = pa.schema(
    [
        ("kommunekode", pa.int16()),
        ("year", pa.int16()),
        ("admin_cost_kr", pa.float64()),
        ("fuldtidspersoner", pa.float64()),
        ("jobcentre", pa.string()),
    ]
)


def check_cost_frontier(cost_frontier: str) -> str:
    if cost_frontier not in COST_FRONTIERS:
        raise ConfigError(f"ukendt omkostningsfront {cost_frontier!r}: vælg {' eller '.join(COST_FRONTIERS)}")
    return cost_frontier


def excess_factor(seed: int, kommunekode: int) -> float:
    """The planted factor ≥ 1 by which a municipality's cost per fuldtidsperson exceeds best practice."""
    rng = np.random.default_rng([seed, kommunekode, STREAM])
    return float(np.exp(abs(rng.normal(0.0, SPREAD))))


def true_loefteevne(effect: np.ndarray) -> np.ndarray:
    """The true løfteevne per area, 1 ÷ (1 + r), from the planted relative effects r (3,)."""
    return 1.0 / (1.0 + np.asarray(effect, dtype=float))


def frontier_cost(effect: np.ndarray, *, cost_frontier: str = DEFAULT_COST_FRONTIER) -> float:
    """The first year's best-practice cost per fuldtidsperson at the true results of ``effect``."""
    if check_cost_frontier(cost_frontier) == "flad":
        return FRONTIER_KR
    return float(FRONTIER_KR * np.exp(BETA @ (true_loefteevne(effect) - 1.0)))


def cost_rows(
    seed: int,
    kommunekode: int,
    years: tuple[int, ...],
    area_weeks: np.ndarray,
    weeks: list[int],
    effect: np.ndarray,
    *,
    cost_frontier: str = DEFAULT_COST_FRONTIER,
) -> list[dict]:
    """One ``admin_costs`` row per year from the municipality's benefit weeks per area (years × 3)
    and its planted relative effects per area (``effect``, 3)."""
    frontier, factor = frontier_cost(effect, cost_frontier=cost_frontier), excess_factor(seed, kommunekode)
    rows = []
    for y_i, year in enumerate(years):
        fuldtid = max(float(area_weeks[y_i].sum()) / weeks[y_i], 1.0 / weeks[y_i])
        per_person = frontier * 1.02**y_i * factor
        rows.append(
            {
                "kommunekode": kommunekode,
                "year": year,
                "admin_cost_kr": round(fuldtid * per_person, 2),
                "fuldtidspersoner": round(fuldtid, 4),
                "jobcentre": None,
            }
        )
    return rows


def truth_row(seed: int, kommunekode: int, effect: np.ndarray, *, cost_frontier: str = DEFAULT_COST_FRONTIER) -> dict:
    factor = excess_factor(seed, kommunekode)
    y = true_loefteevne(effect)
    return {
        "kommunekode": kommunekode,
        "excess_factor": factor,
        "cost_efficiency": 1.0 / factor,
        **{f"true_loefteevne_{a}": float(v) for a, v in zip(AREAS, y, strict=True)},
        "frontier_cost_kr": frontier_cost(effect, cost_frontier=cost_frontier),
    }
