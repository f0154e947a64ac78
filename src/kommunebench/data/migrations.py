"""The warehouse schema as an ordered list of migrations (see :mod:`kommunebench.data.warehouse`).

Entry ``i`` of :data:`MIGRATIONS` upgrades a warehouse from version ``i`` to ``i + 1``; it is a
SQL string or a function of the connection. Append new migrations at the end; never edit old
ones. :mod:`kommunebench.data.warehouse` re-exports :data:`MIGRATIONS` and
:data:`SCHEMA_VERSION` and applies them.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable

import duckdb

from kommunebench.data import integrity
from kommunebench.data.schemas import KINDS

__all__ = ["Migration", "MIGRATIONS", "SCHEMA_VERSION"]

Migration = str | Callable[[duckdb.DuckDBPyConnection], None]

# Tables whose key is enforced by a PRIMARY KEY (small ones); the others rely on validation.
_PK_TABLES = {"labour_market", "benefit_codes", "costs", "commuting_area_map"}


def _kind_table_sql(kind_name: str) -> str:
    kind = KINDS[kind_name]
    cols = [f"{c.name} {c.sql_type}{'' if c.nullable else ' NOT NULL'}" for c in kind.columns]
    if kind_name in _PK_TABLES:
        cols.append(f"PRIMARY KEY ({', '.join(kind.key)})")
    return f"CREATE TABLE {kind.table} ({', '.join(cols)})"


# The input kinds version 1 created (kinds added later get their tables from their own migration).
_V1_KINDS = ("persons", "benefit_weeks", "labour_market", "benefit_codes", "costs", "commuting_area_map")


def _v1(con: duckdb.DuckDBPyConnection) -> None:
    """Version 1: one table per input kind (of that version), and the load history."""
    for name in _V1_KINDS:
        con.execute(_kind_table_sql(name))
    con.execute(
        """CREATE TABLE loads (
            snapshot_id VARCHAR NOT NULL,
            kind VARCHAR NOT NULL,
            source_file VARCHAR,
            file_format VARCHAR,
            fingerprint VARCHAR NOT NULL,
            n_rows BIGINT NOT NULL,
            loaded_at TIMESTAMP NOT NULL,
            seconds DOUBLE,
            is_current BOOLEAN NOT NULL,
            PRIMARY KEY (snapshot_id, kind))"""
    )


# Entry i upgrades version i to i + 1. Append new migrations at the end; never edit old ones.
# Version 2: stored benchmark runs (see kommunebench.benchmark.runs).
_V2_RUNS = """
CREATE TABLE runs (
    run_id VARCHAR PRIMARY KEY,
    created_at TIMESTAMP NOT NULL,
    period VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,
    base_period VARCHAR,
    params VARCHAR NOT NULL,
    data_fingerprint VARCHAR NOT NULL,
    package_version VARCHAR NOT NULL,
    model_version VARCHAR NOT NULL,
    results_sha256 VARCHAR NOT NULL,
    seconds DOUBLE
);
CREATE TABLE run_artifacts (
    run_id VARCHAR NOT NULL,
    name VARCHAR NOT NULL,
    parquet BLOB NOT NULL,
    PRIMARY KEY (run_id, name)
);
"""

# API access (kommunebench.api.auth): tokens stored hashed (scrypt), and the audit trail of every
# write (who, when, what).
_API_ACCESS = """
CREATE TABLE api_tokens (
    token_id VARCHAR PRIMARY KEY,
    name VARCHAR NOT NULL,
    role VARCHAR NOT NULL,
    salt BLOB NOT NULL,
    hash BLOB NOT NULL,
    created_at TIMESTAMP NOT NULL,
    created_by VARCHAR NOT NULL,
    revoked_at TIMESTAMP
);
CREATE SEQUENCE audit_log_seq START 1;
CREATE TABLE audit_log (
    audit_id BIGINT PRIMARY KEY DEFAULT nextval('audit_log_seq'),
    recorded_at TIMESTAMP NOT NULL,
    actor VARCHAR NOT NULL,
    role VARCHAR,
    action VARCHAR NOT NULL,
    target VARCHAR,
    detail VARCHAR
);
"""

# The joblog input kind and the append-only joblog follow-up case log (kommunebench.alerts.caselog).
# The product has no UPDATE or DELETE of the case log anywhere; each entry carries a SHA-256
# chained over the previous entry and meta 'case_log_head' holds the last one, so an edit or a
# deletion made outside the product is detected.
_JOBLOG = """
CREATE TABLE joblog (
    person_id BIGINT NOT NULL,
    kommunekode SMALLINT NOT NULL,
    month DATE NOT NULL,
    in_target_group BOOLEAN NOT NULL,
    availability_weight DOUBLE NOT NULL,
    searches SMALLINT NOT NULL
);
CREATE TABLE joblog_case_log (
    id BIGINT PRIMARY KEY,
    kommunekode SMALLINT NOT NULL,
    action_date DATE NOT NULL,
    action VARCHAR NOT NULL,
    criterion VARCHAR,
    data_month DATE NOT NULL,
    note VARCHAR NOT NULL,
    recorded_by VARCHAR NOT NULL,
    recorded_at TIMESTAMP NOT NULL,
    prev_hash VARCHAR NOT NULL,
    entry_hash VARCHAR NOT NULL
);
"""

# The admin_costs input kind (issue 14): the cost input of the DEA cost-efficiency.
_ADMIN_COSTS = """
CREATE TABLE admin_costs (
    kommunekode SMALLINT NOT NULL,
    year SMALLINT NOT NULL,
    admin_cost_kr DOUBLE NOT NULL,
    fuldtidspersoner DOUBLE NOT NULL,
    jobcentre VARCHAR
);
"""


def _mac_chains(con: duckdb.DuckDBPyConnection) -> None:
    """The case log and audit trail chained with a keyed MAC (kommunebench.data.integrity); a
    random warehouse id names the warehouse's anchor. Existing audit rows are chained once;
    existing case-log entries keep their SHA-256 links (meta 'case_log_legacy' counts them)."""
    con.execute("ALTER TABLE audit_log ADD COLUMN prev_mac VARCHAR")
    con.execute("ALTER TABLE audit_log ADD COLUMN mac VARCHAR")
    con.execute("INSERT INTO meta VALUES ('warehouse_id', ?)", [uuid.uuid4().hex])
    prev = ""
    cols = "recorded_at, actor, role, action, target, detail"
    for r in con.execute(f"SELECT audit_id, {cols} FROM audit_log ORDER BY audit_id").fetchall():
        m = integrity.mac(prev, audit_fields(r[1:]))
        con.execute("UPDATE audit_log SET prev_mac = ?, mac = ? WHERE audit_id = ?", [prev, m, r[0]])
        prev = m
    # case-log entries are never rewritten: those before this version keep their SHA-256 links
    n = con.execute("SELECT count(*) FROM joblog_case_log").fetchone()
    con.execute("INSERT INTO meta VALUES ('case_log_legacy', ?)", [str(n[0] if n else 0)])


CASE_FIELDS = (
    "id",
    "kommunekode",
    "action_date",
    "action",
    "criterion",
    "data_month",
    "note",
    "recorded_by",
    "recorded_at",
)


def case_fields(e: dict) -> list[object]:
    """The MAC'd fields of a case-log entry (``CASE_FIELDS`` as text)."""
    return [
        int(e["id"]),
        int(e["kommunekode"]),
        e["action_date"].isoformat(),
        e["action"],
        e["criterion"],
        e["data_month"].isoformat(),
        e["note"],
        e["recorded_by"],
        e["recorded_at"].isoformat(),
    ]


def audit_fields(r: tuple | list) -> list[object]:
    """The MAC'd fields of an audit row: recorded_at, actor, role, action, target, detail."""
    at, actor, role, action, target, detail = r
    return [at.isoformat() if hasattr(at, "isoformat") else str(at), actor, role, action, target, detail]


def _kpi_inputs(con: duckdb.DuckDBPyConnection) -> None:
    """The KPI input kinds (issue 13; :mod:`kommunebench.data.kpischemas`) and the state of the
    KPI stage's derived tables (which content of which kinds they were built from)."""
    for name in ("caseworkers", "case_assignments", "offers", "conversations"):
        con.execute(_kind_table_sql(name))
    con.execute("CREATE TABLE kpi_state (name VARCHAR PRIMARY KEY, built_from VARCHAR NOT NULL, built_at TIMESTAMP)")


# The model stage's stored quarter statistics (issue 15, kommunebench.model.incremental): derived
# data keyed by content (benefit weeks per quarter, persons), never edited, safe to drop.
_MODEL_QUARTERS = """
CREATE TABLE model_week_keys (
    benefit_weeks VARCHAR NOT NULL,
    quarter VARCHAR NOT NULL,
    quarter_key VARCHAR NOT NULL,
    n_rows BIGINT NOT NULL,
    PRIMARY KEY (benefit_weeks, quarter));
CREATE TABLE model_quarter_weeks (
    quarter_key VARCHAR NOT NULL,
    person_id BIGINT NOT NULL,
    code SMALLINT NOT NULL,
    weeks SMALLINT NOT NULL);
CREATE TABLE model_blocks (
    key VARCHAR PRIMARY KEY,
    kind VARCHAR NOT NULL,
    built_at TIMESTAMP NOT NULL,
    data BLOB NOT NULL);
"""

# The official run per period and scope (issue 12; kommunebench.benchmark.official): every mark is
# kept; the current one of a period and scope is the row whose replaced_at is NULL.
_OFFICIAL_RUNS = """
CREATE TABLE official_runs (
    mark_id INTEGER PRIMARY KEY,
    period VARCHAR NOT NULL,
    scope VARCHAR NOT NULL,
    run_id VARCHAR NOT NULL,
    marked_at TIMESTAMP NOT NULL,
    marked_by VARCHAR NOT NULL,
    replaced_at TIMESTAMP,
    replaced_by INTEGER
);
"""


def _load_run_actors(con: duckdb.DuckDBPyConnection) -> None:
    """Who loaded or ran: an ``actor`` column on ``loads`` and ``runs`` (the verified actor of the
    write, filled in its transaction). Existing rows take the actor of their audit row, if any."""
    for table, key, actions in (
        ("loads", "snapshot_id", "'load'"),
        ("runs", "run_id", "'run.create', 'published.import'"),
    ):
        con.execute(f"ALTER TABLE {table} ADD COLUMN IF NOT EXISTS actor VARCHAR")
        con.execute(
            f"UPDATE {table} SET actor = a.actor FROM (SELECT target, max(actor) AS actor FROM audit_log "
            f"WHERE action IN ({actions}) GROUP BY target) a WHERE {table}.actor IS NULL AND a.target = {table}.{key}"
        )


MIGRATIONS: list[Migration] = [
    _v1,
    _V2_RUNS,
    _API_ACCESS,
    _JOBLOG,
    _ADMIN_COSTS,
    _mac_chains,
    _kpi_inputs,
    _MODEL_QUARTERS,
    _OFFICIAL_RUNS,
    _load_run_actors,
]
SCHEMA_VERSION = len(MIGRATIONS)
