"""The ministry's benchmark lists from expected and actual fuldtidspersoner per municipality.

Input: the model stage's ``municipal`` frame, one row per kommunekode × area (the scope's areas,
*not* the total) with ``population`` (16–66), ``actual`` and ``expected`` fuldtidspersoner.

* **Total** ("Ydelsesgrupper i alt") = the sum over the ministry's three areas (A-dagpenge mv.,
  Sygedagpenge mv., Kontanthjælp mv.) that are present. In the *extended* scope
  ``foertidspension_fleksjob`` gets its own list, similar municipalities, klynger and potential
  columns, but it is **never part of the total, the overall rank or the skærpet tilsyn screen**
  (seed 004: førtidspension and fleksjob are not in the benchmark). ``BenchmarkLists.total_areas``
  and ``.extra_areas`` say which is which.
* **Shares** = count ÷ population × 100; **difference** = actual − expected, in persons and in pct.
  points.
* **Rank** 1..n within each list as published (:mod:`kommunebench.benchmark.ranking`): by the
  displayed difference (rounded actual share − rounded expected share), then the *unrounded*
  difference in pct. points, most negative = 1; exact ties by kommunekode. Never by person
  counts. The frames keep full precision; the publishing stage's
  :func:`kommunebench.publish.display_frame` gives the ministry's rounded Danish display.
* **Skærpet tilsyn** screen: the result target is failed when the total actual share exceeds the
  expected. The rule is defined on an annual (calendar-year, ``YYYYQMAT04``) period; for other
  periods the flags are computed as an indication and ``SkaerpetTilsyn.applicable`` is False.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Mapping
from dataclasses import dataclass
from types import MappingProxyType
from typing import cast

import numpy as np
import pandas as pd

from kommunebench.benchmark.klynger import klynger_frame, similar_frame
from kommunebench.benchmark.potential import Potential, compute_potential, resolve_costs
from kommunebench.benchmark.ranking import rank_as_published, rank_by_difference
from kommunebench.data import reference
from kommunebench.data.periods import Period
from kommunebench.errors import ConfigError, ValidationError
from kommunebench.model.municipal import floor_tiny_expected

__all__ = [
    "MINISTRY_AREAS",
    "EXTRA_AREAS",
    "LIST_COLUMNS",
    "BenchmarkLists",
    "SkaerpetTilsyn",
    "build_lists",
    "rank_by_difference",
]

MINISTRY_AREAS = ("a_dagpenge", "sygedagpenge", "kontanthjaelp")
EXTRA_AREAS = ("foertidspension_fleksjob",)
REQUIRED = ("kommunekode", "area", "population", "actual", "expected")
LIST_COLUMNS = (
    "rank",
    "kommunekode",
    "navn",
    "regionskode",
    "regionsnavn",
    "area",
    "population",
    "expected",
    "actual",
    "diff",
    "expected_share",
    "actual_share",
    "diff_pp",
    "potential_mio_kr",
)
_TIE_DECIMALS = 9
_SHEET_NAMES = {
    "a_dagpenge": "A-dagpenge mv.",
    "sygedagpenge": "Sygedagpenge mv.",
    "kontanthjaelp": "Kontanthjælp mv.",
    "foertidspension_fleksjob": "Førtidspension og fleksjob",
}


@dataclass(frozen=True, eq=False)
class SkaerpetTilsyn:
    """Result-target screen for skærpet tilsyn (enhanced supervision).

    ``frame``: rank, kommunekode, navn, regionskode, regionsnavn, expected_share, actual_share,
    diff_pp, result_target_failed (total actual share > expected share): the overall list in
    reverse rank order (largest difference first).
    ``failed``: the kommunekoder failing the result target (for those the focus targets are to be
    checked next; that needs data this stage does not have). ``applicable`` is True only for an
    annual (calendar-year, ``YYYYQMAT04``) period.
    """

    period: str
    applicable: bool
    frame: pd.DataFrame
    failed: tuple[int, ...]


@dataclass(frozen=True, eq=False)
class BenchmarkLists:
    """All lists of one benchmark period. Frames are full precision with English column names.

    ``overall``: the total list (sorted by rank) with ``result_target_failed``; ``by_area``: area →
    list; ``similar``: k nearest municipalities on expected share per area and the total;
    ``klynger``: klynge per area and the total; ``potential``: :class:`Potential`;
    ``skaerpet_tilsyn``: :class:`SkaerpetTilsyn`. Every row carries navn and region.
    """

    period: str
    total_areas: tuple[str, ...]
    extra_areas: tuple[str, ...]
    overall: pd.DataFrame
    by_area: Mapping[str, pd.DataFrame]
    similar: pd.DataFrame
    klynger: pd.DataFrame
    potential: Potential
    skaerpet_tilsyn: SkaerpetTilsyn
    k_similar: int
    n_klynger: int

    @property
    def areas(self) -> tuple[str, ...]:
        return tuple(self.by_area)

    def _n(self, n: int) -> int:
        if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 0:
            raise ConfigError(f"n must be a non-negative integer, got {n!r}")
        return int(n)

    def top(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` best of the overall list (ranks 1..n), in rank order."""
        return self.overall.head(self._n(n)).reset_index(drop=True)

    def bottom(self, n: int = 10) -> pd.DataFrame:
        """The ``n`` worst of the overall list, in rank order (the last row is rank n_total)."""
        n = self._n(n)
        return self.overall.tail(n).reset_index(drop=True) if n else self.overall.head(0)

    def list_specs(self) -> list[tuple[str, str, pd.DataFrame]]:
        """(file slug, Danish sheet name ≤ 31 chars, full-precision frame) for every list."""
        specs = [("samlet", "Samlet liste", self.overall)]
        specs += [(a, _SHEET_NAMES.get(a, a)[:31], f) for a, f in self.by_area.items()]
        specs += [
            ("lignende_kommuner", "Lignende kommuner", self.similar),
            ("klynger", "Klynger", self.klynger),
            ("besparelsespotentiale", "Besparelsespotentiale", self.potential.frame),
            ("skaerpet_tilsyn", "Skærpet tilsyn", self.skaerpet_tilsyn.frame),
        ]
        return specs

    def to_frames(self) -> dict[str, pd.DataFrame]:
        """Sheet/list name → full-precision frame (copies); :mod:`kommunebench.publish` rounds them."""
        return {name: f.copy() for _, name, f in self.list_specs()}


def _fail(
    rule: str, *, column: str | None = None, row: int | str | None = None, value: object = None, more: int = 0
) -> ValidationError:
    return ValidationError(rule, file="municipal", column=column, row=row, value=value, more=more)


def _validate(municipal: pd.DataFrame, *, complete: bool) -> pd.DataFrame:
    if not isinstance(municipal, pd.DataFrame):
        raise _fail(f"expected a pandas DataFrame, got {type(municipal).__name__}")
    missing = [c for c in REQUIRED if c not in municipal.columns]
    if missing:
        raise _fail(f"missing column(s) {', '.join(missing)}; needs {', '.join(REQUIRED)}")
    if municipal.empty:
        raise _fail("no rows")
    df = municipal[list(REQUIRED)].reset_index(drop=True)
    for col in ("kommunekode", "population", "actual", "expected"):
        num = pd.to_numeric(df[col], errors="coerce").astype(float)
        bad = ~np.isfinite(num.to_numpy())
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise _fail("must be a finite number", column=col, row=i + 1, value=df[col].iat[i], more=int(bad.sum()) - 1)
        df[col] = num
    codes = df["kommunekode"].to_numpy()
    if (codes != np.round(codes)).any():
        i = int(np.flatnonzero(codes != np.round(codes))[0])
        raise _fail("kommunekode must be an integer", column="kommunekode", row=i + 1, value=codes[i])
    df["kommunekode"] = df["kommunekode"].astype("int64")
    known = {m.kommunekode for m in reference.municipalities()}
    unknown = ~df["kommunekode"].isin(known)
    if unknown.any():
        i = int(np.flatnonzero(unknown.to_numpy())[0])
        raise _fail(
            "unknown kommunekode (not one of the 98 municipalities)",
            column="kommunekode",
            row=i + 1,
            value=int(df["kommunekode"].to_numpy()[i]),
            more=int(unknown.sum()) - 1,
        )
    df["area"] = df["area"].astype(str)
    allowed = MINISTRY_AREAS + EXTRA_AREAS
    if (df["area"] == reference.TOTAL).any():
        raise _fail(
            f"area {reference.TOTAL!r} is computed here as the sum of the areas; drop those rows", column="area"
        )
    bad_area = ~df["area"].isin(allowed)
    if bad_area.any():
        i = int(np.flatnonzero(bad_area.to_numpy())[0])
        raise _fail(
            f"unknown area; allowed: {', '.join(allowed)}",
            column="area",
            row=i + 1,
            value=df["area"].iat[i],
            more=int(bad_area.sum()) - 1,
        )
    if not df["area"].isin(MINISTRY_AREAS).any():
        raise _fail(f"no area of the ministry's total ({', '.join(MINISTRY_AREAS)})", column="area")
    dup = df.duplicated(["kommunekode", "area"], keep="first")
    if dup.any():
        i = int(np.flatnonzero(dup.to_numpy())[0])
        raise _fail(
            "duplicate kommunekode × area",
            row=i + 1,
            value=(int(df["kommunekode"].to_numpy()[i]), df["area"].iat[i]),
            more=int(dup.sum()) - 1,
        )
    # A tiny negative expected count (a linear probability model's sum of fitted values) counts as
    # 0, as in the uncertainty stage; anything lower is refused below.
    df["expected"] = floor_tiny_expected(df["expected"].to_numpy(dtype=float))
    for col, rule in (("population", lambda s: s > 0), ("actual", lambda s: s >= 0), ("expected", lambda s: s >= 0)):
        bad = ~rule(df[col])
        if bad.any():
            i = int(np.flatnonzero(bad.to_numpy())[0])
            raise _fail(
                "must be > 0" if col == "population" else "must be >= 0",
                column=col,
                row=i + 1,
                value=df[col].iat[i],
                more=int(bad.sum()) - 1,
            )
    areas = set(df["area"])
    per_muni = df.groupby("kommunekode")["area"].nunique()
    incomplete = per_muni[per_muni < len(areas)]
    if len(incomplete):
        code = int(incomplete.index[0])
        have = set(df.loc[df["kommunekode"] == code, "area"])
        raise _fail(
            f"municipality lacks area(s) {', '.join(sorted(areas - have))}",
            row=f"kommunekode {code}",
            more=len(incomplete) - 1,
        )
    pop = df.groupby("kommunekode")["population"].agg(["min", "max"])
    off = pop[(pop["max"] - pop["min"]) > 1e-9 * pop["max"]]
    if len(off):
        raise _fail(
            "population differs between the areas of a municipality",
            column="population",
            row=f"kommunekode {int(off.index[0])}",
            more=len(off) - 1,
        )
    if complete and df["kommunekode"].nunique() != len(known):
        absent = sorted(known - set(df["kommunekode"]))
        raise _fail(
            f"{len(absent)} municipalit{'y is' if len(absent) == 1 else 'ies are'} "
            f"missing (first: {absent[0]}); pass complete=False to rank a subset",
            column="kommunekode",
        )
    return df


def _names() -> pd.DataFrame:
    return pd.DataFrame(
        [(m.kommunekode, m.navn, m.regionskode, m.regionsnavn) for m in reference.municipalities()],
        columns=["kommunekode", "navn", "regionskode", "regionsnavn"],
    )


def _list_frame(base: pd.DataFrame, area: str, potential: pd.Series) -> pd.DataFrame:
    f = base.copy()
    f["area"] = area
    f["diff"] = f["actual"] - f["expected"]
    f["expected_share"] = f["expected"] / f["population"] * 100.0
    f["actual_share"] = f["actual"] / f["population"] * 100.0
    f["diff_pp"] = f["actual_share"] - f["expected_share"]
    f["rank"] = rank_as_published(f["expected_share"], f["actual_share"], f["kommunekode"])
    f["potential_mio_kr"] = potential.to_numpy()
    return f[list(LIST_COLUMNS)].sort_values("rank").reset_index(drop=True)


def _check_int(name: str, value: object) -> int:
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise ConfigError(f"{name} must be an integer, got {value!r}")
    return int(value)


def build_lists(
    municipal: pd.DataFrame,
    *,
    period: str,
    cost_date: dt.date | None = None,
    costs: Mapping[str, float] | None = None,
    k_similar: int = 5,
    n_klynger: int = 5,
    complete: bool = True,
) -> BenchmarkLists:
    """Build every benchmark list for one period (see the module docstring for the rules).

    ``costs`` (area → kr. per fuldtidsperson) overrides the dated reference table, which is read on
    ``cost_date`` (default: the last day of the period); give one or neither. ``complete=True``
    insists on all 98 municipalities; ``complete=False`` ranks whatever subset is given 1..n.
    Raises :class:`~kommunebench.errors.ValidationError` for bad input and
    :class:`~kommunebench.errors.ConfigError` for bad options.
    """
    p = period if isinstance(period, Period) else Period.parse(period)
    k_similar = _check_int("k_similar", k_similar)
    n_klynger = _check_int("n_klynger", n_klynger)
    if not isinstance(complete, bool):
        raise ConfigError("complete must be True or False")
    df = _validate(municipal, complete=complete)
    present = set(df["area"])
    total_areas = tuple(a for a in MINISTRY_AREAS if a in present)
    extra_areas = tuple(a for a in EXTRA_AREAS if a in present)
    areas = total_areas + extra_areas
    cost_table, used_date = resolve_costs(areas, period=p, cost_date=cost_date, costs=costs)

    wide = df.pivot(index="kommunekode", columns="area", values=["actual", "expected"])
    wide.columns = [f"{v}_{a}" for v, a in cast(pd.MultiIndex, wide.columns)]  # pivot on two values
    wide = wide.reset_index()
    wide["population"] = df.groupby("kommunekode")["population"].first().to_numpy()
    wide = _names().merge(wide, on="kommunekode", how="inner").sort_values("kommunekode")
    wide = wide.reset_index(drop=True)
    potential = compute_potential(wide, areas=areas, total_areas=total_areas, costs=cost_table, cost_date=used_date)
    pot = potential.frame.set_index("kommunekode").loc[wide["kommunekode"]]

    base_cols = ["kommunekode", "navn", "regionskode", "regionsnavn", "population"]
    by_area: dict[str, pd.DataFrame] = {}
    for a in areas:
        base = wide[base_cols].copy()
        base["expected"] = wide[f"expected_{a}"]
        base["actual"] = wide[f"actual_{a}"]
        by_area[a] = _list_frame(base, a, pot[f"potential_{a}_mio_kr"])
    base = wide[base_cols].copy()
    base["expected"] = wide[[f"expected_{a}" for a in total_areas]].sum(axis=1)
    base["actual"] = wide[[f"actual_{a}" for a in total_areas]].sum(axis=1)
    overall = _list_frame(base, reference.TOTAL, pot["potential_mio_kr"])
    if extra_areas:
        overall["potential_incl_extra_mio_kr"] = pot.loc[
            overall["kommunekode"], "potential_incl_extra_mio_kr"
        ].to_numpy()
    failed_flag = overall["actual_share"] > overall["expected_share"]
    overall["result_target_failed"] = failed_flag.to_numpy()

    lists = {reference.TOTAL: overall, **by_area}
    similar = pd.concat([similar_frame(f, k=k_similar) for f in lists.values()], ignore_index=True)
    klynger = pd.concat([klynger_frame(f, n_klynger=n_klynger) for f in lists.values()], ignore_index=True)

    st = overall[
        [
            "rank",
            "kommunekode",
            "navn",
            "regionskode",
            "regionsnavn",
            "expected_share",
            "actual_share",
            "diff_pp",
            "result_target_failed",
        ]
    ].copy()
    st = st.sort_values("rank", ascending=False).reset_index(drop=True)  # the overall list reversed
    tilsyn = SkaerpetTilsyn(
        period=p.label,
        applicable=p.quarter == 4,
        frame=st,
        failed=tuple(int(c) for c in st.loc[st["result_target_failed"], "kommunekode"]),
    )
    return BenchmarkLists(
        period=p.label,
        total_areas=total_areas,
        extra_areas=extra_areas,
        overall=overall,
        by_area=MappingProxyType(by_area),
        similar=similar,
        klynger=klynger,
        potential=potential,
        skaerpet_tilsyn=tilsyn,
        k_similar=k_similar,
        n_klynger=n_klynger,
    )
