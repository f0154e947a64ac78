"""Rounding as the ministry publishes: half away from zero (as Excel's ROUND), counts to 10."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

from kommunebench.benchmark.ranking import round_half_away

__all__ = ["round_half_away", "round_count"]


def round_count(values: ArrayLike) -> NDArray[np.float64]:
    """Counts as published: to the nearest 10."""
    return round_half_away(np.asarray(values, dtype=float) / 10.0) * 10.0
