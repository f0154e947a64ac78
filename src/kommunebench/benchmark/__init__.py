"""Benchmark stage: the ministry's lists, similar municipalities, klynger, potential, screens.

Pure functions over the model stage's ``municipal`` frame (kommunekode × area with population,
actual and expected fuldtidspersoner); see :func:`build_lists`.
"""

from kommunebench.benchmark.display import (
    COLUMNS,
    display_frame,
    format_number_da,
    label_kinds,
    round_count,
    round_half_away,
)
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
    "COLUMNS",
    "EXTRA_AREAS",
    "MINISTRY_AREAS",
    "BenchmarkLists",
    "Potential",
    "SkaerpetTilsyn",
    "build_lists",
    "compute_potential",
    "display_frame",
    "format_number_da",
    "klynger_frame",
    "label_kinds",
    "natural_breaks",
    "period_end",
    "rank_by_difference",
    "resolve_costs",
    "round_count",
    "round_half_away",
    "similar_frame",
]
