"""Reference data, periods and settings."""

from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

import pytest

from kommunebench import settings
from kommunebench.data import reference
from kommunebench.data.periods import Period, format_iso_week, parse_iso_week, weeks_in_year
from kommunebench.errors import ReferenceDataError


def test_98_municipalities_with_regions_and_population():
    munis = reference.municipalities()
    assert len(munis) == 98
    assert len({m.kommunekode for m in munis}) == 98
    assert 411 not in {m.kommunekode for m in munis}
    assert {m.regionskode for m in munis} == {1081, 1082, 1083, 1084, 1085}
    assert abs(sum(m.pop_16_66 for m in munis) - 3_804_000) < 5_000
    assert reference.municipality(825).navn == "Læsø"
    assert 800 < reference.municipality(825).pop_16_66 < 1000


@pytest.mark.parametrize(
    "alias,code",
    [
        ("Århus", 751),
        ("Aarhus", 751),
        ("Brønderslev-Dronninglund", 810),
        ("Brønderslev", 810),
        ("Vesthimmerlands", 820),
        ("Vesthimmerland", 820),
        ("Copenhagen", 101),
        ("0101", 101),
        (147, 147),
        (" københavn ", 101),
    ],
)
def test_aliases_resolve(alias, code):
    assert reference.resolve_municipality(alias) == code


def test_unknown_municipality_is_refused_clearly():
    with pytest.raises(ReferenceDataError, match="411"):
        reference.municipality(411)
    with pytest.raises(ReferenceDataError, match="Atlantis"):
        reference.resolve_municipality("Atlantis")


def test_commuting_areas_cover_all_municipalities():
    areas = {a["commuting_area"] for a in reference.commuting_areas()}
    assert {m.commuting_area for m in reference.municipalities()} == areas
    assert 15 <= len(areas) <= 40


def test_scopes():
    assert reference.scope_areas("2018") == ("a_dagpenge", "sygedagpenge", "kontanthjaelp")
    assert reference.scope_areas("extended")[-1] == "foertidspension_fleksjob"
    s18, s19, ext = (reference.code_areas(s) for s in ("2018", "2019", "extended"))
    assert 765 not in s18 and s19[765] == "kontanthjaelp" and s19[781] == "kontanthjaelp"
    assert 810 not in s19 and ext[810] == "foertidspension_fleksjob" and ext[783] == "foertidspension_fleksjob"
    assert 651 not in ext and 621 not in ext  # SU, efterløn never in a scope
    with pytest.raises(ReferenceDataError, match="scope"):
        reference.scope_areas("2020")


def test_costs_are_dated():
    early, late = reference.costs(dt.date(2019, 6, 30)), reference.costs(dt.date(2023, 12, 31))
    assert set(early) == set(late) >= {"a_dagpenge", "sygedagpenge", "kontanthjaelp"}
    assert all(late[a] > early[a] for a in early)
    with pytest.raises(ReferenceDataError):
        reference.costs(dt.date(2010, 1, 1))


def test_boundaries_small_with_christiansoe_flagged():
    path = Path(reference.__file__).parent / "refdata" / "municipalities.geojson"
    assert path.stat().st_size < 1_000_000
    geo = reference.boundaries()
    codes = {f["properties"]["kommunekode"]: f["properties"]["is_municipality"] for f in geo["features"]}
    assert len(codes) == 99 and codes[411] is False
    assert {c for c, is_m in codes.items() if is_m} == {m.kommunekode for m in reference.municipalities()}


def test_iso_weeks():
    assert weeks_in_year(2020) == 53 and weeks_in_year(2022) == 52
    assert parse_iso_week("2020-W53") == dt.date(2020, 12, 28)
    assert format_iso_week(parse_iso_week("2023-W05")) == "2023-W05"
    for bad in ("2022-W53", "2023-W00", "2023-5", "2023W05", ""):
        with pytest.raises(ValueError):
            parse_iso_week(bad)


def test_periods_follow_the_ministry_labels():
    p = Period.parse("2023QMAT04")
    assert p.quarters == [(2023, 1), (2023, 2), (2023, 3), (2023, 4)]
    assert (p.first_week, p.last_week, p.n_weeks) == (dt.date(2023, 1, 2), dt.date(2023, 12, 25), 52)
    q = Period.parse("2023QMAT02")
    assert q.quarters[0] == (2022, 3) and q.quarters[-1] == (2023, 2)
    assert format_iso_week(q.first_week) == "2022-W27" and format_iso_week(q.last_week) == "2023-W26"
    r = Period.parse("2021QMAT01")  # any quarter end, incl. a 53-week year inside
    assert r.n_weeks in (52, 53)
    with pytest.raises(ReferenceDataError, match="ÅÅÅÅQMATkk"):
        Period.parse("2023H2")


def test_every_setting_is_documented():
    doc = (Path(__file__).parents[1] / "docs" / "settings.md").read_text("utf-8")
    for s in settings.SETTINGS.values():
        assert re.search(rf"`{s.name}`.*`{s.env}`", doc), s.name
        assert s.help


def test_settings_resolution(monkeypatch, tmp_path):
    monkeypatch.setenv("KOMMUNEBENCH_HOME", str(tmp_path))
    monkeypatch.delenv("KOMMUNEBENCH_DB", raising=False)
    assert settings.db_path() == tmp_path / "warehouse.duckdb"
    monkeypatch.setenv("KOMMUNEBENCH_DB", str(tmp_path / "x.duckdb"))
    assert settings.db_path() == tmp_path / "x.duckdb"
    assert settings.db_path(tmp_path / "y.duckdb") == tmp_path / "y.duckdb"
    monkeypatch.setenv("KOMMUNEBENCH_SEED", "abc")
    with pytest.raises(Exception, match="KOMMUNEBENCH_SEED"):
        settings.get("seed")
