"""The joblog monitor and its case log (calls :mod:`kommunebench.alerts`).

* ``/joblog`` (public): this month's status as of a date (default today) for all 98
  municipalities — smiley counts and shares with small cells suppressed, the action criteria met,
  the flagged municipalities. With a token (header or session cookie) the same page adds the
  follow-up: the case log (``analyst``: all; ``municipality:<kode>``: its own), and for the chosen
  municipality the proposed next step and the letter draft.
* ``POST /api/v1/joblog/sagslog`` (role ``analyst``, Bearer header): record an action. The case
  log entry (hash-chained by the alerts stage, with ``recorded_by`` = the token's name and id) and
  its audit row are written in one transaction by the joblog pipeline.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Mapping
from typing import Any

import pandas as pd
from fastapi import Depends, Header, Query
from fastapi.responses import JSONResponse

from kommunebench import access, alerts, pipeline
from kommunebench.api.common import (
    criteria_list,
    joblog_months,
    month_text,
    municipality_or_404,
    native,
    suppression_info,
)
from kommunebench.api.models import Option
from kommunebench.api.models_joblog import (
    CaseEntry,
    CaseLogCreated,
    CaseLogIn,
    CaseLogPage,
    FollowUp,
    JoblogPage,
    JoblogRow,
    ProposalOut,
)
from kommunebench.api.twins import AUTH_ERRORS, ERRORS, Ctx, Pages, bearer_principal, get_ctx, principal
from kommunebench.errors import AuthenticationError, NotFoundError, PermissionDeniedError
from kommunebench.publish import criteria_months, monthly_flags, public_joblog, public_national

__all__ = ["pages"]

pages = Pages()
# FastAPI's annotations type ge/le as numbers; pydantic compares dates just as well.
_DATE_RANGE: dict[str, Any] = {"ge": dt.date(1900, 1, 1), "le": dt.date(2999, 12, 31)}
AS_OF = Query(
    None,
    **_DATE_RANGE,
    description="vurdering pr. denne dato (standard: i dag; 1900-2999); kun offentliggjorte måneder bruges",
)


def _status(ctx: Ctx, as_of: dt.date) -> alerts.JoblogStatus:
    return ctx.wh.cached(("joblog_status", as_of), lambda con: pipeline.joblog.status(as_of, db=con))


def _national(status: alerts.JoblogStatus, ctx: Ctx) -> dict:
    """The national figures as published (withheld when they would give a suppressed cell back)."""
    public = [public_joblog(native(r), ctx.threshold) for r in status.frame.to_dict("records")]
    return public_national(status.national, public, ctx.threshold)


def _row(r: Mapping[Any, Any], threshold: int) -> JoblogRow:
    r = native(dict(r))
    month = pd.Timestamp(r["month"]).date()
    return JoblogRow(
        c3_month=month_text(r["c3_month"]) if r.get("c3_month") is not None else None,
        criteria_labels=[c["label"] for c in criteria_months(r, month)],
        **public_joblog(r, threshold),
        kommunekode=int(r["kommunekode"]),
        navn=r["navn"],
        criteria=criteria_list(r),
        eligible=bool(r["eligible"]),
        flagged=bool(r["flagged"]),
        review_list=bool(r["review_list"]),
        c2_run=int(r["c2_run"] or 0),
    )


_TOKEN_ID = re.compile(r" \(token [0-9a-f]{12}\)$")


def _entries(frame: pd.DataFrame) -> list[CaseEntry]:
    return [
        CaseEntry(
            **{
                **native(r),
                "data_month": month_text(r["data_month"]),
                "id": int(r["id"]),
                "kommunekode": int(r["kommunekode"]),
                "recorded_by": _TOKEN_ID.sub("", str(r["recorded_by"])),  # token ids are for analysts' audit only
            }
        )
        for r in frame.sort_values(["action_date", "id"], ascending=False).to_dict("records")
    ]


def _case_log(ctx: Ctx, kommunekode: int | None) -> list[CaseEntry]:
    return _entries(ctx.wh.cached(("case_log", kommunekode), lambda con: pipeline.joblog.case_log(kommunekode, db=con)))


def _may_follow(who: access.Principal | None, kommunekode: int) -> bool:
    return who is not None and (who.is_analyst or who.kommunekode == kommunekode)


def _follow_up(ctx: Ctx, kommunekode: int, as_of: dt.date) -> FollowUp:
    m = municipality_or_404(kommunekode)

    def compute(con: Any) -> tuple[alerts.Proposal, str, str]:
        p = pipeline.joblog.propose(m.kommunekode, as_of=as_of, db=con)
        action = p.action or (p.last_contact or {}).get("action") or "phone_call"
        return p, action, pipeline.joblog.letter(m.kommunekode, as_of=as_of, action=action, db=con)

    p, action, letter = ctx.wh.cached(("follow_up", m.kommunekode, as_of), compute)
    proposal = ProposalOut(
        kommunekode=p.kommunekode,
        navn=p.navn,
        as_of=p.as_of,
        data_month=month_text(p.data_month),
        action=p.action,
        action_label=p.action_label,
        reason=p.reason,
        criteria_met=list(p.criteria_met),
        renewed_contact=p.renewed_contact,
        analyst_choice=p.analyst_choice,
        wait_until=p.wait_until,
    )
    history, _ = joblog_months(ctx, m.kommunekode, as_of=as_of)
    return FollowUp(
        kommunekode=m.kommunekode,
        navn=m.navn,
        proposal=proposal,
        letter_action=action,
        letter=letter,
        history=history,
        contacts=_entries(p.contacts),
    )


def _base(ctx: Ctx, who: access.Principal | None, as_of: dt.date, kommune: int | None) -> dict[str, Any]:
    """The parts of the joblog page that do not depend on the data."""
    th = alerts.Thresholds.from_settings()
    return dict(
        as_of=as_of,
        criteria={k: alerts.criterion_text(k, th) for k in alerts.CRITERIA},
        rules_note=(
            f"Opfølgning gælder kun, når månedens antal røde er mindst {th.min_red} og målgruppen "
            f"over {th.min_target_group}; kommuner med en målgruppe på {th.min_target_group} eller "
            "færre gennemgås én gang om året."
        ),
        actions=[Option(value=k, label=v) for k, v in alerts.ACTIONS.items()],
        kommune=kommune,
        access="public" if who is None else who.role,
        suppression=suppression_info(ctx),
    )


def _restricted(
    ctx: Ctx, who: access.Principal | None, kommune: int | None, flagged: list[JoblogRow], as_of: dt.date
) -> tuple[list[CaseEntry] | None, FollowUp | None, str]:
    """The parts of the joblog page that need a token: the case log and the follow-up of one municipality."""
    if who is None:
        return None, None, "Log ind med en adgangsnøgle for at se sagsloggen, forslag til næste skridt og brevudkast."
    own = who.kommunekode
    case_log = _case_log(ctx, None if who.is_analyst else own)
    target = (
        kommune if kommune is not None else (own if own is not None else (flagged[0].kommunekode if flagged else None))
    )
    follow_up = _follow_up(ctx, target, as_of) if target is not None else None
    note = "" if follow_up else "Ingen kommune opfylder et handlingskriterium; vælg en kommune for at se opfølgningen."
    return case_log, follow_up, note


@pages.page(
    "/joblog",
    template="joblog.html",
    model=JoblogPage,
    tags=["joblog"],
    public=False,
    optional_auth=True,
    summary="Jobloggens monitor: månedens smileys og handlingskriterier pr. dato (offentlig); med "
    "adgangsnøgle også sagslog, forslag til næste skridt og brevudkast",
)
def joblog_page(
    ctx: Ctx = Depends(get_ctx),
    who: access.Principal | None = Depends(principal),
    as_of: dt.date | None = AS_OF,
    kommune: int | None = Query(None, description="kommunekode: vis opfølgningen for denne kommune"),
    registreret: int | None = Query(None, ge=1, description="nummeret på en netop registreret handling: vis den"),
) -> JoblogPage:
    """The joblog status of all 98 municipalities as of a date; the follow-up needs a token."""
    as_of = as_of or dt.date.today()
    if kommune is not None:
        municipality_or_404(kommune)
        if who is not None and not _may_follow(who, kommune):
            raise PermissionDeniedError(f"rollen {who.role!r} giver ikke adgang til opfølgningen for kommune {kommune}")
    base = _base(ctx, who, as_of, kommune)
    try:
        status = _status(ctx, as_of)
    except NotFoundError as exc:
        return JoblogPage(
            available=False,
            note=str(exc),
            month=None,
            month_label=None,
            published_on=None,
            national={},
            rows=[],
            flagged=[],
            follow_up=None,
            case_log=None,
            **base,
        )
    rows = [_row(r, ctx.threshold) for r in status.frame.to_dict("records")]
    monthly, review = monthly_flags(status.flagged.to_dict("records"))
    flagged = [_row(r, ctx.threshold) for r in monthly]
    national = {k: (v.isoformat() if isinstance(v, dt.date) else v) for k, v in _national(status, ctx).items()}
    case_log, follow_up, note = _restricted(ctx, who, kommune, flagged, as_of)
    saved = next((c for c in case_log or [] if c.id == registreret), None)
    return JoblogPage(
        saved=saved,
        available=True,
        note=note,
        month=month_text(status.month),
        month_label=alerts.month_label_da(status.month),
        published_on=status.published_on,
        national=national,
        rows=rows,
        flagged=flagged,
        flagged_review=[_row(r, ctx.threshold) for r in review],
        follow_up=follow_up,
        case_log=case_log,
        **base,
    )


@pages.page(
    "/joblog/sagslog",
    template="sagslog.html",
    model=CaseLogPage,
    tags=["joblog"],
    public=False,
    summary="Sagsloggen: styrelsens kontakter med kommunerne (rolle analyst: alle; "
    "rolle municipality:<kode>: kommunens egne)",
)
def case_log_page(
    ctx: Ctx = Depends(get_ctx),
    who: access.Principal | None = Depends(principal),
    kommune: int | None = Query(None, description="kun denne kommune"),
) -> CaseLogPage:
    """The case log, newest first (needs a token)."""
    if kommune is not None:
        municipality_or_404(kommune)
    if who is None:
        raise AuthenticationError("sagsloggen kræver en adgangsnøgle (rolle analyst eller municipality:<kode>)")
    if who.is_analyst:
        scope = kommune
    elif kommune is None or kommune == who.kommunekode:
        scope = who.kommunekode
    else:
        raise PermissionDeniedError(f"rollen {who.role!r} giver kun adgang til kommunens egen sagslog")
    return CaseLogPage(kommune=scope, entries=_case_log(ctx, scope))


@pages.api.post(
    "/joblog/sagslog",
    status_code=201,
    response_model=CaseLogCreated,
    tags=["joblog"],
    operation_id="record_action",
    summary="Registrér en handling i sagsloggen (kræver rollen analyst; Bearer-nøgle)",
    responses={**AUTH_ERRORS, **ERRORS},
)
def record_action(
    body: CaseLogIn,
    ctx: Ctx = Depends(get_ctx),
    who: access.Principal | None = Depends(bearer_principal),
    idempotency_key: str | None = Header(
        None,
        max_length=100,
        description="engangsnøgle (formularens form_key): samme nøgle igen gemmer intet nyt og giver den første post",
    ),
) -> JSONResponse:
    who = access.require_analyst(who)
    municipality_or_404(body.kommunekode)
    with ctx.wh.write() as con:
        entry = pipeline.joblog.record_case_action(
            kommunekode=body.kommunekode,
            action=body.action,
            criterion=body.criterion,
            data_month=body.data_month,
            note=body.note,
            on=body.action_date,
            recorded_by=who.name,
            actor=who.actor,
            role=who.role,
            idempotency_key=idempotency_key,
            db=con,
        )
    replayed = bool(entry.pop("replayed", False))
    audit_id = entry.pop("audit_id")
    created = CaseLogCreated(
        entry=CaseEntry(**{**entry, "data_month": month_text(entry["data_month"])}), audit_id=audit_id
    )
    return JSONResponse(
        created.model_dump(mode="json"),
        status_code=200 if replayed else 201,
        headers={
            "Location": f"/api/v1/joblog/sagslog?kommune={body.kommunekode}",
            **({"Idempotent-Replayed": "true"} if replayed else {}),
        },
    )
