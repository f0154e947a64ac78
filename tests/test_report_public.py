"""The report stage renders the public view: a small cell is suppressed the same way everywhere.

Built from the real published 2022QMAT04 shares (as in test_report), with the smallest
municipality scaled down so that exactly one of its areas counts fewer than 5 actual
fuldtidspersoner: that area and its total must be empty and marked "Undertrykt" in the CSV files,
the Excel workbook, the list downloads, the static HTML report and the dashboard's templates, and
the municipality must be grey (never coloured) on the map.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import numpy as np
import openpyxl
import pandas as pd
import pytest
from fastapi import FastAPI, Request
from fastapi.testclient import TestClient

from kommunebench import publish, report, web
from kommunebench.alerts.joblog import STATUS_COLUMNS, JoblogStatus
from kommunebench.benchmark import build_lists
from kommunebench.data import reference
from kommunebench.errors import ConfigError, NotFoundError

FIXTURE = Path(__file__).parent / "fixtures" / "Y30R21_2022QMAT04.jsonl"
AREAS = {"A-dagpenge mv.": "a_dagpenge", "Sygedagpenge mv.": "sygedagpenge", "Kontanthjælp mv.": "kontanthjaelp"}
META = {"run_id": "run-2022QMAT04-0007", "scope": "2019", "data_fingerprint": "sha256:feed", "model": "ols v1"}
THRESHOLD = 5
EMPTY_IN_LIST = (
    "Placering",
    "Faktisk antal",
    "Forskel (antal)",
    "Faktisk andel (pct.)",
    "Forskel (pct.-point)",
    "Besparelsespotentiale (mio. kr.)",
)


def _municipal() -> pd.DataFrame:
    """The published shares as a model-stage frame (population from the total's actual count)."""
    rows, pop = [], {}
    for line in FIXTURE.read_text(encoding="utf-8").splitlines():
        r = json.loads(line)
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
def case() -> SimpleNamespace:
    """The lists with one small cell: the smallest municipality scaled so its smallest area has 4.5 persons."""
    m = _municipal()
    code = int(m.loc[m["population"].idxmin(), "kommunekode"])
    own = m["kommunekode"] == code
    m.loc[own, ["population", "actual", "expected"]] *= 4.5 / m.loc[own, "actual"].min()
    small = m[own & (m["actual"] < THRESHOLD)]
    assert len(small) == 1, "the scaling should make exactly one area small"
    area = str(small["area"].iat[0])
    other = next(a for a in AREAS.values() if a != area)
    lists = build_lists(m, period="2022QMAT04")
    view = publish.public_view(lists, threshold=THRESHOLD, run_meta=META)
    assert view.mask[area] == {code} and view.mask["total"] == {code} and not view.mask[other]
    navn = reference.municipality(code).navn
    return SimpleNamespace(lists=lists, view=view, code=code, navn=navn, area=area, other=other)


def _csv_rows(data: bytes | str, sep: str = ";") -> list[dict[str, str]]:
    text = data.decode("utf-8-sig") if isinstance(data, bytes) else data
    return list(csv.DictReader(io.StringIO(text), delimiter=sep))


def _row(rows: list[dict[str, Any]], code: int, key: str = "Kommunekode") -> dict[str, Any]:
    return next(r for r in rows if str(r[key]) == str(code))


# --- CSV ------------------------------------------------------------------------------------------


def test_csv_leaves_the_small_cell_and_its_total_empty(case, tmp_path):
    paths = {p.name.split("_", 1)[1][:-4]: p for p in report.write_csv(case.lists, tmp_path)}  # the setting: 5
    for name in ("samlet", case.area):
        rows = _csv_rows(paths[name].read_bytes())
        assert len(rows) == 98
        row = _row(rows, case.code)
        assert rows[-1] is row  # suppressed rows come last
        for h in EMPTY_IN_LIST:
            assert row[h] == "", (name, h)
            if h != "Placering":
                assert row[f"{h} (uafrundet)"] == "", (name, h)
        assert row["Undertrykt"] == "Ja" and row["Forventet antal"] != ""
        assert all(r["Undertrykt"] == "Nej" and r["Placering"] for r in rows[:-1])
    fine = _row(_csv_rows(paths[case.other].read_bytes()), case.code)
    assert fine["Undertrykt"] == "Nej" and fine["Placering"] and fine["Faktisk antal"]
    pot = _row(_csv_rows(paths["besparelsespotentiale"].read_bytes()), case.code)
    label, other_label = publish.AREA_LABELS[case.area], publish.AREA_LABELS[case.other]
    assert pot["Besparelsespotentiale (mio. kr.)"] == "" and pot[f"Besparelsespotentiale {label} (mio. kr.)"] == ""
    assert pot[f"Besparelsespotentiale {other_label} (mio. kr.)"] != ""
    tilsyn = _row(_csv_rows(paths["skaerpet_tilsyn"].read_bytes()), case.code)
    assert tilsyn["Placering"] == "" and tilsyn["Resultatmål ikke opfyldt"] == "" and tilsyn["Undertrykt"] == "Ja"
    for p in paths.values():
        assert not re.search(r"(^|[;\r\n])(nan|NaN|<NA>|None)([;\r\n]|$)", p.read_text("utf-8-sig")), p.name


def test_a_threshold_of_zero_publishes_everything(case, tmp_path):
    view = publish.public_view(case.lists, threshold=0)
    rows = _csv_rows(report.write_csv(view, tmp_path)[0].read_bytes())
    assert all(r["Undertrykt"] == "Nej" and r["Placering"] for r in rows)
    with pytest.raises(ConfigError):
        report.write_excel(view, tmp_path / "x.xlsx", run_meta={"run_id": "x"})  # a view carries its own meta


# --- Excel ----------------------------------------------------------------------------------------


def _sheet_rows(ws) -> tuple[list[str], list[tuple]]:
    rows = list(ws.iter_rows(values_only=True))
    return [str(h) for h in rows[0]], rows[1:]


def test_excel_leaves_the_small_cell_empty_with_formats_and_widths(case, tmp_path):
    wb = openpyxl.load_workbook(report.write_excel(case.view, tmp_path / "b.xlsx"))
    for sheet in ("Samlet liste", publish.SHEET_NAMES[case.area]):
        ws = wb[sheet]
        headers, rows = _sheet_rows(ws)
        col = {h: i for i, h in enumerate(headers)}
        own = [i for i, r in enumerate(rows) if r[col["Kommunekode"]] == case.code]
        assert own == [len(rows) - 1]
        row = rows[own[0]]
        for h in EMPTY_IN_LIST:
            assert row[col[h]] is None, (sheet, h)
        assert row[col["Undertrykt"]] == "Ja" and row[col["Forventet antal"]] is not None
        cell = ws.cell(row=own[0] + 2, column=col["Faktisk antal"] + 1)
        assert cell.value is None and cell.number_format == "#,##0"
        assert ws.cell(row=own[0] + 2, column=col["Placering"] + 1).number_format == "0"
        for j in range(1, ws.max_column + 1):
            assert 8 <= ws.column_dimensions[openpyxl.utils.get_column_letter(j)].width <= 45
        assert not any(isinstance(v, str) and v.lower() in {"nan", "<na>", "none"} for r in rows for v in r)
    meta = dict(wb["Om kørslen"].iter_rows(min_row=2, values_only=True))
    assert meta["Kørsels-id"] == META["run_id"]
    assert case.view.suppression_note in meta.values()


# --- list downloads -------------------------------------------------------------------------------


def _assert_national(row: dict[str, str], national: dict[str, Any]) -> None:
    """A download's "Hele landet" row: never ranked, no code, shares as published or empty when withheld."""
    assert row["Kommune"] == "Hele landet" and row["Placering"] == row["Kommunekode"] == ""
    assert row["Befolkning 16-66 år"] == str(national["population"])
    for col, key in (("Forventet andel (pct.)", "expected_share"), ("Forskel (pct.-point)", "diff_pp")):
        shown = "" if national[key] is None else f"{national[key]:g}".replace(".", ",")
        assert row[col] == shown, (col, row[col], national)
    assert row["Undertrykt"] == ("Ja" if national["withheld"] else "Nej")


def test_list_downloads_filter_and_suppress(case):
    rows = _csv_rows(report.list_csv_bytes(case.view, case.area))
    assert list(rows[0])[:3] == ["Placering", "Kommunekode", "Kommune"] and "Undertrykt" in rows[0]
    assert "(uafrundet)" not in ";".join(rows[0]) and len(rows) == 99
    assert not case.view.national[case.area]["withheld"]  # a real-size Denmark: the national row is shown
    _assert_national(rows[-1], case.view.national[case.area])
    row = _row(rows, case.code)
    assert row["Faktisk antal"] == "" and row["Placering"] == "" and row["Undertrykt"] == "Ja"
    region = reference.municipality(case.code).regionskode
    plain = report.list_csv_bytes(case.view, case.area, region=region, dialect="plain").decode("utf-8")
    assert plain.splitlines()[0].startswith("Placering,Kommunekode")
    in_region = _csv_rows(plain, sep=",")[:-1]  # "Hele landet" last, filters or not
    assert len(in_region) == sum(m.regionskode == region for m in reference.municipalities())
    assert str(case.code) in {r["Kommunekode"] for r in in_region}
    frame = case.view.frame(case.area)
    klynge = int(frame.loc[frame["kommunekode"] == case.code, "klynge"].iat[0])
    in_klynge = _csv_rows(report.list_csv_bytes(case.view, case.area, klynge=klynge))
    assert in_klynge.pop()["Kommune"] == "Hele landet"
    assert len(in_klynge) == int((frame["klynge"] == klynge).sum()) and {r["Klynge"] for r in in_klynge} == {
        str(klynge)
    }
    wb = openpyxl.load_workbook(io.BytesIO(report.list_xlsx_bytes(case.view, "total", region=region)))
    assert wb.sheetnames == ["Ydelsesgrupper i alt", "Om kørslen"]
    headers, xrows = _sheet_rows(wb["Ydelsesgrupper i alt"])
    assert headers[:3] == ["Placering", "Kommunekode", "Kommune"] and len(xrows) == len(in_region) + 1
    national = dict(zip(headers, xrows[-1], strict=True))
    assert national["Kommune"] == "Hele landet" and national["Placering"] is None and national["Kommunekode"] is None
    assert national["Forventet andel (pct.)"] == case.view.national["total"]["expected_share"]
    own = next(r for r in xrows if r[1] == case.code)
    assert own[headers.index("Faktisk antal")] is None and own[headers.index("Undertrykt")] == "Ja"
    meta = dict(wb["Om kørslen"].iter_rows(min_row=2, values_only=True))
    assert meta["Kørsel"] == META["run_id"] and meta["Undertrykkelse"] == case.view.suppression_note
    assert meta["Filter: region"] == reference.municipality(case.code).regionsnavn and meta["Filter: klynge"] == "alle"
    assert report.list_download_name(case.view, case.area, "csv") == f"benchmark_2022QMAT04_{case.area}.csv"
    with pytest.raises(NotFoundError):
        report.list_csv_bytes(case.view, case.area, region=9999)
    with pytest.raises(NotFoundError):
        report.list_xlsx_bytes(case.view, case.area, klynge=99)
    with pytest.raises(NotFoundError):
        report.list_csv_bytes(case.view, "no_such_list")


# --- the static HTML report and the map -----------------------------------------------------------


def _figure(text: str) -> dict:
    m = re.search(r'<script type="application/json" id="kb-map-figure">(.*?)</script>', text, re.S)
    assert m, "embedded figure JSON not found"
    return json.loads(m.group(1))


def _table(section: str) -> tuple[list[str], list[list[str]]]:
    table = section[section.index("<table") : section.index("</table>")]
    heads = re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", table)
    rows = [re.findall(r"<td[^>]*>(.*?)</td>", tr) for tr in re.findall(r"<tr>(<td.*?)</tr>", table, re.S)]
    return heads, rows


@pytest.fixture(scope="module")
def html(case, tmp_path_factory) -> str:
    path = report.write_html_report(case.lists, tmp_path_factory.mktemp("h") / "r.html", run_meta=META)
    return path.read_text(encoding="utf-8")


def test_html_tables_show_dashes_and_undertrykt(case, html):
    cut = {
        s: html.index(f'<section id="{s}">')
        for s in ("kort", "top-bund", "samlet", "ydelsesgrupper", "skaerpet-tilsyn", "om-koerslen")
    }
    sections = {
        "samlet": html[cut["samlet"] : cut["ydelsesgrupper"]],
        case.area: html[html.index(f'<details id="liste-{case.area}">') : cut["skaerpet-tilsyn"]],
        case.other: html[html.index(f'<details id="liste-{case.other}">') : cut["skaerpet-tilsyn"]],
    }
    for name in ("samlet", case.area):
        heads, rows = _table(sections[name])
        assert len(rows) == 98
        own = [r for r in rows if r[heads.index("Kommune")].startswith(case.navn + " ")]
        assert len(own) == 1 and own[0] is rows[-1]
        cells = dict(zip(heads, own[0], strict=True))
        assert "Undertrykt" in cells["Kommune"]
        for h in EMPTY_IN_LIST:
            assert cells[h] == "–", (name, h)
        assert cells["Forventet antal"] != "–"
        assert sum("Undertrykt" in r[heads.index("Kommune")] for r in rows) == 1
    heads, rows = _table(sections[case.other])
    fine = next(r for r in rows if r[heads.index("Kommune")].startswith(case.navn))
    assert fine[heads.index("Placering")].isdigit() and "Undertrykt" not in fine[heads.index("Kommune")]
    assert case.navn not in html[cut["top-bund"] : cut["samlet"]]
    tilsyn = html[cut["skaerpet-tilsyn"] : cut["om-koerslen"]]
    failed = case.view.tilsyn["result_target_failed"].map(lambda v: v is not None and bool(v))
    assert case.navn not in tilsyn and tilsyn.count("<tr><td") == int(failed.sum())
    assert case.view.suppression_note in html[cut["om-koerslen"] :]


def _locations_by_name(fig: dict) -> dict[str, list[int]]:
    """The main map's choropleths by name (not the capital-area inset's copies; see test_charts.py)."""
    return {
        t["name"]: [int(c) for c in t["locations"]]
        for t in fig["data"]
        if t["type"] == "choropleth" and t.get("geo", "geo") == "geo"
    }


def test_the_map_greys_the_suppressed_municipality(case, html):
    fig = _figure(html)
    shown, hidden = fig["data"][0], next(t for t in fig["data"] if t["name"] == "Undertrykt")
    assert case.code not in shown["locations"] and hidden["locations"] == [case.code]
    assert len(shown["locations"]) + len(hidden["locations"]) == 98
    assert f"færre end {THRESHOLD} personer" in hidden["hovertemplate"] and hidden["showscale"] is False
    assert hidden["customdata"] == [[case.navn]] and set(hidden["colorscale"][0][1:]) == {hidden["colorscale"][1][1]}
    public_total = case.view.frame("total").set_index("kommunekode")["diff_pp"]
    z = dict(zip(shown["locations"], shown["z"], strict=True))
    assert all(z[c] == pytest.approx(public_total[c]) for c in z)
    menu = {b["label"]: b["args"] for b in fig["layout"]["updatemenus"][0]["buttons"]}
    index = fig["data"].index(hidden)
    for area, suppressed in ((case.area, True), (case.other, False)):
        args, targets = menu[publish.AREA_LABELS[area]]
        assert targets[:2] == [0, index]  # then the capital-area inset's copies
        assert (case.code in args["locations"][1]) is suppressed and (
            case.code in args["locations"][0]
        ) is not suppressed
    dashboard = json.loads(report.map_figure_json(case.view))
    assert "title" not in dashboard["layout"] or not dashboard["layout"]["title"].get("text")
    assert _locations_by_name(dashboard)["Undertrykt"] == [case.code]


def test_every_output_suppresses_the_same_municipalities(case, html, tmp_path):
    """CSV, Excel, downloads, HTML and map: the same suppressed set as the public view's mask."""
    expected = set(case.view.mask["total"])
    csv_set = {
        int(r["Kommunekode"])
        for r in _csv_rows(report.write_csv(case.view, tmp_path)[0].read_bytes())
        if r["Undertrykt"] == "Ja"
    }
    headers, rows = _sheet_rows(openpyxl.load_workbook(report.write_excel(case.view, tmp_path / "x"))["Samlet liste"])
    xlsx_set = {r[headers.index("Kommunekode")] for r in rows if r[headers.index("Undertrykt")] == "Ja"}
    download = {
        int(r["Kommunekode"])
        for r in _csv_rows(report.list_csv_bytes(case.view, "total"))
        if r["Undertrykt"] == "Ja" and r["Kommunekode"]
    }
    names = {m.navn: m.kommunekode for m in reference.municipalities()}
    heads, hrows = _table(html[html.index('<section id="samlet">') :])
    html_set = {names[r[heads.index("Kommune")].split(" <span")[0]] for r in hrows if "Undertrykt" in r[1]}
    map_set = set(_locations_by_name(_figure(html))["Undertrykt"])
    assert expected == csv_set == xlsx_set == download == html_set == map_set == {case.code}


# --- the shared environment and the dashboard's templates -----------------------------------------


def test_one_environment_for_report_and_dashboard():
    env = report.environment()
    assert env is report.environment() and web.templates().env is env
    assert env.get_template("report.html") and env.get_template("kort.html")
    num, signed = env.filters["num"], env.filters["signed"]
    assert num(None) == "–" and num(float("nan"), "share") == "–" and num(pd.NA, "count") == "–"
    assert num(1234.5, "mio") == "1.234,5" and num(7.171, "share") == "7,17" and num(12, "rank") == "12"
    assert signed(0.5) == "+0,50" and signed(-1.25) == "-1,25" and signed(None) == "–"
    assert env.filters["sign"](None) == "supp" and env.filters["sign"](-0.1) == "neg"
    assert env.filters["sortkey"](None) == "" and env.filters["sortkey"](np.float64(1.5)) == "1.5"
    assert "\\u003c/script" in str(env.filters["json_script"]({"a": "</script>"}))
    assert env.globals["nav"] == web.NAV and env.globals["version"]


def _page_data(view: publish.PublicRun, code: int) -> dict[str, Any]:
    run = {
        "run_id": "R0007",
        "period": view.period,
        "period_text": publish.period_text(view.period),
        "scope": "2019",
        "n_klynger": view.n_klynger,
    }
    return {"run": run, "runs": [], "suppression": {"threshold": view.threshold, "note": view.suppression_note}}


def test_dashboard_templates_show_dash_and_undertrykt_for_suppressed_rows(case):
    env, view, code = report.environment(), case.view, case.code
    base = {"principal": None, "api_url": None, "section": None, "path": "/"}
    rows = view.rows(case.area)
    lister = env.get_template("lister.html").render(
        **base,
        data={
            **_page_data(view, code),
            "area": case.area,
            "area_label": publish.AREA_LABELS[case.area],
            "areas": [],
            "in_total": True,
            "region": None,
            "klynge": None,
            "regions": [],
            "klynger": [],
            "n_total": len(rows),
            "rows": rows,
            "downloads": {"csv": "#", "xlsx": "#"},
        },
    )
    own = re.search(rf'<tr data-kommunekode="{code}".*?</tr>', lister, re.S)
    assert own and "Undertrykt" in own.group(0) and own.group(0).count(">–<") >= len(EMPTY_IN_LIST)
    assert "None" not in lister and lister.count("data-kommunekode=") == 98
    blocks = [
        {
            "area": name,
            "area_label": publish.AREA_LABELS[name],
            "in_total": True,
            "row": view.row(name, code),
            "similar": publish.similar_rows(view, code, name),
            "klynge": publish.klynge_block(view, code, name),
        }
        for name in view.lists
    ]
    muni = reference.municipality(code)
    kommune = env.get_template("kommune.html").render(
        **base,
        history_json={},
        data={
            **_page_data(view, code),
            "municipality": {
                "kommunekode": code,
                "navn": muni.navn,
                "regionsnavn": muni.regionsnavn,
                "formelt_navn": muni.formelt_navn,
            },
            "areas": blocks,
            "potential": publish.potential_block(view, code),
            "skaerpet_tilsyn": publish.tilsyn_block(view, code),
            "history": [],
            "joblog": [],
            "joblog_note": "",
        },
    )
    assert "None" not in kommune and "Undertrykt" in kommune and "Resultatmål opfyldt" not in kommune
    points = [
        {
            "kommunekode": r["kommunekode"],
            "navn": r["navn"],
            "rank": r["rank"],
            "diff_pp": r["diff_pp"],
            "suppressed": r["suppressed"],
            "url": "#",
        }
        for r in view.rows("total")
    ]
    kort = env.get_template("kort.html").render(
        **base,
        figure_json=report.map_figure_json(view),
        data={**_page_data(view, code), "facts": view.facts, "municipalities": points},
    )
    assert "None" not in kort and case.navn not in kort.split('id="kb-map-figure"')[1].split("</script>", 1)[1]


def test_web_serves_the_one_sort_script_and_renders_with_the_principal(tmp_path):
    app = FastAPI()
    seen: list[str] = []

    def principal_of(request: Request) -> object | None:
        seen.append(request.url.path)
        return None

    web.install(app, principal_of=principal_of)

    @app.get("/boom")
    def boom(request: Request):
        return app.state.render_error(request, {"status": 404, "code": "not_found", "message": "Findes ikke her"}, {})

    client = TestClient(app)
    js = client.get("/assets/sortable.js")
    assert js.status_code == 200 and js.content == report.asset_path("sortable.js").read_bytes()
    assert "table.sortable" not in (web.STATIC_DIR / "app.js").read_text("utf-8")
    page = client.get("/boom")
    assert page.status_code == 404 and "Findes ikke her" in page.text and seen == ["/boom"]
    assert '<script src="/assets/sortable.js' in page.text


# --- joblog exports -------------------------------------------------------------------------------


def _status() -> JoblogStatus:
    month = dt.date(2023, 7, 1)
    rows = []
    for code, (tg, g, lg, r) in {101: (200, 100, 60, 40), 147: (50, 30, 17, 3), 825: (4, 2, 1, 1)}.items():
        rows.append(
            {
                "kommunekode": code,
                "navn": reference.municipality(code).navn,
                "month": pd.Timestamp(month),
                "target_group": tg,
                "green": g,
                "light_green": lg,
                "red": r,
                "green_share": 100 * g / tg,
                "light_green_share": 100 * lg / tg,
                "red_share": 100 * r / tg,
                "eligible": r >= 20,
                "c2_run": 0,
                "criterion_1": False,
                "criterion_2": False,
                "c3_month": pd.Timestamp(2023, 4, 1),
                "c3_cohort": 30.0,
                "c3_still_in_group": 20.0,
                "c3_still_red": 3.0 if code == 101 else 10.0,
                "c3_share": 10.0 if code == 101 else 33.3,
                "criterion_3": code == 147,
                "criteria": "",
                "flagged": code == 147,
                "review_list": tg <= 40,
            }
        )
    frame = pd.DataFrame(rows)[list(STATUS_COLUMNS)]
    return JoblogStatus(dt.date(2023, 10, 1), month, frame, {"target_group": 254, "red_share": 17.3, "flagged": 1})


def test_joblog_exports_are_published_with_the_small_cell_rule(tmp_path):
    status = _status()
    paths = report.export_status(status, tmp_path, threshold=THRESHOLD)
    rows = _csv_rows(paths["csv"].read_bytes())
    assert [r["Kommunekode"] for r in rows][0] == "147"  # flagged first
    small_red = _row(rows, 147)
    assert small_red["Rød (antal)"] == "" and small_red["Rød (pct.)"] == ""
    assert small_red["Lysegrøn (antal)"] == "" and small_red["Grøn (antal)"] == "30"  # secondary suppression
    assert small_red["Undertrykt"] == "ja"
    tiny = _row(rows, 825)
    assert tiny["Målgruppe (antal)"] == "" and tiny["Grøn (pct.)"] == "" and tiny["Undertrykt"] == "ja"
    big = _row(rows, 101)
    assert big["Rød (antal)"] == "40" and big["Rød (pct.)"] == "20,0" and big["Kriterium 3: andel (pct.)"] == ""
    assert big["Kriterium 3: fortsat ingen jobsøgning"] == "" and big["Undertrykt"] == "ja"
    wb = openpyxl.load_workbook(paths["excel"])
    headers, xrows = _sheet_rows(wb.worksheets[0])
    xsmall = next(r for r in xrows if r[0] == 147)
    assert xsmall[headers.index("Rød (antal)")] is None and xsmall[headers.index("Grøn (antal)")] == 30
    assert wb.worksheets[0].freeze_panes == "C2"
    about = dict(wb["Om opgørelsen"].iter_rows(min_row=2, values_only=True))
    # national 254 − the published target groups (250) would give Læsø's suppressed 4 back: withheld
    assert f"under {THRESHOLD} personer" in about["Undertrykkelse"] and not about["Rød andel på landsplan (pct.)"]
    everything = _csv_rows(report.write_status_csv(status, tmp_path / "all.csv", threshold=0).read_bytes())
    assert _row(everything, 147)["Rød (antal)"] == "3" and all(r["Undertrykt"] == "nej" for r in everything)
    assert set(report.STATUS_HEADERS.values()) <= set(everything[0])
