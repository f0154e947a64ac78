"""Response models of issue 12's additions: the "Hele landet" row and the largest moves."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["MoveRow", "Moves", "NationalRow"]


class _M(BaseModel):
    model_config = ConfigDict(frozen=True)


class NationalRow(_M):
    """ "Hele landet": the national figures of a list (never ranked)."""

    navn: str
    population: int
    expected_share: float | None
    actual_share: float | None
    diff_pp: float | None
    withheld: bool = Field(description="the national shares are withheld (they would reveal suppressed cells)")
    note: str


class MoveRow(_M):
    kommunekode: int
    navn: str
    rank: int | None
    rank_change: int
    diff_pp: float | None
    diff_pp_change: float | None


class Moves(_M):
    """The municipalities that moved most since the previous run (published cells only)."""

    previous_run_id: str
    previous_period: str
    up: list[MoveRow]
    down: list[MoveRow]
