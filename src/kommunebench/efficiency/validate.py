"""Checks at the boundary of the efficiency stage: every bad array or option raises ``ConfigError``.

The pure functions of this package call these once on entry; the numbers inside never re-check.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kommunebench.errors import ConfigError

__all__ = [
    "ORIENTATIONS",
    "RETURNS_TO_SCALE",
    "DIRECTIONS",
    "check_choice",
    "check_int",
    "check_fraction",
    "matrix",
    "check_inputs",
    "check_outputs",
    "check_environment",
    "check_directions",
    "reference_indices",
]

ORIENTATIONS = ("input", "output")
RETURNS_TO_SCALE = ("crs", "vrs")
DIRECTIONS = ("better", "worse")


def check_choice(name: str, value: object, allowed: Sequence[str]) -> str:
    if not isinstance(value, str) or value not in allowed:
        raise ConfigError(f"{name} must be one of {', '.join(repr(a) for a in allowed)}, got {value!r}")
    return value


def check_int(name: str, value: object, *, minimum: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int | np.integer) or value < minimum:
        raise ConfigError(f"{name} must be an integer >= {minimum}, got {value!r}")
    return int(value)


def check_fraction(name: str, value: object) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float | np.floating) or not 0.0 < float(value) < 1.0:
        raise ConfigError(f"{name} must be a number strictly between 0 and 1, got {value!r}")
    return float(value)


def matrix(name: str, values: object, *, n_rows: int | None = None, allow_empty: bool = False) -> np.ndarray:
    """``values`` as a finite 2-D float array (a 1-D array is one column)."""
    try:
        arr = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError(f"{name} must be numbers (an array of units × variables)") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.ndim != 2:
        raise ConfigError(f"{name} must be a 2-D array of units × variables, got {arr.ndim} dimensions")
    if n_rows is not None and arr.shape[0] != n_rows:
        raise ConfigError(f"{name} has {arr.shape[0]} rows but there are {n_rows} units (one row per unit)")
    if arr.shape[1] == 0 and not allow_empty:
        raise ConfigError(f"{name} needs at least one column")
    bad = ~np.isfinite(arr)
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ConfigError(
            f"{name} must be finite numbers: row {i + 1}, column {j + 1} is {arr[i, j]!r} "
            f"({int(bad.sum())} missing or infinite value(s) in all)"
        )
    return arr


def check_inputs(arr: np.ndarray) -> np.ndarray:
    bad = arr <= 0
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ConfigError(
            f"inputs must be > 0 (DEA measures proportional input savings): row {i + 1}, column {j + 1} "
            f"is {arr[i, j]!r}"
        )
    return arr


def check_outputs(arr: np.ndarray) -> np.ndarray:
    bad = arr < 0
    if bad.any():
        i, j = np.argwhere(bad)[0]
        raise ConfigError(f"outputs must be >= 0: row {i + 1}, column {j + 1} is {arr[i, j]!r}")
    zero = ~(arr > 0).any(axis=1)
    if zero.any():
        raise ConfigError(f"every unit needs at least one positive output: row {int(np.flatnonzero(zero)[0]) + 1} is 0")
    return arr


def check_environment(environment: object, n: int) -> np.ndarray:
    if environment is None:
        return np.zeros((n, 0))
    return matrix("environment", environment, n_rows=n)


def check_directions(higher_is: object, e: int) -> np.ndarray:
    """+1 where a higher environment value is better for the unit, −1 where it is worse."""
    if e == 0:
        if higher_is not in (None, ()):
            raise ConfigError("environment_higher_is is given but there is no environment variable")
        return np.zeros(0)
    if higher_is is None:
        raise ConfigError(
            "say for each environment variable whether a higher value is 'better' or 'worse' for the unit "
            "(environment_higher_is)"
        )
    items = [higher_is] if isinstance(higher_is, str) else list(higher_is)  # type: ignore[call-overload]
    if len(items) != e:
        raise ConfigError(f"environment_higher_is needs {e} entries (one per environment variable), got {len(items)}")
    for item in items:
        check_choice("environment_higher_is", item, DIRECTIONS)
    return np.array([1.0 if item == "better" else -1.0 for item in items])


def reference_indices(reference: object, n: int) -> np.ndarray:
    """Indices of the reference units from None (all), a boolean mask or a sequence of row indices."""
    if reference is None:
        return np.arange(n)
    arr = np.asarray(reference)
    if arr.dtype == bool:
        if arr.shape != (n,):
            raise ConfigError(f"the reference mask must have one entry per unit ({n}), got shape {arr.shape}")
        idx = np.flatnonzero(arr)
    else:
        if arr.ndim != 1 or not np.issubdtype(arr.dtype, np.integer):
            raise ConfigError("reference must be a boolean mask or a sequence of row indices")
        if arr.size and (arr.min() < 0 or arr.max() >= n):
            raise ConfigError(f"reference row indices must lie in 0..{n - 1}")
        idx = np.unique(arr)
    if idx.size == 0:
        raise ConfigError("the reference set is empty: at least one unit must span the frontier")
    return idx
