"""One frozen public view of a run: what every output (API, pages, CSV, Excel, report) renders.

:func:`public_view` applies the publication rules of :mod:`kommunebench.publish.suppress` to a
run's lists once; the frames it holds keep full precision with suppressed cells empty (NaN), and
:meth:`PublicRun.rows` gives the same rows rounded as published for JSON. Nothing outside this
package needs the raw lists to publish a figure.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from types import MappingProxyType
from typing import Any

import pandas as pd

from kommunebench.benchmark.lists import BenchmarkLists
from kommunebench.benchmark.runs import RunRecord
from kommunebench.errors import ConfigError, NotFoundError
from kommunebench.publish import suppress
from kommunebench.publish.change import national_frame, national_rows, published_changes, with_change_columns
from kommunebench.publish.display import rounded_frame
from kommunebench.publish.labels import AREA_LABELS, PUBLISHED_FIGURES_NOTE, SHEET_NAMES, TOTAL, suppression_note
from kommunebench.publish.meta import check_lists, run_meta_rows
from kommunebench.publish.uncertainty import with_uncertainty

__all__ = ["Facts", "PublicRun", "public_view"]


@dataclass(frozen=True)
class Facts:
    """The headline figures of a run (as the report and the map page show them)."""

    n_ranked: int
    national_potential_mio_kr: float
    national_potential_incl_extra_mio_kr: float | None
    n_above_expected: int
    n_result_target_failed: int
    tilsyn_applicable: bool


def _records(frame: pd.DataFrame) -> tuple[dict[str, Any], ...]:
    """Rows of a rounded frame as plain Python values (``None`` for an empty cell)."""
    out = []
    for rec in frame.astype(object).to_dict("records"):
        row: dict[str, Any] = {}
        for k, v in rec.items():
            if v is None or v is pd.NA or (isinstance(v, float) and v != v):
                row[str(k)] = None
            elif hasattr(v, "item"):
                row[str(k)] = v.item()
            else:
                row[str(k)] = v
        out.append(row)
    return tuple(out)


@dataclass(frozen=True, eq=False)
class PublicRun:
    """A run as it may be published (read-only; build it with :func:`public_view`).

    ``lists`` maps ``total`` and each area to its public list frame: rank order, suppressed
    municipalities last with their rank, actual figures, difference, potential and badges empty.
    ``similar``, ``klynger``, ``potential`` and ``tilsyn`` are the other sheets, suppressed the same
    way. ``meta`` is the stored run's record (``None`` for lists that were never stored).
    """

    period: str
    threshold: int
    total_areas: tuple[str, ...]
    extra_areas: tuple[str, ...]
    k_similar: int
    n_klynger: int
    mask: Mapping[str, frozenset[int]]
    lists: Mapping[str, pd.DataFrame]
    similar: pd.DataFrame
    klynger: pd.DataFrame
    potential: pd.DataFrame
    tilsyn: pd.DataFrame
    facts: Facts
    costs: Mapping[str, float]
    meta_rows: tuple[tuple[str, str], ...]
    record: RunRecord | None = None
    uncertainty_summary: pd.DataFrame | None = None
    funnel_curve: pd.DataFrame | None = None
    previous: RunRecord | None = None  # the run the change columns compare with (issue 12)
    national: Mapping[str, Mapping[str, Any]] = field(default_factory=dict)  # "Hele landet" per list
    changes: pd.DataFrame | None = None  # the published decomposition of the change (publish.change)
    _rows: dict[str, tuple[dict[str, Any], ...]] = field(default_factory=dict, repr=False)

    @property
    def areas(self) -> tuple[str, ...]:
        return tuple(a for a in self.lists if a != TOTAL)

    @property
    def suppression_note(self) -> str:
        if self.record is not None and self.record.is_published:
            return PUBLISHED_FIGURES_NOTE
        return suppression_note(self.threshold)

    def frame(self, name: str) -> pd.DataFrame:
        """The public list of ``total`` or an area (NotFoundError for a list not in the run)."""
        if name not in self.lists:
            raise NotFoundError(f"ydelsesgruppen {name!r} findes ikke i kørslen; vælg en af {', '.join(self.lists)}")
        return self.lists[name]

    def rows(self, name: str) -> tuple[dict[str, Any], ...]:
        """The list's rows rounded as published, as plain values (``None`` = empty or suppressed)."""
        if name not in self._rows:
            self._rows[name] = _records(rounded_frame(self.frame(name)))
        return self._rows[name]

    def ranked(self, name: str = TOTAL) -> pd.DataFrame:
        """The published (not suppressed) rows of a list, in rank order."""
        f = self.frame(name)
        return f[~f["suppressed"].to_numpy(dtype=bool)].reset_index(drop=True)

    def top(self, n: int = 10, name: str = TOTAL) -> pd.DataFrame:
        return self.ranked(name).head(_count(n)).reset_index(drop=True)

    def bottom(self, n: int = 10, name: str = TOTAL) -> pd.DataFrame:
        n = _count(n)
        ranked = self.ranked(name)
        return ranked.tail(n).reset_index(drop=True) if n else ranked.head(0)

    def list_specs(self) -> list[tuple[str, str, pd.DataFrame]]:
        """(file slug, Danish sheet name ≤ 31 chars, public frame) for every sheet, in order."""
        specs = [("samlet", SHEET_NAMES["samlet"], self.lists[TOTAL])]
        specs += [(a, SHEET_NAMES.get(a, AREA_LABELS.get(a, a))[:31], f) for a, f in self.lists.items() if a != TOTAL]
        specs += [
            (slug, SHEET_NAMES[slug], f)
            for slug, f in (
                ("lignende_kommuner", self.similar),
                ("klynger", self.klynger),
                ("besparelsespotentiale", self.potential),
                ("skaerpet_tilsyn", self.tilsyn),
            )
        ]
        if self.national:  # "Hele landet" of every list (issue 12), last so the sheets keep their order
            specs.append(("hele_landet", SHEET_NAMES.get("hele_landet", "Hele landet"), national_frame(self.national)))
        return specs

    def row(self, name: str, kommunekode: int) -> dict[str, Any]:
        """One municipality's rounded row of a list."""
        for r in self.rows(name):
            if r["kommunekode"] == kommunekode:
                return r
        raise NotFoundError(f"kommune {kommunekode} findes ikke i listen {name!r}")


def _count(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 0:
        raise ConfigError(f"n must be a non-negative integer, got {n!r}")
    return n


def _klynge_map(lists: BenchmarkLists, area: str) -> dict[int, int]:
    k = lists.klynger[lists.klynger["area"] == area]
    return {int(c): int(n) for c, n in zip(k["kommunekode"], k["klynge"], strict=True)}


def _published_ranks(frame: pd.DataFrame) -> dict[int, float]:
    pub = frame[~frame["suppressed"].to_numpy(dtype=bool)]
    return {int(c): float(r) for c, r in zip(pub["kommunekode"], pub["rank"], strict=True)}


def public_view(
    lists: BenchmarkLists,
    *,
    threshold: int,
    record: RunRecord | None = None,
    run_meta: Mapping[str, object] | None = None,
    uncertainty: Mapping[str, pd.DataFrame] | None = None,
    previous: PublicRun | None = None,
    change: pd.DataFrame | None = None,
) -> PublicRun:
    """The public view of ``lists`` with cells under ``threshold`` persons suppressed (0 = none).

    ``uncertainty``: the run's uncertainty frames (``uncertainty``, ``uncertainty_summary``,
    ``funnel_curve``); their per-municipality columns join every list and are suppressed with it.
    ``previous``: the public view of the run to compare with and ``change`` its decomposition
    (:mod:`kommunebench.publish.change`: published only where both runs publish the cell).
    """
    unc = dict(uncertainty or {})
    lists = check_lists(lists)
    if isinstance(threshold, bool) or not isinstance(threshold, int) or threshold < 0:
        raise ConfigError(f"the suppression threshold must be a whole number >= 0, got {threshold!r}")
    mask = suppress.suppression_mask(lists, threshold)
    frames = {
        name: with_uncertainty(f, unc.get("uncertainty"), name)
        for name, f in {TOTAL: lists.overall, **lists.by_area}.items()
    }
    public = {
        name: suppress.public_list(f, mask[name], threshold, _klynge_map(lists, name)) for name, f in frames.items()
    }
    public = with_change_columns(public, previous.lists if previous is not None else None)
    countrywide = national_rows(lists, mask, threshold)
    shown = {
        n: not r["withheld"] and previous is not None and not previous.national.get(n, {}).get("withheld", True)
        for n, r in countrywide.items()
    }
    pot = lists.potential
    st = lists.skaerpet_tilsyn
    overall = public[TOTAL]
    if "potential_incl_extra_mio_kr" in overall.columns:
        hide = suppress.extra_hidden(overall["kommunekode"], mask, lists.areas, lists.total_areas)
        overall.loc[hide, "potential_incl_extra_mio_kr"] = float("nan")
    potential = suppress.public_potential(pot.frame, mask, lists.areas, lists.total_areas)
    tilsyn = suppress.public_tilsyn(st.frame, mask)
    national, national_extra, n_above, n_failed = suppress.public_facts(potential, tilsyn)
    facts = Facts(
        n_ranked=int((~overall["suppressed"].to_numpy(dtype=bool)).sum()),  # published ranks
        national_potential_mio_kr=national,
        national_potential_incl_extra_mio_kr=national_extra if pot.national_incl_extra_mio_kr is not None else None,
        n_above_expected=n_above,
        n_result_target_failed=n_failed,
        tilsyn_applicable=st.applicable,
    )
    ranks = {name: _published_ranks(f) for name, f in public.items()}
    meta = dict(run_meta or (record.meta() if record is not None else {}))
    return PublicRun(
        period=lists.period,
        threshold=threshold,
        total_areas=lists.total_areas,
        extra_areas=lists.extra_areas,
        k_similar=lists.k_similar,
        n_klynger=lists.n_klynger,
        mask=MappingProxyType(mask),
        lists=MappingProxyType(public),
        similar=suppress.public_similar(lists.similar, mask, ranks),
        klynger=suppress.public_klynger(lists.klynger, mask),
        potential=potential,
        tilsyn=tilsyn,
        facts=facts,
        costs=MappingProxyType({a: float(v) for a, v in pot.costs.items()}),
        meta_rows=tuple(run_meta_rows(lists, meta, facts=(national, national_extra, n_failed))),
        record=record,
        uncertainty_summary=unc.get("uncertainty_summary"),
        funnel_curve=unc.get("funnel_curve"),
        previous=previous.record if previous is not None else None,
        national=MappingProxyType(countrywide),
        changes=published_changes(change, mask, previous.mask if previous is not None else None, shown),
    )
