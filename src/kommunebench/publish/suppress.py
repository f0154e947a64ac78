"""Small-cell suppression of a run's lists: one rule set for every output.

Every public output (API JSON, dashboard pages, CSV, Excel, the static HTML report) renders the
public tables made here, so a cell hidden in one is hidden in all. Rules (``threshold`` = the
``suppress_below`` setting, default 5 persons):

* **Primary suppression.** A municipality × list cell whose *actual* number of fuldtidspersoner
  (unrounded) or whose population 16–66 is below the threshold is suppressed: its actual count,
  actual share, difference (persons and pct. points), savings potential, **rank** and **badges**
  (skærpet tilsyn's result target) are empty, the row says ``suppressed``, and it is listed after
  the ranked municipalities (by kommunekode), so its position does not show its rank either. The
  expected figures (a model prediction) stay.
* **Secondary suppression across areas and totals.** The total ("Ydelsesgrupper i alt") is the sum
  of the areas, so a municipality with a suppressed area also has its total suppressed (otherwise
  total − the other areas would give the suppressed one back); the per-area differences and
  potentials of the potential sheet follow the same mask.
* **Derived figures.** A similar municipality's difference and rank are empty when that
  municipality is suppressed in the list; a klynge with a suppressed member publishes no mean
  actual share, mean difference or "difference to the klynge mean"; a suppressed member shows no
  rank in the klynge.

* **Allow-list, not block-list.** A suppressed row keeps only the columns of
  :data:`PUBLIC_WHEN_SUPPRESSED` (who it is, its population and the model's expected figures);
  every other column — also one added later (intervals, scores, flags) — is empty.
* **No rank gaps.** Ranks (the list's ``rank``, ``rank_in_klynge``, a similar municipality's
  placering) are renumbered 1..n over the *published* rows, so the gap a suppressed row leaves
  does not show where it would stand (bracketing by its neighbours' differences).
* **National figures from published cells only.** The national potential, the count above
  expected and the skærpet-tilsyn count are sums over published cells (see
  :func:`public_facts`): the national figure minus the published ones gives nothing back.
* **Order.** Every sheet lists suppressed rows last, by kommunekode.

Residual risk, documented in docs/api.md: the expected figures and populations of a suppressed
cell are public (they do not depend on its actual count).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

import numpy as np
import pandas as pd

from kommunebench.benchmark.lists import BenchmarkLists
from kommunebench.data.reference import TOTAL
from kommunebench.publish.uncertainty import UNCERTAINTY_FIELDS

__all__ = [
    "SUPPRESSED_FIELDS",
    "PUBLIC_WHEN_SUPPRESSED",
    "public_facts",
    "extra_hidden",
    "small",
    "suppression_mask",
    "public_list",
    "public_similar",
    "public_klynger",
    "public_potential",
    "public_tilsyn",
]

SUPPRESSED_FIELDS = (
    "rank",
    "actual",
    "diff",
    "actual_share",
    "diff_pp",
    "potential_mio_kr",
    "potential_incl_extra_mio_kr",
    "result_target_failed",
) + UNCERTAINTY_FIELDS  # SE, interval, rank set, flag: around a suppressed cell they would reveal it


# The only columns a suppressed row shows; everything else is blanked (also columns added later).
PUBLIC_WHEN_SUPPRESSED = frozenset(
    {
        "kommunekode",
        "navn",
        "regionskode",
        "regionsnavn",
        "area",
        "klynge",
        "suppressed",
        "population",
        "expected",
        "expected_share",
    }
)
# A similar municipality's row: what may stay when the *neighbour* is suppressed.
_SIMILAR_PUBLIC = frozenset(
    {
        "kommunekode",
        "navn",
        "area",
        "expected_share",
        "similar_rank",
        "similar_kommunekode",
        "similar_navn",
        "similar_expected_share",
        "distance_pp",
    }
)
# A klynge row: what may stay for every member of a klynge that has a suppressed member.
_KLYNGE_OPEN = frozenset(
    {
        "kommunekode",
        "navn",
        "regionskode",
        "regionsnavn",
        "area",
        "klynge",
        "klynge_size",
        "klynge_lower",
        "klynge_upper",
        "klynge_expected_share",
        "expected_share",
        "rank_in_klynge",
    }
)


def small(value: object, threshold: int) -> bool:
    """True when a count of persons is below the publication threshold."""
    try:
        v = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return False
    return math.isfinite(v) and v < threshold


def suppression_mask(lists: BenchmarkLists, threshold: int) -> dict[str, frozenset[int]]:
    """List name (``total`` or an area) → the kommunekoder whose cell is suppressed."""

    def primary(f: pd.DataFrame) -> set[int]:
        bad = (f["actual"].to_numpy(float) < threshold) | (f["population"].to_numpy(float) < threshold)
        return {int(c) for c in f.loc[bad, "kommunekode"]}

    out = {a: frozenset(primary(f)) for a, f in lists.by_area.items()}
    total = primary(lists.overall)
    for a in lists.total_areas:
        total |= out[a]
    out[TOTAL] = frozenset(total)
    return out


def _blank_except(frame: pd.DataFrame, rows: np.ndarray, keep: frozenset[str]) -> None:
    _blank(frame, rows, [c for c in frame.columns if c not in keep])


def _dense_rank(frame: pd.DataFrame, column: str, published: np.ndarray, by: list[str] | None = None) -> None:
    """Renumber ``column`` 1..n over the published rows (in its current order; per group ``by``)."""
    if column not in frame.columns:
        return
    order = frame[column].to_numpy(dtype=float)
    pub = frame[published].assign(_o=order[published], _i=np.flatnonzero(published))
    if by:
        ranks = pub.sort_values(["_o", "_i"]).groupby(by, sort=False).cumcount() + 1
    else:
        ranks = pd.Series(np.arange(1, len(pub) + 1), index=pub.sort_values(["_o", "_i"]).index)
    frame[column] = frame[column].astype(float)
    frame.loc[ranks.index, column] = ranks.to_numpy(dtype=float)


def _blank(frame: pd.DataFrame, rows: np.ndarray, columns: list[str]) -> None:
    for col in columns:
        if col not in frame.columns:
            continue
        if frame[col].dtype == bool:
            frame[col] = frame[col].astype(object)
        elif pd.api.types.is_integer_dtype(frame[col]):
            frame[col] = frame[col].astype(float)
        frame.loc[rows, col] = None if frame[col].dtype == object else np.nan


def public_list(
    frame: pd.DataFrame, hidden: frozenset[int], threshold: int, klynge_of: Mapping[int, int]
) -> pd.DataFrame:
    """One list (rank order) with its suppressed rows blanked and moved last; adds klynge and suppressed."""
    f = frame.copy()
    after = list(f.columns).index("regionsnavn") + 1
    f.insert(after, "klynge", [klynge_of.get(int(c)) for c in f["kommunekode"]])
    f["suppressed"] = f["kommunekode"].isin(hidden).to_numpy()
    _blank_except(f, f["suppressed"].to_numpy(), PUBLIC_WHEN_SUPPRESSED)
    _blank(f, (f["population"].to_numpy(float) < threshold), ["population"])
    _dense_rank(f, "rank", ~f["suppressed"].to_numpy(dtype=bool))
    _rank_sets_among_published(f)
    f["_order"] = np.where(f["suppressed"], 1, 0)
    f = f.sort_values(["_order", "rank", "kommunekode"], na_position="last", kind="stable")
    return f.drop(columns="_order").reset_index(drop=True)


def _rank_sets_among_published(frame: pd.DataFrame) -> None:
    """Rank sets (computed over every municipality) restated for ranks renumbered over the published rows.

    With ``s`` suppressed rows a published rank is the full rank minus the number of suppressed
    municipalities ranked above it, a number between 0 and ``s``; so [L − s, U] ∩ [1, n] covers the
    published rank whenever [L, U] covers the full one. Only ``s`` (public: the number of empty
    rows) is used, and "surely among the 10 best/worst" stays true among fewer municipalities.
    """
    if "rank_lower" not in frame.columns or "rank_upper" not in frame.columns:
        return
    hidden = frame["suppressed"].to_numpy(dtype=bool)
    s, n = int(hidden.sum()), int((~hidden).sum())
    if s == 0:
        return
    lower = pd.to_numeric(frame["rank_lower"], errors="coerce").to_numpy(dtype=float)
    upper = pd.to_numeric(frame["rank_upper"], errors="coerce").to_numpy(dtype=float)
    frame["rank_lower"] = pd.array(np.where(hidden, np.nan, np.clip(lower - s, 1, n)), dtype="Int64")
    frame["rank_upper"] = pd.array(np.where(hidden, np.nan, np.clip(upper, 1, n)), dtype="Int64")


def public_similar(
    similar: pd.DataFrame,
    mask: Mapping[str, frozenset[int]],
    ranks: Mapping[str, Mapping[int, float]] | None = None,
) -> pd.DataFrame:
    """Similar municipalities: a suppressed neighbour shows only who it is; a published one its
    public rank (``ranks``: list → kommunekode → the rank published in that list)."""
    f = similar.copy()
    hidden = np.array(
        [int(c) in mask.get(a, frozenset()) for c, a in zip(f["similar_kommunekode"], f["area"], strict=True)],
        dtype=bool,
    )
    _blank_except(f, hidden, _SIMILAR_PUBLIC)
    if ranks is not None and "similar_placering" in f.columns:
        f["similar_placering"] = [
            np.nan if h else ranks.get(a, {}).get(int(c), np.nan)
            for h, c, a in zip(hidden, f["similar_kommunekode"], f["area"], strict=True)
        ]
    return f


def public_klynger(klynger: pd.DataFrame, mask: Mapping[str, frozenset[int]]) -> pd.DataFrame:
    """Klynger: own figures of a suppressed member empty; means of a klynge with one empty too."""
    f = klynger.copy()
    own = np.array(
        [int(c) in mask.get(a, frozenset()) for c, a in zip(f["kommunekode"], f["area"], strict=True)], dtype=bool
    )
    closed = pd.Series(own).groupby([f["area"].to_numpy(), f["klynge"].to_numpy()]).transform("any").to_numpy()
    _blank_except(f, own, PUBLIC_WHEN_SUPPRESSED | (_KLYNGE_OPEN - {"rank_in_klynge"}))
    _blank_except(f, closed, PUBLIC_WHEN_SUPPRESSED | _KLYNGE_OPEN | {"actual_share", "diff_pp"})
    _dense_rank(f, "rank_in_klynge", ~own, by=["area", "klynge"])
    areas = {a: i for i, a in enumerate(dict.fromkeys(f["area"]))}
    f["_area"] = f["area"].map(areas)
    f["_order"] = own.astype(int)  # a suppressed member last in its klynge: its place would show its rank
    f = f.sort_values(["_area", "klynge", "_order"], kind="stable")
    return f.drop(columns=["_area", "_order"]).reset_index(drop=True)


def public_potential(
    potential: pd.DataFrame,
    mask: Mapping[str, frozenset[int]],
    areas: tuple[str, ...],
    total_areas: tuple[str, ...] | None = None,
) -> pd.DataFrame:
    """The potential sheet: per-area differences and potentials follow the area's mask, the total the total's."""
    f = potential.copy()
    codes = f["kommunekode"].astype(int)
    for a in areas:
        _blank(f, codes.isin(mask.get(a, frozenset())).to_numpy(), [f"diff_{a}", f"potential_{a}_mio_kr"])
    total = codes.isin(mask.get(TOTAL, frozenset())).to_numpy()
    _blank(f, total, ["potential_mio_kr", "potential_incl_extra_mio_kr"])
    _blank(
        f, extra_hidden(codes, mask, areas, total_areas), ["potential_incl_extra_mio_kr"]
    )  # incl. extra − total = the extra area
    f["_order"] = total.astype(int)
    return f.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)


def extra_hidden(
    codes: pd.Series, mask: Mapping[str, frozenset[int]], areas: tuple[str, ...], total_areas: tuple[str, ...] | None
) -> np.ndarray:
    """Rows whose potential including the extra areas must be empty: incl. extra − total = the extra areas."""
    extra = [a for a in areas if total_areas is not None and a not in total_areas]
    hidden: set[int] = set(mask.get(TOTAL, frozenset()))
    for a in extra:
        hidden |= mask.get(a, frozenset())
    return codes.astype(int).isin(hidden).to_numpy()


def public_facts(potential: pd.DataFrame, tilsyn: pd.DataFrame) -> tuple[float, float | None, int, int]:
    """National potential (and incl. extra areas), count above expected and count failing the result
    target, over the *published* cells only (a national total would give the suppressed ones back)."""
    v = potential["potential_mio_kr"].to_numpy(dtype=float)
    v = v[np.isfinite(v)]
    extra = None
    if "potential_incl_extra_mio_kr" in potential.columns:
        e = potential["potential_incl_extra_mio_kr"].to_numpy(dtype=float)
        e = e[np.isfinite(e)]
        extra = float(e[e > 0].sum())
    failed = int((tilsyn["result_target_failed"].astype(object) == True).sum())  # noqa: E712 - None stays out
    return float(v[v > 0].sum()), extra, int((v > 0).sum()), failed


def public_tilsyn(tilsyn: pd.DataFrame, mask: Mapping[str, frozenset[int]]) -> pd.DataFrame:
    """The skærpet tilsyn screen: a suppressed total shows no rank, actual share, difference or badge."""
    f = tilsyn.copy()
    f["suppressed"] = f["kommunekode"].isin(mask.get(TOTAL, frozenset())).to_numpy()
    _blank_except(f, f["suppressed"].to_numpy(), PUBLIC_WHEN_SUPPRESSED)
    _dense_rank(f, "rank", ~f["suppressed"].to_numpy(dtype=bool))
    f["_order"] = np.where(f["suppressed"], 1, 0)
    return f.sort_values("_order", kind="stable").drop(columns="_order").reset_index(drop=True)
