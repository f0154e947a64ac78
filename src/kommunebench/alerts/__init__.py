"""The joblog follow-up (SPEC §5, seed 002): monthly smileys, the three action criteria as of any
publication date, the yearly review list, the append-only case log with the action ladder, the
proposed next step and letter drafts.

The rules and the choices made where the seed is terse are in ``docs/joblog.md`` and in the
docstrings of :mod:`~kommunebench.alerts.joblog` (smileys, availability weighting, as-of rule,
review list), :mod:`~kommunebench.alerts.criteria` (eligibility, criteria 1-3 and criterion 3's
cohort), :mod:`~kommunebench.alerts.calendar` (publication calendar),
:mod:`~kommunebench.alerts.caselog` (append-only log) and :mod:`~kommunebench.alerts.proposal`
(next step).

The stage's entry point is :func:`evaluate` (:mod:`~kommunebench.alerts.evaluation`): the status,
the yearly review list and the proposals for the flagged municipalities as of a date, in one
:class:`JoblogEvaluation`. Writing to the case log is :func:`log_action`, whose ``audit`` callback
runs in the same transaction as the entry.
"""

from kommunebench.alerts.calendar import (
    date_label_da,
    format_month,
    latest_published_month,
    month_label_da,
    parse_month,
    publication_date,
)
from kommunebench.alerts.caselog import ACTIONS, case_log, log_action, verify_case_log
from kommunebench.alerts.criteria import CRITERIA, Thresholds, criterion_text
from kommunebench.alerts.evaluation import JoblogEvaluation, evaluate
from kommunebench.alerts.joblog import (
    SMILEYS,
    JoblogStatus,
    green_threshold,
    joblog_history,
    joblog_status,
    review_list,
    smiley,
)
from kommunebench.alerts.letters import draft_letter, letter_context
from kommunebench.alerts.proposal import Proposal, next_on_ladder, propose_next_step

__all__ = [
    "ACTIONS",
    "CRITERIA",
    "SMILEYS",
    "JoblogEvaluation",
    "JoblogStatus",
    "Proposal",
    "Thresholds",
    "case_log",
    "criterion_text",
    "draft_letter",
    "evaluate",
    "format_month",
    "green_threshold",
    "joblog_history",
    "joblog_status",
    "latest_published_month",
    "letter_context",
    "log_action",
    "month_label_da",
    "date_label_da",
    "next_on_ladder",
    "parse_month",
    "propose_next_step",
    "publication_date",
    "review_list",
    "smiley",
    "verify_case_log",
]
