"""The engine seam of the model stage: who computes the sufficient statistics of a period.

An engine turns (warehouse, period, design, areas) into a
:class:`~kommunebench.model.accumulate.PeriodStats`; everything after it (the OLS solve, the
expected counts, the per-municipality cross-products of the uncertainty stage, the lists) is the
same code whatever the engine. :class:`DuckDBEngine` (the default) is the embedded streaming
pass — or, when the warehouse already stores every quarter block the period needs (``load
--forbered`` or an earlier ``run --engine incremental``), their sum, read without any scan
(:meth:`~kommunebench.model.incremental.IncrementalEngine.stored_statistics`); :data:`ONE_PASS`
always makes the pass. The scale-out engines live in :mod:`kommunebench.engines` and implement the same protocol.
Every engine must return the same statistics: they are sums of small integers, exact in float64
in any order, so "the same" means bit-identical.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from typing import Protocol, runtime_checkable

import duckdb

from kommunebench.data.periods import Period
from kommunebench.model.accumulate import PeriodStats, period_statistics
from kommunebench.model.design import Design
from kommunebench.model.incremental import IncrementalEngine

__all__ = ["StatsEngine", "DuckDBEngine", "DEFAULT_ENGINE", "ONE_PASS"]

Progress = Callable[[str, int, int], None]


@runtime_checkable
class StatsEngine(Protocol):
    """Computes a period's sufficient statistics; ``describe()`` is stored with the run."""

    name: str

    def period_statistics(
        self,
        con: duckdb.DuckDBPyConnection,
        period: Period,
        *,
        design: Design,
        area_codes: Sequence[Sequence[int]],
        commuting_area_of: Mapping[int, int],
        gram: bool = True,
        progress: Progress | None = None,
    ) -> PeriodStats: ...

    def describe(self) -> dict[str, str]: ...


class DuckDBEngine:
    """The embedded engine: one streaming DuckDB query over the warehouse (the default).

    With ``stored=True`` (the default) a period whose quarter blocks are all stored for the
    current persons and benefit weeks is assembled from them instead: the same integers, so the
    statistics are bit-identical (tests/test_incremental.py), and the engine never writes.
    """

    name = "duckdb"

    def __init__(self, *, stored: bool = True) -> None:
        self.stored = bool(stored)

    def period_statistics(
        self,
        con: duckdb.DuckDBPyConnection,
        period: Period,
        *,
        design: Design,
        area_codes: Sequence[Sequence[int]],
        commuting_area_of: Mapping[int, int],
        gram: bool = True,
        progress: Progress | None = None,
    ) -> PeriodStats:
        if self.stored:
            st = IncrementalEngine().stored_statistics(
                con, period, design=design, area_codes=area_codes, commuting_area_of=commuting_area_of, gram=gram
            )
            if st is not None:
                if progress:
                    progress(f"model data {period.label} (stored quarters)", st.n, st.n)
                return st
        return period_statistics(
            con,
            period,
            design=design,
            area_codes=area_codes,
            commuting_area_of=commuting_area_of,
            gram=gram,
            progress=progress,
        )

    def describe(self) -> dict[str, str]:
        return {"name": self.name}


DEFAULT_ENGINE = DuckDBEngine()
ONE_PASS = DuckDBEngine(stored=False)
