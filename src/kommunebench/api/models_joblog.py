"""Response and request models of the joblog follow-up API (split from :mod:`.models`)."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from kommunebench.api.models import _M, JoblogCounts, JoblogMonth, Option, Suppression, UtcDatetime

# ------------------------------------------------------------------------------------ joblog


class JoblogRow(JoblogCounts):
    kommunekode: int
    navn: str
    flagged: bool
    review_list: bool = Field(description="target group of 40 or fewer: reviewed once a year")
    c2_run: int = Field(description="consecutive months up to this one with a red share over 40 %")
    c3_month: str | None = Field(None, description="criterion 3's measurement month (YYYY-MM), 3 months earlier")
    criteria_labels: list[str] = Field(
        default_factory=list, description="the criteria met with the data month each refers to: '3 (december 2022)'"
    )


class CaseEntry(_M):
    id: int
    kommunekode: int
    navn: str
    action_date: dt.date
    action: str
    action_label: str
    criterion: str | None
    data_month: str
    note: str
    recorded_by: str
    recorded_at: UtcDatetime


class ProposalOut(_M):
    kommunekode: int
    navn: str
    as_of: dt.date
    data_month: str
    action: str | None
    action_label: str | None
    reason: str
    criteria_met: list[str]
    renewed_contact: bool
    analyst_choice: bool
    wait_until: dt.date | None


class FollowUp(_M):
    kommunekode: int
    navn: str
    proposal: ProposalOut
    letter_action: str
    letter: str
    history: list[JoblogMonth]
    contacts: list[CaseEntry]


class JoblogPage(_M):
    available: bool
    note: str
    as_of: dt.date
    month: str | None
    month_label: str | None
    published_on: dt.date | None
    national: dict
    criteria: dict[str, str] = Field(description="criterion → its rule in Danish")
    rules_note: str
    actions: list[Option]
    rows: list[JoblogRow]
    flagged: list[JoblogRow] = Field(description="Månedens flag: flagged and not on the yearly review list")
    flagged_review: list[JoblogRow] = Field(
        default_factory=list,
        description="flagged for an earlier month (criterion 3) but now with a target group of 40 or fewer",
    )
    kommune: int | None
    access: str = Field(description="public, analyst or municipality:<kode>: what the caller may see")
    follow_up: FollowUp | None
    case_log: list[CaseEntry] | None
    suppression: Suppression
    form_key: str = Field(
        default_factory=lambda: secrets.token_urlsafe(18),
        description="one-time key of the registration form (sent as Idempotency-Key: a replay stores nothing new)",
    )
    saved: CaseEntry | None = Field(None, description="the entry just registered (?registreret=<nr>), as stored")


class CaseLogPage(_M):
    kommune: int | None
    entries: list[CaseEntry]


CaseAction = Literal["phone_call", "letter_manager", "request_explanation", "meeting", "minister_letter", "spot_check"]


class CaseLogIn(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kommunekode: int = Field(description="the municipality contacted")
    action: CaseAction = Field(description="the action taken (one of the case log's actions)")
    criterion: str | None = Field(None, max_length=20, description="criterion or criteria answered: 1, 2, 3, '1,3'")
    data_month: str = Field(pattern=r"^(19|2\d)\d{2}-(0[1-9]|1[0-2])$", description="the data month answered, YYYY-MM")
    note: str = Field("", max_length=20000)
    action_date: dt.date | None = Field(None, description="date of the action (default today)")


class CaseLogCreated(_M):
    entry: CaseEntry
    audit_id: int
