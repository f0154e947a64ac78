"""One municipality's persons and their weekly benefit histories, for both years."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kommunebench.data import reference, schemas
from kommunebench.data.synth import dgp, population, spells


@dataclass(frozen=True)
class MunicipalityDraw:
    age1: np.ndarray  # age on 1 January of the first year
    attrs: dict[str, np.ndarray]
    prior: np.ndarray
    in_pop: list[np.ndarray]  # per year: aged 16-66
    truth: list[dict]  # planted effects in pct. points per year and area (+ total)
    person_idx: np.ndarray  # chain output, sorted by person then week
    week_idx: np.ndarray
    codes: np.ndarray


def _area_shares(state_p: np.ndarray) -> np.ndarray:
    return np.stack([state_p[:, 1], state_p[:, 2], state_p[:, 3:6].sum(axis=1)], axis=1)


def simulate_municipality(
    m: reference.Municipality,
    n_pop: int,
    rng: np.random.Generator,
    *,
    profile,
    tau: float,
    area_scale: np.ndarray,
    effect: np.ndarray,
    lm_centred: dict[int, dict[int, dict[str, float]]],
    years: tuple[int, int],
    weeks: list[int],
    outcome_rng: np.random.Generator | None = None,
) -> MunicipalityDraw:
    orng = outcome_rng or rng  # a separate stream redraws the outcomes for the same persons
    age1 = population.draw_ages(n_pop, profile, rng)
    attrs = population.draw_attributes(age1, profile, rng)
    prior = population.draw_prior_weeks(population.vulnerability(attrs), tau, rng)
    frailty = orng.gamma(1 / dgp.FRAILTY_SD**2, dgp.FRAILTY_SD**2, size=(age1.size, 3))
    hb = dgp.band_index(attrs["health_contacts"], schemas.HEALTH_BANDS)
    pb = dgp.band_index(prior, schemas.PRIOR_BENEFIT_BANDS)
    shares, entering, truth = [], [], []
    in_pops: list[np.ndarray] = []
    for y_i, year in enumerate(years):
        age = age1 + y_i
        in_pop = (age >= schemas.BENCHMARK_AGE[0]) & (age <= schemas.BENCHMARK_AGE[1])
        entering.append(None if not in_pops else in_pop & ~in_pops[-1])
        in_pops.append(in_pop)
        lm = {k: np.full(age.size, v) for k, v in lm_centred[year][m.commuting_area].items()}
        linear = area_scale * dgp.composition(
            age, attrs["sex"], attrs["origin"], attrs["education"], attrs["family"], hb, pb
        )
        base = np.clip(linear * frailty + dgp.lm_part(lm), 0, None)
        others = dgp.other_states(age, attrs["sex"], attrs["education"], hb)
        with_effect = dgp.state_shares(base * (1 + effect), others, in_pop)
        without = dgp.state_shares(base, others, in_pop)
        shares.append(with_effect)
        diff = _area_shares(with_effect) - _area_shares(without)
        n_in = max(int(in_pop.sum()), 1)
        for a_i, area in enumerate(dgp.AREAS):
            truth.append(
                {
                    "kommunekode": m.kommunekode,
                    "year": year,
                    "area": area,
                    "relative_effect": float(effect[a_i]),
                    "effect_pp": float(100 * diff[in_pop, a_i].sum() / n_in),
                }
            )
        truth.append(
            {
                "kommunekode": m.kommunekode,
                "year": year,
                "area": reference.TOTAL,
                "relative_effect": float("nan"),
                "effect_pp": float(100 * diff[in_pop].sum() / n_in),
            }
        )
    p_idx, w_idx, codes = spells.simulate(shares, weeks, orng, entering)
    order = np.lexsort((w_idx, p_idx))
    return MunicipalityDraw(age1, attrs, prior, in_pops, truth, p_idx[order], w_idx[order], codes[order])


def area_weeks(draw: MunicipalityDraw, weeks: list[int]) -> np.ndarray:
    """Weeks per benchmark area (2019 scope) of the 16–66 population, shape (years, 3)."""
    lut = np.full(1000, -1, np.int8)
    for code, area in reference.code_areas("2019").items():
        lut[code] = dgp.AREAS.index(area)
    a = lut[draw.codes]
    out = np.zeros((len(weeks), 3))
    start = 0
    for y_i, n_weeks in enumerate(weeks):
        inside = draw.in_pop[y_i][draw.person_idx]
        m = (draw.week_idx >= start) & (draw.week_idx < start + n_weeks) & (a >= 0) & inside
        out[y_i] = np.bincount(a[m], minlength=3)
        start += n_weeks
    return out
