"""A jobindsats-v3-compatible API under ``/api/jobindsats/v3`` (``docs/api.md``).

``GET /api/jobindsats/v3/data/{table_id}?period.QMAT=2022QMAT04&hierarchy._nykom=*&
hierarchy._ygrp_y30r21=*&format=json`` answers ``{"columns", "rows"}`` exactly as jobindsats does
for table Y30R21, from kommunebench's stored runs: for each period the newest *published* run of
that period, else the newest own run (``run=R0003`` picks one). A municipal system written
against jobindsats works against kommunebench by changing the base URL. Paging: ``limit`` and
``offset``; a ``Link: <…>; rel="next"`` header points at the next page. Public figures only: the
rows come from the runs' public views; an ``Authorization`` header is accepted and not needed.
"""

from __future__ import annotations

from typing import Any

from fastapi import APIRouter, Depends, Query, Request
from fastapi.responses import JSONResponse

from kommunebench.api.common import chronological, pick_run, public, runs
from kommunebench.api.twins import ERRORS, Ctx, get_ctx
from kommunebench.benchmark.runs import RunRecord
from kommunebench.data import reference
from kommunebench.errors import ConfigError, KommunebenchError, NotFoundError
from kommunebench.publish.jobindsats import GROUP_LABELS, V3_COLUMNS, group_of, v3_rows

__all__ = ["router", "pages"]

TABLE = "Y30R21"
router = APIRouter(prefix="/api/jobindsats/v3", tags=["jobindsats-v3"])


class _Pages:
    """What ``create_app`` includes (``pages.api`` and ``pages.web``), like the other route modules."""

    def __init__(self) -> None:
        self.api = router
        self.web = APIRouter(include_in_schema=False)


pages = _Pages()


def _values(query: Any, prefix: str) -> list[str] | None:
    """The comma-separated values of the first ``prefix*`` parameter (None = not given)."""
    for key, value in query.multi_items():
        if key.startswith(prefix):
            return [v.strip() for v in value.split(",") if v.strip()]
    return None


def _records_by_period(ctx: Ctx) -> dict[str, RunRecord]:
    """Per period its newest published run, else its newest own run."""
    chosen: dict[str, RunRecord] = {}
    for r in sorted(runs(ctx), key=chronological):
        if r.is_published or not chosen.get(r.period, r).is_published:
            chosen[r.period] = r
    return chosen


def _periods(ctx: Ctx, asked: list[str] | None, run: str | None) -> list[RunRecord]:
    if run is not None:
        record = pick_run(ctx, run)
        return [record] if record is not None else []
    by_period = _records_by_period(ctx)
    ordered = sorted(by_period.values(), key=chronological)
    if not asked or asked == ["*"]:
        return ordered
    if len(asked) == 1 and asked[0].startswith("latest:"):
        tail = asked[0].split(":", 1)[1]
        n = int(tail) if tail.isascii() and tail.isdigit() else 1
        return ordered[-max(n, 1) :]
    missing = [p for p in asked if p not in by_period]
    if missing:
        raise NotFoundError(f"ukendt periode {missing[0]!r}; kendte: {', '.join(sorted(by_period)) or 'ingen'}")
    return [by_period[p] for p in asked]


def _groups(asked: list[str] | None) -> list[str]:
    if not asked or asked == ["*"]:
        return list(GROUP_LABELS)
    if asked == ["/"]:
        return ["total"]
    out = [group_of(a) for a in asked]
    if None in out:
        raise NotFoundError(f"ukendt ydelsesgruppe; vælg blandt {', '.join(GROUP_LABELS.values())}")
    return [g for g in out if g is not None]


def _areas(asked: list[str] | None) -> set[int] | None:
    if not asked or asked == ["*"]:
        return None
    try:
        return {reference.resolve_municipality(a) for a in asked}
    except KommunebenchError as exc:
        raise NotFoundError(f"ukendt område: {exc}") from None


@router.get("/data/{table_id}", summary="Data i jobindsats' v3-form {columns, rows}", responses=ERRORS)
def data(
    table_id: str,
    request: Request,
    ctx: Ctx = Depends(get_ctx),
    run: str | None = Query(None, pattern=r"^[Rr]\d{4,}$", description="en bestemt kørsel i stedet for perioden"),
    format: str = Query("json", pattern="^json$", description="svarformat (kun json)"),
    limit: int | None = Query(None, ge=1, le=100_000, description="højst så mange rækker (sidestørrelse)"),
    offset: int = Query(0, ge=0, description="spring så mange rækker over"),
) -> JSONResponse:
    """The rows of ``table_id`` (Y30R21) for the asked periods, areas and groups."""
    if table_id.upper() != TABLE:
        raise NotFoundError(f"ukendt tabel {table_id!r}; kommunebench har {TABLE}")
    q = request.query_params
    if _values(q, "mgroup.") not in (None, ["*"]):
        raise ConfigError("kun mgroup.*=* understøttes: alle måletal leveres")
    groups = _groups(_values(q, "hierarchy._ygrp"))
    codes = _areas(_values(q, "hierarchy._nykom") or _values(q, "hierarchy._omrade"))
    rows: list[list[Any]] = []
    for record in _periods(ctx, _values(q, "period."), run):
        rows += v3_rows(public(ctx, record), groups=groups, kommunekoder=codes)
    page = rows[offset : offset + limit] if limit else rows[offset:]
    headers = {}
    if limit and offset + limit < len(rows):
        nxt = request.url.include_query_params(offset=offset + limit)
        headers["Link"] = f'<{nxt}>; rel="next"'
    return JSONResponse({"columns": list(V3_COLUMNS), "rows": page}, headers=headers)


@router.get("/tables", summary="Tabellerne (jobindsats' v3-form)")
def tables() -> list[dict[str, Any]]:
    table = {"table_id": TABLE, "table_name": "Forventet og faktisk antal og andel fuldtidspersoner"}
    group = {"table_group_name": "Benchmark", "tables": [table]}
    return [{"subject_name": "Beskæftigelsesministeriets benchmark", "table_groups": [group]}]


@router.get("/table/{table_id}", summary="En tabels perioder og dimensioner (jobindsats' v3-form)", responses=ERRORS)
def table(table_id: str, ctx: Ctx = Depends(get_ctx)) -> dict[str, Any]:
    if table_id.upper() != TABLE:
        raise NotFoundError(f"ukendt tabel {table_id!r}; kommunebench har {TABLE}")
    periods = [{"period_id": p} for p in sorted(_records_by_period(ctx), key=lambda p: (p[:4], p[-2:]))]
    munis = [{"value_id": m.navn, "value_name": m.navn} for m in reference.municipalities()]
    groups = [{"value_id": lab, "value_name": lab} for lab in GROUP_LABELS.values()]
    return {
        "table_id": TABLE,
        "periods": [{"periodtype_id": "QMAT", "values": periods}],
        "dimensions": [
            {"dimension_id": "_omrade", "hierarchies": [{"hierarchy_id": "_nykom", "levels": [{"values": munis}]}]},
            {
                "dimension_id": "_ygrp_y30r21",
                "hierarchies": [{"hierarchy_id": "_ygrp_y30r21", "levels": [{"values": groups}]}],
            },
        ],
    }
