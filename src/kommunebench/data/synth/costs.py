"""The synthetic Denmark's cost input (``admin_costs``) with a planted cost inefficiency.

Per municipality and year: the full-time persons on benefits (the generated benefit weeks of the
three benchmark areas ÷ weeks in the year) and the administrative resource use in kr. =
fuldtidspersoner × the cost per fuldtidsperson. The cost per fuldtidsperson is the best-practice
cost (:data:`FRONTIER_KR` in the first year, +2 % a year) times a planted excess factor
exp(|N(0, :data:`SPREAD`)|) ≥ 1 drawn once per municipality from its own stream
``default_rng([seed, kommunekode, STREAM])``. The best-practice cost does not depend on the
results, so the true input-oriented cost efficiency of a municipality is exactly 1 ÷ its factor;
``truth_costs.parquet`` holds it (``cost_efficiency``) beside the factor.
"""

from __future__ import annotations

import numpy as np
import pyarrow as pa

__all__ = ["FRONTIER_KR", "SPREAD", "STREAM", "SCHEMA", "excess_factor", "cost_rows", "truth_row"]

FRONTIER_KR = 38_000.0  # best-practice administrative cost per fuldtidsperson, first year
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


def excess_factor(seed: int, kommunekode: int) -> float:
    """The planted factor ≥ 1 by which a municipality's cost per fuldtidsperson exceeds best practice."""
    rng = np.random.default_rng([seed, kommunekode, STREAM])
    return float(np.exp(abs(rng.normal(0.0, SPREAD))))


def cost_rows(
    seed: int, kommunekode: int, years: tuple[int, ...], area_weeks: np.ndarray, weeks: list[int]
) -> list[dict]:
    """One ``admin_costs`` row per year from the municipality's benefit weeks per area (years × 3)."""
    factor = excess_factor(seed, kommunekode)
    rows = []
    for y_i, year in enumerate(years):
        fuldtid = max(float(area_weeks[y_i].sum()) / weeks[y_i], 1.0 / weeks[y_i])
        per_person = FRONTIER_KR * 1.02**y_i * factor
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


def truth_row(seed: int, kommunekode: int) -> dict:
    factor = excess_factor(seed, kommunekode)
    return {"kommunekode": kommunekode, "excess_factor": factor, "cost_efficiency": 1.0 / factor}
