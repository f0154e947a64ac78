"""Response models of the JSON API (they are also what the HTML pages render)."""

from __future__ import annotations

import datetime as dt
from enum import StrEnum
from typing import Annotated

from pydantic import AfterValidator, BaseModel, ConfigDict, Field

from kommunebench.api.models_change import MoveRow as MoveRow
from kommunebench.api.models_change import Moves, NationalRow
from kommunebench.data.reference import AREA_LABELS


def _utc(value: dt.datetime) -> dt.datetime:
    """The warehouse stores naive UTC times; the API says so (RFC 3339 needs an offset)."""
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value.astimezone(dt.UTC)


UtcDatetime = Annotated[dt.datetime, AfterValidator(_utc)]


class _M(BaseModel):
    model_config = ConfigDict(frozen=True)


class Area(StrEnum):
    """The lists (path values): the total and the benefit areas."""

    total = "total"
    a_dagpenge = "a_dagpenge"
    sygedagpenge = "sygedagpenge"
    kontanthjaelp = "kontanthjaelp"
    foertidspension_fleksjob = "foertidspension_fleksjob"


if {a.value for a in Area} != set(AREA_LABELS):  # pragma: no cover - the reference data grew a list
    raise ImportError("api.models.Area is out of step with the reference data's AREA_LABELS")


# ------------------------------------------------------------------------------------ errors


class ErrorDetail(_M):
    status: int = Field(description="HTTP status")
    code: str = Field(description="machine-readable: not_found, validation_error, unauthorized, ...")
    message: str = Field(description="what went wrong, in Danish")
    details: list[dict] | None = Field(None, description="per-field problems of a 422")


class ErrorResponse(_M):
    error: ErrorDetail


# -------------------------------------------------------------------------------- common parts


class Suppression(_M):
    threshold: int = Field(description="cells counting fewer persons than this are suppressed")
    fields: list[str] = Field(description="fields set to null in a suppressed row")
    note: str


class RunInfo(_M):
    run_id: str
    created_at: UtcDatetime
    period: str
    period_text: str
    scope: str
    base_period: str | None
    data_fingerprint: str
    results_sha256: str
    package_version: str
    model_version: str
    seconds: float | None
    k_similar: int
    n_klynger: int
    official: bool | None = Field(None, description="marked official for its period and scope (null: not stated)")
    kind: str | None = Field(None, description="kørsel, genkørsel, fremskrivning or offentliggjort")
    status_label: str | None = Field(None, description="officiel kørsel, or the kind in Danish")
    status_note: str | None = Field(None, description="which run is shown and whether it is official, in Danish")
    compared_with: str | None = Field(None, description="the run the change columns compare with")


class RunDetail(RunInfo):
    params: dict = Field(description="every parameter of the run, incl. the costs and the design")


class Option(_M):
    value: str
    label: str


class ListRow(_M):
    rank: int | None = Field(description="1..98 by the unrounded difference; null if suppressed (listed last)")
    kommunekode: int
    navn: str
    regionskode: int
    regionsnavn: str
    klynge: int | None = Field(description="klynge of similar rammevilkår in this list")
    population: int | None = Field(description="residents 16-66 (persons)")
    expected: int = Field(description="expected fuldtidspersoner, rounded to 10")
    actual: int | None = Field(description="actual fuldtidspersoner, rounded to 10; null if suppressed")
    diff: int | None = Field(description="actual - expected of the rounded counts")
    expected_share: float = Field(description="expected share of the 16-66-year-olds, pct.")
    actual_share: float | None
    diff_pp: float | None = Field(description="actual - expected share, pct. points (rounded figures)")
    potential_mio_kr: float | None = Field(description="savings potential, mio. kr. (positive = above expected)")
    result_target_failed: bool | None = Field(
        None, description="skærpet tilsyn: result target failed (total only; null if suppressed)"
    )
    suppressed: bool
    se_pp: float | None = Field(None, description="standard error of the difference, pct. points")
    lower_pp: float | None = Field(None, description="90 % interval of the difference, lower end")
    upper_pp: float | None = Field(None, description="90 % interval of the difference, upper end")
    rank_lower: int | None = Field(None, description="best rank in the 90 % rank set (marginal)")
    rank_upper: int | None = Field(None, description="worst rank in the 90 % rank set (marginal)")
    flag: int | None = Field(None, description="-1 significantly better, 0 not distinguishable, 1 worse")
    assessment: str | None = Field(None, description="the flag in Danish words")
    surely_tau_best: bool | None = Field(None, description="surely among the 10 best (simultaneous 90 % rank sets)")
    surely_tau_worst: bool | None = Field(None, description="surely among the 10 worst")
    shrunk_pp: float | None = Field(None, description="empirical-Bayes shrunken difference (alternative view)")
    rank_change: int | None = Field(
        None, description="Ændring i placering: previous published rank - this one (+ = moved up); null if not shown"
    )
    diff_pp_change: float | None = Field(None, description="change in the published difference, pct. points")
    total_vs_areas_pp: float | None = Field(
        None, description="published run's total list: published total − sum of the groups (largest gap, pct. points)"
    )


# ---------------------------------------------------------------------------------- pages


class Facts(_M):
    n_ranked: int
    national_potential_mio_kr: float
    n_above_expected: int
    n_result_target_failed: int
    tilsyn_applicable: bool


class MapPoint(_M):
    kommunekode: int
    navn: str
    rank: int | None
    diff_pp: float | None
    suppressed: bool
    url: str


class MapPage(_M):
    run: RunInfo | None
    runs: list[Option]
    area: str
    area_label: str
    areas: list[Option]
    facts: Facts | None
    municipalities: list[MapPoint]
    suppression: Suppression
    attribution: str
    moves: Moves | None = Field(None, description="Største bevægelser since the previous official run (total list)")


class ListPage(_M):
    run: RunInfo
    runs: list[Option]
    area: str
    area_label: str
    areas: list[Option]
    in_total: bool = Field(description="false for the extended scope's extra list")
    region: int | None
    klynge: int | None
    regions: list[Option]
    klynger: list[Option]
    n_total: int
    rows: list[ListRow]
    downloads: dict[str, str]
    suppression: Suppression
    attribution: str
    national: NationalRow | None = Field(None, description="Hele landet (never ranked)")
    published_note: str | None = Field(
        None, description="published run's total list: where the published total differs from the sum of the groups"
    )


class HistoryPoint(_M):
    run_id: str
    period: str
    scope: str
    ranks: dict[str, int | None] = Field(description="list (total or area) → rank 1..98 (null if suppressed)")
    diff_pp: dict[str, float | None]
    official: bool | None = Field(None, description="the period's official run (else its first run)")


class SimilarRow(_M):
    similar_rank: int
    kommunekode: int
    navn: str
    expected_share: float
    distance_pp: float
    diff_pp: float | None
    rank: int | None


class KlyngeMember(_M):
    kommunekode: int
    navn: str
    rank_in_klynge: int | None
    expected_share: float
    diff_pp: float | None
    diff_pp_vs_klynge: float | None


class Klynge(_M):
    klynge: int
    size: int
    lower: float
    upper: float
    mean_expected_share: float
    mean_actual_share: float | None
    mean_diff_pp: float | None
    members: list[KlyngeMember]


class AreaBlock(_M):
    area: str
    area_label: str
    in_total: bool
    row: ListRow
    similar: list[SimilarRow]
    klynge: Klynge
    uncertainty: str | None = Field(None, description="the rank set and flag in words (null if suppressed)")
    n_ranked: int = Field(0, description="how many municipalities have a published rank in this list")


class Potential(_M):
    total_mio_kr: float | None
    by_area_mio_kr: dict[str, float | None]
    costs_dkk_per_fuldtidsperson: dict[str, float]


class Tilsyn(_M):
    applicable: bool
    result_target_failed: bool | None = Field(description="null when the municipality's total is suppressed")
    note: str


class JoblogCounts(_M):
    target_group: int | None = Field(description="persons in the target group (obliged to joblog)")
    green: int | None = Field(description="green smileys: at least 6 registered job searches (weighted)")
    light_green: int | None = Field(description="light green: 1-5 searches")
    red: int | None = Field(description="red: no registered job search")
    green_share: float | None
    light_green_share: float | None
    red_share: float | None
    c3_share: float | None = Field(
        description="criterion 3: share of the measurement month's red still red 3 months later"
    )
    criteria: list[str] = Field(description="action criteria met (1, 2, 3)")
    eligible: bool = Field(description="red >= 20 and target group > 40: monthly follow-up applies")
    suppressed: bool


class JoblogMonth(JoblogCounts):
    month: str = Field(description="YYYY-MM")
    month_label: str
    published_on: dt.date | None


class Municipality(_M):
    kommunekode: int
    navn: str
    regionskode: int
    regionsnavn: str
    formelt_navn: str = Field(description="det officielle navn til formelle tekster, fx 'Københavns Kommune'")


class MunicipalityPage(_M):
    municipality: Municipality
    run: RunInfo | None
    runs: list[Option]
    history: list[HistoryPoint]
    areas: list[AreaBlock]
    potential: Potential | None
    skaerpet_tilsyn: Tilsyn | None
    joblog: list[JoblogMonth]
    joblog_note: str
    suppression: Suppression
    attribution: str


class RunsPage(_M):
    runs: list[RunDetail]


class MunicipalityList(_M):
    municipalities: list[Municipality]


class Me(_M):
    token_id: str
    name: str
    role: str
    description: str
