"""The synthetic Denmark: determinism, calibration, plausibility and the planted truth."""

from __future__ import annotations

import hashlib

import duckdb
import numpy as np
import pyarrow.parquet as pq
import pytest

from kommunebench.data import reference, schemas
from kommunebench.data.periods import parse_iso_week
from kommunebench.data.synth import FILES, generate
from kommunebench.errors import ConfigError

TARGETS = {"a_dagpenge": 1.62, "sygedagpenge": 2.87, "kontanthjaelp": 3.12, "total": 7.62}


@pytest.fixture(scope="module")
def synth05(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth05")
    return generate(out, scale=0.05, seed=7)


def _digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.mark.slow
def test_same_seed_gives_identical_files_and_other_seed_differs(tmp_path):
    a = generate(tmp_path / "a", scale=0.004, seed=11)
    b = generate(tmp_path / "b", scale=0.004, seed=11)
    c = generate(tmp_path / "c", scale=0.004, seed=12)
    for name in (*FILES, "manifest.json"):
        assert _digest(a.out_dir / name) == _digest(b.out_dir / name), name
    assert _digest(a.out_dir / "benefit_weeks.parquet") != _digest(c.out_dir / "benefit_weeks.parquet")


def test_national_shares_are_calibrated_to_the_published_levels(synth05):
    """Within ±0.3 pct. points of the published 2022 levels, recomputed from the files."""
    out = synth05.out_dir
    mapping = reference.code_areas("2019")
    con = duckdb.connect()
    con.execute("CREATE TABLE codes (code SMALLINT, area VARCHAR)")
    con.executemany("INSERT INTO codes VALUES (?, ?)", list(mapping.items()))
    for year in synth05.years:
        pop = con.execute(
            f"SELECT COUNT(*) FROM '{out}/persons.parquet' WHERE year = {year} AND age BETWEEN 16 AND 66"
        ).fetchone()[0]
        rows = con.execute(f"""
            SELECT c.area, COUNT(*) FROM '{out}/benefit_weeks.parquet' b
            JOIN codes c USING (code)
            JOIN (SELECT person_id FROM '{out}/persons.parquet'
                  WHERE year = {year} AND age BETWEEN 16 AND 66) p USING (person_id)
            WHERE b.week LIKE '{year}-W%' GROUP BY 1""").fetchall()
        shares = {area: 100 * n / 52 / pop for area, n in rows}
        shares["total"] = sum(shares.values())
        for area, target in TARGETS.items():
            assert abs(shares[area] - target) <= 0.3, (year, area, shares[area])
            assert abs(synth05.national_shares[str(year)][area] - shares[area]) < 1e-3


def test_population_sizes_follow_the_real_municipalities(synth05):
    t = pq.read_table(synth05.out_dir / "persons.parquet").to_pandas()
    second = t[(t.year == synth05.years[1]) & t.age.between(16, 66)]
    counts = second.groupby("kommunekode").size()
    for m in reference.municipalities():
        assert counts[m.kommunekode] == max(1, round(m.pop_16_66 * 0.05))
    assert ((t.age < 16) | (t.age > 66)).sum() > 0, "a few persons outside 16-66 must exist"
    assert set(t.kommunekode.unique()) == {m.kommunekode for m in reference.municipalities()}
    assert t.groupby(["person_id", "year"]).size().max() == 1


def test_composition_differs_plausibly_between_municipalities(synth05):
    t = pq.read_table(synth05.out_dir / "persons.parquet").to_pandas()
    t = t[(t.year == synth05.years[1]) & t.age.between(16, 66)]
    by = t.groupby("kommunekode")
    mean_age = by.age.mean()
    higher = by.education.apply(lambda s: s.isin(["bachelor", "master_plus"]).mean())
    nonwestern = by.origin.apply(lambda s: (s == "non_western").mean())
    health = by.health_contacts.mean()
    kbh, lolland, ishoej, gentofte, laesoe = 101, 360, 183, 157, 825
    assert mean_age[kbh] < mean_age[lolland] - 2
    assert higher[kbh] > higher[lolland] + 0.15
    assert nonwestern[ishoej] > 2 * nonwestern[laesoe]
    assert higher[gentofte] > higher.median()
    assert health[lolland] > health[kbh]


def test_benefit_weeks_are_valid_spells(synth05):
    w = pq.read_table(synth05.out_dir / "benefit_weeks.parquet").to_pandas()
    assert w.groupby(["person_id", "week"]).size().max() == 1, "at most one code a week"
    assert set(w.code.unique()) <= {r["code"] for r in reference.benefit_codes()}
    for label in w.week.astype(str).unique():
        parse_iso_week(label)
    # spells: kontanthjælp lasts longer than dagpenge; consecutive weeks dominate
    w["monday"] = w.week.astype(str).map(lambda s: parse_iso_week(s).toordinal() // 7)
    w = w.sort_values(["person_id", "monday"])
    new_spell = (w.person_id.diff() != 0) | (w.monday.diff() != 1) | (w.code.diff() != 0)
    spell_len = w.groupby(new_spell.cumsum()).agg(code=("code", "first"), n=("code", "size"))
    assert spell_len[spell_len.code == 111].n.mean() < spell_len[spell_len.code == 702].n.mean()
    assert new_spell.mean() < 0.2, "weeks must come in spells, not independently"
    # excluded areas exist in the data too
    assert {810, 783, 651}.issubset(set(w.code.unique()))


def test_labour_market_covers_every_area_and_quarter(synth05):
    lm = pq.read_table(synth05.out_dir / "labour_market.parquet").to_pandas()
    assert len(lm) == len(reference.commuting_areas()) * 8
    assert not lm.duplicated(["commuting_area", "quarter"]).any()
    for v in schemas.LABOUR_MARKET_VARIABLES:
        assert (lm[v] >= 0).all(), v
    shares = lm[[c for c in lm if c.startswith("share_")]].sum(axis=1)
    np.testing.assert_allclose(shares, 100, atol=0.01)


def test_planted_truth_is_written_and_zero_option_works(synth05, tmp_path):
    truth = pq.read_table(synth05.out_dir / "truth_effects.parquet").to_pandas()
    assert len(truth) == 98 * 4 * 2
    total = truth[(truth.area == "total") & (truth.year == synth05.years[1])]
    assert 0.3 < total.effect_pp.std() < 0.65  # the published spread, SD 0.47 pp (issue 9)
    zero = generate(tmp_path / "z", scale=0.003, seed=7, zero_effects=True)
    z = pq.read_table(zero.out_dir / "truth_effects.parquet").to_pandas()
    assert (z.effect_pp == 0).all()


def test_bad_options_are_refused(tmp_path):
    with pytest.raises(ConfigError, match="skala"):
        generate(tmp_path, scale=0)
    with pytest.raises(ConfigError, match="skala"):
        generate(tmp_path, scale=4.5)  # above MAX_SCALE (4); 1.5 is accepted since issue 15
