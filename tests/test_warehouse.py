"""The warehouse file: creation, schema versions and migrations, refusals, effective references."""

from __future__ import annotations

import datetime as dt
import subprocess
import sys
import textwrap

import duckdb
import pytest

from conftest import tiny_rows, write_csv, write_inputs
from kommunebench.data import reference, warehouse
from kommunebench.data.load import load
from kommunebench.data.schemas import KINDS
from kommunebench.errors import WarehouseError


def _tables(con) -> dict[str, dict[str, str]]:
    rows = con.execute(
        "SELECT table_name, column_name, data_type FROM duckdb_columns() WHERE NOT internal AND schema_name = 'main'"
    ).fetchall()
    out: dict[str, dict[str, str]] = {}
    for t, c, typ in rows:
        out.setdefault(t, {})[c] = typ
    return out


def test_connect_creates_folder_and_schema(tmp_path):
    db = tmp_path / "a" / "b" / "wh.duckdb"
    con = warehouse.connect(db)
    try:
        assert db.is_file()
        assert warehouse.schema_version(con) == warehouse.SCHEMA_VERSION == len(warehouse.MIGRATIONS)
        tables = _tables(con)
        for kind in KINDS.values():
            assert tables[kind.table] == {c.name: c.sql_type for c in kind.columns}
        assert tables["benefit_weeks"]["week"] == "DATE"
        assert set(tables["loads"]) == {
            "snapshot_id",
            "kind",
            "source_file",
            "file_format",
            "fingerprint",
            "n_rows",
            "loaded_at",
            "seconds",
            "is_current",
            "actor",
        }
        assert tables["loads"]["loaded_at"] == "TIMESTAMP"
        assert tables["meta"] == {"key": "VARCHAR", "value": "VARCHAR"}
        assert warehouse.current_loads(con) == []
    finally:
        con.close()
    # reopening does not migrate again, read-only works
    con = warehouse.connect(db, read_only=True)
    assert warehouse.schema_version(con) == warehouse.SCHEMA_VERSION
    con.close()


def test_threads_and_memory_limit_are_applied(tmp_path, monkeypatch):
    con = warehouse.connect(tmp_path / "x.duckdb", threads=1, memory_limit="512MB")
    try:
        threads, mem = con.execute("SELECT current_setting('threads'), current_setting('memory_limit')").fetchone()
        assert threads == 1 and mem == "488.2 MiB"  # 512 MB shown in MiB
    finally:
        con.close()
    monkeypatch.setenv("KOMMUNEBENCH_THREADS", "1")
    con = warehouse.connect(tmp_path / "y.duckdb")
    try:
        assert con.execute("SELECT current_setting('threads')").fetchone()[0] == 1
    finally:
        con.close()


def test_empty_duckdb_file_and_zero_byte_file_are_upgraded(tmp_path):
    v0 = tmp_path / "v0.duckdb"
    duckdb.connect(str(v0)).close()  # a DuckDB database without kommunebench tables
    zero = tmp_path / "zero.duckdb"
    zero.write_bytes(b"")
    for path in (v0, zero):
        con = warehouse.connect(path)
        assert warehouse.schema_version(con) == warehouse.SCHEMA_VERSION
        assert "persons" in _tables(con)
        con.close()


def test_migration_path_applies_new_migrations_in_order(tmp_path, monkeypatch):
    db = tmp_path / "wh.duckdb"
    load(db, write_inputs(tmp_path / "snap"), snapshot_id="s1")
    # A later version adds a table: adding a migration is one line.
    monkeypatch.setattr(
        warehouse,
        "MIGRATIONS",
        [
            *warehouse.MIGRATIONS,
            "CREATE TABLE future_things (thing_id VARCHAR PRIMARY KEY, started TIMESTAMP)",
            lambda con: con.execute("INSERT INTO future_things VALUES ('r0', NULL)"),
        ],
    )
    monkeypatch.setattr(warehouse, "SCHEMA_VERSION", len(warehouse.MIGRATIONS))
    con = warehouse.connect(db)
    try:
        assert warehouse.schema_version(con) == len(warehouse.MIGRATIONS)
        assert con.execute("SELECT thing_id FROM future_things").fetchall() == [("r0",)]
        assert con.execute("SELECT count(*) FROM persons").fetchone()[0] == 50  # data kept
    finally:
        con.close()


def test_failed_migration_rolls_back(tmp_path, monkeypatch):
    db = tmp_path / "wh.duckdb"
    warehouse.connect(db).close()
    monkeypatch.setattr(
        warehouse, "MIGRATIONS", [*warehouse.MIGRATIONS, "CREATE TABLE future_things (x INTEGER)", "THIS IS NOT SQL"]
    )
    monkeypatch.setattr(warehouse, "SCHEMA_VERSION", len(warehouse.MIGRATIONS))
    current = len(warehouse.MIGRATIONS) - 2
    with pytest.raises(WarehouseError, match=f"cannot upgrade .* from schema version {current} to {current + 2}"):
        warehouse.connect(db)
    monkeypatch.undo()
    con = warehouse.connect(db)
    try:
        assert warehouse.schema_version(con) == warehouse.SCHEMA_VERSION
        assert "future_things" not in _tables(con)
    finally:
        con.close()


def test_foreign_duckdb_file_is_refused(tmp_path):
    db = tmp_path / "other.duckdb"
    con = duckdb.connect(str(db))
    con.execute("CREATE TABLE persons (name VARCHAR)")
    con.close()
    with pytest.raises(WarehouseError, match="is this a kommunebench warehouse"):
        warehouse.connect(db)


def test_newer_schema_version_is_refused(tmp_path):
    db = tmp_path / "future.duckdb"
    con = warehouse.connect(db)
    con.execute("UPDATE meta SET value = '999' WHERE key = 'schema_version'")
    con.close()
    with pytest.raises(WarehouseError, match=rf"schema version 999, newer than .* \({warehouse.SCHEMA_VERSION}\)"):
        warehouse.connect(db)
    with pytest.raises(WarehouseError, match="schema version 999"):
        warehouse.connect(db, read_only=True)


def test_read_only_does_not_migrate(tmp_path):
    db = tmp_path / "v0.duckdb"
    duckdb.connect(str(db)).close()
    with pytest.raises(WarehouseError, match="open it once without read-only"):
        warehouse.connect(db, read_only=True)
    with pytest.raises(WarehouseError, match="does not exist"):
        warehouse.connect(tmp_path / "missing.duckdb", read_only=True)


def test_not_a_duckdb_file_is_refused(tmp_path):
    db = tmp_path / "notes.duckdb"
    db.write_text("these are my notes, not a database\n" * 100)
    with pytest.raises(WarehouseError, match="is not a DuckDB database file") as err:
        warehouse.connect(db)
    assert "\n" not in str(err.value)
    assert db.read_text().startswith("these are my notes")  # untouched


def test_locked_by_another_process_is_refused(tmp_path):
    db = tmp_path / "wh.duckdb"
    warehouse.connect(db).close()
    holder = subprocess.Popen(
        [
            sys.executable,
            "-c",
            textwrap.dedent(f"""
            import duckdb, sys
            con = duckdb.connect({str(db)!r})
            print("ready", flush=True)
            sys.stdin.read()
        """),
        ],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert holder.stdout.readline().strip() == "ready"
        with pytest.raises(WarehouseError, match=r"is locked by another process \(process \d+\)") as err:
            warehouse.connect(db)
        assert "\n" not in str(err.value)
    finally:
        holder.stdin.close()
        holder.wait(timeout=30)


def test_effective_reference_defaults(tmp_path):
    con = warehouse.connect(tmp_path / "wh.duckdb")
    try:
        assert warehouse.effective_benefit_codes(con) == reference.benefit_codes()
        costs = warehouse.effective_costs(con)
        assert len(costs) == 8 and set(costs[0]) == {"area", "valid_from", "dkk_per_fuldtidsperson", "basis"}
        rows = warehouse.cost_rows(con)
        assert sorted(rows) == sorted(reference._cost_rows())
        assert reference.costs(dt.date(2023, 6, 1), rows) == reference.costs(dt.date(2023, 6, 1))
        cmap = warehouse.effective_commuting_area_map(con)
        assert len(cmap) == 98 and cmap[0] == {"kommunekode": 101, "commuting_area": 1}
        assert warehouse.municipality_commuting_area(con) == {
            m.kommunekode: m.commuting_area for m in reference.municipalities()
        }
        assert warehouse.effective_commuting_areas(con) == {a["commuting_area"] for a in reference.commuting_areas()}
        assert not warehouse.has_override(con, "costs")
    finally:
        con.close()


def test_effective_reference_overrides(tmp_path):
    folder = tmp_path / "ov"
    folder.mkdir()
    codes = [dict(r) for r in reference.benefit_codes()][:5]
    write_csv(folder / "benefit_codes.csv", codes)
    write_csv(
        folder / "costs.csv",
        [
            {"area": "a_dagpenge", "valid_from": "2020-01-01", "dkk_per_fuldtidsperson": 70000.5, "basis": None},
            {"area": "a_dagpenge", "valid_from": "2024-01-01", "dkk_per_fuldtidsperson": 80000, "basis": "x"},
        ],
    )
    cmap = [
        {"kommunekode": m.kommunekode, "commuting_area": 1 if m.kommunekode < 400 else 40}
        for m in reference.municipalities()
    ]
    write_csv(folder / "commuting_area_map.csv", cmap)
    db = tmp_path / "wh.duckdb"
    load(db, folder)
    con = warehouse.connect(db)
    try:
        assert warehouse.effective_benefit_codes(con) == tuple(codes)
        assert warehouse.effective_costs(con) == (
            {"area": "a_dagpenge", "valid_from": dt.date(2020, 1, 1), "dkk_per_fuldtidsperson": 70000.5, "basis": ""},
            {"area": "a_dagpenge", "valid_from": dt.date(2024, 1, 1), "dkk_per_fuldtidsperson": 80000.0, "basis": "x"},
        )
        rows = warehouse.cost_rows(con)
        assert reference.costs(dt.date(2023, 6, 1), rows) == {"a_dagpenge": 70000.5}
        assert warehouse.municipality_commuting_area(con)[101] == 1
        assert warehouse.municipality_commuting_area(con)[851] == 40
        assert warehouse.effective_commuting_areas(con) == {1, 40}
        assert warehouse.effective_commuting_area_map(con) == tuple(sorted(cmap, key=lambda r: r["kommunekode"]))
    finally:
        con.close()


def test_data_fingerprint_is_stable_and_content_based(tmp_path):
    a, b, c = (tmp_path / f"{n}.duckdb" for n in "abc")
    load(a, write_inputs(tmp_path / "pq"), snapshot_id="one")
    load(b, write_inputs(tmp_path / "csv", "csv"), snapshot_id="two")
    rows = tiny_rows()
    rows["persons"][0]["age"] += 1
    load(c, write_inputs(tmp_path / "other", rows=rows))
    fps = {}
    for db in (a, b, c):
        con = warehouse.connect(db)
        fps[db.stem] = warehouse.data_fingerprint(con)
        assert warehouse.data_fingerprint(con) == fps[db.stem]
        con.close()
    assert fps["a"] == fps["b"] != fps["c"]
    assert len(fps["a"]) == 32 and int(fps["a"], 16) >= 0
