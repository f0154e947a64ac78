"""The load's cross-kind rules for the KPI input kinds (see :mod:`kommunebench.data.kpischemas`).

Checked inside the load's transaction on the content as it will be after the load: every person
in ``case_assignments``, ``offers`` and ``conversations`` exists in ``persons``, and every
caseworker they name exists in ``caseworkers`` (loaded together, or already stored). A
replacement of ``persons`` or ``caseworkers`` that stored rows would then contradict is refused.
Each rule is decided on the stored table first (a staged kind's table holds exactly the file's
typed rows); only when it is broken are the file's rows searched for the first offender.
"""

from __future__ import annotations

from collections.abc import Callable

import duckdb

from kommunebench.data.schemas import KINDS
from kommunebench.data.sql import one, q, scalar
from kommunebench.data.validate import Staged, refuse

__all__ = ["check_kpi_references"]

# (kind, column, referenced kind, referenced column)
_REFERENCES = (
    ("case_assignments", "person_id", "persons", "person_id"),
    ("offers", "person_id", "persons", "person_id"),
    ("conversations", "person_id", "persons", "person_id"),
    ("case_assignments", "caseworker_id", "caseworkers", "caseworker_id"),
    ("conversations", "caseworker_id", "caseworkers", "caseworker_id"),
)


def _missing(con: duckdb.DuckDBPyConnection, sql: str) -> tuple[int, object, int | None]:
    n = scalar(con, f"SELECT count(*) FROM ({sql}) t(v, rn)")
    if not n:
        return 0, None, None
    value, rn = one(con, f"SELECT v, rn FROM ({sql}) t(v, rn) ORDER BY rn NULLS LAST, v LIMIT 1")
    return int(n), value, rn


def _held(
    con: duckdb.DuckDBPyConnection, staged: dict[str, Staged], changed: set[str], persons: Callable[[], str]
) -> set[tuple[str, str]]:
    """The references to persons of the stored rows of several staged kinds, decided together
    by one anti-join (one hash table of the persons instead of one per kind): when none is
    broken, the (kind, column) pairs that then need no check of their own; else none."""
    kinds = [
        k for k, _, target, _ in _REFERENCES
        if target == "persons" and (k in changed or ("persons" in changed and k in staged))
    ]  # fmt: skip
    if len(kinds) < 2:
        return set()
    union = " UNION ALL ".join(f"SELECT person_id FROM {KINDS[k].table}" for k in kinds)
    sql = f"SELECT 1 FROM ({union}) x ANTI JOIN (SELECT person_id FROM {persons()}) p USING (person_id)"
    return set() if scalar(con, f"SELECT EXISTS ({sql})") else {(k, "person_id") for k in kinds}


def check_kpi_references(
    con: duckdb.DuckDBPyConnection, staged: dict[str, Staged], changed: set[str], persons: Callable[[], str]
) -> None:
    """Refuse references to persons or caseworkers that will not exist after the load.
    ``persons()``: a relation of the distinct stored person ids (column ``person_id``)."""
    held = _held(con, staged, changed, persons)
    for kind, column, target, tcol in _REFERENCES:
        if (kind, column) in held or (kind not in changed and target not in changed):
            continue
        ids = persons() if target == "persons" else f"(SELECT DISTINCT {q(tcol)} FROM {KINDS[target].table})"
        known = f"(SELECT {q(tcol)} AS v FROM {ids})"
        if kind in changed or (target in changed and kind in staged):
            s = staged[kind]
            stored = f"SELECT 1 FROM {KINDS[kind].table} x ANTI JOIN {known} k ON k.v = x.{q(column)}"
            if not scalar(con, f"SELECT EXISTS ({stored})"):
                continue
            n, value, rn = _missing(
                con, f"SELECT x.{q(column)}, x.__rn FROM {s.typed} x ANTI JOIN {known} k ON k.v = x.{q(column)}"
            )
            if n:
                raise refuse(
                    s,
                    f"{column} findes ikke i {target}: hver {column} i {kind} skal have en række i {target} "
                    "(indlæst samtidig eller allerede gemt)",
                    column=column,
                    row=rn,
                    value=value,
                    more=n - 1,
                )
        elif target in changed:
            n, value, _ = _missing(
                con,
                f"SELECT DISTINCT x.{q(column)}, NULL::BIGINT FROM {KINDS[kind].table} x "
                f"ANTI JOIN {known} k ON k.v = x.{q(column)}",
            )
            if n:
                raise refuse(
                    staged[target],
                    f"de gemte {kind} henviser til {n} {column}-værdi(er), som denne {target}-fil ikke har; "
                    f"indlæs de tilhørende {kind} i samme indlæsning",
                    column=tcol,
                    value=value,
                    more=n - 1,
                )
