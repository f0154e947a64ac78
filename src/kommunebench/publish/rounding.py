"""Rounding as the ministry publishes: half away from zero (as Excel's ROUND), counts to 10."""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike, NDArray

__all__ = ["round_half_away", "round_count"]


def round_half_away(values: ArrayLike, decimals: int = 0) -> NDArray[np.float64]:
    """Round half away from zero (as Excel's ROUND), robust to binary noise (2.675 → 2.68).

    NaN stays NaN (a suppressed cell).
    """
    x = np.asarray(values, dtype=float)
    scale = 10.0**decimals
    scaled = np.round(np.abs(x) * scale, 6)  # strip representation noise before deciding the half
    return np.asarray(np.sign(x) * np.floor(scaled + 0.5) / scale, dtype=float)


def round_count(values: ArrayLike) -> NDArray[np.float64]:
    """Counts as published: to the nearest 10."""
    return round_half_away(np.asarray(values, dtype=float) / 10.0) * 10.0
