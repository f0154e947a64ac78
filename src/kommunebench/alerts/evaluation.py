"""The alerts stage's one entry point: the whole joblog follow-up as of a date.

:func:`evaluate` computes, as of ``as_of`` and with the same thresholds throughout,

* ``status``: every municipality's status in the latest published month
  (:func:`~kommunebench.alerts.joblog.joblog_status`);
* ``review_list``: the yearly review list of the **status month's year**, up to the months
  published by ``as_of`` (:func:`~kommunebench.alerts.joblog.review_list` with
  ``year=status.month.year``). Not ``as_of.year``: early in a year no month of that year is
  published yet (January's data come out on 1 April), so the year of the latest published month
  is the year the evaluation can say something about;
* ``proposals``: the proposed next step (:class:`~kommunebench.alerts.proposal.Proposal`) for each
  flagged municipality, in the order of ``status.flagged`` (highest red share first).

Nothing is written: the evaluation only reads the warehouse.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import duckdb
import pandas as pd

from kommunebench.alerts.calendar import parse_date
from kommunebench.alerts.criteria import Thresholds, resolve_thresholds
from kommunebench.alerts.joblog import JoblogStatus, joblog_status, review_list
from kommunebench.alerts.proposal import Proposal, proposal_for
from kommunebench.data import reference
from kommunebench.errors import NotFoundError

__all__ = ["JoblogEvaluation", "evaluate"]


@dataclass(frozen=True)
class JoblogEvaluation:
    """The joblog follow-up as of ``as_of`` (see the module docstring)."""

    as_of: dt.date
    status: JoblogStatus
    review_list: pd.DataFrame = field(repr=False)  # the status month's year, as of as_of
    proposals: tuple[Proposal, ...] = ()  # one per flagged municipality, as status.flagged

    @property
    def month(self) -> dt.date:
        """The status month: the latest month published by ``as_of``."""
        return self.status.month

    @property
    def thresholds(self) -> Thresholds:
        return self.status.thresholds

    @property
    def flagged(self) -> pd.DataFrame:
        """The flagged municipalities' status rows, highest red share first."""
        return self.status.flagged

    @property
    def actions(self) -> tuple[Proposal, ...]:
        """The proposals that propose an action (not those that say wait or no action)."""
        return tuple(p for p in self.proposals if p.action is not None)

    def proposal(self, kommunekode: int | str) -> Proposal:
        """The proposal for one flagged municipality (:class:`NotFoundError` if it is not flagged)."""
        code = reference.resolve_municipality(kommunekode)
        for p in self.proposals:
            if p.kommunekode == code:
                return p
        raise NotFoundError(
            f"{reference.municipality(code).navn} ({code}) opfylder intet handlingskriterium "
            f"pr. {self.as_of.isoformat()}: der er intet forslag"
        )

    def summary(self) -> str:
        n = len(self.actions)
        return (
            f"{self.status.summary()}; {n} proposed action(s), {len(self.review_list)} "
            f"municipalities on the review list of {self.month.year}"
        )


def evaluate(
    con: duckdb.DuckDBPyConnection, as_of: dt.date, *, thresholds: Thresholds | None = None
) -> JoblogEvaluation:
    """The status, the review list and the proposals for the flagged municipalities as of ``as_of``.

    ``thresholds`` defaults to the settings (``joblog_*``). Raises :class:`NotFoundError` when no
    joblog month is published by ``as_of``, and :class:`WarehouseError` when the case log was
    changed outside the product.
    """
    day = parse_date(as_of, what="as-of date")
    th = resolve_thresholds(thresholds)
    status = joblog_status(con, day, thresholds=th)
    review = review_list(con, status.month.year, as_of=day, thresholds=th)
    proposals = tuple(proposal_for(con, status, int(code)) for code in status.flagged["kommunekode"])
    return JoblogEvaluation(as_of=day, status=status, review_list=review, proposals=proposals)
