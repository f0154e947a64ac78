"""The input kinds of a municipality's own KPI management (issue 13), as data.

* ``caseworkers`` — one row per caseworker and spell of employment: municipality, department,
  FTE (årsværk) and the period (``valid_to`` empty = still employed).
* ``case_assignments`` — which caseworker (and department and target group) has a citizen's case
  from ``valid_from`` to ``valid_to`` (empty = open).
* ``offers`` — activation/offer spells (*tilbud*): person, start, end, offer type, provider and
  cost in DKK.
* ``conversations`` — job conversations (*samtaler*): person, date, kind, status (held, no-show,
  cancelled) and the caseworker.

All four are pseudonymous (person ids as in ``persons``). Results (exits to self-support,
retention, relapse) are derived from ``benefit_weeks``: no extra input is needed (see
:data:`SELF_SUPPORT_GROUPS` and :data:`JOBCENTRE_GROUPS`).

:func:`kinds` is called by :mod:`kommunebench.data.schemas` with its ``Column`` and
``InputKind`` classes (this module imports nothing of ``schemas``, so either may be imported
first).
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from kommunebench.data.schemas import Column, InputKind

__all__ = [
    "CONVERSATION_KINDS",
    "CONVERSATION_STATUSES",
    "EXIT_WINDOW_WEEKS",
    "OFFER_WINDOW_WEEKS",
    "JOBCENTRE_GROUPS",
    "KPI_KIND_NAMES",
    "OFFER_TYPES",
    "SELF_SUPPORT_GROUPS",
    "TARGET_GROUPS",
    "kinds",
]

OFFER_TYPES = ("virksomhedspraktik", "loentilskud", "vejledning_opkvalificering", "nytteindsats")
CONVERSATION_KINDS = ("individual", "group", "digital")
CONVERSATION_STATUSES = ("held", "no_show", "cancelled")
# Target groups (målgrupper), derived in the synthetic data from the first code of a spell.
TARGET_GROUPS = ("dagpenge", "sygedagpenge", "jobparat", "aktivitetsparat", "uddannelseshjaelp", "ressourceforloeb")
# Benefit groups (benefit_codes.benefit_group) of the citizens a jobcentre works with, and the
# groups that count as self-support (besides weeks without any code).
JOBCENTRE_GROUPS = ("dagpenge", "sygedagpenge", "kontanthjaelp", "ressourceforloeb", "ledighedsydelse")
SELF_SUPPORT_GROUPS = ("fleksjob", "su")
KPI_KIND_NAMES = ("caseworkers", "case_assignments", "offers", "conversations")
# The outcome of the case-mix adjustment: a spell on a jobcentre benefit ends in self-support
# within this many weeks of its start; an offer counts for the offer-type comparison when it
# starts within OFFER_WINDOW_WEEKS of the spell's start (spells longer than that are compared).
EXIT_WINDOW_WEEKS = 26
OFFER_WINDOW_WEEKS = 6


def kinds(column: type[Column], kind: type[InputKind]) -> tuple[InputKind, ...]:
    """The four KPI input kinds, built with ``schemas``' classes."""
    c = column
    to_rule = ("valid_to", "før valid_from: en periode må ikke slutte, før den begynder", '"valid_to" < "valid_from"')
    return (
        kind(
            "caseworkers",
            "caseworkers",
            ("caseworker_id", "valid_from"),
            (
                c("caseworker_id", "BIGINT", "pseudonymous caseworker id", min=0),
                c("kommunekode", "SMALLINT", "the employing municipality (101-860)"),
                c("department", "VARCHAR", "department (afdeling) in the jobcentre"),
                c("fte", "DOUBLE", "full-time equivalents (årsværk), above 0 and at most 1.5", min=0, max=1.5),
                c("valid_from", "DATE", "first day (YYYY-MM-DD)"),
                c("valid_to", "DATE", "last day (YYYY-MM-DD; empty = still employed)", nullable=True),
            ),
            "one row per caseworker and period of employment",
            {"kommunekode": "municipalities"},
            rules=(("fte", "uden for det tilladte område: skal være over 0 (og højst 1,5)", '"fte" <= 0'), to_rule),
        ),
        kind(
            "case_assignments",
            "case_assignments",
            ("person_id", "valid_from"),
            (
                c("person_id", "BIGINT", "pseudonymous person id (must exist in persons)", min=0),
                c("caseworker_id", "BIGINT", "the caseworker (must exist in caseworkers)", min=0),
                c("department", "VARCHAR", "department (afdeling) holding the case"),
                c("target_group", "VARCHAR", "target group (målgruppe)", allowed=TARGET_GROUPS),
                c("valid_from", "DATE", "first day of the assignment (YYYY-MM-DD)"),
                c("valid_to", "DATE", "last day (YYYY-MM-DD; empty = open)", nullable=True),
            ),
            "one row per citizen and assignment period",
            {"person_id": "persons", "caseworker_id": "caseworkers"},
            rules=(to_rule,),
        ),
        kind(
            "offers",
            "offers",
            ("person_id", "start_date", "offer_type"),
            (
                c("person_id", "BIGINT", "pseudonymous person id (must exist in persons)", min=0),
                c("start_date", "DATE", "first day of the offer (YYYY-MM-DD)"),
                c("end_date", "DATE", "last day of the offer (YYYY-MM-DD)"),
                c("offer_type", "VARCHAR", "offer type (tilbudstype)", allowed=OFFER_TYPES),
                c("provider", "VARCHAR", "provider (leverandør)"),
                c("cost_dkk", "DOUBLE", "the offer's cost in DKK", min=0),
            ),
            "one row per activation/offer spell",
            {"person_id": "persons"},
            rules=(
                ("end_date", "before start_date: an offer must not end before it starts", '"end_date" < "start_date"'),
            ),
        ),
        kind(
            "conversations",
            "conversations",
            ("person_id", "date", "kind"),
            (
                c("person_id", "BIGINT", "pseudonymous person id (must exist in persons)", min=0),
                c("date", "DATE", "the day of the conversation (YYYY-MM-DD)"),
                c("kind", "VARCHAR", "kind of conversation", allowed=CONVERSATION_KINDS),
                c("status", "VARCHAR", "held, no_show (udeblivelse) or cancelled", allowed=CONVERSATION_STATUSES),
                c("caseworker_id", "BIGINT", "the caseworker (must exist in caseworkers)", min=0),
            ),
            "one row per citizen, day and kind of conversation",
            {"person_id": "persons", "caseworker_id": "caseworkers"},
        ),
    )
