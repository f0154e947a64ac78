"""Drills 7 and 8 (issue 10): corrupt files and bad values are refused at load, with the right message.

Real Parquet and CSV files loaded into real warehouse files. A refused load leaves nothing behind.
"""

from __future__ import annotations

import hashlib
import random
import shutil

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from conftest import arrow_table, tiny_rows, write_csv, write_inputs
from kommunebench.data.load import load
from kommunebench.errors import ValidationError

FLIPS = 50


def _persons(db) -> list[tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        return con.execute("SELECT * FROM persons ORDER BY ALL").fetchall()
    finally:
        con.close()


def test_drill_7_single_bit_flips_never_load_altered_values(tmp_path) -> None:
    snap = write_inputs(tmp_path / "snap")
    pq.write_table(arrow_table("persons", tiny_rows()["persons"]), snap / "persons.parquet", write_page_checksum=True)
    good = tmp_path / "good.duckdb"
    load(good, snap)
    truth = _persons(good)
    original = (snap / "persons.parquet").read_bytes()
    rnd = random.Random(7)
    altered, refused, messages = [], 0, set()
    for i in range(FLIPS):
        data = bytearray(original)
        pos = rnd.randrange(4, len(data) - 8)
        data[pos] ^= 1 << rnd.randrange(8)
        (snap / "persons.parquet").write_bytes(bytes(data))
        db = tmp_path / f"w{i}.duckdb"
        try:
            load(db, snap)
        except ValidationError as exc:
            refused += 1
            messages.add(str(exc).split(":")[0])
            assert "dobbelt" not in str(exc).lower(), str(exc)
            continue
        if _persons(db) != truth:
            altered.append(pos)
    assert not altered, f"{len(altered)} of {FLIPS} flips loaded altered values (byte offsets {altered[:5]})"
    print(f"drill 7: {refused} of {FLIPS} flips refused, the rest changed nothing loaded")


def test_drill_7_manifest_refuses_a_changed_file(tmp_path) -> None:
    snap = write_inputs(tmp_path / "snap")
    sums = "".join(f"{hashlib.sha256(p.read_bytes()).hexdigest()}  {p.name}\n" for p in sorted(snap.glob("*.parquet")))
    (snap / "SHA256SUMS").write_text(sums)
    load(tmp_path / "ok.duckdb", snap)
    rows = tiny_rows()["persons"]
    rows[0] = {**rows[0], "age": rows[0]["age"] + 1}  # a plausible change no statistic shows
    pq.write_table(arrow_table("persons", rows), snap / "persons.parquet")
    with pytest.raises(ValidationError, match="SHA-256"):
        load(tmp_path / "bad.duckdb", snap)


def test_drill_7_duplicated_column_is_named_as_in_the_file(tmp_path) -> None:
    snap = write_inputs(tmp_path / "snap")
    t = arrow_table("persons", tiny_rows()["persons"])
    t = pa.Table.from_arrays([*t.columns, t.column("age")], names=[*t.column_names, "AGE"])
    pq.write_table(t, snap / "persons.parquet")
    with pytest.raises(ValidationError) as info:
        load(tmp_path / "w.duckdb", snap)
    assert "'AGE'" in str(info.value) and "AGE_1" not in str(info.value)
    assert "mere end én gang" in str(info.value)


def _refused(tmp_path, kind: str, rows: list[dict], *, match: str, **csv) -> ValidationError:
    snap = write_inputs(tmp_path / "snap")
    (snap / f"{kind}.parquet").unlink(missing_ok=True)
    write_csv(snap / f"{kind}.csv", rows, **csv)
    db = tmp_path / "w.duckdb"
    with pytest.raises(ValidationError, match=match) as info:
        load(db, snap)
    return info.value


def test_drill_8_danish_thousands_separator_is_refused(tmp_path) -> None:
    rows = tiny_rows()["labour_market"]
    text = [{**r, "job_postings_per_1000": "1.234"} if i == 3 else r for i, r in enumerate(rows)]
    err = _refused(tmp_path, "labour_market", text, match="decimalkomma", delimiter=";", decimal_comma=True)
    assert err.row == 4


def test_drill_8_every_number_has_finite_bounds(tmp_path) -> None:
    rows = tiny_rows()["labour_market"]
    rows[0] = {**rows[0], "job_postings_per_1000": 1e300}
    _refused(tmp_path, "labour_market", rows, match="uden for det tilladte område")


def test_drill_8_reference_overrides_name_known_areas(tmp_path) -> None:
    rows = [{"area": "kontanthjælp", "valid_from": "2018-01-01", "dkk_per_fuldtidsperson": 1.0, "basis": ""}]
    _refused(tmp_path, "costs", rows, match="ikke en tilladt værdi")
    shutil.rmtree(tmp_path / "snap")
    codes = [{"code": 111, "name_da": "x", "benefit_group": "y", "area_2018": "sygedagpenge_x"}]
    codes[0] |= {"area_2019": "", "area_extended": ""}
    _refused(tmp_path, "benefit_codes", codes, match="ikke en tilladt værdi")


def test_drill_8_benefit_weeks_outside_the_persons_years_are_refused(tmp_path) -> None:
    rows = tiny_rows()["benefit_weeks"]
    rows[5] = {**rows[5], "week": "1990-W10"}
    err = _refused(tmp_path, "benefit_weeks", rows, match="uden for personens år")
    assert err.row == 6
