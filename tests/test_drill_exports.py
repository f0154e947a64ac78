"""Drill 9 (issue 10): export profiles, and an export that is complete or says it is not.

A real run (synthetic Denmark at scale 0.01) exported with both profiles into real files.
"""

from __future__ import annotations

import csv
import io
import json

import openpyxl
import pytest

from kb_server import shared_site
from kommunebench import pipeline, report
from kommunebench.publish import TOTAL
from kommunebench.report.exports import CONFIDENTIAL


def _rows(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text), delimiter=";"))


@pytest.fixture(scope="module")
def run(tmp_path_factory, request):
    """A stored run of the session's shared site (scale 0.01) and a folder for its exports."""
    db = shared_site(tmp_path_factory, request).db
    rec = next(r for r in pipeline.list_runs(db=db) if r.period == "2023QMAT04")
    return pipeline.open_run(rec.run_id, db=db), tmp_path_factory.mktemp("exports")


def test_drill_9_public_export_is_exactly_the_webs_figures(run) -> None:
    stored, root = run
    paths = pipeline.export_run(stored, root / "public", threshold=5)
    view = pipeline.publish_run(stored, threshold=5)
    assert any(view.mask.values())
    samlet = _rows(next(paths.csv.glob("*_samlet.csv")).read_text(encoding="utf-8-sig"))
    web = _rows(report.list_csv_bytes(view, TOTAL).decode("utf-8-sig"))  # the web's download of the list
    common = set(web[0]) & set(samlet[0])
    assert len(common) >= 10 and not any("(uafrundet)" in c for c in samlet[0])
    by_code = {r["Kommunekode"]: r for r in samlet}
    *municipalities, country = web  # the web download ends with the never-ranked "Hele landet" row
    assert country["Kommunekode"] == "" and country["Placering"] == "" and "Hele landet" in country.values()
    assert len(municipalities) == len(samlet) == 98
    for r in municipalities:
        assert {c: r[c] for c in common} == {c: by_code[r["Kommunekode"]][c] for c in common}
    national = _rows(next(paths.csv.glob("*hele_landet.csv")).read_text(encoding="utf-8-sig"))
    assert national, "the export's Hele landet file has the country's rows"
    assert CONFIDENTIAL not in paths.html.read_text(encoding="utf-8")
    done = json.loads((paths.folder / "eksport.json").read_text())
    assert done["profile"] == "public" and len(done["files"]) == 11  # + hele_landet.csv (issue 12)
    assert not (paths.folder / "UFULDSTAENDIG.txt").exists()


def test_drill_9_internal_export_is_full_and_marked_everywhere(run) -> None:
    stored, root = run
    paths = pipeline.export_run(stored, root / "internal", profile="internal")
    for f in paths.csv.glob("*.csv"):
        assert f.read_text(encoding="utf-8-sig").startswith(f"# {CONFIDENTIAL}"), f.name
        assert "(uafrundet)" in f.read_text(encoding="utf-8-sig")
    wb = openpyxl.load_workbook(paths.excel)
    for ws in wb.worksheets:
        assert ws.oddHeader.center.text == CONFIDENTIAL and ws.oddFooter.center.text == CONFIDENTIAL, ws.title
    assert paths.html.read_text(encoding="utf-8").count(CONFIDENTIAL) >= 3  # title, top, bottom
    text = next(paths.csv.glob("*_samlet.csv")).read_text(encoding="utf-8-sig")
    rows = _rows(text.split("\n", 1)[1])
    hidden = [c for c in rows[0] if c.lower().startswith("undertrykt")]
    assert hidden and all(r[hidden[0]].lower() == "nej" for r in rows)  # nothing suppressed internally


def test_drill_9_an_interrupted_export_is_marked_incomplete(run) -> None:
    stored, root = run
    folder = root / "broken"
    rec = stored.record
    (folder / f"rapport_{rec.run_id}_{rec.period}.html").mkdir(parents=True)  # the last file cannot be written
    with pytest.raises(Exception):  # noqa: B017 - whatever the file system says
        pipeline.export_run(stored, folder)
    assert (folder / "UFULDSTAENDIG.txt").exists()
    assert not (folder / "eksport.json").exists()
