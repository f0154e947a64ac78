"""Persons of one municipality: age, sex, origin, education, family type, health, prior benefits.

Composition differs between municipalities through real Statistics Denmark levels (share aged
65+, immigrant share, share with a higher education, welfare recipients) and one calibrated
*tilt* of prior benefit history (see ``calibrate.py``) that brings each municipality's
composition-driven benefit share close to its published level.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kommunebench.data import schemas

AGES = np.arange(14, 68)  # ages on 1 January of the first year; 15..65 are 16..66 in the second
PRIOR_BASE = np.array([0.0, -2.0, -2.6, -3.1, -3.4])
PRIOR_RANGES = [(b[1], min(b[2], 156)) for b in schemas.PRIOR_BENEFIT_BANDS]
FAMILY_BY_AGE = {  # probabilities per schemas.FAMILY_TYPES for age groups
    (14, 17): [0.01, 0.0, 0.0, 0.0, 0.99],
    (18, 24): [0.45, 0.03, 0.12, 0.05, 0.35],
    (25, 34): [0.30, 0.06, 0.24, 0.36, 0.04],
    (35, 49): [0.16, 0.09, 0.13, 0.61, 0.01],
    (50, 67): [0.22, 0.05, 0.50, 0.23, 0.0],
}


@dataclass(frozen=True, slots=True)
class MunicipalityProfile:
    """Standardised real levels of one municipality (z-scores across the 98)."""

    kommunekode: int
    z_old: float  # share aged 65+
    immigrant_share: float  # fraction of the population
    higher_education: float  # fraction with a higher education
    z_welfare: float


def profiles(calibration: dict[int, dict[str, float]]) -> dict[int, MunicipalityProfile]:
    codes = sorted(calibration)

    def z(key):
        v = np.array([calibration[c][key] for c in codes])
        return dict(zip(codes, (v - v.mean()) / v.std(), strict=True))

    zo, zw = z("age65_pct"), z("welfare_per_1000")
    return {
        c: MunicipalityProfile(
            c,
            float(zo[c]),
            calibration[c]["immigration_share_pct"] / 100,
            calibration[c]["higher_education_pct"] / 100,
            float(zw[c]),
        )
        for c in codes
    }


def _age_weights(z_old: float) -> np.ndarray:
    w = np.where(AGES < 20, 0.9, np.where(AGES >= 60, 0.95, 1.0))
    return w * np.exp(z_old * 0.012 * (AGES - 40))


def draw_ages(n_pop: int, prof: MunicipalityProfile, rng: np.random.Generator) -> np.ndarray:
    """Ages (first year) of ``n_pop`` persons who are 16–66 in the second year, plus the few around."""
    w = _age_weights(prof.z_old)
    inside = (AGES >= 15) & (AGES <= 65)
    n_out = int(round(n_pop * w[~inside].sum() / w[inside].sum()))
    a_in = rng.choice(AGES[inside], size=n_pop, p=w[inside] / w[inside].sum())
    a_out = rng.choice(AGES[~inside], size=n_out, p=w[~inside] / w[~inside].sum())
    return np.concatenate([a_in, a_out]).astype(np.int16)


def _categorical(rng: np.random.Generator, probs: np.ndarray) -> np.ndarray:
    """One draw per row of a (n, k) probability matrix."""
    cum = np.cumsum(probs, axis=1)
    u = rng.random(probs.shape[0]) * cum[:, -1]
    return (cum <= u[:, None]).sum(axis=1).astype(np.int8)


def draw_attributes(age: np.ndarray, prof: MunicipalityProfile, rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Everything but prior benefit history; categories as integer indices into schemas' tuples."""
    n = age.size
    sex = (rng.random(n) < 0.495).astype(np.int8)  # 1 = K
    imm = min(prof.immigrant_share * 1.15, 0.6)
    origin = _categorical(rng, np.tile([1 - imm, 0.38 * imm, 0.62 * imm], (n, 1)))
    h = min(prof.higher_education * 1.05, 0.8)
    adult = np.array([0.28 * (1 - h), 0.12 * (1 - h), 0.60 * (1 - h), 0.15 * h, 0.45 * h, 0.40 * h])
    edu_p = np.tile(adult, (n, 1))
    edu_p[age < 20] = [0.7, 0.3, 0, 0, 0, 0]
    edu_p[(age >= 20) & (age < 25)] = [0.25, 0.45, 0.15, 0.05, 0.10, 0.0]
    edu_p[origin == 2, 0] *= 1.8
    education = _categorical(rng, edu_p)
    fam_p = np.zeros((n, len(schemas.FAMILY_TYPES)))
    for (lo, hi), p in FAMILY_BY_AGE.items():
        fam_p[(age >= lo) & (age <= hi)] = p
    family = _categorical(rng, fam_p)
    mu = (
        0.4 + 0.035 * (age - 16).clip(0) + 0.25 * (0.6 * prof.z_old + 0.4 * prof.z_welfare) + 0.3 * (education == 0)
    ).clip(0.1)
    lam = rng.gamma(0.8, mu / 0.8)
    health = np.minimum(rng.poisson(lam), 366).astype(np.int16)
    return {
        "age": age,
        "sex": sex,
        "origin": origin,
        "education": education,
        "family": family,
        "health_contacts": health,
    }


def vulnerability(attrs: dict[str, np.ndarray]) -> np.ndarray:
    """Person part of the prior-benefit tilt (municipal tilt τ is added on top)."""
    from kommunebench.data.synth.dgp import band_index

    hb = band_index(attrs["health_contacts"], schemas.HEALTH_BANDS)
    return (
        0.6 * (attrs["education"] == 0)
        + 0.5 * (attrs["origin"] == 2)
        + 0.4 * (hb >= 2)
        + 0.3 * (attrs["family"] == 1)
        - 0.3 * (attrs["education"] >= 4)
    ).astype(float)


def prior_band_probs(v: np.ndarray, tau: float) -> np.ndarray:
    logits = PRIOR_BASE[None, :] + (tau + v)[:, None] * np.arange(5)[None, :] * 0.5
    logits -= logits.max(axis=1, keepdims=True)
    e = np.exp(logits)
    return e / e.sum(axis=1, keepdims=True)


def draw_prior_weeks(v: np.ndarray, tau: float, rng: np.random.Generator) -> np.ndarray:
    band = _categorical(rng, prior_band_probs(v, tau))
    lo = np.array([r[0] for r in PRIOR_RANGES])[band]
    hi = np.array([r[1] for r in PRIOR_RANGES])[band]
    return (lo + np.floor(rng.random(v.size) * (hi - lo + 1))).astype(np.int16)
