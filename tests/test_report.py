"""Exports of the benchmark lists: CSV, Excel (read back with openpyxl), the static HTML report."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import openpyxl
import pandas as pd
import pytest

from kommunebench.benchmark import BenchmarkLists, build_lists
from kommunebench.data import reference
from kommunebench.errors import ConfigError
from kommunebench.report import write_csv, write_excel, write_html_report

FIXTURE = Path(__file__).parent / "fixtures" / "Y30R21_2022QMAT04.jsonl"
AREAS = {"A-dagpenge mv.": "a_dagpenge", "Sygedagpenge mv.": "sygedagpenge", "Kontanthjælp mv.": "kontanthjaelp"}
LIST_SHEETS = ["Samlet liste", "A-dagpenge mv.", "Sygedagpenge mv.", "Kontanthjælp mv."]
META = {"run_id": "run-2022QMAT04-0001", "scope": "2019", "data_fingerprint": "sha256:abc123", "model": "ols v1"}


def _municipal() -> pd.DataFrame:
    """The real published 2022QMAT04 shares as a model-stage frame (see test_benchmark)."""
    recs = [json.loads(line) for line in FIXTURE.read_text(encoding="utf-8").splitlines()]
    rows, pop = [], {}
    for r in recs:
        k = list(r)
        code = reference.resolve_municipality(r["Area"])
        exp_s, act_s, diff_s = (float(str(r[k[i]]).replace(",", ".")) for i in (6, 7, 8))
        if r["Ydelsesgrupper"] == "Ydelsesgrupper i alt":
            pop[code] = r[k[4]] / act_s * 100.0
        else:
            rows.append((code, AREAS[r["Ydelsesgrupper"]], exp_s, diff_s))
    df = pd.DataFrame(rows, columns=["kommunekode", "area", "exp_s", "diff_s"])
    df["population"] = df["kommunekode"].map(pop)
    df["expected"] = df["exp_s"] * df["population"] / 100
    df["actual"] = (df["exp_s"] + df["diff_s"]) * df["population"] / 100
    return df[["kommunekode", "area", "population", "actual", "expected"]]


@pytest.fixture(scope="module")
def bl() -> BenchmarkLists:
    return build_lists(_municipal(), period="2022QMAT04")


@pytest.fixture(scope="module")
def bl_extended() -> BenchmarkLists:
    m = _municipal()
    extra = m[m["area"] == "kontanthjaelp"].assign(area="foertidspension_fleksjob")
    return build_lists(pd.concat([m, extra], ignore_index=True), period="2022QMAT04")


# --- CSV -----------------------------------------------------------------------------------------


def test_csv_danish_excel_dialect(bl, tmp_path):
    paths = write_csv(bl, tmp_path / "csv")
    names = [p.name for p in paths]
    assert names == [
        f"2022QMAT04_{s}.csv"
        for s in (
            "samlet",
            "a_dagpenge",
            "sygedagpenge",
            "kontanthjaelp",
            "lignende_kommuner",
            "klynger",
            "besparelsespotentiale",
            "skaerpet_tilsyn",
            "hele_landet",  # the never-ranked national row of every list (issue 12)
        )
    ]
    raw = paths[0].read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")  # UTF-8 BOM for Excel
    header = raw[3:].decode("utf-8").splitlines()[0]
    assert header.startswith("Placering;Kommunekode;Kommune;Region;")
    assert "Forskel (pct.-point) (uafrundet)" in header
    df = pd.read_csv(paths[0], sep=";", decimal=",", encoding="utf-8-sig")
    assert len(df) == 98
    assert df["Placering"].tolist() == list(range(1, 99))
    # full precision survives the round trip; display columns are rounded as published
    np.testing.assert_array_equal(df["Forskel (pct.-point) (uafrundet)"], bl.overall["diff_pp"])
    assert (df["Forventet antal"] % 10 == 0).all()
    assert re.search(r";\d+,\d\d;", raw.decode("utf-8"))  # 2-decimal share with decimal comma
    for p in paths[1:4]:
        assert len(pd.read_csv(p, sep=";", decimal=",", encoding="utf-8-sig")) == 98


def test_csv_plain_dialect_and_errors(bl, tmp_path):
    paths = write_csv(bl, tmp_path, dialect="plain")
    raw = paths[0].read_bytes()
    assert not raw.startswith(b"\xef\xbb\xbf")
    df = pd.read_csv(paths[0])
    np.testing.assert_array_equal(df["Faktisk andel (pct.) (uafrundet)"], bl.overall["actual_share"])
    with pytest.raises(ConfigError):
        write_csv(bl, tmp_path, dialect="excel")
    with pytest.raises(ConfigError):
        write_csv("not lists", tmp_path)


# --- Excel ---------------------------------------------------------------------------------------


def test_excel_read_back(bl, tmp_path):
    path = write_excel(bl, tmp_path / "benchmark.xlsx", run_meta=META)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames == [
        *LIST_SHEETS,
        "Lignende kommuner",
        "Klynger",
        "Besparelsespotentiale",
        "Skærpet tilsyn",
        "Hele landet",  # the never-ranked national row of every list (issue 12)
        "Om kørslen",
    ]
    assert all(len(n) <= 31 for n in wb.sheetnames)
    for name in LIST_SHEETS:
        ws = wb[name]
        headers = [c.value for c in ws[1]]
        assert headers[:3] == ["Placering", "Kommunekode", "Kommune"]
        for h in (
            "Forventet antal",
            "Faktisk antal",
            "Forskel (antal)",
            "Forventet andel (pct.)",
            "Faktisk andel (pct.)",
            "Forskel (pct.-point)",
        ):
            assert h in headers
        assert ws.max_row == 99  # header + 98 municipalities
        assert ws.freeze_panes == "A2"
        assert ws.auto_filter.ref == f"A1:{openpyxl.utils.get_column_letter(ws.max_column)}99"
        col = {h: i + 1 for i, h in enumerate(headers)}
        row2 = {h: ws.cell(row=2, column=col[h]) for h in headers}
        assert row2["Forventet antal"].number_format == "#,##0"
        assert row2["Forventet andel (pct.)"].number_format == "0.00"
        assert row2["Forskel (pct.-point)"].number_format == "0.00"
        assert row2["Besparelsespotentiale (mio. kr.)"].number_format == "#,##0.0"
        assert row2["Placering"].value == 1
        assert ws.column_dimensions["C"].width >= 10
        ranks = [ws.cell(row=r, column=col["Placering"]).value for r in range(2, 100)]
        assert ranks == list(range(1, 99))
    ws = wb["Samlet liste"]
    first = bl.overall.iloc[0]
    assert ws["C2"].value == first["navn"]
    assert wb["Besparelsespotentiale"].max_row == 99
    assert wb["Lignende kommuner"].max_row == 1 + 4 * 98 * 5
    meta = {r[0]: r[1] for r in wb["Om kørslen"].iter_rows(min_row=2, values_only=True)}
    assert meta["Kørsels-id"] == META["run_id"]
    assert meta["Periode"] == "2022QMAT04"
    assert meta["Scope"] == "2019"
    assert meta["Data-fingeraftryk"] == "sha256:abc123"
    assert meta["Pakkeversion (kommunebench)"]
    assert meta["Oprettet"][:2] == "20"
    assert meta["Kilde"] == reference.ATTRIBUTION
    assert meta["Model"] == "ols v1"


def test_excel_extended_scope_and_path(bl_extended, tmp_path):
    path = write_excel(bl_extended, tmp_path / "sub" / "ext")
    assert path.suffix == ".xlsx" and path.exists()
    wb = openpyxl.load_workbook(path)
    assert "Førtidspension og fleksjob" in wb.sheetnames
    meta = {r[0]: r[1] for r in wb["Om kørslen"].iter_rows(min_row=2, values_only=True)}
    assert "Førtidspension" in meta["Vist separat (indgår ikke i totalen)"]
    assert meta["Ydelsesgrupper i alt"] == "A-dagpenge mv. + Sygedagpenge mv. + Kontanthjælp mv."
    with pytest.raises(ConfigError):
        write_excel(bl_extended, tmp_path / "x.xlsx", run_meta=["not", "a", "mapping"])


# --- HTML ----------------------------------------------------------------------------------------


def _figure(text: str) -> dict:
    m = re.search(r'<script type="application/json" id="kb-map-figure">(.*?)</script>', text, re.S)
    assert m, "embedded figure JSON not found"
    return json.loads(m.group(1))


@pytest.fixture(scope="module")
def html_report(bl, tmp_path_factory) -> Path:
    return write_html_report(bl, tmp_path_factory.mktemp("html") / "rapport.html", run_meta=META)


def test_html_map(html_report, bl):
    text = html_report.read_text(encoding="utf-8")
    fig = _figure(text)
    muni, grey = fig["data"][:2]  # then the capital-area inset and the Bornholm box (test_charts.py)
    assert muni["type"] == "choropleth" and muni["featureidkey"] == "properties.kommunekode"
    assert len(muni["locations"]) == 98
    assert set(muni["locations"]) == {m.kommunekode for m in reference.municipalities()}
    assert len(muni["geojson"]["features"]) == 98
    z = dict(zip(muni["locations"], muni["z"], strict=True))
    o = bl.overall.set_index("kommunekode")["diff_pp"]
    assert all(z[c] == pytest.approx(o[c]) for c in o.index)
    assert muni["zmid"] == 0 and muni["zmin"] == -muni["zmax"]
    assert grey["locations"] == [411] and grey["showscale"] is False
    geo = fig["layout"]["geo"]
    assert geo["visible"] is False
    # the view covers all of Denmark (Skagen ~10.6E 57.7N, Gedser ~11.9E 54.6N, Amager ~12.7E); Bornholm
    # is moved into a box inside it (test_charts.py)
    lon, lat = geo["lonaxis"]["range"], geo["lataxis"]["range"]
    assert lon[0] < 8.1 and lon[1] > 12.7 and lat[0] < 54.56 and lat[1] > 57.75
    # the page pre-registers the (empty) base-map topojson plotly.js would otherwise fetch
    name = f"{geo['scope']}_{geo['resolution']}m"
    assert f'window.PlotlyGeoAssets.topojson["{name}"]' in text
    # hover in Danish with decimal comma
    gladsaxe = muni["customdata"][muni["locations"].index(159)]
    assert gladsaxe[0] == "Gladsaxe" and gladsaxe[1] == 1 and "," in gladsaxe[4]
    labels = [b["label"] for b in fig["layout"]["updatemenus"][0]["buttons"]]
    assert labels == ["Ydelsesgrupper i alt", *AREAS]


def test_html_is_self_contained(html_report):
    text = html_report.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src\s*=", text, re.I)
    assert not re.search(r"<link[^>]+href\s*=\s*[\"']https?://", text, re.I)
    assert not re.search(r"src\s*=\s*[\"']https?://[^\"']*cdn", text, re.I)
    assert "window.Plotly = Plotly" in text  # plotly.js inline
    assert '<html lang="da">' in text


def test_html_tables_and_meta(html_report, bl):
    text = html_report.read_text(encoding="utf-8")
    sections = {
        s: text.index(f'<section id="{s}">')
        for s in ("kort", "top-bund", "samlet", "ydelsesgrupper", "skaerpet-tilsyn", "om-koerslen")
    }
    overall = text[sections["samlet"] : sections["ydelsesgrupper"]]
    assert overall.count("<tr><td") == 98
    assert "Forskel (pct.-point)" in overall and "Placering" in overall
    areas = text[sections["ydelsesgrupper"] : sections["skaerpet-tilsyn"]]
    for label in AREAS:
        assert label in areas
    assert areas.count("<tr><td") == 3 * 98
    topbund = text[sections["top-bund"] : sections["samlet"]]
    assert "Top 10" in topbund and "Bund 10" in topbund and topbund.count("<tr><td") == 20
    best = bl.top(1)["navn"].iat[0]
    assert best in topbund
    tilsyn = text[sections["skaerpet-tilsyn"] : sections["om-koerslen"]]
    assert tilsyn.count("<tr><td") == len(bl.skaerpet_tilsyn.failed)
    assert META["run_id"] in text and META["data_fingerprint"] in text
    assert "Kilde: jobindsats.dk, STAR" in text
    assert "København" in text and "7,17" in text  # Danish decimal comma


def test_html_size_and_path(bl, tmp_path):
    path = write_html_report(bl, tmp_path / "r")
    assert path.suffix == ".html"
    size = path.stat().st_size
    assert 4_000_000 < size < 9_000_000  # plotly.js (~4.8 MB) + borders (~0.5 MB) + tables
    with pytest.raises(ConfigError):
        write_html_report(bl, tmp_path / "y.html", n_top=-1)


CHROMIUM = shutil.which("chromium") or ("/usr/bin/chromium" if Path("/usr/bin/chromium").exists() else None)


@pytest.mark.browser
@pytest.mark.skipif(CHROMIUM is None, reason="Chromium is not installed")
def test_html_renders_offline_in_chromium(html_report, tmp_path):
    """Headless Chromium with all host names unresolvable: the map still draws 99 shapes."""
    cmd = [
        CHROMIUM,
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--host-resolver-rules=MAP * ~NOTFOUND",
        "--virtual-time-budget=15000",
        "--window-size=1280,900",
        "--dump-dom",
        html_report.as_uri(),
    ]
    dom = subprocess.run(cmd, capture_output=True, text=True, timeout=120, env={"HOME": str(tmp_path)}).stdout
    assert dom.count('class="choroplethlocation"') >= 99
    shot = tmp_path / "map.png"
    subprocess.run(
        [*cmd[:-2], f"--screenshot={shot}", html_report.as_uri()],
        timeout=120,
        capture_output=True,
        env={"HOME": str(tmp_path)},
    )
    assert shot.exists() and shot.stat().st_size > 10_000
