"""The proposed next step for a municipality, from its joblog figures and its case log.

Rules (seed 002, "Opfølgning på henvendelser til kommuner"), as of a date:

1. **No earlier contact** and the municipality meets a criterion in the latest published data →
   ``phone_call`` (the default first step).
2. **Earlier contact**: a renewed contact is proposed only when data for a month *after* the
   month of the last contact are published and the municipality *again* meets a criterion on
   those data — criterion 1 in a month after the contact month, criterion 2 with all of its
   consecutive months after it, criterion 3 with its measurement month after it (and its
   follow-up month published). Every published month after the contact counts, not only the
   latest. The proposed action is then the next step up the ladder of :data:`ACTIONS` after the
   highest step taken so far, but which step to take is the analyst's choice
   (``analyst_choice=True``), shown with the history.
3. Earlier contact but no month after it published yet → no action; ``wait_until`` is the day
   the first month after the contact is published (a response can be judged at the earliest
   three months after the contact).
4. Otherwise (no criterion met) → no action.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Mapping
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from kommunebench.alerts.calendar import (
    add_months,
    date_label_da,
    month_label_da,
    month_start,
    parse_date,
    publication_date,
)
from kommunebench.alerts.caselog import ACTIONS, case_log
from kommunebench.alerts.criteria import Thresholds, resolve_thresholds
from kommunebench.alerts.joblog import JoblogStatus, joblog_history, joblog_status
from kommunebench.data import reference

__all__ = ["Proposal", "propose_next_step", "proposal_for", "next_on_ladder"]


@dataclass(frozen=True)
class Proposal:
    """The proposed next step. ``action`` is a key of :data:`ACTIONS` or None."""

    kommunekode: int
    navn: str
    as_of: dt.date
    data_month: dt.date  # the latest published month
    action: str | None
    reason: str  # Danish
    criteria_met: tuple[str, ...]  # as of now (since the last contact, if there was one)
    last_contact: dict | None
    history: pd.DataFrame = field(repr=False)  # joblog_history, 12 months
    contacts: pd.DataFrame = field(repr=False)  # the municipality's case log up to as_of
    renewed_contact: bool = False
    analyst_choice: bool = False
    wait_until: dt.date | None = None

    @property
    def action_label(self) -> str | None:
        return ACTIONS.get(self.action) if self.action else None

    def summary(self) -> str:
        what = self.action_label or "Ingen handling"
        return f"{self.navn} ({self.kommunekode}), {self.as_of.isoformat()}: {what}. {self.reason}"


def next_on_ladder(actions_taken) -> str:
    """The step after the highest step taken so far (the last step repeats at the top)."""
    order = list(ACTIONS)
    highest = max((order.index(a) for a in actions_taken if a in ACTIONS), default=-1)
    return order[min(highest + 1, len(order) - 1)]


def _met_since(history: pd.DataFrame, after: dt.date, th: Thresholds) -> dict[str, list[dt.date]]:
    """Criterion → months (evaluated month; for 3 the measurement month) on data after ``after``."""
    h = history.copy()
    h["m"] = [m.date() for m in h["month"]]
    out: dict[str, list[dt.date]] = {}
    for _, r in h.iterrows():
        m = r["m"]
        if m <= after:
            continue
        if r["criterion_1"]:
            out.setdefault("1", []).append(m)
        if r["criterion_2"] and add_months(m, -(th.c2_months - 1)) > after:
            out.setdefault("2", []).append(m)
        if pd.notna(r["criterion_3"]) and bool(r["criterion_3"]):
            out.setdefault("3", []).append(m)
    return out


def _criteria_da(keys) -> str:
    """``kriterium 1``, ``kriterierne 2 og 3``, ``kriterierne 1, 2 og 3``."""
    keys = list(keys)
    if len(keys) == 1:
        return f"kriterium {keys[0]}"
    return f"kriterierne {', '.join(keys[:-1])} og {keys[-1]}"


def _months_text(ms: list[dt.date]) -> str:
    return ", ".join(month_label_da(m) for m in ms)


def propose_next_step(
    con: duckdb.DuckDBPyConnection,
    kommunekode: int | str,
    *,
    as_of: dt.date | str,
    thresholds: Thresholds | Mapping | None = None,
) -> Proposal:
    """The next step for one municipality as of ``as_of`` (see the module docstring)."""
    code = reference.resolve_municipality(kommunekode)
    day = parse_date(as_of, what="as-of date")
    status = joblog_status(con, day, thresholds=resolve_thresholds(thresholds))
    return proposal_for(con, status, code)


def proposal_for(con: duckdb.DuckDBPyConnection, status: JoblogStatus, kommunekode: int | str) -> Proposal:
    """The next step for one municipality as of ``status.as_of``, from that already computed status
    (its month, figures and thresholds): :func:`propose_next_step` without recomputing the status."""
    code = reference.resolve_municipality(kommunekode)
    navn = reference.municipality(code).navn
    as_of, th, month = status.as_of, status.thresholds, status.month
    contacts = case_log(con, code)
    contacts = contacts[contacts["action_date"] <= as_of].reset_index(drop=True)
    history = joblog_history(con, code, as_of=as_of, months=12, thresholds=th)
    make = functools.partial(
        Proposal, kommunekode=code, navn=navn, as_of=as_of, data_month=month, history=history, contacts=contacts
    )
    row = status.frame.set_index("kommunekode").loc[code]
    now = tuple(k for k in ("1", "2", "3") if bool(row[f"criterion_{k}"]))
    if contacts.empty:
        if now:
            why = _criteria_da(now)
            return make(
                action="phone_call",
                criteria_met=now,
                last_contact=None,
                reason=(
                    f"Kommunen opfylder {why} i de senest offentliggjorte data "
                    f"({month_label_da(month)}), og styrelsen har ikke tidligere "
                    "været i kontakt med kommunen: første skridt er en telefonisk "
                    "kontakt til jobcentret."
                ),
            )
        extra = (
            " Kommunens målgruppe er på 40 eller færre og indgår i den årlige gennemgang."
            if bool(row["review_list"])
            else ""
        )
        return make(
            action=None,
            criteria_met=(),
            last_contact=None,
            reason=(
                f"Kommunen opfylder ingen handlingskriterier i de senest "
                f"offentliggjorte data ({month_label_da(month)}).{extra}"
            ),
        )
    last = contacts.iloc[-1].to_dict()
    contact_month = month_start(last["action_date"])
    first_after = add_months(contact_month, 1)
    said = f"Seneste kontakt: {ACTIONS[last['action']].lower()} den {date_label_da(last['action_date'])}."
    if month < first_after:
        wait = publication_date(first_after, th.publication_lag)
        return make(
            action=None,
            criteria_met=now,
            last_contact=last,
            wait_until=wait,
            reason=(
                f"{said} Data for perioden efter kontakten ({month_label_da(first_after)}) "
                f"offentliggøres først den {date_label_da(wait)}; indtil da kan "
                "kommunens udvikling efter henvendelsen ikke vurderes, og der tages "
                "ikke fornyet kontakt."
            ),
        )
    since = _met_since(history, contact_month, th)
    if since:
        keys = tuple(sorted(since))
        step = next_on_ladder(contacts["action"])
        detail = "; ".join(f"kriterium {k} ({_months_text(since[k])})" for k in keys)
        return make(
            action=step,
            criteria_met=keys,
            last_contact=last,
            renewed_contact=True,
            analyst_choice=True,
            reason=(
                f"{said} Data for perioden efter kontakten er offentliggjort, og "
                f"kommunen opfylder igen {detail}. Fornyet henvendelse er relevant; "
                "valget af handling beror på en konkret vurdering af niveauerne, "
                "udviklingen og den tidligere kontakt (se historikken). Forslag: "
                f"{ACTIONS[step].lower()}."
            ),
        )
    return make(
        action=None,
        criteria_met=(),
        last_contact=last,
        reason=(
            f"{said} Data for perioden efter kontakten er offentliggjort "
            f"(til og med {month_label_da(month)}), og kommunen opfylder ikke igen "
            "et handlingskriterium: ingen fornyet henvendelse."
        ),
    )
