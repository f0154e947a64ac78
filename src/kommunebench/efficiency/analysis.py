"""The entry point of the efficiency stage: :func:`compute_efficiency` (options checked here, once)."""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from kommunebench.efficiency.bootstrap import (
    SUBSAMPLE_EXPONENT,
    bootstrap_scores,
    check_bootstrap_options,
    check_calibration,
    check_method,
)
from kommunebench.efficiency.dea import build_problem, scores_of
from kommunebench.efficiency.deadata import DEAData
from kommunebench.efficiency.groups import assign_groups, check_grouping
from kommunebench.efficiency.replicate import EngineSettings
from kommunebench.efficiency.results import EfficiencyResult
from kommunebench.efficiency.validate import ORIENTATIONS, RETURNS_TO_SCALE, check_choice, check_int
from kommunebench.errors import ConfigError

__all__ = ["compute_efficiency"]


def _notes(data: DEAData, orientation: str, rts: str, excluded: np.ndarray) -> tuple[str, ...]:
    notes = []
    if all(data.constant_inputs):
        if orientation == "input" and rts == "vrs":
            notes.append(
                "input-orienteret VRS med et konstant input giver alle enheder score 1 (der er intet input at "
                "spare); brug output-orientering"
            )
        elif orientation == "input":
            notes.append("med et konstant input er den input-orienterede CRS-score den reciprokke output-score")
    if excluded.size and rts == "vrs":
        notes.append("udeladte enheder kan ligge uden for fronten (score over 1) eller mangle en mulig sammenligning")
    return tuple(notes)


def compute_efficiency(
    data: DEAData,
    *,
    orientation: str = "output",
    rts: str = "vrs",
    exclude: Sequence[object] = (),
    bootstrap: int = 0,
    bootstrap_method: str = "subsampling",
    subsample_exponent: float | str = SUBSAMPLE_EXPONENT,
    calibration: str | None = None,
    alpha: float = 0.10,
    bandwidth: str | float = "silverman",
    interval: str = "percentile",
    seed: int | None = None,
    grouping: str = "frontier_quantiles",
    n_groups: int = 5,
    bands: Sequence[float] | None = None,
    n_jobs: int = 1,
    engine: EngineSettings | None = None,
) -> EfficiencyResult:
    """Score every unit of ``data`` by DEA and (with ``bootstrap`` > 0 replications) bootstrap it.

    ``orientation`` ``"output"`` (default: more results for the same expenditure) or ``"input"``
    (the same results for less); ``rts`` ``"vrs"`` (default; outputs are ratios) or ``"crs"``;
    ``exclude`` ids or names of units kept out of the reference set but still scored (the report
    left out Ærø, Samsø, Langeland). ``bootstrap`` replications of the ``bootstrap_method``:
    ``"subsampling"`` (default; m-out-of-n, Kneip, Simar & Wilson 2008, m = n^``subsample_exponent``,
    at least max(p·q, 3(p + q)))
    (``"min_volatility"``: m chosen from the data; ``calibration`` ``"level"`` — the default for a fixed
    exponent — or ``"rate"``: the interval's nominal level or rate calibrated by a second level of
    subsampling, :mod:`kommunebench.efficiency.calibrate`; ``"none"``: neither)
    or ``"smoothed"`` (Simar & Wilson 1998, with
    ``bandwidth`` rule and ``interval`` kind), with
    (1 − ``alpha``) intervals, ``seed`` and
    ``n_jobs`` worker processes (the numbers do not depend on it; ``engine`` tunes speed only);
    ``grouping``/``n_groups``/``bands`` choose the groups (see :mod:`kommunebench.efficiency.groups`).
    Raises :class:`~kommunebench.errors.ConfigError` for bad options.
    """
    if not isinstance(data, DEAData):
        raise ConfigError(f"data must be DEAData (see dea_data, loefteevne_data), got {type(data).__name__}")
    orientation = check_choice("orientation", orientation, ORIENTATIONS)
    rts = check_choice("rts", rts, RETURNS_TO_SCALE)
    if isinstance(exclude, str | int):
        exclude = (exclude,)
    excluded = data.index_of(list(exclude))
    if excluded.size >= data.n:
        raise ConfigError("every unit is excluded: at least one unit must span the frontier")
    rule, k, band_values = check_grouping(grouping, n_groups, bands)
    replications = check_int("bootstrap", bootstrap, minimum=0)
    bw: str | float = "silverman"
    cal_target = "none"
    if replications:
        replications, alpha, bw, interval, n_jobs = check_bootstrap_options(
            replications, alpha, bandwidth, interval, n_jobs
        )
        bootstrap_method, subsample_exponent = check_method(bootstrap_method, subsample_exponent)
        cal_target = check_calibration(calibration, bootstrap_method, subsample_exponent)
    if seed is not None and (isinstance(seed, bool) or not isinstance(seed, int | np.integer) or seed < 0):
        raise ConfigError(f"seed must be a non-negative integer or None, got {seed!r}")

    reference = np.setdiff1d(np.arange(data.n), excluded)
    directions = np.array([1.0 if h == "better" else -1.0 for h in data.environment_higher_is])
    problem = build_problem(
        data.inputs, data.outputs, data.environment, directions, reference, orientation=orientation, rts=rts
    )
    scores = scores_of(problem, data.inputs, data.outputs, orientation=orientation, rts=rts)
    boot = None
    if replications:
        boot = bootstrap_scores(
            problem,
            scores,
            replications=replications,
            alpha=alpha,
            bandwidth_rule=bw,
            interval=interval,
            rng=np.random.default_rng(seed),
            seed=None if seed is None else int(seed),
            n_jobs=n_jobs,
            settings=engine,
            method=bootstrap_method,
            exponent=subsample_exponent,
            calibration=cal_target,
        )
    notes = _notes(data, orientation, rts, excluded)
    if boot is not None and boot.calibration is not None:
        notes += (boot.calibration.describe(),)
    return EfficiencyResult(
        data=data,
        orientation=orientation,
        rts=rts,
        scores=scores,
        bootstrap=boot,
        groups=assign_groups(scores.score, rule=rule, n_groups=k, bands=band_values),
        grouping=rule,
        n_groups=k,
        bands=band_values,
        excluded=tuple(data.units[i] for i in excluded),
        notes=notes,
    )
