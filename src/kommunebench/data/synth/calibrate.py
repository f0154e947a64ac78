"""Calibration of the synthetic Denmark to the published 2022 levels, and the planted effects.

1. Per municipality a *tilt* τ of prior benefit history is solved (bisection) so that the
   composition-driven total share is ``T̄ + 0.7 · (T_m − T̄)``, where ``T_m`` is the municipality's
   published total share (Y30R21, 2022QMAT04) and ``T̄`` the national one: composition explains
   most, not all, of the real spread; the planted effects add the rest.
2. Per benefit area a scale ``c_a`` is set so that the national shares hit the published levels
   (A-dagpenge 1.62 %, Sygedagpenge 2.87 %, Kontanthjælp 3.12 %). Steps 1 and 2 alternate a few
   times on a fixed *pilot* sample (1,500 persons a municipality), so the calibration does not
   depend on ``--scale``. A last step simulates the pilot's weekly spells and rescales ``c_a`` by
   target ÷ realised share, which removes what the analytic step cannot see (spells carried over
   the turn of the year, persons whose shares had to be capped).
3. Planted effects: per municipality and area a normal draw in pct. points (sd 0.5, correlation
   0.5 between areas: a municipality that does well tends to do well everywhere), turned into a
   relative effect on its residents' benefit shares and centred so that the national level is
   unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kommunebench.data import schemas
from kommunebench.data.synth import dgp, population
from kommunebench.data.synth.municipality import area_weeks, simulate_municipality

NATIONAL_TARGETS = np.array([1.62, 2.87, 3.12])  # pct of the 16-66 population, 2022 (Y30R21)
COMPOSITION_WEIGHT = 0.7
EFFECT_SD_PP = 0.5
EFFECT_CORR = 0.5
PILOT_N = 1500


@dataclass(frozen=True)
class Calibration:
    scale: np.ndarray  # c_a per area
    tau: dict[int, float]  # prior-benefit tilt per municipality
    composition_share: dict[int, np.ndarray]  # composition-only share per area (fraction)


def _pilot(munis, profiles, lm_centred, seed: int) -> dict[int, tuple[np.ndarray, np.ndarray, np.ndarray]]:
    out = {}
    for m in munis:
        rng = np.random.default_rng([seed, 0xC0FFEE, m.kommunekode])
        age1 = population.draw_ages(PILOT_N, profiles[m.kommunekode], rng)
        attrs = population.draw_attributes(age1, profiles[m.kommunekode], rng)
        keep = (age1 >= 15) & (age1 <= 65)
        a = {k: v[keep] for k, v in attrs.items()}
        hb = dgp.band_index(a["health_contacts"], schemas.HEALTH_BANDS)
        comp0 = dgp.composition(
            a["age"] + 1, a["sex"], a["origin"], a["education"], a["family"], hb, np.zeros(hb.size, dtype=int)
        )
        lm = lm_centred[m.commuting_area]
        lm_a = dgp.lm_part({k: np.array([v]) for k, v in lm.items()})[0]
        out[m.kommunekode] = (comp0.mean(axis=0), population.vulnerability(a), lm_a)
    return out


def _mean_share(comp0_mean: np.ndarray, v: np.ndarray, lm_a: np.ndarray, tau: float, c: np.ndarray) -> np.ndarray:
    probs = population.prior_band_probs(v, tau).mean(axis=0)  # (5,)
    return c * (comp0_mean + probs @ dgp.PRIOR) + lm_a  # (3,)


def calibrate(munis, profiles, calibration, lm_centred, seed: int, *, years, weeks) -> Calibration:
    """``lm_centred`` maps year → commuting area → centred LM values; the second year is the target."""
    analytic = _analytic(munis, profiles, calibration, lm_centred[years[1]], seed)
    realised = np.zeros(3)
    pop = 0
    for m in munis:
        rng = np.random.default_rng([seed, 0x5111, m.kommunekode])
        draw = simulate_municipality(
            m,
            PILOT_N,
            rng,
            profile=profiles[m.kommunekode],
            tau=analytic.tau[m.kommunekode],
            area_scale=analytic.scale,
            effect=np.zeros(3),
            lm_centred=lm_centred,
            years=years,
            weeks=weeks,
        )
        w = m.pop_16_66 / PILOT_N
        realised += w * area_weeks(draw, weeks)[1] / weeks[1]
        pop += w * draw.in_pop[1].sum()
    factor = NATIONAL_TARGETS / (100 * realised / pop)
    return Calibration(
        analytic.scale * factor, analytic.tau, {k: v * factor for k, v in analytic.composition_share.items()}
    )


def _analytic(munis, profiles, calibration, lm_centred, seed: int) -> Calibration:
    pilot = _pilot(munis, profiles, lm_centred, seed)
    weights = np.array([m.pop_16_66 for m in munis], float)
    real = np.array([calibration[m.kommunekode]["share_total_2022QMAT04"] for m in munis])
    t_bar = np.average(real, weights=weights)
    targets = (t_bar + COMPOSITION_WEIGHT * (real - t_bar)) * NATIONAL_TARGETS.sum() / t_bar / 100
    c = np.ones(3)
    tau = {m.kommunekode: 0.0 for m in munis}
    for _ in range(8):
        for m, target in zip(munis, targets, strict=True):
            comp0, v, lm_a = pilot[m.kommunekode]
            lo, hi = -10.0, 10.0
            for _ in range(40):
                mid = (lo + hi) / 2
                if _mean_share(comp0, v, lm_a, mid, c).sum() < target:
                    lo = mid
                else:
                    hi = mid
            tau[m.kommunekode] = (lo + hi) / 2
        shares = np.array([_mean_share(*pilot[m.kommunekode], tau[m.kommunekode], c) for m in munis])
        national = np.average(shares, axis=0, weights=weights)
        lm_nat = np.average([pilot[m.kommunekode][2] for m in munis], axis=0, weights=weights)
        c = c * (NATIONAL_TARGETS / 100 - lm_nat) / (national - lm_nat)
    comp = {m.kommunekode: _mean_share(*pilot[m.kommunekode], tau[m.kommunekode], c) for m in munis}
    return Calibration(c, tau, comp)


def planted_effects(munis, cal: Calibration, seed: int, *, zero: bool) -> dict[int, np.ndarray]:
    """Relative effect r per municipality and area (the share is multiplied by 1 + r)."""
    if zero:
        return {m.kommunekode: np.zeros(3) for m in munis}
    rng = np.random.default_rng([seed, 0xEFFEC7])
    cov = EFFECT_SD_PP**2 * (EFFECT_CORR + (1 - EFFECT_CORR) * np.eye(3))
    z = rng.multivariate_normal(np.zeros(3), cov, size=len(munis), method="cholesky") / 100
    comp = np.array([cal.composition_share[m.kommunekode] for m in munis])
    r = np.clip(z / comp, -0.6, 2.0)
    w = np.array([m.pop_16_66 for m in munis], float)[:, None] * comp
    r -= (w * r).sum(axis=0) / w.sum(axis=0)
    return {m.kommunekode: r[i] for i, m in enumerate(munis)}
