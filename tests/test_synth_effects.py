"""The honest synthetic truth: effect scenarios, realistic size, effects file, outcome seed."""

from __future__ import annotations

import numpy as np
import pyarrow.parquet as pq
import pytest

from kommunebench.data import reference
from kommunebench.data.synth import generate, population
from kommunebench.data.synth.effects import EffectSpec, draw_effects_pp
from kommunebench.errors import ConfigError


def _seed() -> int:
    s = int(np.random.default_rng().integers(1, 1 << 31))
    print("seed", s)
    return s


def _draw(scenario: str, seed: int) -> np.ndarray:
    munis = reference.municipalities()
    return draw_effects_pp(EffectSpec(scenario), munis, population.profiles(reference.calibration()), seed)


def test_default_size_matches_the_published_spread():
    z = _draw("independent", _seed())
    sd_total, sd_area = z.sum(axis=1).std(), z.std(axis=0)
    print("sd total", sd_total, "per area", sd_area)
    assert 0.3 <= sd_total <= 0.65  # published: 0.47 pp total (noise included)
    assert (sd_area >= 0.12).all() and (sd_area <= 0.32).all()  # published 0.21-0.30 pp per area


def test_scenarios_correlate_as_named():
    seed = _seed()
    munis = reference.municipalities()
    imm = np.array([m.pop_16_66 for m in munis], float)
    profiles = population.profiles(reference.calibration())
    imm = np.array([profiles[m.kommunekode].immigrant_share for m in munis])
    comp = _draw("composition", seed).sum(axis=1)
    assert np.corrcoef(comp, imm)[0, 1] > 0.3
    ca = np.array([m.commuting_area for m in munis])
    area = _draw("commuting_area", seed).sum(axis=1)
    means = {c: area[ca == c].mean() for c in set(ca)}
    between = np.var([means[c] for c in ca])
    assert between / area.var() > 0.3, between / area.var()


def test_outcome_seed_redraws_outcomes_for_the_same_persons(tmp_path):
    seed = _seed()
    a = generate(tmp_path / "a", scale=0.003, seed=seed, effects=EffectSpec(outcome_seed=1))
    b = generate(tmp_path / "b", scale=0.003, seed=seed, effects=EffectSpec(outcome_seed=2))
    pa_, pb = (pq.read_table(r.out_dir / "persons.parquet") for r in (a, b))
    assert pa_.equals(pb)
    wa, wb = (pq.read_table(r.out_dir / "benefit_weeks.parquet") for r in (a, b))
    assert not wa.equals(wb)
    ta, tb = (pq.read_table(r.out_dir / "truth_effects.parquet").to_pandas() for r in (a, b))
    np.testing.assert_allclose(ta.relative_effect, tb.relative_effect)


def test_effects_file_is_planted_and_benchmark_truth_is_centred(tmp_path):
    seed = _seed()
    munis = reference.municipalities()
    rng = np.random.default_rng(seed)
    want = {m.kommunekode: float(v) for m, v in zip(munis, rng.normal(0, 0.3, len(munis)), strict=True)}
    path = tmp_path / "effects.csv"
    path.write_text(
        "kommunekode,area,effect_pp\n" + "".join(f"{k},sygedagpenge,{v}\n" for k, v in want.items()), "utf-8"
    )
    res = generate(tmp_path / "s", scale=0.003, seed=seed, effects=EffectSpec(file=path))
    t = pq.read_table(res.out_dir / "truth_effects.parquet").to_pandas()
    t = t[t.year == t.year.max()]
    syg = t[t.area == "sygedagpenge"].set_index("kommunekode")
    # realised over the few persons of a tiny scale, so not exactly the file's value
    assert np.corrcoef(syg.effect_pp.loc[list(want)], list(want.values()))[0, 1] > 0.7
    # No effect planted on A-dagpenge: only a tiny spill-over, opposite in sign to the
    # sygedagpenge effect (the states compete for weeks), so it scales with that effect: at most
    # 1.7-2.5 % of it in every municipality over 6 seeds (up to 0.015 pp at seed 727136034, where a
    # fixed bound of 0.01 pp failed). Checked per municipality relative to its own effect, and
    # absolutely across the country.
    spill = t[t.area == "a_dagpenge"].set_index("kommunekode").effect_pp.loc[syg.index]
    assert (spill.abs() <= 0.05 * syg.effect_pp.abs() + 1e-3).all(), (spill.abs() / syg.effect_pp.abs()).max()
    assert spill.std() < 0.005, spill.std()
    p = pq.read_table(res.out_dir / "persons.parquet").to_pandas()
    p = p[(p.year == t.year.max()) & p.age.between(16, 66)]
    w = p.groupby("kommunekode").size().reindex(syg.index).to_numpy(float)
    assert abs(np.average(syg.benchmark_effect_pp, weights=w)) < 1e-9  # what a perfect benchmark reports


def test_bad_effect_options_are_refused(tmp_path):
    with pytest.raises(ConfigError):
        EffectSpec("nonsense")
    bad = tmp_path / "bad.csv"
    bad.write_text("kommunekode,area,effect_pp\n9999,a_dagpenge,1\n", "utf-8")
    with pytest.raises(ConfigError, match="row 2"):
        generate(tmp_path / "x", scale=0.003, effects=EffectSpec(file=bad))
