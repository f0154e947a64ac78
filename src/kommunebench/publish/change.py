"""What changed since the previous run, as published; and the "Hele landet" row of every list.

**Change** (:mod:`kommunebench.model.change`): every list gets two columns, ``rank_change``
("Ændring i placering": the earlier published rank minus the new one, so + is a move up towards
1) and ``diff_pp_change`` (the change in the *published* difference, pct. points). The
decomposition of the change in the difference (actual, composition, labour market, model) is
published per municipality and list in :attr:`PublicRun.changes`, its parts rounded to 2
decimals (they sum exactly before rounding).

Suppression: a change is published only where the cell is published in **both** runs (the rank
change of a suppressed cell would reveal its rank; its change in the difference, its actual
share). Ranks are the published ones (renumbered over the published rows), so a rank change
reveals nothing the two published lists do not.

**Hele landet**: the national population, expected and actual shares and difference of each
list (from all municipalities). The national actual share minus the published cells could give a
suppressed cell back, so the national actual share and difference are withheld when the list has
suppressed cells and the rounding of the national share (±0,005 pct.-point of the population, in
persons) does not cover all the suppressed cells could hold (threshold × their number). The
national expected share is withheld with them: for a model fitted on its own period it equals the
national actual share. The national row is never ranked.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from kommunebench.benchmark.lists import BenchmarkLists
from kommunebench.data.reference import TOTAL
from kommunebench.publish.format import format_number_da, signed_da
from kommunebench.publish.rounding import round_half_away

if TYPE_CHECKING:
    from kommunebench.publish.view import PublicRun

__all__ = [
    "CHANGE_COLUMNS",
    "NATIONAL_NAME",
    "PART_LABELS",
    "change_block",
    "largest_moves",
    "national_display",
    "national_frame",
    "national_rows",
    "published_changes",
    "with_change_columns",
]

CHANGE_COLUMNS = ("rank_change", "diff_pp_change")
NATIONAL_NAME = "Hele landet"
PART_LABELS = {
    "actual": "Faktisk andel",
    "composition": "Sammensætning (nye personer)",
    "labour_market": "Lokalt arbejdsmarked",
    "model": "Modellens koefficienter",
}
NO_PREVIOUS = "Der er ingen tidligere kørsel af samme scope at sammenligne med."
NOT_STORED = "Opdelingen af ændringen er ikke gemt for en af kørslerne (kør benchmarket igen)."
PUBLISHED = (
    "Offentliggjorte tal (jobindsats.dk) indeholder ikke ministeriets model, så ændringen kan ikke opdeles her; "
    "ændringen i placering siden forrige offentliggjorte periode står i listerne og under Placering over tid."
)
SUPPRESSED = "Ændringen vises ikke, fordi tallene er undertrykt (for få personer) i en af kørslerne."
NOTE = (
    "Ændringen i forskellen er opdelt eksakt: ændringen i den faktiske andel, minus ændringen i den "
    "forventede andel fordelt på ny sammensætning af personerne (samme koefficienter), det lokale "
    "arbejdsmarked (samme koefficienter) og modellens nye koefficienter. Afrundede tal summerer ikke altid præcist."
)
SAME_YEAR = (
    " Begge perioder slutter i {year}, så personerne er de samme (befolkningen pr. 1. januar {year}): "
    "sammensætningen er 0 pr. konstruktion. Det lokale arbejdsmarked måles pr. kvartal og kan ændre sig."
)


def _r2(values: Any) -> np.ndarray:
    return round_half_away(np.asarray(values, dtype=float), 2)


def _shown_diff(frame: pd.DataFrame) -> dict[int, float]:
    """kommunekode → the published difference (rounded shares' difference) of the published rows."""
    pub = frame[~frame["suppressed"].to_numpy(dtype=bool)]
    diff = np.round(_r2(pub["actual_share"]) - _r2(pub["expected_share"]), 2)
    return {int(c): float(d) for c, d in zip(pub["kommunekode"], diff, strict=True)}


def with_change_columns(
    public: Mapping[str, pd.DataFrame], previous: Mapping[str, pd.DataFrame] | None
) -> dict[str, pd.DataFrame]:
    """Every public list with ``rank_change`` and ``diff_pp_change`` (empty unless published in both)."""
    out = {}
    for name, frame in public.items():
        f = frame.copy()
        old = previous.get(name) if previous is not None else None
        if old is None:
            f["rank_change"] = pd.array([pd.NA] * len(f), dtype="Int64")
            f["diff_pp_change"] = np.nan
            out[name] = f
            continue
        old_pub = old[~old["suppressed"].to_numpy(dtype=bool)]
        old_rank = {int(c): float(r) for c, r in zip(old_pub["kommunekode"], old_pub["rank"], strict=True)}
        old_diff, new_diff = _shown_diff(old), _shown_diff(f)
        codes = [int(c) for c in f["kommunekode"]]
        shown = [c in new_diff and c in old_rank for c in codes]
        ranks = f["rank"].to_numpy(dtype=float, na_value=np.nan)
        f["rank_change"] = pd.array(
            [int(old_rank[c] - r) if ok else pd.NA for c, r, ok in zip(codes, ranks, shown, strict=True)], dtype="Int64"
        )
        f["diff_pp_change"] = [
            round(new_diff[c] - old_diff[c], 2) if ok else np.nan for c, ok in zip(codes, shown, strict=True)
        ]
        out[name] = f
    return out


def published_changes(
    change: pd.DataFrame | None,
    mask: Mapping[str, frozenset[int]],
    previous_mask: Mapping[str, frozenset[int]] | None,
    national_shown: Mapping[str, bool],
) -> pd.DataFrame | None:
    """The decomposition (:func:`kommunebench.benchmark.change.change_frame`) as published: rows of
    cells suppressed in either run (and the national row when withheld) are empty; 2 decimals."""
    if change is None or previous_mask is None:
        return None
    f = change.copy()
    hidden = []
    for code, name in zip(f["kommunekode"], f["list"], strict=True):
        if int(code) == 0:
            hidden.append(not national_shown.get(name, False))
        else:
            hidden.append(int(code) in mask.get(name, frozenset()) or int(code) in previous_mask.get(name, frozenset()))
    f["suppressed"] = hidden
    values = [c for c in f.columns if c.endswith("_pp") or c.startswith("diff_pp")]
    for col in values:
        f[col] = np.where(f["suppressed"], np.nan, _r2(f[col]))
    return f


def national_rows(lists: BenchmarkLists, mask: Mapping[str, frozenset[int]], threshold: int) -> dict[str, dict]:
    """List name → the "Hele landet" row (rounded; see the module doc for what is withheld)."""
    out = {}
    for name, f in {TOTAL: lists.overall, **lists.by_area}.items():
        pop = float(f["population"].sum())
        expected = float(f["expected"].sum()) / pop * 100.0
        actual = float(f["actual"].sum()) / pop * 100.0
        n_hidden = len(mask.get(name, frozenset()))
        shown = n_hidden == 0 or pop / 20_000.0 >= threshold * n_hidden
        e, a = (float(v) for v in _r2([expected, actual]))
        out[name] = {
            "navn": NATIONAL_NAME,
            "population": int(round(pop)),
            "expected_share": e if shown else None,
            "actual_share": a if shown else None,
            "diff_pp": round(a - e, 2) if shown else None,
            "withheld": not shown,
            "note": ""
            if shown
            else "Landstallet vises ikke, fordi det sammen med de viste kommuner ville afsløre undertrykte tal.",
        }
    return out


def national_frame(national: Mapping[str, Mapping[str, Any]]) -> pd.DataFrame:
    """The "Hele landet" sheet/CSV: one row per list (withheld shares empty; never ranked)."""
    return pd.DataFrame(
        [
            {
                "navn": NATIONAL_NAME,
                "area": name,
                "population": row["population"],
                "expected_share": np.nan if row["expected_share"] is None else row["expected_share"],
                "actual_share": np.nan if row["actual_share"] is None else row["actual_share"],
                "diff_pp": np.nan if row["diff_pp"] is None else row["diff_pp"],
            }
            for name, row in national.items()
        ]
    )


def national_display(row: Mapping[str, Any]) -> dict[str, str]:
    """The "Hele landet" row as Danish text by the lists' column headers (CLI, CSV, Excel, HTML)."""
    return {
        "Placering": "–",
        "Kommune": NATIONAL_NAME,
        "Befolkning 16-66 år": format_number_da(row["population"], "persons", missing="–"),
        "Forventet andel (pct.)": format_number_da(row["expected_share"], "share", missing="–"),
        "Faktisk andel (pct.)": format_number_da(row["actual_share"], "share", missing="–"),
        "Forskel (pct.-point)": signed_da(row["diff_pp"], "share", missing="–"),
    }


def change_block(view: PublicRun, kommunekode: int, name: str) -> dict[str, Any]:
    """One municipality's (or, with kommunekode 0, the country's) change in one list."""
    prev = view.previous
    base: dict[str, Any] = {
        "list": name,
        "available": False,
        "previous_run_id": prev.run_id if prev else None,
        "previous_period": prev.period if prev else None,
        "parts": [],
        "sentence": "",
        "note": NO_PREVIOUS,
    }
    if prev is None:
        return base
    if view.changes is None:
        published = view.record is not None and view.record.is_published
        return {**base, "note": PUBLISHED if published else NOT_STORED}
    rows = view.changes[(view.changes["kommunekode"] == kommunekode) & (view.changes["list"] == name)]
    if rows.empty or bool(rows["suppressed"].iloc[0]):
        return {**base, "note": SUPPRESSED}
    r = rows.iloc[0]
    parts = [{"part": k, "label": v, "change_pp": float(r[f"change_{k}_pp"])} for k, v in PART_LABELS.items()]
    rank = rank_change = None
    diff, change = float(r["diff_pp_new"]), float(r["diff_pp_change"])
    if kommunekode:  # a municipality: the figures its lists publish (rounded shares' difference)
        row = view.row(name, kommunekode)
        rank, rank_change = row.get("rank"), row.get("rank_change")
        if row.get("diff_pp") is not None and row.get("diff_pp_change") is not None:
            diff, change = float(row["diff_pp"]), float(row["diff_pp_change"])
    old_rank = None if rank_change is None or rank is None else int(rank) + int(rank_change)
    return {
        **base,
        "available": True,
        "rank": rank,
        "rank_previous": old_rank,
        "rank_change": rank_change,
        "diff_pp": diff,
        "diff_pp_previous": round(diff - change, 2),
        "diff_pp_change": change,
        "parts": parts,
        "sentence": _sentence(change, parts, rank_change, prev.period),
        "note": NOTE + _same_year(view.period, prev.period),
    }


def _same_year(period: str, previous: str) -> str:
    """The note's addition when both periods share their population year (the year they end in)."""
    year, previous_year = period[:4], previous[:4]
    return SAME_YEAR.format(year=year) if year == previous_year and year.isdigit() else ""


def _sentence(change: float, parts: list[dict], rank_change: int | None, period: str) -> str:
    moved = ""
    if rank_change:
        moved = f" og placeringen er {abs(rank_change)} {'plads' if abs(rank_change) == 1 else 'pladser'} "
        moved += "bedre" if rank_change > 0 else "dårligere"
    main = max(parts, key=lambda p: abs(p["change_pp"]))
    return (
        f"Siden {period} er forskellen ændret med {signed_da(change)} pct.-point{moved}; "
        f"det største bidrag er {main['label'].lower()} ({signed_da(main['change_pp'])})."
    )


def largest_moves(view: PublicRun, name: str = TOTAL, n: int = 5) -> dict[str, list[dict]]:
    """The published rows that moved most up and down in a list (by rank change, then kommunekode)."""
    rows = [r for r in view.rows(name) if r.get("rank_change") is not None and r["rank_change"] != 0]
    up = sorted((r for r in rows if r["rank_change"] > 0), key=lambda r: (-r["rank_change"], r["kommunekode"]))
    down = sorted((r for r in rows if r["rank_change"] < 0), key=lambda r: (r["rank_change"], r["kommunekode"]))
    keep = ("kommunekode", "navn", "rank", "rank_change", "diff_pp", "diff_pp_change")
    return {
        "up": [{k: r[k] for k in keep} for r in up[:n]],
        "down": [{k: r[k] for k in keep} for r in down[:n]],
    }
