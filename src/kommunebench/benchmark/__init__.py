"""Benchmark stage: the ministry's lists, similar municipalities, klynger, potential, screens.

Pure functions over the model stage's ``municipal`` frame (kommunekode × area with population,
actual and expected fuldtidspersoner); see :func:`build_lists`.
"""

from kommunebench.benchmark.klynger import klynger_frame, natural_breaks, similar_frame
from kommunebench.benchmark.lists import (
    EXTRA_AREAS,
    MINISTRY_AREAS,
    BenchmarkLists,
    SkaerpetTilsyn,
    build_lists,
    rank_by_difference,
)
from kommunebench.benchmark.potential import Potential, compute_potential, period_end, resolve_costs

__all__ = [
    "EXTRA_AREAS",
    "MINISTRY_AREAS",
    "BenchmarkLists",
    "Potential",
    "SkaerpetTilsyn",
    "build_lists",
    "compute_potential",
    "klynger_frame",
    "natural_breaks",
    "period_end",
    "rank_by_difference",
    "resolve_costs",
    "similar_frame",
]
