"""The units and variables of one DEA model: :class:`DEAData` and :func:`dea_data` (validated).

Besides inputs, outputs and environment variables a model may carry what it takes to turn a
potential into real units: ``input_volume`` (per unit and input, the quantity an input is "per",
e.g. fuldtidspersoner for cost per fuldtidsperson, so that a saving per person × persons = kr.) and
``output_counts`` (per unit and output, the actual count behind a ratio output; see
:mod:`kommunebench.efficiency.loefteevne`).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kommunebench.efficiency.validate import (
    check_directions,
    check_environment,
    check_inputs,
    check_outputs,
    matrix,
)
from kommunebench.errors import ConfigError

__all__ = ["DEAData", "dea_data"]


def _frozen(arr: np.ndarray) -> np.ndarray:
    out = np.array(arr, dtype=float)
    out.setflags(write=False)
    return out


@dataclass(frozen=True, eq=False)
class DEAData:
    """Validated DEA data (read-only arrays, one row per unit).

    ``units`` are the ids (kommunekoder), ``labels`` their display names. ``environment_higher_is``
    holds ``"better"``/``"worse"`` per environment variable. ``input_volume`` (units × inputs, NaN
    where it does not apply) and ``input_volume_unit`` (e.g. ``"kr"``) convert an input's potential
    into a total; ``output_counts`` (units × outputs) are the actual counts behind ratio outputs
    (expected ÷ actual), giving the potential in persons. ``variant`` names the model.
    ``members`` (joint jobcentres, :mod:`kommunebench.efficiency.jobcentres`): per unit the ids of
    the municipalities it stands for; None when every unit is one municipality.
    """

    units: tuple[int | str, ...]
    labels: tuple[str, ...]
    inputs: np.ndarray
    outputs: np.ndarray
    input_names: tuple[str, ...]
    output_names: tuple[str, ...]
    environment: np.ndarray
    environment_names: tuple[str, ...]
    environment_higher_is: tuple[str, ...]
    input_volume: np.ndarray | None = None
    input_volume_unit: str = ""
    output_counts: np.ndarray | None = None
    variant: str = "custom"
    members: tuple[tuple[int | str, ...], ...] | None = None

    @property
    def n(self) -> int:
        return len(self.units)

    @property
    def constant_inputs(self) -> tuple[bool, ...]:
        """Inputs equal for every unit (the 'results only' model): no saving to report on them."""
        return tuple(bool(np.ptp(self.inputs[:, i]) == 0) for i in range(self.inputs.shape[1]))

    def index_of(self, items: Sequence[object]) -> np.ndarray:
        """Row indices of ``items`` given as unit ids or labels (case-insensitive)."""
        by_label = {label.casefold(): i for i, label in enumerate(self.labels)}
        by_id = {str(u): i for i, u in enumerate(self.units)}
        out = []
        for item in items:
            key = str(item).strip()
            i = by_id.get(key, by_label.get(key.casefold()))
            if i is None and key.isdigit():
                i = by_id.get(str(int(key)))
            if i is None:
                raise ConfigError(f"unknown unit {item!r}: not an id or a name of this model's {self.n} units")
            out.append(i)
        return np.array(sorted(set(out)), dtype=int)


def _names(kind: str, names: Sequence[str] | None, k: int) -> tuple[str, ...]:
    if names is None:
        return tuple(f"{kind}_{i + 1}" for i in range(k))
    out = tuple(str(n) for n in names)
    if len(out) != k or len(set(out)) != k:
        raise ConfigError(f"{kind} names must be {k} distinct names, got {list(out)}")
    return out


def _volume(values: object, shape: tuple[int, ...]) -> np.ndarray:
    try:
        arr = np.array(values, dtype=float)
    except (TypeError, ValueError):
        raise ConfigError("input_volume must be numbers") from None
    if arr.ndim == 1:
        arr = arr[:, None]
    if arr.shape != shape:
        raise ConfigError(f"input_volume must have one value per unit and input, shape {shape}, got {arr.shape}")
    if np.isinf(arr).any() or (arr[np.isfinite(arr)] < 0).any():
        raise ConfigError("input_volume must be finite and >= 0 (NaN where it does not apply)")
    return arr


def dea_data(
    units: Sequence[int | str],
    inputs: object,
    outputs: object,
    *,
    input_names: Sequence[str] | None = None,
    output_names: Sequence[str] | None = None,
    environment: object = None,
    environment_names: Sequence[str] | None = None,
    environment_higher_is: object = None,
    labels: Sequence[str] | None = None,
    input_volume: object = None,
    input_volume_unit: str = "",
    output_counts: object = None,
    variant: str = "custom",
    members: Sequence[Sequence[int | str]] | None = None,
) -> DEAData:
    """Build :class:`DEAData`, raising :class:`~kommunebench.errors.ConfigError` for bad input.

    Inputs must be > 0, outputs ≥ 0 with a positive output per unit, every array one row per unit.
    """
    ids = tuple(units)
    n = len(ids)
    if n < 2:
        raise ConfigError("DEA needs at least two units")
    if len({str(u) for u in ids}) != n:
        raise ConfigError("unit ids must be distinct")
    x = check_inputs(matrix("inputs", inputs, n_rows=n))
    y = check_outputs(matrix("outputs", outputs, n_rows=n))
    z = check_environment(environment, n)
    directions = check_directions(environment_higher_is, z.shape[1])
    volume = None if input_volume is None else _volume(input_volume, x.shape)
    counts = None
    if output_counts is not None:
        counts = check_outputs(matrix("output_counts", output_counts, n_rows=n))
        if counts.shape != y.shape:
            raise ConfigError(f"output_counts must have the shape of the outputs, {y.shape}")
    names = tuple(str(u) for u in ids) if labels is None else tuple(str(s) for s in labels)
    if len(names) != n:
        raise ConfigError(f"labels must have one entry per unit ({n}), got {len(names)}")
    groups = None if members is None else tuple(tuple(m) for m in members)
    if groups is not None and (len(groups) != n or any(not m for m in groups)):
        raise ConfigError(f"members must list at least one municipality for each of the {n} units")
    return DEAData(
        units=ids,
        labels=names,
        inputs=_frozen(x),
        outputs=_frozen(y),
        input_names=_names("input", input_names, x.shape[1]),
        output_names=_names("output", output_names, y.shape[1]),
        environment=_frozen(z),
        environment_names=_names("environment", environment_names, z.shape[1]),
        environment_higher_is=tuple("better" if d > 0 else "worse" for d in directions),
        input_volume=None if volume is None else _frozen(volume),
        input_volume_unit=str(input_volume_unit),
        output_counts=None if counts is None else _frozen(counts),
        variant=str(variant),
        members=groups,
    )
