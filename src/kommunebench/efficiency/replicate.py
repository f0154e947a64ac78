"""The bootstrap's LP engine: every unit re-scored against thousands of pseudo frontiers, exactly.

2,000 replications × 98 units are ~200,000 linear programmes per model. Handing each one to
``linprog`` with all 98 reference columns costs ~0.5 ms (HiGHS's own work plus SciPy's
per-column bookkeeping), far too slow. The engine therefore solves each unit's LP by **column
generation**, which is exact:

1. Start every unit with a few candidate peers: its own peers in the original solution (which
   keeps the restricted LP feasible, because the pseudo data change only the oriented side) and
   the ``candidates`` pseudo units that come closest to its original supporting hyperplane.
2. Solve the restricted LPs of many (replication, unit) pairs as one block-diagonal LP.
3. Price *all* pseudo units with each block's duals (one NumPy product). A block whose reduced
   costs are all ≥ −``tol`` is optimal for the full problem; the others get their ``add`` most
   negative columns and go round again (each round adds a new column, so this terminates).

The result equals the full LP (checked in the tests to 1e-9). Work is split into chunks of
replications; with ``n_jobs`` > 1 whole chunks go to worker processes (started from a fork server
where the platform has one, else spawned, so the calling script must be importable, i.e. guarded by
``if __name__ == "__main__"``), and the numbers do not depend on ``n_jobs``.
"""

from __future__ import annotations

import multiprocessing
from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass

import numpy as np

from kommunebench.efficiency.lp import LPFailure, Problem, reference_columns, solve_blocks

__all__ = ["EngineSettings", "replicate_scores", "worker_context"]


@dataclass(frozen=True)
class EngineSettings:
    """Tuning of the column generation (speed only; the scores do not depend on it)."""

    chunk: int = 20  # replications prepared together
    candidates: int = 8  # starting candidate peers per unit besides its original peers
    add: int = 4  # columns added per unit and round
    stack: int = 150  # blocks per HiGHS call
    tol: float = 1e-9  # reduced-cost tolerance on the scaled problem


def _pseudo_columns(problem: Problem, factors: np.ndarray) -> np.ndarray:
    """Reference columns per replication (R × n_ref × p) with the oriented side rescaled."""
    base = reference_columns(problem)
    cols = np.repeat(base[None, :, :], factors.shape[0], axis=0)
    m, e = problem.x.shape[1], problem.z.shape[1]
    side = slice(0, m) if problem.input_oriented else slice(m + e, problem.p)
    cols[:, :, side] *= factors[:, :, None]
    return cols


def _solve_stack(problem: Problem, cols_all: np.ndarray, sub: np.ndarray, r: np.ndarray, k: np.ndarray, ctx: dict):
    """The blocks (r, k) with the columns ``sub`` (blocks × n_ref) in one HiGHS call."""
    bi, j = np.nonzero(sub)
    cols = cols_all[r[bi], j] + ctx["offset"][k[bi]]
    return solve_blocks(cols, bi, ctx["radial"][k], ctx["rhs"][k], sign=problem.sign, vrs=problem.vrs)


def _chunk(
    problem: Problem,
    units: np.ndarray,
    factors: np.ndarray,
    support: np.ndarray,
    duals: np.ndarray,
    w: np.ndarray,
    cfg: EngineSettings,
) -> np.ndarray:
    """Radial values t (R × units) of one chunk of replications."""
    n_rep, n_units, n_ref = factors.shape[0], units.size, problem.reference.size
    cols_all = _pseudo_columns(problem, factors)
    ctx = {"offset": problem.offset(units), "radial": problem.radial(units), "rhs": problem.rhs(units)}
    shift = (ctx["offset"] * duals).sum(axis=1) + w
    closeness = np.einsum("rjp,kp->rkj", cols_all, duals) + shift[None, :, None]
    n_cand = min(cfg.candidates, n_ref)
    top = np.argpartition(-closeness, n_cand - 1, axis=2)[:, :, :n_cand]
    mask = np.zeros((n_rep, n_units, n_ref), dtype=bool)
    np.put_along_axis(mask, top, True, axis=2)
    mask |= support[None, :, :]
    out = np.full((n_rep, n_units), np.nan)
    active = np.ones((n_rep, n_units), dtype=bool)
    n_add = min(cfg.add, n_ref)
    while active.any():
        pairs = np.argwhere(active)
        again = np.zeros_like(active)
        for start in range(0, len(pairs), cfg.stack):
            r, k = pairs[start : start + cfg.stack].T
            sub = mask[r, k]
            try:
                sol = _solve_stack(problem, cols_all, sub, r, k, ctx)
            except LPFailure:  # numerical trouble in the restricted stack: each block with all columns
                _full_fallback(problem, cols_all, r, k, ctx, out)
                continue
            out[r, k] = sol.t
            price = np.einsum("bjp,bp->bj", cols_all[r], sol.duals)
            price += ((ctx["offset"][k] * sol.duals).sum(axis=1) + sol.w)[:, None]
            price[sub] = -np.inf
            violated = price > cfg.tol  # reduced cost −price < −tol: this column would improve the block
            hit = violated.any(axis=1)
            if hit.any():
                best = np.argpartition(-price, n_add - 1, axis=1)[:, :n_add]
                add = np.zeros_like(violated)
                np.put_along_axis(add, best, True, axis=1)
                mask[r, k] = sub | (add & violated)
                again[r[hit], k[hit]] = True
        active = again
    return out


def _full_fallback(problem: Problem, cols_all, r, k, ctx, out) -> None:
    """Solve the blocks one by one with every column (a block without an optimum stays NaN)."""
    full = np.ones((1, problem.reference.size), dtype=bool)
    for i in range(r.size):
        try:
            sol = _solve_stack(problem, cols_all, full, r[i : i + 1], k[i : i + 1], ctx)
        except LPFailure:
            continue
        out[r[i], k[i]] = sol.t[0]


def _run(problem, units, factors, support, duals, w, cfg: EngineSettings) -> np.ndarray:
    parts = [
        _chunk(problem, units, factors[s : s + cfg.chunk], support, duals, w, cfg)
        for s in range(0, factors.shape[0], cfg.chunk)
    ]
    return np.concatenate(parts, axis=0) if parts else np.zeros((0, units.size))


def worker_context() -> multiprocessing.context.BaseContext:
    """Fresh worker processes: from a fork server that has imported this module once (cheap to start
    again) where the platform has one, else spawned; never a plain fork of a process using HiGHS."""
    if "forkserver" in multiprocessing.get_all_start_methods():
        context = multiprocessing.get_context("forkserver")
        context.set_forkserver_preload([__name__, "kommunebench.efficiency.subsample"])
        return context
    return multiprocessing.get_context("spawn")


def replicate_scores(
    problem: Problem,
    units: np.ndarray,
    factors: np.ndarray,
    support: np.ndarray,
    duals: np.ndarray,
    w: np.ndarray,
    *,
    n_jobs: int = 1,
    settings: EngineSettings | None = None,
) -> np.ndarray:
    """Radial values t (replications × units) of ``units`` against every pseudo reference set.

    ``factors`` (replications × reference units) multiply the reference units' inputs (input
    orientation) or outputs (output orientation); ``support`` (units × reference units) marks each
    unit's peers in the original solution and ``duals``/``w`` its original phase-one marginals.
    """
    cfg = settings or EngineSettings()
    n_chunks = -(-factors.shape[0] // cfg.chunk)
    if n_jobs <= 1 or n_chunks <= 1:
        return _run(problem, units, factors, support, duals, w, cfg)
    groups = [g for g in np.array_split(np.arange(n_chunks), min(n_jobs, n_chunks)) if g.size]
    spans = [(int(g[0]) * cfg.chunk, min(factors.shape[0], (int(g[-1]) + 1) * cfg.chunk)) for g in groups]
    with ProcessPoolExecutor(max_workers=len(spans), mp_context=worker_context()) as pool:
        futures = [pool.submit(_run, problem, units, factors[a:b], support, duals, w, cfg) for a, b in spans]
        return np.concatenate([f.result() for f in futures], axis=0)
