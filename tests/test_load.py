"""The loader: refusals (with their messages, each atomic), idempotence, history, CSV dialects."""

from __future__ import annotations

import datetime as dt
import random

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import (
    WEEKS,
    arrow_table,
    table_contents,
    tiny_rows,
    write_csv,
    write_inputs,
    write_parquet,
)
from kommunebench.data import reference, warehouse
from kommunebench.data.load import LoadReport, find_sources, load
from kommunebench.data.schemas import KINDS
from kommunebench.errors import ValidationError

# ------------------------------------------------------------------------------ happy paths


def _counts(db) -> dict[str, int]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return {k.table: con.execute(f"SELECT count(*) FROM {k.table}").fetchone()[0] for k in KINDS.values()} | {
            "loads": con.execute("SELECT count(*) FROM loads").fetchone()[0]
        }
    finally:
        con.close()


def test_load_directory_stores_every_kind_and_records_the_load(tmp_path, inputs):
    (inputs / "truth_effects.parquet").write_bytes(b"not looked at")
    (inputs / "manifest.json").write_text("{}")
    db = tmp_path / "new" / "folder" / "wh.duckdb"
    calls = []
    report = load(db, inputs, snapshot_id="s1", progress=lambda m, f: calls.append((m, f)))
    rows = tiny_rows()
    assert isinstance(report, LoadReport) and not report.already_loaded
    assert report.snapshot_id == "s1"
    assert [k.kind for k in report.kinds] == ["persons", "labour_market", "benefit_weeks"]
    assert {k.kind: k.rows for k in report.kinds} == {k: len(v) for k, v in rows.items()}
    assert all(k.status == "loaded" and k.format == "parquet" for k in report.kinds)
    assert report["persons"].file == "persons.parquet"
    assert set(report.ignored) == {"truth_effects.parquet", "manifest.json"}
    fractions = [f for _, f in calls]
    assert fractions == sorted(fractions) and fractions[-1] == 1.0 and len(calls) >= 10

    con = warehouse.connect(db)
    try:
        loads = warehouse.current_loads(con)
        assert [d["kind"] for d in loads] == ["persons", "benefit_weeks", "labour_market"]
        assert {d["snapshot_id"] for d in loads} == {"s1"}
        assert {d["kind"]: d["n_rows"] for d in loads} == {k: len(v) for k, v in rows.items()}
        assert all(d["fingerprint"] == report[d["kind"]].fingerprint for d in loads)
        assert all(d["source_file"].endswith(f"{d['kind']}.parquet") for d in loads)
        weeks = con.execute("SELECT DISTINCT week FROM benefit_weeks ORDER BY 1").fetchall()
        assert weeks[0][0] == dt.date(2023, 1, 2) and all(w.weekday() == 0 for (w,) in weeks)
        assert len(weeks) == len(WEEKS)
        stored = con.execute("SELECT * FROM persons ORDER BY person_id").fetchall()
        first = rows["persons"][0]
        assert stored[0] == tuple(first[c] for c in KINDS["persons"].column_names)
    finally:
        con.close()


def test_same_content_as_csv_or_shuffled_is_unchanged(loaded_db, tmp_path):
    before = _counts(loaded_db)
    rows = tiny_rows()
    for name in rows:
        random.Random(1).shuffle(rows[name])
    csv_dir = write_inputs(tmp_path / "as_csv", "csv", rows)
    report = load(loaded_db, csv_dir)
    assert report.already_loaded and report.snapshot_id == "base"
    assert {k.status for k in report.kinds} == {"unchanged"}
    assert "already loaded" in report.summary()
    shuffled = write_inputs(tmp_path / "shuffled", "parquet", rows)
    assert load(loaded_db, shuffled).already_loaded
    assert _counts(loaded_db) == before


def test_fingerprint_ignores_format_order_and_decimal_comma(tmp_path):
    rows = tiny_rows()
    a = load(tmp_path / "a.duckdb", write_inputs(tmp_path / "pq"))
    shuffled = {k: random.Random(7).sample(v, len(v)) for k, v in rows.items()}
    folder = tmp_path / "danish"
    folder.mkdir()
    for kind, rs in shuffled.items():
        write_csv(folder / f"{kind}.csv", rs, delimiter=";", decimal_comma=True, bom=True)
    assert "," in (folder / "labour_market.csv").read_text(encoding="utf-8-sig").splitlines()[1]
    b = load(tmp_path / "b.duckdb", folder)
    assert [k.fingerprint for k in a.kinds] == [k.fingerprint for k in b.kinds]
    assert {k.format for k in b.kinds} == {"csv"}
    fps = []
    for name in ("a", "b"):
        con = warehouse.connect(tmp_path / f"{name}.duckdb")
        fps.append(warehouse.data_fingerprint(con))
        lm = con.execute("SELECT * FROM labour_market ORDER BY ALL").fetchall()
        con.close()
        fps.append(lm)
    assert fps[0] == fps[2] and fps[1] == fps[3]


def test_changed_kind_replaces_and_history_moves(loaded_db, tmp_path):
    rows = tiny_rows()
    rows["labour_market"][0]["unemployment_pct"] = 9.99
    report = load(loaded_db, write_inputs(tmp_path / "v2", rows=rows), snapshot_id="v2")
    assert {k.kind: k.status for k in report.kinds} == {
        "persons": "unchanged",
        "labour_market": "loaded",
        "benefit_weeks": "unchanged",
    }
    assert report.loaded == ("labour_market",) and report.snapshot_id == "v2"
    con = warehouse.connect(loaded_db)
    try:
        assert con.execute("SELECT count(*) FROM labour_market").fetchone()[0] == len(rows["labour_market"])
        assert con.execute("SELECT count(*) FROM labour_market WHERE unemployment_pct = 9.99").fetchone()[0] == 1
        hist = con.execute(
            "SELECT snapshot_id, is_current FROM loads WHERE kind = 'labour_market' ORDER BY loaded_at, snapshot_id"
        ).fetchall()
        assert sorted(hist) == [("base", False), ("v2", True)]
        cur = {d["kind"]: d["snapshot_id"] for d in warehouse.current_loads(con)}
        assert cur == {"persons": "base", "benefit_weeks": "base", "labour_market": "v2"}
    finally:
        con.close()


def test_replace_not_append_and_new_persons_with_their_weeks(loaded_db, tmp_path):
    rows = tiny_rows()
    rows["persons"] = [dict(p, person_id=p["person_id"] + 1000) for p in rows["persons"]]
    rows["benefit_weeks"] = [dict(b, person_id=b["person_id"] + 1000) for b in rows["benefit_weeks"]]
    del rows["labour_market"]
    load(loaded_db, write_inputs(tmp_path / "new", rows=rows))
    con = warehouse.connect(loaded_db)
    try:
        assert con.execute("SELECT min(person_id), count(*) FROM persons").fetchone() == (1001, 50)
        assert con.execute("SELECT min(person_id) FROM benefit_weeks").fetchone()[0] == 1001
    finally:
        con.close()


def test_columns_match_ignoring_case_and_order_and_open_connection(tmp_path):
    rows = tiny_rows()["persons"]
    cols = list(reversed(KINDS["persons"].column_names))
    path = tmp_path / "persons.csv"
    write_csv(path, rows, columns=cols)
    text = path.read_text().replace("kommunekode", " KommuneKode ", 1)
    path.write_text(text)
    con = warehouse.connect(tmp_path / "wh.duckdb")
    try:
        report = load(con, {"persons": path})
        assert report["persons"].rows == 50
        assert con.execute("SELECT count(*) FROM persons").fetchone()[0] == 50
    finally:
        con.close()


def test_reference_override_used_in_same_load(loaded_db, tmp_path):
    codes = [dict(r) for r in reference.benefit_codes()]
    codes.append(
        {
            "code": 999,
            "name_da": "Ny\nydelse",
            "benefit_group": "x",
            "area_2018": "",
            "area_2019": "kontanthjaelp",
            "area_extended": "kontanthjaelp",
        }
    )
    folder = tmp_path / "ov"
    folder.mkdir()
    write_csv(folder / "benefit_codes.csv", codes)
    bw = tiny_rows()["benefit_weeks"]
    bw[0]["code"] = 999
    write_parquet(folder / "benefit_weeks.parquet", "benefit_weeks", bw)
    report = load(loaded_db, folder)
    assert [k.kind for k in report.kinds] == ["benefit_codes", "benefit_weeks"]
    con = warehouse.connect(loaded_db)
    try:
        eff = warehouse.effective_benefit_codes(con)
        assert eff[-1] == codes[-1] and len(eff) == len(codes)
        assert eff[0] == reference.benefit_codes()[0]
    finally:
        con.close()


def test_csv_line_counts_quoted_newlines(tmp_path):
    codes = [dict(r) for r in reference.benefit_codes()]
    codes[0]["name_da"] = "two\nlines"
    codes[4]["code"] = "x5"
    path = write_csv(tmp_path / "benefit_codes.csv", codes)
    with pytest.raises(ValidationError) as err:
        load(tmp_path / "wh.duckdb", {"benefit_codes": path})
    assert err.value.row == 5 and err.value.line == 7
    assert "række 5 (linje 7)" in str(err.value)


# ------------------------------------------------------------------------------ refusals


def _csv(kind, change=None, **kw):
    """A builder: the tiny set's ``kind`` as CSV after ``change(rows)``, loaded alone."""

    def build(folder):
        rows = tiny_rows()[kind]
        if change:
            rows = change(rows) or rows
        return {kind: write_csv(folder / f"{kind}.csv", rows, **kw)}

    return build


def _set(i, **values):
    def change(rows):
        rows[i].update(values)

    return change


def _each(n, **values):
    def change(rows):
        for r in rows[:n]:
            r.update(values)

    return change


def _text(kind, text, name=None, mode="w"):
    def build(folder):
        path = folder / (name or f"{kind}.csv")
        if mode == "wb":
            path.write_bytes(text)
        else:
            path.write_text(text, encoding="utf-8")
        return {kind: path}

    return build


def _float_person_ids(folder):
    t = arrow_table("benefit_weeks", tiny_rows()["benefit_weeks"])
    ids = t.column("person_id").to_pylist()
    ids[6] = 1.5
    t = t.set_column(0, "person_id", pa.array(ids, type=pa.float64()))
    pq.write_table(t, folder / "benefit_weeks.parquet")
    return {"benefit_weeks": folder / "benefit_weeks.parquet"}


def _empty_parquet(folder):
    pq.write_table(arrow_table("persons", []), folder / "persons.parquet")
    return {"persons": folder / "persons.parquet"}


def _latin1(folder):
    rows = tiny_rows()["persons"]
    path = write_csv(folder / "persons.csv", rows)
    lines = path.read_bytes().split(b"\n")
    lines[3] += "ø".encode("latin-1")  # line 4 = data row 3
    path.write_bytes(b"\n".join(lines))
    return {"persons": path}


def _persons_without(*ids):
    def build(folder):
        rows = [p for p in tiny_rows()["persons"] if p["person_id"] not in ids]
        return {"persons": write_csv(folder / "persons.csv", rows)}

    return build


def _persons_and_weeks_without_person_3(folder):
    rows = tiny_rows()
    persons = [p for p in rows["persons"] if p["person_id"] != 3]
    return {
        "persons": write_csv(folder / "persons.csv", persons),
        "benefit_weeks": write_csv(folder / "benefit_weeks.csv", rows["benefit_weeks"]),
    }


def _codes_without_used(folder):
    used = {b["code"] for b in tiny_rows()["benefit_weeks"]}
    codes = [r for r in reference.benefit_codes() if r["code"] != min(used)]
    return {"benefit_codes": write_csv(folder / "benefit_codes.csv", codes)}


def _map(change):
    def build(folder):
        rows = [{"kommunekode": m.kommunekode, "commuting_area": m.commuting_area} for m in reference.municipalities()]
        return {"commuting_area_map": write_csv(folder / "commuting_area_map.csv", change(rows) or rows)}

    return build


def _costs_bad_date(folder):
    rows = [{"area": "a_dagpenge", "valid_from": "2023-13-01", "dkk_per_fuldtidsperson": 1.0, "basis": ""}]
    return {"costs": write_csv(folder / "costs.csv", rows)}


def _dir_with(*names):
    def build(folder):
        for n in names:
            (folder / n).write_text("x")
        return folder

    return build


def _dup_week(same_code):
    def change(rows):
        extra = dict(rows[4])
        if not same_code:
            extra["code"] = 651 if extra["code"] != 651 else 621
        rows.insert(9, extra)

    return change


PERSONS_HEADER = ",".join(KINDS["persons"].column_names)
CASES = {
    # id: (builder, words in the message, expected row, expected column)
    "missing_column": (
        _csv("persons", columns=[c for c in KINDS["persons"].column_names if c != "age"]),
        ["persons.csv", "mangler kolonne", "'age'"],
        None,
        "age",
    ),
    "extra_column": (
        _csv("persons", _set(0, shoe_size=44), columns=[*KINDS["persons"].column_names, "shoe_size"]),
        ["persons.csv", "uventede kolonne", "shoe_size"],
        None,
        "shoe_size",
    ),
    "duplicate_column": (
        _text("persons", f"{PERSONS_HEADER},age\n"),
        ["persons.csv", "mere end én gang", "age"],
        None,
        "age",
    ),
    "person_id_not_integer": (
        _csv("persons", _set(2, person_id="12x")),
        ["persons.csv", "række 3 (linje 4)", "person_id", "helt tal", "12x"],
        3,
        "person_id",
    ),
    "person_id_decimal_text": (
        _csv("persons", _set(4, person_id="5.5")),
        ["række 5", "helt tal", "5.5"],
        5,
        "person_id",
    ),
    "person_id_float_parquet": (
        _float_person_ids,
        ["benefit_weeks.parquet", "række 7", "person_id", "helt tal"],
        7,
        "person_id",
    ),
    "age_not_numeric": (
        _csv("persons", _set(1, age="abc")),
        ["persons.csv", "række 2", "'age'", "helt tal", "abc"],
        2,
        "age",
    ),
    "kommunekode_unknown": (
        _csv("persons", _set(9, kommunekode=999)),
        ["række 10", "kommunekode", "ukendt kommunekode", "98"],
        10,
        "kommunekode",
    ),
    "age_out_of_range": (_csv("persons", _set(0, age=130)), ["række 1", "'age'", "mellem 0 og 120", "130"], 1, "age"),
    "sex_not_allowed": (
        _csv("persons", _set(3, sex="X")),
        ["række 4", "'sex'", "ikke en tilladt værdi", "M, K"],
        4,
        "sex",
    ),
    "origin_not_allowed": (_csv("persons", _set(3, origin="martian")), ["'origin'", "tilladt", "martian"], 4, "origin"),
    "prior_weeks_above_max": (
        _csv("persons", _set(6, prior_benefit_weeks=200)),
        ["prior_benefit_weeks", "mellem 0 og 157"],
        7,
        "prior_benefit_weeks",
    ),
    "null_required": (_csv("persons", _set(5, sex=None)), ["række 6 (linje 7)", "'sex'", "manglende værdi"], 6, "sex"),
    "more_rows_counted": (
        _csv("persons", _each(4, age=-1)),
        ["række 1", "'age'", "yderligere 3 række(r) bryder samme regel"],
        1,
        "age",
    ),
    "week_53_missing": (
        _csv("benefit_weeks", _set(3, week="2022-W53")),
        ["benefit_weeks.csv", "række 4", "'week'", "ISO-uge", "2022-W53", "52 ISO-uger"],
        4,
        "week",
    ),
    "week_zero": (_csv("benefit_weeks", _set(0, week="2023-W00")), ["række 1", "'week'", "2023-W00"], 1, "week"),
    "week_malformed": (
        _csv("benefit_weeks", _set(2, week="2023-5")),
        ["række 3", "'week'", "YYYY-Www", "2023-5"],
        3,
        "week",
    ),
    "week_duplicate_same_code": (
        _csv("benefit_weeks", _dup_week(True)),
        ["benefit_weeks.csv", "række 10", "dobbelt række", "person_id", "week", "også i række 5"],
        10,
        None,
    ),
    "week_two_codes": (
        _csv("benefit_weeks", _dup_week(False)),
        ["benefit_weeks.csv", "række 10", "to forskellige ydelseskoder", "samme person og uge", "første i række 5"],
        10,
        "code",
    ),
    "benefit_code_unknown": (
        _csv("benefit_weeks", _set(8, code=999)),
        ["række 9", "'code'", "ukendt ydelseskode", "999"],
        9,
        "code",
    ),
    "person_not_in_persons": (
        _csv("benefit_weeks", _set(11, person_id=777)),
        ["benefit_weeks.csv", "række 12", "person_id", "personen findes ikke i persons", "777"],
        12,
        "person_id",
    ),
    "person_missing_in_same_load": (
        _persons_and_weeks_without_person_3,
        ["benefit_weeks.csv", "personen findes ikke i persons", "3"],
        None,
        "person_id",
    ),
    "persons_replacement_orphans_weeks": (
        _persons_without(2, 5),
        ["persons.csv", "gemte benefit_weeks", "2 person(er)"],
        None,
        "person_id",
    ),
    "duplicate_person_key": (
        _csv("persons", lambda rs: rs.insert(7, dict(rs[2]))),
        ["persons.csv", "række 8", "dobbelt nøgle", "person_id, year", "person_id=3, year=2023", "også i række 3"],
        8,
        None,
    ),
    "duplicate_labour_market_key": (
        _csv("labour_market", lambda rs: rs.append(dict(rs[0]))),
        ["labour_market.csv", "dobbelt nøgle", "commuting_area", "quarter"],
        None,
        None,
    ),
    "labour_market_negative": (
        _csv("labour_market", _set(2, unemployment_pct=-0.5)),
        ["række 3", "unemployment_pct", "mellem 0 og 100", "-0.5"],
        3,
        "unemployment_pct",
    ),
    "labour_market_not_numeric": (
        _csv("labour_market", _set(4, job_postings_per_1000="n/a")),
        ["række 5", "job_postings_per_1000", "ikke et tal", "n/a"],
        5,
        "job_postings_per_1000",
    ),
    "labour_market_nan": (
        _csv("labour_market", _set(4, distance_large_city_km="nan")),
        ["række 5", "distance_large_city_km", "ikke et tal"],
        5,
        "distance_large_city_km",
    ),
    "decimal_comma_needs_semicolon": (
        _csv("labour_market", _set(1, unemployment_pct="3,5")),
        ["række 2", "ikke et tal", "decimalkomma", "';'"],
        2,
        "unemployment_pct",
    ),
    "commuting_area_unknown": (
        _csv("labour_market", _set(6, commuting_area=99)),
        ["række 7", "commuting_area", "ukendt pendlingsområde", "99"],
        7,
        "commuting_area",
    ),
    "quarter_malformed": (
        _csv("labour_market", _set(0, quarter="2023-Q1")),
        ["række 1", "'quarter'", "YYYYQn", "2023-Q1"],
        1,
        "quarter",
    ),
    "empty_file": (_text("persons", ""), ["persons.csv", "tom (0 byte)"], None, None),
    "header_only": (
        _text("persons", PERSONS_HEADER + "\n"),
        ["persons.csv", "overskrift men ingen datarækker"],
        None,
        None,
    ),
    "empty_parquet": (_empty_parquet, ["persons.parquet", "ingen rækker"], None, None),
    "not_parquet": (
        _text("persons", "garbage", name="persons.parquet"),
        ["persons.parquet", "ikke en læsbar Parquet-fil"],
        None,
        None,
    ),
    "not_utf8": (_latin1, ["persons.csv", "ikke UTF-8", "linje 4", "byte-position", "0xf8"], None, None),
    "ragged_row": (
        _text("persons", PERSONS_HEADER + "\n1,2023,101,30,M,danish,basic,single,0,0\n2,2023,101,30,M\n"),
        ["persons.csv", "række 2 (linje 3)", "5 felt(er)", "overskriften har 10"],
        2,
        None,
    ),
    "unknown_extension": (
        _text("persons", "x", name="persons.xlsx"),
        ["persons.xlsx", "ukendt filendelse", ".xlsx"],
        None,
        None,
    ),
    "unknown_extension_in_dir": (_dir_with("persons.txt"), ["persons.txt", "filendelse"], None, None),
    "no_recognised_files": (
        _dir_with("notes.txt", "manifest.json"),
        ["ingen datafiler fundet", "<datatype>.parquet"],
        None,
        None,
    ),
    "two_files_one_kind": (_dir_with("persons.csv", "persons.parquet"), ["to filer for persons"], None, None),
    "unknown_kind": (lambda folder: {"people": folder / "people.csv"}, ["ukendt datatype", "people"], None, None),
    "codes_replacement_orphans_weeks": (
        _codes_without_used,
        ["benefit_codes.csv", "gemte benefit_weeks", "code"],
        None,
        "code",
    ),
    "map_incomplete": (
        _map(lambda rows: rows[:-2]),
        ["commuting_area_map.csv", "alle 98 kommuner", "2 mangler"],
        None,
        "kommunekode",
    ),
    "map_unknown_municipality": (
        _map(lambda rows: rows.append({"kommunekode": 411, "commuting_area": 1})),
        ["commuting_area_map.csv", "række 99", "ukendt kommunekode", "411"],
        99,
        "kommunekode",
    ),
    "costs_bad_date": (_costs_bad_date, ["costs.csv", "række 1", "valid_from", "YYYY-MM-DD"], 1, "valid_from"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_refusal_names_file_row_column_and_rule_and_changes_nothing(case, loaded_db, tmp_path):
    build, words, row, column = CASES[case]
    folder = tmp_path / "bad"
    folder.mkdir()
    sources = build(folder)
    before = table_contents(loaded_db)
    with pytest.raises(ValidationError) as err:
        load(loaded_db, sources)
    message = str(err.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    if row is not None:
        assert err.value.row == row, message
    if column is not None:
        assert err.value.column == column, message
    assert table_contents(loaded_db) == before


def test_reused_snapshot_id_is_refused_atomically(loaded_db, tmp_path):
    rows = tiny_rows()
    rows["labour_market"][3]["share_public_pct"] = 12.5
    before = table_contents(loaded_db)
    with pytest.raises(ValidationError, match="snapshot-id 'base' er allerede brugt"):
        load(loaded_db, write_inputs(tmp_path / "x", rows=rows), snapshot_id="base")
    assert table_contents(loaded_db) == before


def test_audit_runs_in_the_loads_transaction(loaded_db, tmp_path):
    rows = tiny_rows()
    rows["labour_market"][3]["share_public_pct"] = 12.5
    before = table_contents(loaded_db)
    folder = write_inputs(tmp_path / "x", rows=rows)

    def broken(con, snapshot, kinds):
        con.execute("INSERT INTO audit_log (recorded_at, actor, action) VALUES (now(), 'x', 'load')")
        raise RuntimeError("no audit trail")

    with pytest.raises(RuntimeError, match="no audit trail"):
        load(loaded_db, folder, snapshot_id="s2", audit=broken)
    assert table_contents(loaded_db) == before
    calls = []
    report = load(
        loaded_db, folder, snapshot_id="s2", audit=lambda con, snapshot, kinds: calls.append((snapshot, kinds))
    )
    assert calls == [("s2", {"labour_market": report["labour_market"].fingerprint})]
    load(loaded_db, folder, audit=lambda *a: calls.append(a))  # already loaded: nothing written, no audit
    assert len(calls) == 1


def test_find_sources_mapping_and_single_file(tmp_path, inputs):
    files, ignored = find_sources({"persons": inputs / "persons.parquet"})
    assert files == {"persons": inputs / "persons.parquet"} and ignored == []
    files, _ = find_sources(inputs / "labour_market.parquet")
    assert list(files) == ["labour_market"]
    with pytest.raises(ValidationError, match="findes ikke"):
        find_sources(tmp_path / "nowhere")


def test_utf8_check_streams_across_chunk_boundaries(tmp_path):
    from kommunebench.data.validate import check_utf8

    path = tmp_path / "persons.csv"
    prefix = (b"a\n" * 2**19)[:-1]  # 1 MiB - 1 byte: 'ø' straddles the first chunk boundary
    path.write_bytes(prefix + "ø".encode() + b"\nok\nbad \xe6 byte\n")
    with pytest.raises(ValidationError) as err:
        check_utf8(path)
    assert f"byte-position {2**20 + 9}" in str(err.value) and "0xe6" in str(err.value)
    assert err.value.line == 2**19 + 2
    path.write_bytes(prefix + "ø".encode() + b"\n")
    check_utf8(path)  # valid: no error
