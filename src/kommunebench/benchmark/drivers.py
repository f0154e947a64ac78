"""The drivers of a stored run's expected levels (the model's decomposition over its artifacts).

A run stores the design's column sums per municipality as the artifact ``design_sums`` (see
:mod:`kommunebench.benchmark.runs`); with the stored coefficients they give the exact drivers of
every expected share (:func:`kommunebench.model.drivers.expected_drivers`). Runs stored before the
artifact existed, and runs of published figures, have no drivers (``None``).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kommunebench.data.reference import TOTAL
from kommunebench.model import BenchmarkFit
from kommunebench.model.drivers import Drivers, expected_drivers

__all__ = ["DESIGN_SUMS", "Drivers", "design_sums_frame", "run_drivers"]

DESIGN_SUMS = "design_sums"


def design_sums_frame(fit: BenchmarkFit) -> pd.DataFrame:
    """The artifact: kommunekode and one column per design term (the municipality's column sums)."""
    frame = pd.DataFrame(np.asarray(fit.x_sums, dtype=float), columns=list(fit.model.terms))
    frame.insert(0, "kommunekode", fit.kommunekoder.astype(np.int64))
    return frame


def run_drivers(artifacts: Mapping[str, pd.DataFrame], total_areas: Sequence[str]) -> Drivers | None:
    """The drivers of a stored run's lists (the areas and ``total`` = the sum of ``total_areas``)."""
    sums = artifacts.get(DESIGN_SUMS)
    coefficients = artifacts.get("coefficients")
    if sums is None or coefficients is None:
        return None
    terms = [str(c) for c in sums.columns if c != "kommunekode"]
    areas = list(dict.fromkeys(str(a) for a in coefficients["area"]))
    wide = coefficients.pivot(index="term", columns="area", values="coef").reindex(index=terms, columns=areas)
    return expected_drivers(
        sums[terms].to_numpy(float),
        wide.to_numpy(float),
        terms,
        areas,
        sums["kommunekode"].to_numpy(np.int64),
        totals={TOTAL: tuple(a for a in total_areas if a in areas)},
    )
