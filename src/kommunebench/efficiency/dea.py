"""Radial DEA scores, peers, slacks and targets: :func:`solve_dea` (two-phase, envelopment form).

Phase one finds the radial score (input orientation: the smallest θ with which the unit's inputs
could be scaled down, outputs kept; output orientation: the largest φ by which its outputs could
be scaled up, inputs kept). Phase two keeps that score and maximises the remaining slacks, so the
reported peers, slacks and targets are the *max-slack* solution (Cooper, Seiford & Tone, ch. 3).

Conventions: ``score`` is 1 for a unit on the frontier and below 1 inside it, for both orientations
(input: θ; output: 1/φ, and ``phi`` holds φ ≥ 1 itself). Units left out of the reference set are
still scored; they can lie outside the frontier spanned by the others (score above 1) or, under
variable returns to scale, have no feasible comparison at all (``feasible`` False, score NaN).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kommunebench.efficiency.lp import LPFailure, Problem, reference_columns, scale_columns, solve_blocks
from kommunebench.efficiency.validate import (
    ORIENTATIONS,
    RETURNS_TO_SCALE,
    check_choice,
    check_directions,
    check_environment,
    check_inputs,
    check_outputs,
    matrix,
    reference_indices,
)
from kommunebench.errors import ConfigError

__all__ = ["DEAScores", "solve_dea", "build_problem"]

_LAMBDA_TOL = 1e-9
_SLACK_TOL = 1e-6
_FRONTIER_SNAP = 1e-9


@dataclass(frozen=True, eq=False)
class DEAScores:
    """Result of :func:`solve_dea` (arrays indexed by unit; reference columns by ``reference``).

    ``lambdas`` (units × reference units) is the max-slack solution; ``input_target`` = Σλx and
    ``output_target`` = Σλy are the frontier points each unit is compared with; the slacks are
    what remains after the radial change (input orientation: θx − target, target − y; output
    orientation: x − target, target − φy). ``duals``/``w`` are HiGHS's phase-one marginals on the
    scaled problem (used by the bootstrap to pick candidate peers).
    """

    orientation: str
    rts: str
    score: np.ndarray
    phi: np.ndarray
    feasible: np.ndarray
    reference: np.ndarray
    lambdas: np.ndarray
    input_slack: np.ndarray
    output_slack: np.ndarray
    input_target: np.ndarray
    output_target: np.ndarray
    duals: np.ndarray
    w: np.ndarray

    @property
    def n(self) -> int:
        return int(self.score.size)

    @property
    def efficient(self) -> np.ndarray:
        """On the frontier: radial score 1 (within 1e-9) and no slack left (Pareto–Koopmans)."""
        radial = np.abs(self.score - 1.0) <= 1e-9
        no_slack = (self.input_slack == 0).all(axis=1) & (self.output_slack == 0).all(axis=1)
        return self.feasible & radial & no_slack


def build_problem(
    inputs: np.ndarray,
    outputs: np.ndarray,
    environment: np.ndarray,
    directions: np.ndarray,
    reference: np.ndarray,
    *,
    orientation: str,
    rts: str,
) -> Problem:
    """The scaled block-form :class:`~kommunebench.efficiency.lp.Problem` of validated arrays."""
    z = scale_columns(environment, reference) * directions if environment.shape[1] else environment
    x = scale_columns(inputs, reference)
    if rts == "vrs" and orientation == "output":
        # a constant input (the 'results only' model) cannot bind when Σλ = 1: leave its row out
        x = x[:, np.ptp(inputs, axis=0) > 0]
    return Problem(
        x=x,
        z=z,
        y=scale_columns(outputs, reference),
        reference=reference,
        input_oriented=orientation == "input",
        vrs=rts == "vrs",
    )


def _blocks(problem: Problem, units: np.ndarray, cols_ref: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """All reference columns for every unit in ``units`` (with each block's environment offset)."""
    cols = cols_ref[None, :, :] + problem.offset(units)[:, None, :]
    block = np.repeat(np.arange(units.size), cols_ref.shape[0])
    return cols.reshape(-1, problem.p), block


def _phase_one(problem: Problem) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
    """Radial value t, λ, duals and w for every unit; units without a feasible comparison get NaN."""
    n, n_ref, p = problem.n, problem.reference.size, problem.p
    t = np.full(n, np.nan)
    lam = np.zeros((n, n_ref))
    duals = np.zeros((n, p))
    w = np.zeros(n)
    cols_ref = reference_columns(problem)
    in_ref = np.zeros(n, dtype=bool)
    in_ref[problem.reference] = True
    # reference units can always be compared with themselves: one stack; the others one by one
    groups = [np.flatnonzero(in_ref)] + [np.array([i]) for i in np.flatnonzero(~in_ref)]
    for units in groups:
        cols, block = _blocks(problem, units, cols_ref)
        try:
            sol = solve_blocks(
                cols, block, problem.radial(units), problem.rhs(units), sign=problem.sign, vrs=problem.vrs
            )
        except LPFailure:
            continue  # only a single excluded unit can fail: it has no feasible comparison
        t[units] = sol.t
        lam[units] = sol.lam.reshape(units.size, n_ref)
        duals[units] = sol.duals
        w[units] = sol.w
    return t, lam, duals, w, np.isfinite(t)


def _phase_two(problem: Problem, t: np.ndarray, lam: np.ndarray, units: np.ndarray) -> np.ndarray:
    """Max-slack λ for ``units`` at their phase-one radial value (phase-one λ where that fails)."""
    if units.size == 0:
        return lam
    n_ref, p = problem.reference.size, problem.p
    weight = np.ones(p)
    weight[problem.env_rows] = 0.0
    eps = 1e-9 * np.maximum(1.0, t[units])
    lo, hi = (t[units], t[units] + eps) if problem.input_oriented else (t[units] - eps, t[units])
    cols, block = _blocks(problem, units, reference_columns(problem))
    out = lam.copy()
    try:
        sol = solve_blocks(
            cols,
            block,
            problem.radial(units),
            problem.rhs(units),
            sign=problem.sign,
            vrs=problem.vrs,
            t_bounds=(np.maximum(lo, 0.0), hi),
            slack_weight=weight,
        )
    except LPFailure:
        if units.size == 1:
            return out
        for u in units:
            out = _phase_two(problem, t, out, np.array([u]))
        return out
    out[units] = sol.lam.reshape(units.size, n_ref)
    return out


def solve_dea(
    inputs: object,
    outputs: object,
    *,
    orientation: str = "output",
    rts: str = "vrs",
    environment: object = None,
    environment_higher_is: object = None,
    reference: object = None,
) -> DEAScores:
    """Two-phase radial DEA of every unit (rows) against the frontier of the ``reference`` units.

    ``inputs`` (units × m, all > 0) and ``outputs`` (units × s, ≥ 0, some positive per unit) are
    arrays; ``environment`` (units × e) holds non-discretionary variables and
    ``environment_higher_is`` says per variable whether a higher value is ``"better"`` or
    ``"worse"`` for the unit. A unit is only compared with peer combinations whose λ-weighted
    average environment is no more favourable than its own (Banker & Morey 1986; under CRS the
    weighted *average* is used, so the environment is not scaled with λ). ``reference`` (mask or
    row indices; default all) are the units allowed to span the frontier. Raises
    :class:`~kommunebench.errors.ConfigError` for bad input.
    """
    orientation = check_choice("orientation", orientation, ORIENTATIONS)
    rts = check_choice("rts", rts, RETURNS_TO_SCALE)
    x = check_inputs(matrix("inputs", inputs))
    n = x.shape[0]
    if n < 2:
        raise ConfigError("DEA needs at least two units")
    y = check_outputs(matrix("outputs", outputs, n_rows=n))
    z = check_environment(environment, n)
    directions = check_directions(environment_higher_is, z.shape[1])
    ref = reference_indices(reference, n)
    problem = build_problem(x, y, z, directions, ref, orientation=orientation, rts=rts)
    return scores_of(problem, x, y, orientation=orientation, rts=rts)


def scores_of(problem: Problem, x: np.ndarray, y: np.ndarray, *, orientation: str, rts: str) -> DEAScores:
    """Phase one and two on a built problem; ``x`` and ``y`` are the unscaled data."""
    t, lam1, duals, w, feasible = _phase_one(problem)
    t[np.abs(t - 1.0) <= _FRONTIER_SNAP] = 1.0  # on the frontier up to the LP's tolerance
    lam = _phase_two(problem, t, lam1, np.flatnonzero(feasible))
    lam = np.where(lam > _LAMBDA_TOL, lam, 0.0)
    ref = problem.reference
    x_target = lam @ x[ref]
    y_target = lam @ y[ref]
    if problem.input_oriented:
        score, phi = t, np.full(t.size, np.nan)
        in_slack, out_slack = t[:, None] * x - x_target, y_target - y
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            score = 1.0 / t
        phi = t
        in_slack, out_slack = x - x_target, y_target - t[:, None] * y
    in_slack = _clean(in_slack, x)
    out_slack = _clean(out_slack, y)
    nan = ~feasible
    for arr in (x_target, y_target, in_slack, out_slack):
        arr[nan] = np.nan
    return DEAScores(
        orientation=orientation,
        rts=rts,
        score=score,
        phi=phi,
        feasible=feasible,
        reference=ref,
        lambdas=lam,
        input_slack=in_slack,
        output_slack=out_slack,
        input_target=x_target,
        output_target=y_target,
        duals=duals,
        w=w,
    )


def _clean(slack: np.ndarray, data: np.ndarray) -> np.ndarray:
    """Slacks within 1e-6 of the variable's mean size are solver tolerance (HiGHS: 1e-7 scaled): 0."""
    scale = np.abs(data).mean(axis=0, keepdims=True).clip(min=1e-300)
    return np.where(np.abs(slack) <= _SLACK_TOL * scale, 0.0, slack)
