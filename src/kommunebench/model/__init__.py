"""The model stage: national person-level OLS per benefit area → expected per municipality.

Entry point :func:`fit_benchmark`; the design is :data:`DEFAULT_DESIGN` (see
:mod:`kommunebench.model.design`), the solver :func:`ols_from_crossproducts`
(:mod:`kommunebench.model.ols`), the streaming pass :func:`period_statistics`
(:mod:`kommunebench.model.accumulate`).
"""

from kommunebench.model.accumulate import InsufficientDataError, PeriodStats, period_statistics
from kommunebench.model.design import DEFAULT_DESIGN, INTERCEPT, Design, Factor
from kommunebench.model.engine import DEFAULT_ENGINE, ONE_PASS, DuckDBEngine, StatsEngine
from kommunebench.model.fit import fit_benchmark, fit_model
from kommunebench.model.incremental import IncrementalEngine
from kommunebench.model.municipal import (
    TINY_EXPECTED,
    MunicipalCrossproducts,
    floor_tiny_expected,
    municipal_crossproducts,
)
from kommunebench.model.ols import OLSResult, ols, ols_from_crossproducts
from kommunebench.model.results import MUNICIPAL_COLUMNS, BenchmarkFit, ModelFit

__all__ = [
    "fit_benchmark",
    "fit_model",
    "StatsEngine",
    "DuckDBEngine",
    "DEFAULT_ENGINE",
    "ONE_PASS",
    "IncrementalEngine",
    "BenchmarkFit",
    "ModelFit",
    "MUNICIPAL_COLUMNS",
    "Design",
    "Factor",
    "DEFAULT_DESIGN",
    "INTERCEPT",
    "InsufficientDataError",
    "PeriodStats",
    "period_statistics",
    "MunicipalCrossproducts",
    "municipal_crossproducts",
    "floor_tiny_expected",
    "TINY_EXPECTED",
    "OLSResult",
    "ols",
    "ols_from_crossproducts",
]
