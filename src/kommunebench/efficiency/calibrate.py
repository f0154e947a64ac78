"""Calibrating the subsampling interval by a second level of subsampling (an option, not the default).

Loh (1987); Politis, Romano & Wolf (1999, ch. 9, calibration of subsampling intervals). The
subsampling interval of :mod:`.subsample` has two choices that theory fixes only asymptotically:
the nominal level 1 − α and the rate κ in f = (m/n)^κ. The calibration measures, in a pseudo
world where the truth is known, which level (``"level"``) or which rate (``"rate"``) makes the
interval cover as often as asked:

1. Draw K pseudo-samples of size b (default ⌊n/2⌋) without replacement from the n reference units.
   Inside a pseudo-sample the full-sample estimate δ̂_n of each of its units plays the truth.
2. Score the pseudo-sample's units against its own frontier (δ̂_b), then run the outer method's
   subsampling inside it: B′ subsamples of m_b units (the outer rule at b, or the outer m),
   every unit of the pseudo-sample re-scored against each (δ̂*_m), the interval built exactly as
   outside but with f = (m_b/b)^κ.
3. ``"level"``: over a grid of nominal levels λ the share of (unit, pseudo-sample) pairs whose
   inner interval covers δ̂_n; the smallest λ ≥ 1 − α that reaches 1 − α is used for the outer
   interval (the largest on the grid, 0.999, if none does). ``"level_free"``: the same without the
   floor (λ may fall below 1 − α; on one fresh synthetic-Denmark seed it chose 0.74 and the
   interval covered 69 %, see docs/efficiency.md — hence the floor).
   ``"rate"``: the same over a grid of κ in [κ₀, 1] at the nominal level (κ₀ = the theory's
   2/(d + 1) VRS, 2/d CRS); the κ whose coverage is closest to 1 − α from above (or the highest
   coverage if none reaches it) is used for the outer interval and its bias correction.

Both grids come from the same inner draws, so :class:`Calibration` holds both curves whichever
target was asked for. The inner LPs are the outer engine's (:func:`.subsample.subsample_radial`,
exact; the pseudo-sample is a DEA model of its own). Cost: K·B′·b LPs besides the outer B·n.
"""

from __future__ import annotations

from concurrent.futures import ProcessPoolExecutor
from dataclasses import dataclass, replace

import numpy as np

from kommunebench.efficiency.lp import Problem
from kommunebench.efficiency.replicate import worker_context
from kommunebench.efficiency.subsample import (
    dea_minimum_units,
    subsample_draws,
    subsample_radial,
    subsample_size,
    summarise_subsample,
)

__all__ = [
    "CALIBRATIONS",
    "PSEUDO_SAMPLES",
    "LEVEL_GRID",
    "Calibration",
    "calibration_budget",
    "calibrate_interval",
    "calibrated_subsampling",
    "pseudo_world",
]

CALIBRATIONS = ("none", "level", "level_free", "rate")
PSEUDO_SAMPLES = 16  # K from B = 256 replications on (fewer below: B // 16, at least 2)
LEVEL_GRID = tuple(round(0.50 + 0.01 * i, 3) for i in range(50)) + (0.995, 0.999)
_RATE_STEP = 0.025
_SNAP = 1e-9
_MIN_VALID = 10


@dataclass(frozen=True, eq=False)
class Calibration:
    """What the calibration measured and chose (see the module docstring).

    ``levels``/``level_coverage`` and ``rates``/``rate_coverage`` are the two coverage curves over
    the pooled (unit, pseudo-sample) pairs; ``level`` and ``rate`` are what the outer interval uses
    (the nominal 1 − α and the theory's κ₀ for the one not calibrated).
    """

    target: str
    pseudo_samples: int
    pseudo_size: int
    inner_size: int
    inner_replications: int
    pairs: int
    levels: np.ndarray
    level_coverage: np.ndarray
    rates: np.ndarray
    rate_coverage: np.ndarray
    level: float
    rate: float

    def describe(self) -> str:
        """One Danish line for notes and summaries."""
        what = f"niveau {100 * self.level:.1f} %" if self.target != "rate" else f"rate κ = {self.rate:.3f}"
        return (
            f"intervallet kalibreret ved delstikprøver i to niveauer ({what}; {self.pseudo_samples} "
            f"pseudostikprøver à {self.pseudo_size} enheder, {self.inner_replications} indre delstikprøver à "
            f"{self.inner_size})"
        )


def calibration_budget(replications: int, n: int, b: int, *, share: float = 0.4) -> tuple[int, int]:
    """(K, B′): K = min(16, max(2, B // 16)) pseudo-samples and B′ inner subsamples each such that
    K·B′·b ≈ ``share`` · B·n LPs, at least 25 (so with few replications the calibration costs about
    as much as the outer run: K·25·b against B·n)."""
    k = min(PSEUDO_SAMPLES, max(2, replications // 16))
    return k, max(25, round(share * replications * n / (k * b)))


def pseudo_world(problem: Problem, members: np.ndarray) -> Problem:
    """The DEA model whose units and reference set are the reference units ``members`` (indices into it)."""
    rows = problem.reference[members]
    return replace(problem, x=problem.x[rows], z=problem.z[rows], y=problem.y[rows], reference=np.arange(members.size))


def _inner(problem: Problem, members: np.ndarray, present: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(δ̂_b per member, δ̂*_m − δ̂_b per member × inner replication) for one pseudo-sample."""
    world = pseudo_world(problem, members)
    units = np.arange(members.size)
    t_b = subsample_radial(world, units, np.ones((1, members.size), dtype=bool), np.zeros(members.size, bool))[0]
    t_b = np.where(np.abs(t_b - 1.0) <= _SNAP, 1.0, t_b)
    on_frontier = t_b == 1.0
    t = subsample_radial(world, units, present, on_frontier)
    with np.errstate(divide="ignore"):
        d_b = 1.0 / t_b if problem.input_oriented else t_b
        d_star = (1.0 / t if problem.input_oriented else t).T
    return d_b, d_star - d_b[:, None]


def _inner_part(problem: Problem, members: list[np.ndarray], present: list[np.ndarray]) -> list[tuple]:
    return [_inner(problem, k, p) for k, p in zip(members, present, strict=True)]


def _coverage(truth: np.ndarray, d_b: np.ndarray, lo_q: np.ndarray, hi_q: np.ndarray, f: np.ndarray) -> np.ndarray:
    """Share of pairs with δ̂_b − f·q_hi ≤ truth ≤ δ̂_b − f·q_lo, per row of ``f``/``lo_q``/``hi_q``."""
    lo, hi = d_b - f * hi_q, d_b - f * lo_q
    return ((lo <= truth + _SNAP) & (truth <= hi + _SNAP)).mean(axis=-1)


def _choose_rate(rates: np.ndarray, coverage: np.ndarray, target: float) -> float:
    above = coverage >= target
    if above.any():
        idx = np.flatnonzero(above)
        return float(rates[idx[np.argmin(coverage[idx])]])  # ties: the first, i.e. the smaller κ
    return float(rates[np.argmax(coverage)])


def calibrate_interval(
    problem: Problem,
    delta: np.ndarray,
    *,
    target: str,
    alpha: float,
    rate: float,
    inner_size: int,
    pseudo_size: int,
    pseudo_samples: int,
    inner_replications: int,
    rng: np.random.Generator,
    n_jobs: int = 1,
) -> Calibration:
    """Measure the coverage curves in the pseudo world and choose (options validated by the caller).

    ``delta`` are the full-sample distances δ̂ of all units (the reference units' are the truth);
    ``rate`` is the theory's κ₀; ``inner_size`` m_b < ``pseudo_size`` b < n_ref.
    """
    n_ref = problem.reference.size
    members = [np.sort(rng.choice(n_ref, size=pseudo_size, replace=False)) for _ in range(pseudo_samples)]
    present = [subsample_draws(pseudo_size, inner_size, inner_replications, rng) for _ in range(pseudo_samples)]
    parts = [p for p in np.array_split(np.arange(pseudo_samples), max(1, min(n_jobs, pseudo_samples))) if p.size]
    if len(parts) <= 1:
        inner = _inner_part(problem, members, present)
    else:
        with ProcessPoolExecutor(max_workers=len(parts), mp_context=worker_context()) as pool:
            futures = [
                pool.submit(_inner_part, problem, [members[i] for i in p], [present[i] for i in p]) for p in parts
            ]
            inner = [r for f in futures for r in f.result()]
    truth = np.concatenate([delta[problem.reference[k]] for k in members])
    d_b = np.concatenate([d for d, _ in inner])
    diff = np.concatenate([dd for _, dd in inner], axis=0)
    ok = np.isfinite(truth) & np.isfinite(d_b) & (np.isfinite(diff).sum(axis=1) >= _MIN_VALID)
    truth, d_b, diff = truth[ok], d_b[ok], diff[ok]
    levels = np.array(LEVEL_GRID)
    rates = np.unique(np.round(np.r_[rate, np.arange(rate, 1.0 + 1e-9, _RATE_STEP), 1.0], 6))
    goal = 1.0 - alpha
    if not truth.size:
        return Calibration(target, pseudo_samples, pseudo_size, inner_size, inner_replications, 0, levels,
                           np.full(levels.size, np.nan), rates, np.full(rates.size, np.nan), goal, rate)  # fmt: skip
    probs = np.r_[(1.0 - levels) / 2.0, (1.0 + levels) / 2.0, alpha / 2.0, 1.0 - alpha / 2.0]
    q = np.nanquantile(diff, probs, axis=1)  # probs × pairs
    n_lv = levels.size
    f0 = (inner_size / pseudo_size) ** rate
    level_cov = _coverage(truth, d_b, q[:n_lv], q[n_lv : 2 * n_lv], np.full((n_lv, 1), f0))
    f = ((inner_size / pseudo_size) ** rates)[:, None]
    rate_cov = _coverage(truth, d_b, q[-2][None, :], q[-1][None, :], f)
    level, chosen_rate = goal, rate
    if target in ("level", "level_free"):
        floor = goal if target == "level" else 0.0  # "level" never narrows the interval below 1 − α
        reach = np.flatnonzero((level_cov >= goal) & (levels >= floor - 1e-12))
        level = float(levels[reach[0]] if reach.size else levels[-1])
    elif target == "rate":
        chosen_rate = _choose_rate(rates, rate_cov, goal)
    return Calibration(
        target=target,
        pseudo_samples=pseudo_samples,
        pseudo_size=pseudo_size,
        inner_size=inner_size,
        inner_replications=inner_replications,
        pairs=int(truth.size),
        levels=levels,
        level_coverage=level_cov,
        rates=rates,
        rate_coverage=rate_cov,
        level=level,
        rate=chosen_rate,
    )


def calibrated_subsampling(
    problem: Problem,
    delta: np.ndarray,
    st: dict[str, np.ndarray],
    *,
    m: int,
    rate: float,
    target: str,
    exponent: float,
    replications: int,
    alpha: float,
    rng: np.random.Generator,
    n_jobs: int = 1,
) -> Calibration | None:
    """Calibrate the outer subsampling summary ``st`` (from :func:`.subsample.summarise_subsample`, plus
    ``"sub"``: δ̂*_m, units × replications) and redo it in place at the chosen level or rate.

    b = ⌊n/2⌋, the inner m_b by the outer rule at b (⌊b^γ⌉, at least the DEA rule of thumb), K and
    B′ by :func:`calibration_budget`. None (and ``st`` unchanged) for
    ``target="none"``, when m_b would not be below b, or when every replication is 1 (constant inputs).
    """
    n = problem.reference.size
    b = n // 2
    inner = subsample_size(b, exponent, dea_minimum_units(problem))
    if target == "none" or inner >= b or (np.isfinite(st["sub"]) & (st["sub"] != 1.0)).sum() == 0:
        return None  # nothing to calibrate (too few units, or every replication is 1: constant inputs)
    k, inner_reps = calibration_budget(replications, n, b)
    cal = calibrate_interval(
        problem, delta, target=target, alpha=alpha, rate=rate, inner_size=inner, pseudo_size=b,
        pseudo_samples=k, inner_replications=inner_reps, rng=rng, n_jobs=n_jobs,
    )  # fmt: skip
    st.update(summarise_subsample(delta, st["sub"], factor=(m / n) ** cal.rate, alpha=1.0 - cal.level))
    return cal
