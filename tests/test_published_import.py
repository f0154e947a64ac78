"""Importing the published jobindsats figures: every shape, every refusal, all 24 lists reproduced."""

from __future__ import annotations

import copy
import json

import duckdb
import numpy as np
import pandas as pd
import pytest

from kommunebench import pipeline
from kommunebench.benchmark.ranking import displayed_difference
from kommunebench.cli_common import error_text
from kommunebench.data import reference, warehouse
from kommunebench.errors import ValidationError
from kommunebench.publish.jobindsats import total_gap_note
from kommunebench.published import fingerprint, read_published
from published_shapes import EXTRACT, columns, records, write

GROUPS = {
    "Ydelsesgrupper i alt": "total",
    "A-dagpenge mv.": "a_dagpenge",
    "Sygedagpenge mv.": "sygedagpenge",
    "Kontanthjælp mv.": "kontanthjaelp",
}


def _published_table() -> pd.DataFrame:
    """The extract straight from the file (without the product's reader): the expected answers."""
    recs = records(EXTRACT)
    cols = columns(recs)
    return pd.DataFrame(
        {
            "kommunekode": [reference.resolve_municipality(r["Area"]) for r in recs],
            "period": [r["Periode"] for r in recs],
            "area": [GROUPS[r["Ydelsesgrupper"]] for r in recs],
            "expected_share": [float(r[cols[6]].replace(",", ".")) for r in recs],
            "diff_pp": [float(r[cols[8]].replace(",", ".")) for r in recs],
            "rank": [r[cols[9]] for r in recs],
        }
    )


@pytest.fixture(scope="module")
def imported(tmp_path_factory):
    db = tmp_path_factory.mktemp("pub") / "w.duckdb"
    report = pipeline.published.import_jobindsats([EXTRACT], db=db, actor="test")
    return db, report


def test_full_extract_reproduces_every_published_list(imported):
    db, report = imported
    truth = _published_table()
    assert len(report.stored) == truth["period"].nunique() == 6
    n_lists = n_unique = 0
    for record in report.stored:
        view = pipeline.publish_run(pipeline.open_run(record.run_id, db=db))
        for area, frame in view.lists.items():
            pub = truth[(truth["period"] == record.period) & (truth["area"] == area)].set_index("kommunekode")
            ours = frame.set_index("kommunekode").loc[pub.index]
            # totals taken as published, never recomputed
            assert np.allclose(ours["expected_share"], pub["expected_share"])
            diff = pub["diff_pp"].round(2)
            for value, members in pub.groupby(diff).groups.items():
                first = int((diff < value).sum()) + 1
                block = set(range(first, first + len(members)))
                assert set(ours.loc[members, "rank"]) == block  # the tie group fills its block
                if len(members) == 1:
                    n_unique += 1
                    assert int(ours.loc[members[0], "rank"]) == int(pub.loc[members[0], "rank"])
                else:
                    assert set(pub.loc[members, "rank"]) == block
            n_lists += 1
    assert n_lists == 24 and n_unique > 0


def test_check_report_and_history(imported):
    db, _ = imported
    rep = pipeline.published.check_published(db=db)
    truth = _published_table()
    assert len(rep.lists) == 24 and rep.all_reproduced
    in_ties = sum(int(f["diff_pp"].round(2).duplicated(keep=False).sum()) for _, f in truth.groupby(["period", "area"]))
    assert int(rep.lists["in_ties"].sum()) == in_ties
    beyond = rep.issues[rep.issues["kind"].str.contains("mere end afrunding")]
    herlev = reference.resolve_municipality("Herlev")
    assert (beyond["period"] == "2021QMAT04").all() and herlev in set(beyond["kommunekode"])
    hist = pipeline.published.published_history(db=db)
    h = hist[(hist["kommunekode"] == herlev) & (hist["area"] == "total")].reset_index(drop=True)
    assert list(h["period"]) == sorted(truth["period"].unique(), key=lambda p: (p[:4], p[-2:]))
    assert pd.isna(h["rank_change"].iloc[0])
    assert (h["rank_change"].iloc[1:].to_numpy() == (h["rank"].shift(1) - h["rank"]).iloc[1:].to_numpy()).all()


def test_published_run_in_every_view(imported, tmp_path):
    db, report = imported
    run = pipeline.open_run(report.stored[-1].run_id, db=db)
    assert run.record.is_published and run.record.params["source_files"] == [EXTRACT.name]
    view = pipeline.publish_run(run)
    assert view.threshold == 0 and not view.lists["total"]["suppressed"].any()
    assert {"total_vs_areas_pp", "result_target_failed"} <= set(view.lists["total"].columns)
    assert len(view.klynger) == 4 * 98 and len(view.similar) == 4 * 98 * 5
    paths = pipeline.export_run(run, tmp_path / "out")
    assert paths.excel.exists() and paths.html.exists() and len(list(paths.csv.glob("*.csv"))) >= 8
    note = total_gap_note(view.lists["total"])  # the HTML report says where the total differs
    n_gaps = int((view.lists["total"]["total_vs_areas_pp"] > 0).sum())
    assert note is not None and f"hos {n_gaps} kommuner" in note and note in paths.html.read_text("utf-8")
    con = duckdb.connect(str(db), read_only=True)
    try:
        actions = [r[0] for r in con.execute("SELECT action FROM audit_log").fetchall()]
    finally:
        con.close()
    assert actions.count("published.import") == 6


ALIASES = {"Aarhus": "Århus", "København": "Copenhagen", "Vesthimmerlands": "Vesthimmerland"}


@pytest.mark.parametrize("shape", ["v3", "v2", "jsonl", "csv", "xlsx"])
def test_every_shape_gives_the_same_figures(shape, tmp_path):
    recs = records()
    if shape == "csv":  # other spellings of the names, resolved through the alias table
        recs = [{**r, "Area": ALIASES.get(r["Area"], r["Area"])} for r in records()]
        assert sum(r["Area"] in ALIASES.values() for r in recs) == 3 * 4
    path = write(shape, tmp_path, recs)
    [(figures, _)] = read_published([path])
    [(reference_figures, _)] = read_published([write("jsonl", tmp_path / "ref", records())])
    assert figures.shape == shape
    assert figures.set_aside == (2 * 4 if shape in {"csv", "xlsx"} else 0)
    assert fingerprint(figures.frame) == fingerprint(reference_figures.frame)
    db = tmp_path / "w.duckdb"
    rep = pipeline.published.import_jobindsats([path], db=db)
    assert [r.period for r in rep.stored] == ["2022QMAT04"]
    again = pipeline.published.import_jobindsats([write("jsonl", tmp_path / "ref", recs)], db=db)
    assert again.skipped == (("2022QMAT04", rep.stored[0].run_id),) and not again.stored


def _mutate(recs: list[dict], rule: str) -> tuple[list[dict], str]:
    recs = copy.deepcopy(recs)
    cols = columns(recs)
    if rule == "unknown municipality":
        recs[5]["Area"] = "Atlantis"
        return recs, "ukendt kommunenavn"
    if rule == "unknown period":
        recs[5]["Periode"] = "2022QMAT05"
        return recs, "ukendt periodekode"
    if rule == "missing group":
        label = recs[6]["Ydelsesgrupper"]
        del recs[6]
        return recs, f"mangler ydelsesgruppen '{label}'"
    if rule == "forskel":
        recs[5][cols[8]] = "9,99"
        return recs, "forskel (pct.-point) er ikke"
    if rule == "duplicate":
        recs.append(recs[5])
        return recs, "optræder to gange"
    raise ValueError(rule)


REFUSALS = ["unknown municipality", "unknown period", "missing group", "forskel", "duplicate"]


@pytest.mark.parametrize("rule", REFUSALS)
def test_refusals_store_nothing(rule, tmp_path):
    db = tmp_path / "w.duckdb"
    con = warehouse.connect(db)
    con.close()
    recs, message = _mutate(records(), rule)
    good = write("jsonl", tmp_path / "good", records(EXTRACT, "2021QMAT04"), name="good")
    bad = write("csv", tmp_path, recs)
    with pytest.raises(ValidationError) as exc:
        pipeline.published.import_jobindsats([good, bad], db=db)
    err = exc.value
    assert message in err.rule and err.file == str(bad) and err.row is not None
    assert rule == "missing group" or err.column is not None
    line = error_text(err)  # as the CLI prints it: Danish words around the Danish rule
    assert line.startswith(str(bad)) and message in line and not any(w in line for w in ("row ", "found ", " more "))
    if isinstance(err.row, int):
        assert f"række {err.row}" in line
    else:  # a key, not a row: the municipality by name, and the period
        assert reference.municipality(int(str(err.row).split("(")[1].split(")")[0])).navn in line
    con = duckdb.connect(str(db), read_only=True)
    try:
        assert con.execute("SELECT COUNT(*) FROM runs").fetchone() == (0,)
        assert con.execute("SELECT COUNT(*) FROM audit_log").fetchone() == (0,)
    finally:
        con.close()


def test_decimal_convention_refusals(tmp_path):
    recs = records()
    cols = columns(recs)
    point = copy.deepcopy(recs)
    point[3][cols[6]] = point[3][cols[6]].replace(",", ".")  # 9.08 in a Danish (;) file
    with pytest.raises(ValidationError) as exc:
        read_published([write("csv", tmp_path / "a", point)])
    assert "decimalpunktum" in exc.value.rule and exc.value.column == "Forventet andel (pct.)"
    plain = tmp_path / "plain.csv"  # a ',' file is read with decimal point; '9,08' there is refused
    lines = ["Area,Periode,Ydelsesgrupper," + ",".join(c.split(": ")[-1] for c in cols[3:])]
    for i, r in enumerate(recs):
        vals = [str(r[c]) if isinstance(r[c], int) else r[c].replace(",", ".") for c in cols]
        if i == 4:
            vals[7] = f'"{r[cols[7]]}"'
        lines.append(",".join(vals))
    plain.write_text("\n".join(lines) + "\n", "utf-8")
    with pytest.raises(ValidationError) as exc:
        read_published([plain])
    assert "decimalkomma" in exc.value.rule and exc.value.row == 5 and exc.value.line == 6
    fixed = plain.read_text("utf-8").replace(f'"{recs[4][cols[7]]}"', recs[4][cols[7]].replace(",", "."))
    plain.write_text(fixed, "utf-8")
    [(figures, _)] = read_published([plain])
    assert figures.shape == "csv" and len(figures.frame) == len(recs)
    excel = tmp_path / "gemt_af_excel.csv"  # the download saved again by Danish Excel: Windows-1252
    excel.write_bytes(write("csv", tmp_path / "b", recs).read_text("utf-8-sig").encode("cp1252"))
    [(saved, _)] = read_published([excel])
    assert fingerprint(saved.frame) == fingerprint(read_published([write("jsonl", tmp_path / "c", recs)])[0][0].frame)


def test_wrong_key_body_and_unknown_json_are_refused(tmp_path):
    body = (EXTRACT.parent / "v2_error_invalid_key.json").read_text("utf-8")
    path = tmp_path / "svar.json"
    path.write_text(body, "utf-8")
    with pytest.raises(ValidationError, match="Forkert nøgle"):
        read_published([path])
    path.write_text(json.dumps({"data": []}), "utf-8")
    with pytest.raises(ValidationError, match="ukendt JSON-form"):
        read_published([path])
    with pytest.raises(ValidationError, match="^.*nope.csv: filen findes ikke$"):
        read_published([tmp_path / "nope.csv"])
    with pytest.raises(ValidationError, match="det er en mappe"):
        read_published([tmp_path])


def test_displayed_difference_matches_published():
    t = _published_table()
    recs = records(EXTRACT)
    act = np.array([float(r[columns(recs)[7]].replace(",", ".")) for r in recs])
    assert np.allclose(displayed_difference(t["expected_share"], act), t["diff_pp"])
