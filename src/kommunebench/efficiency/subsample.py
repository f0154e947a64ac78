"""Bias-corrected DEA scores and intervals by subsampling (the m-out-of-n bootstrap).

Kneip, Simar & Wilson (2008) show that the plain bootstrap of DEA is inconsistent and that
subsampling is consistent: draw m < n reference units *without replacement*, re-score every unit
against the frontier they span, and use that n^κ(δ̂ − δ) has approximately the distribution of
m^κ(δ̂*_m − δ̂), with κ = 2/(d + 1) under variable and 2/d under constant returns to scale, d the
number of (non-constant) inputs, outputs and environment variables (Kneip, Park & Simar 1998;
Park, Jeong & Simar 2010). With f = (m/n)^κ and the distances δ = 1/score ≥ 1:

* bias = f·mean(δ̂*_m − δ̂) (< 0 for the output distance φ, > 0 for the input distance 1/θ … on the
  δ scale a DEA estimate is always on the efficient side of the truth),
* bias-corrected δ̃ = δ̂ − bias,
* (1 − α) interval [δ̂ − f·q_{1−α/2}(δ̂*_m − δ̂), δ̂ − f·q_{α/2}(δ̂*_m − δ̂)].

A replication in which a unit has no feasible comparison (possible under VRS once its natural
peers are left out) is skipped for that unit. The subsample size is m = ⌊n^γ⌉ (``exponent`` γ,
default 0.5, chosen on seeds 1–4 of the planted data of tests/test_efficiency.py — n = 98, three
variables, VRS; Simar & Wilson 2011 found 0.6–0.8 in their designs; see docs/efficiency.md) but at
least the usual DEA rule of thumb for a sample that can discriminate, max(p·q, 3(p + q)) with p
inputs (here: non-constant inputs and environment variables) and q outputs (Banker et al. 1989;
Cooper, Seiford & Tone 2007; :func:`dea_minimum_units`) — each subsample is itself a DEA
sample; or m is chosen from the data by the minimum-volatility rule
(:mod:`kommunebench.efficiency.volatility`).
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor

import numpy as np

from kommunebench.efficiency.dea import DEAScores
from kommunebench.efficiency.lp import LPFailure, Problem, reference_columns, solve_blocks
from kommunebench.efficiency.replicate import worker_context

_ART_TOL = 1e-9

__all__ = [
    "subsample_size",
    "dea_minimum_units",
    "variable_counts",
    "rate_exponent",
    "subsample_draws",
    "subsample_distances",
    "subsample_radial",
    "summarise_subsample",
]


def subsample_size(n: int, exponent: float, minimum: int = 2) -> int:
    """m = ⌊n^γ⌉, at least ``minimum`` (and 2) and at most n − 1."""
    return int(min(max(round(n**exponent), minimum, 2), n - 1))


def variable_counts(problem: Problem) -> tuple[int, int]:
    """(p, q): non-constant inputs plus environment variables, and outputs."""
    x = problem.x[problem.reference]
    varying = int((np.ptp(x, axis=0) > 0).sum()) if x.size else 0
    return varying + problem.z.shape[1], problem.y.shape[1]


def dea_minimum_units(problem: Problem) -> int:
    """The DEA rule of thumb max(p·q, 3(p + q)) for the number of units a DEA sample needs."""
    p, q = variable_counts(problem)
    return max(p * q, 3 * (p + q))


def rate_exponent(problem: Problem, *, vrs: bool) -> float:
    """κ: DEA's rate of convergence n^κ (2/(d+1) VRS, 2/d CRS; constant inputs do not count)."""
    d = max(sum(variable_counts(problem)), 1)
    return 2.0 / (d + 1) if vrs else 2.0 / d


def subsample_draws(n_ref: int, m: int, replications: int, rng: np.random.Generator) -> np.ndarray:
    """Which reference units each replication keeps (replications × n_ref, m True per row)."""
    keys = rng.random((replications, n_ref))
    cut = np.partition(keys, m - 1, axis=1)[:, m - 1 : m]
    return keys <= cut


def _artificial(problem: Problem, units: np.ndarray, cols: np.ndarray) -> np.ndarray:
    """One always-feasible column per block that an optimum never uses when the block is feasible.

    Input orientation: the unit itself with its inputs × M; alone it gives θ = M, and in the
    multiplier form its constraint reads θ_sub ≤ M, so with M above every feasible θ_sub it is
    never used (VRS: θ_sub ≤ the largest input ratio of a reference unit; CRS: ≤ the largest
    input ratio times the output ratio that scales that unit up to the outputs). Output
    orientation under VRS: the unit with its outputs ÷ M, never used while φ_sub ≥ 1/M (≥ the
    smallest output ratio). Output orientation under CRS needs none (λ = 0 is feasible): a zero
    column. The block is infeasible exactly when its optimum puts weight on this column.
    """
    m, e = problem.x.shape[1], problem.z.shape[1]
    x0, y0 = problem.x[units], problem.y[units]
    art = np.concatenate([x0, np.zeros((units.size, e)), -y0], axis=1)
    x_ref, y_ref = cols[None, :, :m], -cols[None, :, m + e :]
    with np.errstate(divide="ignore", invalid="ignore"):
        in_ratio = np.where(x0[:, None, :] > 0, x_ref / x0[:, None, :], 0.0).max(axis=2, initial=0.0)
        out_ratio = np.where(y0[:, None, :] > 0, y_ref / y0[:, None, :], np.inf).min(axis=2, initial=np.inf)
        if problem.input_oriented:
            bound = in_ratio if problem.vrs else in_ratio / out_ratio
            bound = np.where(np.isfinite(bound), bound, 0.0).max(axis=1)
            art[:, :m] *= (2.0 * np.maximum(bound, 1.0) + 1e6 * (not problem.vrs) + 1.0)[:, None]
        elif problem.vrs:
            low = out_ratio.min(axis=1)
            art[:, m + e :] *= np.where(np.isfinite(low) & (low > 0), low / 2.0, 1e-12)[:, None]
        else:
            art[:] = 0.0
    return art


def _stack(problem: Problem, cols: np.ndarray, present: np.ndarray, r: np.ndarray, k: np.ndarray, ctx: dict):
    """Blocks (r, k): the subsample's columns plus the block's artificial column, in one HiGHS call."""
    bi, j = np.nonzero(present[r])
    block_cols = np.concatenate([cols[j] + ctx["offset"][k[bi]], ctx["art"][k]])
    block = np.concatenate([bi, np.arange(r.size)])
    sol = solve_blocks(
        block_cols,
        block,
        ctx["radial"][k],
        ctx["rhs"][k],
        sign=problem.sign,
        vrs=problem.vrs,
        pricing="dantzig",
        primal_only=True,
    )
    if not problem.vrs and not problem.input_oriented:
        return sol.t
    return np.where(sol.lam[bi.size :] > _ART_TOL, np.nan, sol.t)


def _known(problem: Problem, units: np.ndarray, present: np.ndarray, on_frontier: np.ndarray, ctx: dict) -> np.ndarray:
    """Which blocks need no LP (their t is already in ``out``): exact shortcuts only.

    * a reference unit on the full frontier that is in the subsample: t = 1 (it is its own
      comparison, and a subsample's frontier cannot lie beyond the full one);
    * under VRS with a single row the radial variable cannot relax (one input in the output
      orientation, one output in the input orientation, no environment): infeasible exactly when
      no present column satisfies that row alone — t stays NaN.
    """
    n_rep = present.shape[0]
    pos = np.full(problem.n, -1)
    pos[problem.reference] = np.arange(problem.reference.size)
    j = pos[units]
    own = np.zeros((n_rep, units.size), dtype=bool)
    inside = j >= 0
    own[:, inside] = present[:, j[inside]] & on_frontier[None, j[inside]]
    known = own.copy()
    fixed = ctx["radial"] == 0
    if problem.vrs and (fixed.sum(axis=1) == 1).all():
        row = fixed.argmax(axis=1)  # per unit
        cols = reference_columns(problem)[:, row] + ctx["offset"][np.arange(units.size), row]  # n_ref × units
        need = ctx["rhs"][np.arange(units.size), row]
        best = np.where(present[:, :, None], cols[None, :, :], np.inf).min(axis=1)  # R × units
        known |= best > need[None, :] + 1e-12
    ctx["own"] = own
    return known


def _distances_part(
    problem: Problem, units: np.ndarray, present: np.ndarray, on_frontier: np.ndarray, stack: int
) -> np.ndarray:
    """Radial values t (replications × units) for one share of the replications."""
    cols = reference_columns(problem)
    ctx = {"offset": problem.offset(units), "radial": problem.radial(units), "rhs": problem.rhs(units)}
    ctx["art"] = _artificial(problem, units, cols)
    known = _known(problem, units, present, on_frontier, ctx)
    pairs = np.argwhere(~known)
    t = np.full((present.shape[0], units.size), np.nan)
    t[ctx["own"]] = 1.0
    for start in range(0, len(pairs), stack):
        r, k = pairs[start : start + stack].T
        try:
            t[r, k] = _stack(problem, cols, present, r, k, ctx)
        except LPFailure:  # numerical trouble: block by block, a failing one stays NaN
            for i in range(r.size):
                try:
                    t[r[i], k[i]] = _stack(problem, cols, present, r[i : i + 1], k[i : i + 1], ctx)[0]
                except LPFailure:
                    continue
    return t


def subsample_radial(
    problem: Problem, units: np.ndarray, present: np.ndarray, on_frontier: np.ndarray, *, stack: int = 500
) -> np.ndarray:
    """Radial values t (replications × ``units``) against the subsamples ``present`` (replications ×
    reference units), in this process; ``on_frontier`` marks the reference units on the full frontier."""
    return _distances_part(problem, units, present, on_frontier, stack)


def subsample_distances(
    problem: Problem, scores: DEAScores, present: np.ndarray, *, n_jobs: int = 1, stack: int = 500
) -> np.ndarray:
    """δ̂*_m (units × replications): every feasible unit against every subsample's frontier (NaN: none).

    ``n_jobs`` > 1 splits the replications over worker processes; the numbers do not change.
    """
    units = np.flatnonzero(scores.feasible)
    reps = np.full((scores.n, present.shape[0]), np.nan)
    x_ref = problem.x[problem.reference]
    if problem.input_oriented and problem.vrs and bool((np.ptp(x_ref, axis=0) == 0).all()):
        reps[units] = 1.0  # every input constant: input-oriented VRS scores are 1 wherever defined
        return reps
    on_frontier = np.abs(scores.score[problem.reference] - 1.0) <= 1e-9
    parts = [p for p in np.array_split(np.arange(present.shape[0]), max(1, min(n_jobs, present.shape[0]))) if p.size]
    if len(parts) <= 1:
        t = _distances_part(problem, units, present, on_frontier, stack)
    else:
        with ProcessPoolExecutor(max_workers=len(parts), mp_context=worker_context()) as pool:
            futures = [pool.submit(_distances_part, problem, units, present[p], on_frontier, stack) for p in parts]
            t = np.concatenate([f.result() for f in futures], axis=0)
    with np.errstate(divide="ignore"):
        reps[units] = (1.0 / t if problem.input_oriented else t).T
    return reps


def summarise_subsample(
    delta: np.ndarray, reps: np.ndarray, *, factor: float, alpha: float, min_valid: int = 10
) -> dict[str, np.ndarray]:
    """Bias, bias-corrected score, std, interval (scores) and the advice flag from δ̂ and δ̂*_m.

    ``factor`` is f = (m/n)^κ; a unit with fewer than ``min_valid`` feasible replications gets NaN.
    """
    n = delta.size
    keys = ("bias", "bias_corrected", "std", "lower", "upper", "advised")
    out = {k: np.full(n, np.nan) for k in keys}
    diff = reps - delta[:, None]
    ok = np.isfinite(delta) & (np.isfinite(diff).sum(axis=1) >= min_valid)
    if not ok.any():
        return out
    d, dd = delta[ok], diff[ok]
    bias_d = factor * np.nanmean(dd, axis=1)
    lo_q, hi_q = np.nanquantile(dd, [alpha / 2.0, 1.0 - alpha / 2.0], axis=1)
    lo, hi = d - factor * hi_q, d - factor * lo_q
    corrected = d - bias_d
    var_d = factor**2 * np.nanvar(dd, axis=1, ddof=1)
    with np.errstate(divide="ignore", invalid="ignore"):
        out["bias_corrected"][ok] = 1.0 / corrected
        out["bias"][ok] = 1.0 / d - 1.0 / corrected
        out["lower"][ok] = 1.0 / hi
        out["upper"][ok] = np.where(lo > 0, 1.0 / lo, np.inf)
        out["std"][ok] = np.sqrt(var_d) / d**2  # delta method: sd(1/δ) ≈ sd(δ)/δ²
    out["advised"][ok] = bias_d**2 > var_d / 3.0
    return out
