"""The published runs on the web: the reproduction report and the rank over time, each a page
with its JSON twin (``/offentliggjort/kontrol`` and ``/offentliggjort/placeringer``).

Both come from the same jobs as ``kommunebench published check`` and ``published history``
(:mod:`kommunebench.pipeline.published`), over the newest import of every stored period.
"""

from __future__ import annotations

import math
from typing import Any

import pandas as pd
from fastapi import Depends, Query
from pydantic import BaseModel, ConfigDict, Field

from kommunebench.api.common import muni
from kommunebench.api.models import Municipality, Option
from kommunebench.api.twins import Ctx, Pages, get_ctx
from kommunebench.data import reference
from kommunebench.data.periods import Period
from kommunebench.errors import NotFoundError, ReferenceDataError
from kommunebench.pipeline.published import check_published, published_history
from kommunebench.publish import AREA_LABELS, period_text
from kommunebench.publish.rounding import round_half_away
from kommunebench.published import TABLE

__all__ = ["pages", "ReproductionPage", "RankHistoryPage"]

pages = Pages()
AREAS = ("total", "a_dagpenge", "sygedagpenge", "kontanthjaelp")


class _M(BaseModel):
    model_config = ConfigDict(frozen=True)


class ReproducedList(_M):
    period: str
    group: str
    label: str
    n: int = Field(description="kommuner på listen")
    unique: int = Field(description="kommuner med en forskel, ingen anden har")
    unique_exact: int = Field(description="heraf placeret præcis som offentliggjort af reglen")
    tie_groups: int = Field(description="grupper af kommuner med samme viste forskel")
    in_ties: int
    outside_block: int = Field(description="offentliggjorte placeringer uden for deres gruppes pladser")
    exact: int = Field(description="placeringer, reglen giver præcis (ved ens forskel: efter kommunekode)")


class TieBlock(_M):
    period: str
    group: str
    label: str
    diff_pp: float
    positions: str = Field(description="de pladser gruppen optager, fx '12–14'")
    members: int
    published_ranks: str = Field(description="medlemmernes offentliggjorte placeringer")
    inside: bool


class Inconsistency(_M):
    period: str
    group: str
    label: str
    kommunekode: int
    navn: str
    kind: str
    detail: str


class KindCount(_M):
    kind: str
    n: int


class ReproductionPage(_M):
    table: str
    all_reproduced: bool
    periods: list[str]
    entries: int
    entries_in_ties: int
    lists: list[ReproducedList]
    blocks: list[TieBlock]
    kinds: list[KindCount]
    issues: list[Inconsistency]


class RankEntry(_M):
    period: str
    rank: int | None
    diff_pp: float | None
    rank_change: int | None = Field(description="forrige placering − placering: positiv = rykket op mod 1")


class RankHistoryRow(_M):
    kommunekode: int
    navn: str
    entries: list[RankEntry] = Field(description="én pr. periode, i periodernes rækkefølge")


class RankHistoryPage(_M):
    table: str
    area: str
    label: str
    periods: list[str]
    period_texts: list[str]
    areas: list[Option]
    municipality: Municipality | None
    rows: list[RankHistoryRow]


def _value(v: object) -> Any:
    if v is None or v is pd.NA or (isinstance(v, float) and math.isnan(v)):
        return None
    return v.item() if hasattr(v, "item") else v


def _rows(frame: pd.DataFrame, **extra: Any) -> list[dict[str, Any]]:
    out = []
    for r in frame.to_dict("records"):
        row = {str(k): _value(v) for k, v in r.items()}
        if "group" in row:
            row["label"] = AREA_LABELS.get(str(row["group"]), str(row["group"]))
        out.append({**row, **extra})
    return out


def _issues(frame: pd.DataFrame) -> list[Inconsistency]:
    names = {m.kommunekode: m.navn for m in reference.municipalities()}
    return [Inconsistency.model_validate({**r, "navn": names.get(int(r["kommunekode"]), "")}) for r in _rows(frame)]


@pages.page(
    "/offentliggjort/kontrol",
    template="offentliggjort_kontrol.html",
    model=ReproductionPage,
    tags=["sider"],
    summary="Genskabelsesrapport: giver rangreglen de offentliggjorte placeringer (jobindsats)?",
)
def reproduction_page(ctx: Ctx = Depends(get_ctx)) -> ReproductionPage:
    """Per periode og liste: unikke forskelle genskabt præcist, grupper af ens forskel og deres
    pladser, og hver uoverensstemmelse (som ``kommunebench published check --blocks``)."""
    rep = ctx.wh.cached(("published_check", TABLE), lambda con: check_published(db=con, table=TABLE))
    lists = [ReproducedList.model_validate(r) for r in _rows(rep.lists)]
    blocks = [TieBlock.model_validate(r) for r in _rows(rep.blocks)] if len(rep.blocks) else []
    kinds = [KindCount(kind=str(k), n=int(n)) for k, n in rep.issues["kind"].value_counts().items()]
    return ReproductionPage(
        table=TABLE,
        all_reproduced=rep.all_reproduced,
        periods=sorted({x.period for x in lists}, key=lambda p: Period.parse(p).quarters[-1]),
        entries=sum(x.n for x in lists),
        entries_in_ties=sum(x.in_ties for x in lists),
        lists=lists,
        blocks=blocks,
        kinds=kinds,
        issues=_issues(rep.issues),
    )


def _municipality(kommune: str | None) -> reference.Municipality | None:
    if kommune is None:
        return None
    try:
        return reference.municipality(reference.resolve_municipality(kommune))
    except ReferenceDataError:
        raise NotFoundError(f"ukendt kommune {kommune!r}: hverken en kommunekode eller et kendt navn") from None


def _history_rows(h: pd.DataFrame, periods: list[str]) -> list[RankHistoryRow]:
    out = []
    for _, g in h.groupby("kommunekode", sort=False):
        by_period = {str(r["period"]): r for r in _rows(g)}
        entries = []
        for p in periods:
            r = by_period.get(p, {})
            diff = r.get("diff_pp")
            entries.append(
                RankEntry(
                    period=p,
                    rank=r.get("rank"),
                    diff_pp=None if diff is None else float(round_half_away(float(diff), 2)),
                    rank_change=r.get("rank_change"),
                )
            )
        first = g.iloc[0]
        out.append(RankHistoryRow(kommunekode=int(first["kommunekode"]), navn=str(first["navn"]), entries=entries))
    return out


@pages.page(
    "/offentliggjort/placeringer",
    template="offentliggjort_placeringer.html",
    model=RankHistoryPage,
    tags=["sider"],
    summary="Placering over tid i de offentliggjorte lister med ændringen siden forrige periode",
)
def rank_history_page(
    ctx: Ctx = Depends(get_ctx),
    omraade: str = Query("total", pattern="^(total|a_dagpenge|sygedagpenge|kontanthjaelp)$", description="listen"),
    kommune: str | None = Query(None, max_length=60, description="én kommune (navn eller kode); standard: alle"),
) -> RankHistoryPage:
    """Placeringen i hver importeret periode, sorteret efter den nyeste, med ændringen siden forrige
    periode (som ``kommunebench published history``)."""
    m = _municipality(kommune)
    h = ctx.wh.cached(("published_history", TABLE), lambda con: published_history(db=con, table=TABLE))
    if h.empty:
        raise NotFoundError(f"ingen offentliggjorte kørsler af {TABLE}: 'kommunebench import jobindsats FIL'")
    h = h[h["area"] == omraade]
    periods = sorted(set(h["period"]), key=lambda p: Period.parse(p).quarters[-1])
    latest = h[h["period"] == periods[-1]].set_index("kommunekode")["rank"]
    h = h.assign(_order=h["kommunekode"].map(latest).fillna(99)).sort_values(["_order", "kommunekode"], kind="stable")
    if m is not None:
        h = h[h["kommunekode"] == m.kommunekode]
    return RankHistoryPage(
        table=TABLE,
        area=omraade,
        label=AREA_LABELS[omraade],
        periods=periods,
        period_texts=[period_text(p) for p in periods],
        areas=[Option(value=a, label=AREA_LABELS[a]) for a in AREAS],
        municipality=muni(m) if m is not None else None,
        rows=_history_rows(h.drop(columns="_order"), periods),
    )
