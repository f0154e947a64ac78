"""Bias-corrected DEA scores and intervals: subsampling (default) or Simar & Wilson's smoothed bootstrap.

``method="subsampling"`` (the default) is the m-out-of-n bootstrap of Kneip, Simar & Wilson (2008),
see :mod:`.subsample`: on the planted data of the tests its 90 % intervals cover the truth for
≥ 80 % of the units, where the smoothed bootstrap below covered ~59 % (it underestimates the bias
by about half with three variables and 98 units). ``method="smoothed"`` is kept for comparison:

DEA scores are biased towards efficiency: the estimated frontier lies inside the true one, more
so with few units and many variables (98 municipalities, 3–5 variables). Simar & Wilson's
homogeneous smoothed bootstrap, written with the distance δ = 1/score ≥ 1 (input orientation:
δ = 1/θ, Shephard's input distance; output orientation: δ = φ):

1. Estimate δ̂ for the reference units (the sample that spans the frontier).
2. Per replication draw β* with replacement from the reflected sample {δ̂, 2 − δ̂} (symmetric
   about the frontier δ = 1), add Gaussian noise and restore the variance,
   δ** = β̄* + (β* + hε* − β̄*) / √(1 + h²/σ̂²) with β̄* the replication's mean of β* and σ̂² the
   variance of the reflected sample, and reflect back: δ* = δ** or 2 − δ** below 1. This draws
   from the kernel density of the δ̂ with reflection at the frontier (Silverman 1986 §2.10), in the
   order of Simar & Wilson's algorithm as restated in Simar & Wilson (2008); on this
   scale a draw is always ≥ 1 and the density at the frontier is kept (the variance correction is
   centred near 1, so it does not open a gap between the frontier and the draws).
3. Pseudo data: project each reference unit onto the estimated frontier and push it inside by its
   draw — input orientation x* = x·δ*/δ̂, output orientation y* = y·δ̂/δ*; the other side is kept.
4. Re-score every original unit against the pseudo frontier (:mod:`.replicate`), B times.
5. bias = mean(δ̂*) − δ̂; bias-corrected δ̃ = δ̂ − bias. The (1 − α) interval ``"percentile"``
   (Simar & Wilson 1998, §3: the percentiles of δ̂* − δ̂ stand in for those of δ̂ − δ) is
   [δ̂ − q_{1−α/2}(δ̂* − δ̂), δ̂ − q_{α/2}(δ̂* − δ̂)]; ``"bias_shifted"`` is Efron's percentile
   interval moved by twice the bias, [q_{α/2}(δ̂*) − 2·bias, q_{1−α/2}(δ̂*) − 2·bias] (as in the R
   package rDEA). Reported as scores 1/δ (the ends swap); for the output orientation δ is φ.

Bandwidth ``"silverman"`` (default): Silverman's rule of thumb 0.9·min(s, IQR/1.349)·N^(−1/5) on the
reflected sample {δ̂, 2 − δ̂} of the units *off* the frontier (the spike of units at δ̂ = 1 would
shrink it towards 0), N = 2·(number of such units), then rescaled to the sample size and spread of
all δ̂: h = h_N·(N/n)^(1/5)·sd(δ̂)/s (the form in Daraio & Simar 2007).
``"normal_reference"``: 1.06·sd(δ̂)·n^(−1/5). A number sets h directly.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kommunebench.efficiency.calibrate import CALIBRATIONS, Calibration, calibrated_subsampling
from kommunebench.efficiency.dea import DEAScores, build_problem, scores_of
from kommunebench.efficiency.lp import Problem
from kommunebench.efficiency.replicate import EngineSettings, replicate_scores
from kommunebench.efficiency.subsample import (
    dea_minimum_units,
    rate_exponent,
    subsample_distances,
    subsample_draws,
    subsample_size,
    summarise_subsample,
)
from kommunebench.efficiency.validate import (
    ORIENTATIONS,
    RETURNS_TO_SCALE,
    check_choice,
    check_directions,
    check_environment,
    check_fraction,
    check_inputs,
    check_int,
    check_outputs,
    matrix,
    reference_indices,
)
from kommunebench.efficiency.volatility import MIN_VOLATILITY, candidate_sizes, min_volatility
from kommunebench.errors import ConfigError

__all__ = [
    "METHODS",
    "BANDWIDTH_RULES",
    "INTERVALS",
    "BootstrapScores",
    "kernel_bandwidth",
    "smoothed_draws",
    "bootstrap_dea",
    "bootstrap_scores",
    "check_bootstrap_options",
]

METHODS = ("subsampling", "smoothed")
BANDWIDTH_RULES = ("silverman", "normal_reference")
INTERVALS = ("percentile", "bias_shifted")
SUBSAMPLE_EXPONENT = 0.5  # m = n^γ; see docs/efficiency.md for how γ was chosen and what it gives
DEFAULT_CALIBRATION = "level"  # the interval's level calibrated by a second level of subsampling (docs)
_FRONTIER_TOL = 1e-9


@dataclass(frozen=True, eq=False)
class BootstrapScores:
    """Bootstrap of one DEA model; every array is per unit on the score scale (1 = efficient).

    ``method`` is ``"subsampling"`` (m-out-of-n, :mod:`.subsample`; ``subsample`` = m) or
    ``"smoothed"`` (Simar & Wilson 1998). ``replicates`` (units × replications) holds the bootstrap
    scores 1/δ̂* (for subsampling: against the subsample's frontier, NaN where it has none); ``bias`` = score −
    bias-corrected score (> 0: DEA overstates efficiency); ``lower``/``upper`` bound the
    (1 − ``alpha``) interval for the true score; ``advised`` is 1.0 where the bias correction is
    advisable. NaN for units without a feasible comparison.
    """

    replications: int
    alpha: float
    bandwidth: float
    bandwidth_rule: str
    interval: str
    seed: int | None
    replicates: np.ndarray
    bias: np.ndarray
    bias_corrected: np.ndarray
    std: np.ndarray
    lower: np.ndarray
    upper: np.ndarray
    advised: np.ndarray
    method: str = "smoothed"
    subsample: int = 0  # m of the m-out-of-n bootstrap (0: the smoothed bootstrap)
    rate: float = 0.0  # κ in f = (m/n)^κ of the subsampling interval (0: the smoothed bootstrap)
    level: float = float("nan")  # the nominal level of the interval (1 − alpha unless calibrated)
    calibration: Calibration | None = None  # the two-level calibration (:mod:`.calibrate`), if asked for

    @property
    def bias_correction_advised(self) -> np.ndarray:
        """Simar & Wilson's rule (on δ): correct only where bias² > var/3, else it adds more noise than it removes."""
        return self.advised == 1.0


def kernel_bandwidth(distances: np.ndarray, rule: str | float = "silverman") -> float:
    """The kernel bandwidth h for the reference units' distances δ̂ ≥ 1 (see the module docstring)."""
    delta = np.asarray(distances, dtype=float)
    if not isinstance(rule, str):
        return float(rule)
    sd = float(delta.std(ddof=1)) if delta.size > 1 else 0.0
    if rule == "normal_reference":
        return 1.06 * sd * delta.size ** (-0.2)
    inside = delta[delta > 1.0 + _FRONTIER_TOL]
    if inside.size < 2 or sd == 0.0:
        return 0.0
    reflected = np.concatenate([inside, 2.0 - inside])
    s = float(reflected.std(ddof=1))
    q75, q25 = np.percentile(reflected, [75, 25])
    spread = min(s, (q75 - q25) / 1.349) if q75 > q25 else s
    n_refl = reflected.size
    return 0.9 * spread * n_refl ** (-0.2) * (n_refl / delta.size) ** 0.2 * sd / s


def smoothed_draws(distances: np.ndarray, replications: int, h: float, rng: np.random.Generator) -> np.ndarray:
    """δ* (replications × units) ≥ 1 from the kernel density of the δ̂ reflected at 1 (module docstring)."""
    delta = np.asarray(distances, dtype=float)
    n = delta.size
    reflected = np.concatenate([delta, 2.0 - delta])
    beta = reflected[rng.integers(0, 2 * n, size=(replications, n))]
    eps = rng.standard_normal((replications, n))
    var = float(reflected.var())
    if h == 0.0 or var == 0.0:
        return np.where(beta < 1.0, 2.0 - beta, beta)
    mean = beta.mean(axis=1, keepdims=True)
    corrected = mean + (beta + h * eps - mean) / np.sqrt(1.0 + h * h / var)
    return np.where(corrected < 1.0, 2.0 - corrected, corrected)


def _summarise(delta: np.ndarray, reps: np.ndarray, alpha: float, interval: str) -> dict[str, np.ndarray]:
    """Bias, bias-corrected score, std and interval (scores) from distances δ̂ and replicates δ̂*."""
    n = delta.size
    keys = ("bias", "bias_corrected", "std", "lower", "upper", "advised")
    out = {k: np.full(n, np.nan) for k in keys}
    ok = np.isfinite(delta) & np.isfinite(reps).all(axis=1)
    if not ok.any():
        return out
    r, d = reps[ok], delta[ok]
    bias = r.mean(axis=1) - d
    lo_q, hi_q = np.quantile(r, [alpha / 2.0, 1.0 - alpha / 2.0], axis=1)
    if interval == "percentile":
        lo, hi = 2.0 * d - hi_q, 2.0 * d - lo_q
    else:
        lo, hi = lo_q - 2.0 * bias, hi_q - 2.0 * bias
    corrected = d - bias
    with np.errstate(divide="ignore"):
        out["bias_corrected"][ok] = 1.0 / corrected
        out["bias"][ok] = 1.0 / d - 1.0 / corrected
        out["lower"][ok] = 1.0 / hi
        out["upper"][ok] = np.where(lo > 0, 1.0 / lo, np.inf)
    out["std"][ok] = (1.0 / r).std(axis=1, ddof=1) if r.shape[1] > 1 else 0.0
    var = r.var(axis=1, ddof=1) if r.shape[1] > 1 else np.zeros(d.size)
    out["advised"][ok] = bias**2 > var / 3.0
    return out


def check_bootstrap_options(
    replications: object, alpha: object, bandwidth_rule: object, interval: object, n_jobs: object
) -> tuple[int, float, str | float, str, int]:
    """Validated (replications, alpha, bandwidth rule or value, interval, n_jobs)."""
    b = check_int("replications", replications, minimum=2)
    a = check_fraction("alpha", alpha)
    if isinstance(bandwidth_rule, str):
        rule: str | float = check_choice("bandwidth", bandwidth_rule, BANDWIDTH_RULES)
    elif isinstance(bandwidth_rule, int | float) and not isinstance(bandwidth_rule, bool) and bandwidth_rule >= 0:
        rule = float(bandwidth_rule)
    else:
        rules = ", ".join(BANDWIDTH_RULES)
        raise ConfigError(f"bandwidth must be one of {rules} or a number >= 0, got {bandwidth_rule!r}")
    return b, a, rule, check_choice("interval", interval, INTERVALS), check_int("n_jobs", n_jobs, minimum=1)


def check_calibration(calibration: object, method: str, exponent: float | str) -> str:
    """Validated calibration (``"none"``, ``"level"``, ``"level_free"``, ``"rate"``): only for subsampling with a
    fixed exponent.

    None (the default) is ``"level"`` where it applies (subsampling with a fixed exponent), else ``"none"``.
    """
    if calibration is None:
        return DEFAULT_CALIBRATION if method == "subsampling" and exponent != MIN_VOLATILITY else "none"
    name = check_choice("calibration", calibration, CALIBRATIONS)
    if name != "none" and (method != "subsampling" or exponent == MIN_VOLATILITY):
        raise ConfigError(
            f"calibration={name!r} needs bootstrap_method='subsampling' with a numeric subsample_exponent"
        )
    return name


def check_method(method: object, exponent: object) -> tuple[str, float | str]:
    """Validated (bootstrap method, subsample exponent γ in (0, 1) or ``"min_volatility"``)."""
    name = check_choice("bootstrap_method", method, METHODS)
    if exponent == MIN_VOLATILITY:
        return name, MIN_VOLATILITY
    ok = isinstance(exponent, int | float) and not isinstance(exponent, bool) and 0.0 < float(exponent) < 1.0
    if not ok:
        raise ConfigError(
            f"subsample_exponent must be a number strictly between 0 and 1 or {MIN_VOLATILITY!r}, got {exponent!r}"
        )
    return name, float(exponent)  # type: ignore[arg-type]


def bootstrap_scores(
    problem: Problem,
    scores: DEAScores,
    *,
    replications: int,
    alpha: float,
    bandwidth_rule: str | float,
    interval: str,
    rng: np.random.Generator,
    seed: int | None = None,
    n_jobs: int = 1,
    settings: EngineSettings | None = None,
    method: str = "subsampling",
    exponent: float | str = SUBSAMPLE_EXPONENT,
    calibration: str = "none",
) -> BootstrapScores:
    """The bootstrap of an already solved model (options validated by the caller)."""
    ref = problem.reference
    delta = 1.0 / scores.score  # input: 1/θ; output: φ (NaN stays NaN)
    if method == "subsampling":
        kappa = rate_exponent(problem, vrs=problem.vrs)

        def run(m: int) -> dict[str, np.ndarray]:
            sub = subsample_distances(problem, scores, subsample_draws(ref.size, m, replications, rng), n_jobs=n_jobs)
            return {**summarise_subsample(delta, sub, factor=(m / ref.size) ** kappa, alpha=alpha), "sub": sub}

        cal = None
        if exponent == MIN_VOLATILITY:
            m, st, _ = min_volatility(candidate_sizes(ref.size), run)
        else:
            m = subsample_size(ref.size, float(exponent), dea_minimum_units(problem))
            st = run(m)
            cal = calibrated_subsampling(
                problem, delta, st, m=m, rate=kappa, target=calibration, exponent=float(exponent),
                replications=replications, alpha=alpha, rng=rng, n_jobs=n_jobs,
            )  # fmt: skip
        level, kappa_used = (cal.level, cal.rate) if cal is not None else (1.0 - alpha, kappa)
        return BootstrapScores(
            replications=replications, alpha=alpha, bandwidth=0.0, bandwidth_rule="none", interval="subsampling",
            seed=seed, replicates=1.0 / st["sub"], bias=st["bias"], bias_corrected=st["bias_corrected"], std=st["std"],
            lower=st["lower"], upper=st["upper"], advised=st["advised"], method=method, subsample=m,
            rate=kappa_used, level=level, calibration=cal,
        )  # fmt: skip
    delta_ref = delta[ref]
    h = kernel_bandwidth(delta_ref, bandwidth_rule)
    draws = smoothed_draws(delta_ref, replications, h, rng)
    factors = draws / delta_ref if problem.input_oriented else delta_ref / draws
    units = np.flatnonzero(scores.feasible)
    reps = np.full((scores.n, replications), np.nan)
    if np.all(factors == 1.0):  # every unit on the frontier and h = 0: the pseudo data are the data
        reps[units] = delta[units, None]
    else:
        support = scores.lambdas[units] > 0
        t = replicate_scores(
            problem, units, factors, support, scores.duals[units], scores.w[units], n_jobs=n_jobs, settings=settings
        )
        reps[units] = (1.0 / t if problem.input_oriented else t).T
    stats = _summarise(delta, reps, alpha, interval)
    return BootstrapScores(
        replications=replications,
        alpha=alpha,
        bandwidth=h,
        bandwidth_rule=bandwidth_rule if isinstance(bandwidth_rule, str) else "fixed",
        interval=interval,
        seed=seed,
        replicates=1.0 / reps,
        bias=stats["bias"],
        bias_corrected=stats["bias_corrected"],
        std=stats["std"],
        lower=stats["lower"],
        upper=stats["upper"],
        advised=stats["advised"],
        method="smoothed",
        level=1.0 - alpha,
    )


def bootstrap_dea(
    inputs: object,
    outputs: object,
    *,
    orientation: str = "output",
    rts: str = "vrs",
    environment: object = None,
    environment_higher_is: object = None,
    reference: object = None,
    replications: int = 2000,
    alpha: float = 0.10,
    bandwidth: str | float = "silverman",
    interval: str = "percentile",
    seed: int | np.random.Generator | None = None,
    n_jobs: int = 1,
    method: str = "subsampling",
    exponent: float | str = SUBSAMPLE_EXPONENT,
    calibration: str | None = None,
) -> tuple[DEAScores, BootstrapScores]:
    """:func:`~kommunebench.efficiency.dea.solve_dea` plus a bootstrap of its scores.

    ``method`` ``"subsampling"`` (default; Kneip, Simar & Wilson 2008, m = n^``exponent`` but at least
    max(p·q, 3(p + q)), or
    ``exponent="min_volatility"`` for m chosen from the data, :mod:`kommunebench.efficiency.volatility`) or
    ``"smoothed"`` (Simar & Wilson 1998; ``bandwidth`` and ``interval`` apply to it only).
    ``calibration`` ``"level"`` (the default for subsampling with a fixed exponent) or ``"rate"``
    calibrates the subsampling interval by a second level of subsampling
    (:mod:`kommunebench.efficiency.calibrate`); ``"none"`` keeps the nominal level and the theory's rate.

    ``seed`` (an int or a ``numpy.random.Generator``) makes the draws reproducible; the scores do
    not depend on ``n_jobs`` (worker processes for the LPs).
    """
    orientation = check_choice("orientation", orientation, ORIENTATIONS)
    rts = check_choice("rts", rts, RETURNS_TO_SCALE)
    b, a, rule, kind, jobs = check_bootstrap_options(replications, alpha, bandwidth, interval, n_jobs)
    method, exponent = check_method(method, exponent)
    calibration = check_calibration(calibration, method, exponent)
    x = check_inputs(matrix("inputs", inputs))
    if x.shape[0] < 2:
        raise ConfigError("DEA needs at least two units")
    y = check_outputs(matrix("outputs", outputs, n_rows=x.shape[0]))
    z = check_environment(environment, x.shape[0])
    directions = check_directions(environment_higher_is, z.shape[1])
    ref = reference_indices(reference, x.shape[0])
    rng, seed_value = _rng(seed)
    problem = build_problem(x, y, z, directions, ref, orientation=orientation, rts=rts)
    scores = scores_of(problem, x, y, orientation=orientation, rts=rts)
    boot = bootstrap_scores(
        problem, scores, replications=b, alpha=a, bandwidth_rule=rule, interval=kind, rng=rng, seed=seed_value,
        n_jobs=jobs, method=method, exponent=exponent, calibration=calibration,
    )  # fmt: skip
    return scores, boot


def _rng(seed: object) -> tuple[np.random.Generator, int | None]:
    if isinstance(seed, np.random.Generator):
        return seed, None
    if seed is None or (isinstance(seed, int | np.integer) and not isinstance(seed, bool) and seed >= 0):
        return np.random.default_rng(None if seed is None else int(seed)), None if seed is None else int(seed)
    raise ConfigError(f"seed must be a non-negative integer, a numpy Generator or None, got {seed!r}")
