"""The data-generating process of the synthetic Denmark: who is on which benefit, how often.

For every person and year the generator computes, per benefit *state*, the long-run share of weeks
the person spends in it (``p``). The three benchmark areas follow a model that is **linear in
the same categories and labour-market variables the benchmark model uses**, scaled per area::

    p_area = c_area · (base + Σ category increments) · frailty + Σ γ · (LM − national LM mean)

then multiplied by ``1 + r`` where ``r`` is the municipality's planted performance effect for the
area (0 with ``zero_effects``). Because the composition part is linear in the model's own design
(the frailty is independent of everything and has mean 1), a correctly specified benchmark model
recovers the planted effects, and with all effects zero composition alone earns no rank.

States outside the benchmark (førtidspension, fleksjob, SU, efterløn, barsel) follow their own,
deliberately non-linear rules: they only compete for the person's weeks.
"""

from __future__ import annotations

import numpy as np

from kommunebench.data import schemas

# States of the weekly chain. 0 = no public benefit that week.
STATES = ("none", "A", "S", "K", "R", "L", "FP", "FJ", "SU", "EL", "BA")
BENCHMARK_STATES = {
    "A": "a_dagpenge",
    "S": "sygedagpenge",
    "K": "kontanthjaelp",
    "R": "kontanthjaelp",
    "L": "kontanthjaelp",
}
AREAS = ("a_dagpenge", "sygedagpenge", "kontanthjaelp")
# Of the Kontanthjælp mv. share: core cash benefits, ressourceforløb, ledighedsydelse.
K_SPLIT = {"K": 0.70, "R": 0.20, "L": 0.10}
# Weekly exit probability from each state (mean spell length = 1 / exit).
EXIT = {
    "A": 1 / 14,
    "S": 1 / 11,
    "K": 1 / 30,
    "R": 1 / 60,
    "L": 1 / 30,
    "FP": 1 / 2000,
    "FJ": 1 / 300,
    "SU": 1 / 150,
    "EL": 1 / 500,
    "BA": 1 / 30,
}
# Codes drawn at the start of a spell (code, weight); see refdata/benefit_codes.csv.
CODES = {
    "A": ((111, 0.75), (112, 0.15), (131, 0.04), (141, 0.06)),
    "S": ((890, 0.70), (893, 0.15), (775, 0.15)),
    "K": ((701, 0.25), (702, 0.40), (703, 0.20), (704, 0.08), (705, 0.02), (760, 0.03), (763, 0.02)),
    "R": ((765, 1.0),),
    "L": ((781, 1.0),),
    "FP": ((810, 0.9), (813, 0.1)),
    "FJ": ((783, 1.0),),
    "SU": ((651, 1.0),),
    "EL": ((621, 1.0),),
    "BA": ((881, 1.0),),
}

# Category increments per area (a_dagpenge, sygedagpenge, kontanthjaelp), before the area scale.
# The first category of each variable is the model's reference category where it is 0.
BASE = np.array([0.002, 0.002, 0.001])
AGE = np.array(
    [  # per schemas.AGE_BANDS
        [0.002, 0.002, 0.010],
        [0.012, 0.008, 0.030],
        [0.016, 0.012, 0.026],
        [0.012, 0.015, 0.022],
        [0.010, 0.018, 0.020],
        [0.009, 0.021, 0.018],
        [0.009, 0.024, 0.017],
        [0.010, 0.028, 0.016],
        [0.013, 0.034, 0.015],
        [0.016, 0.038, 0.012],
        [0.008, 0.030, 0.008],
    ]
)
SEX = np.array([[0, 0, 0], [0.001, 0.008, 0.0]])  # M, K
ORIGIN = np.array([[0, 0, 0], [0.004, 0.002, 0.008], [0.008, 0.006, 0.035]])
EDUCATION = np.array(
    [  # per schemas.EDUCATIONS
        [0.010, 0.012, 0.045],
        [0.004, 0.004, 0.015],
        [0.006, 0.010, 0.008],
        [0.004, 0.005, 0.004],
        [0.002, 0.003, 0.002],
        [0, 0, 0],
    ]
)
FAMILY = np.array(
    [  # per schemas.FAMILY_TYPES
        [0.002, 0.002, 0.020],
        [0.003, 0.008, 0.030],
        [0, 0, 0],
        [0.0, 0.003, 0.002],
        [0.0, 0.0, 0.010],
    ]
)
HEALTH = np.array([[0, 0, 0], [0.001, 0.010, 0.006], [0.002, 0.030, 0.020], [0.003, 0.070, 0.050]])
PRIOR = np.array(
    [[0, 0, 0], [0.080, 0.040, 0.020], [0.120, 0.100, 0.080], [0.100, 0.150, 0.300], [0.080, 0.180, 0.550]]
)
# Labour-market slopes per area, on deviations from the national mean (probability per unit).
LM_SLOPES = {
    "unemployment_pct": np.array([0.0040, 0.0005, 0.0030]),
    "job_postings_per_1000": np.array([-0.0002, 0.0, -0.0001]),
    "distance_large_city_km": np.array([0.0, 0.00001, 0.00002]),
}
FRAILTY_SD = 0.15
DEMOGRAPHIC_WEIGHT = 0.25  # prior benefits and health dominate, as in the real models


def age_band_index(age: np.ndarray) -> np.ndarray:
    """Index into schemas.AGE_BANDS (ages outside 16–66 are clipped to the nearest band)."""
    edges = np.array([b[1] for b in schemas.AGE_BANDS[1:]])
    return np.searchsorted(edges, np.clip(age, 16, 66), side="right")


def band_index(values: np.ndarray, bands) -> np.ndarray:
    edges = np.array([b[1] for b in bands[1:]])
    return np.searchsorted(edges, values, side="right")


def composition(age, sex, origin, education, family, health_band, prior_band) -> np.ndarray:
    """Unscaled linear part per area, shape (n, 3); arguments are integer category indices."""
    demographic = AGE[age_band_index(age)] + SEX[sex] + ORIGIN[origin] + EDUCATION[education] + FAMILY[family]
    return BASE + DEMOGRAPHIC_WEIGHT * demographic + 0.6 * HEALTH[health_band] + PRIOR[prior_band]


def lm_part(lm: dict[str, np.ndarray]) -> np.ndarray:
    """Labour-market part per area, shape (n, 3), from centred LM values per person."""
    out: np.ndarray | float = 0.0
    for name, slope in LM_SLOPES.items():
        out = out + lm[name][:, None] * slope
    return np.asarray(out)


def other_states(
    age: np.ndarray, sex: np.ndarray, education: np.ndarray, health_band: np.ndarray
) -> dict[str, np.ndarray]:
    """Shares of weeks in the states outside the benchmark (non-linear on purpose)."""
    a = age.astype(float)
    fp = np.where(a >= 25, 0.002 * np.exp(0.06 * (a - 25)), 0.0)
    fp = fp + np.select([health_band == 3, health_band == 2], [0.10, 0.03], 0.0) * (a >= 20)
    fp = np.minimum(fp + 0.03 * (education == 0) * (a >= 30), 0.6)
    fj = np.where(a >= 25, 0.008 + 0.03 * (health_band >= 2) + 0.01 * (a >= 40), 0.0)
    su = np.where((a >= 18) & (a <= 29), 0.30 * np.isin(education, (1, 3, 4)) + 0.05, 0.0)
    su = np.where((a >= 16) & (a < 18), 0.08, su)
    el = np.where(a >= 60, 0.15, 0.0)
    ba = np.where((a >= 25) & (a <= 39), np.where(sex == 1, 0.05, 0.008), 0.0)
    return {"FP": fp, "FJ": fj, "SU": su, "EL": el, "BA": ba}


def state_shares(area_p: np.ndarray, others: dict[str, np.ndarray], in_population: np.ndarray) -> np.ndarray:
    """Long-run share of weeks per state (columns in STATES order, col 0 = none), shape (n, 11).

    ``area_p`` (n, 3) are the benchmark-area shares; Kontanthjælp mv. is split into core cash
    benefits, ressourceforløb and ledighedsydelse. Persons outside the 16–66 population get no
    benefit weeks. If a person's shares add up to more than 0.95 they are scaled down.
    """
    n = area_p.shape[0]
    p = np.zeros((n, len(STATES)))
    p[:, 1] = area_p[:, 0]
    p[:, 2] = area_p[:, 1]
    for j, key in ((3, "K"), (4, "R"), (5, "L")):
        p[:, j] = area_p[:, 2] * K_SPLIT[key]
    for j, key in enumerate(STATES[6:], start=6):
        p[:, j] = others[key]
    p[~in_population, 1:] = 0.0
    total = p[:, 1:].sum(axis=1)
    scale = np.where(total > 0.95, 0.95 / np.maximum(total, 1e-12), 1.0)
    p[:, 1:] *= scale[:, None]
    p[:, 0] = 1.0 - p[:, 1:].sum(axis=1)
    return p
