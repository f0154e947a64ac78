"""Public figures: the ministry's rounding plus small-cell suppression.

Everything the dashboard, the public API and the downloads show is built here from the stored
lists. Rules (``threshold`` = the ``suppress_below`` setting, default 5 persons):

* **Primary suppression.** A municipality × list cell whose *actual* number of fuldtidspersoner
  (unrounded) or whose population 16–66 is below the threshold is suppressed: its actual count,
  actual share, difference (persons and pct. points) and savings potential are published as
  ``null`` with ``suppressed: true``. The expected figures (a model prediction) and the rank stay.
* **Secondary suppression.** The total ("Ydelsesgrupper i alt") is the sum of the areas, so a
  municipality with a suppressed area also has its total suppressed (otherwise total − the other
  areas would give the suppressed one back).
* **Klynge means** are means over the members, so a klynge with a suppressed member publishes no
  mean actual share, mean difference or "difference to the klynge mean".
* Counts are rounded to 10, shares and differences to 2 decimals, potentials to 1 decimal — the
  differences are computed from the rounded figures, as jobindsats publishes them.

Residual risk, accepted and documented: the rank of a suppressed cell is published (the ministry
publishes all 98 ranks), which places its unrounded difference between its neighbours'.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Mapping

import numpy as np
import pandas as pd

from kommunebench.benchmark.display import round_count, round_half_away
from kommunebench.benchmark.lists import BenchmarkLists
from kommunebench.data import reference

__all__ = ["suppression_mask", "public_rows", "public_similar", "public_klynger", "public_potential",
           "SUPPRESSED_FIELDS", "small"]

SUPPRESSED_FIELDS = ("actual", "diff", "actual_share", "diff_pp", "potential_mio_kr")


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
    out[reference.TOTAL] = frozenset(total)
    return out


def _r(values, decimals: int) -> list[float]:
    return [float(v) for v in round_half_away(np.asarray(values, dtype=float), decimals)]


def public_rows(frame: pd.DataFrame, suppressed: Iterable[int], threshold: int, *,
                klynge_of: Mapping[int, int] | None = None) -> list[dict]:
    """One dict per row of a list frame, rounded as published, suppressed cells ``None``."""
    hidden = set(suppressed)
    exp = round_count(frame["expected"]).astype(int)
    act = round_count(frame["actual"]).astype(int)
    es = _r(frame["expected_share"], 2)
    acs = _r(frame["actual_share"], 2)
    pot = _r(frame["potential_mio_kr"], 1)
    failed = frame["result_target_failed"].tolist() if "result_target_failed" in frame else None
    rows = []
    for i, r in enumerate(frame.itertuples(index=False)):
        code = int(r.kommunekode)
        row = {
            "rank": int(r.rank), "kommunekode": code, "navn": r.navn, "regionskode": int(r.regionskode),
            "regionsnavn": r.regionsnavn, "klynge": (klynge_of or {}).get(code),
            "population": None if small(r.population, threshold) else int(round(float(r.population))),
            "expected": int(exp[i]), "actual": int(act[i]), "diff": int(act[i] - exp[i]),
            "expected_share": es[i], "actual_share": acs[i], "diff_pp": round(acs[i] - es[i], 2),
            "potential_mio_kr": pot[i] + 0.0,
            "result_target_failed": bool(failed[i]) if failed is not None else None,
            "suppressed": code in hidden,
        }
        if row["suppressed"]:
            row.update(dict.fromkeys(SUPPRESSED_FIELDS))
        rows.append(row)
    return rows


def klynge_map(lists: BenchmarkLists, area: str) -> dict[int, int]:
    k = lists.klynger[lists.klynger["area"] == area]
    return {int(c): int(n) for c, n in zip(k["kommunekode"], k["klynge"], strict=True)}


def public_similar(lists: BenchmarkLists, kommunekode: int, area: str,
                   mask: Mapping[str, frozenset[int]]) -> list[dict]:
    s = lists.similar[(lists.similar["kommunekode"] == kommunekode) & (lists.similar["area"] == area)]
    hidden = mask.get(area, frozenset())
    return [{"similar_rank": int(r.similar_rank), "kommunekode": int(r.similar_kommunekode),
             "navn": r.similar_navn, "expected_share": _r([r.similar_expected_share], 2)[0],
             "distance_pp": _r([r.distance_pp], 2)[0],
             "diff_pp": None if int(r.similar_kommunekode) in hidden else _r([r.similar_diff_pp], 2)[0],
             "rank": int(r.similar_placering)}
            for r in s.sort_values("similar_rank").itertuples(index=False)]


def public_klynger(lists: BenchmarkLists, area: str, mask: Mapping[str, frozenset[int]]) -> list[dict]:
    """The klynger of one list: bounds, means (``None`` when a member is suppressed), members."""
    k = lists.klynger[lists.klynger["area"] == area]
    hidden = mask.get(area, frozenset())
    out = []
    for n, g in k.groupby("klynge", sort=True):
        g = g.sort_values("rank_in_klynge")
        open_ = not (set(int(c) for c in g["kommunekode"]) & hidden)
        first = g.iloc[0]
        out.append({
            "klynge": int(n), "size": int(first["klynge_size"]),
            "lower": _r([first["klynge_lower"]], 2)[0], "upper": _r([first["klynge_upper"]], 2)[0],
            "mean_expected_share": _r([first["klynge_expected_share"]], 2)[0],
            "mean_actual_share": _r([first["klynge_actual_share"]], 2)[0] if open_ else None,
            "mean_diff_pp": _r([first["klynge_diff_pp"]], 2)[0] if open_ else None,
            "members": [{"kommunekode": int(r.kommunekode), "navn": r.navn,
                         "rank_in_klynge": int(r.rank_in_klynge),
                         "expected_share": _r([r.expected_share], 2)[0],
                         "diff_pp": None if int(r.kommunekode) in hidden else _r([r.diff_pp], 2)[0],
                         "diff_pp_vs_klynge": _r([r.diff_pp_vs_klynge], 2)[0] if open_ else None}
                        for r in g.itertuples(index=False)],
        })
    return out


def public_potential(lists: BenchmarkLists, kommunekode: int, mask: Mapping[str, frozenset[int]]) -> dict:
    p = lists.potential.frame
    row = p[p["kommunekode"] == kommunekode].iloc[0]
    areas = {a: (None if kommunekode in mask.get(a, frozenset())
                 else _r([row[f"potential_{a}_mio_kr"]], 1)[0] + 0.0) for a in lists.areas}
    total = None if kommunekode in mask[reference.TOTAL] else _r([row["potential_mio_kr"]], 1)[0] + 0.0
    return {"total_mio_kr": total, "by_area_mio_kr": areas,
            "costs_dkk_per_fuldtidsperson": {a: float(v) for a, v in lists.potential.costs.items()}}


# ------------------------------------------------------------------------------------- joblog

JOBLOG_CATEGORIES = ("green", "light_green", "red")


def public_joblog(row: Mapping, threshold: int) -> dict:
    """A municipality-month of the joblog with small cells suppressed.

    The three categories (green, light green, red) add up to the target group: a category under
    the threshold is suppressed, and when only one is, the smallest other one is suppressed too
    (secondary suppression). A target group under the threshold suppresses the whole month.
    Criterion 3's share is published only when its cohort and its still-red count both reach the
    threshold. Shares are rounded to 1 decimal.
    """
    def count(name: str) -> int | None:
        v = row.get(name)
        return None if v is None or (isinstance(v, float) and math.isnan(v)) else int(v)

    tg = count("target_group") or 0
    counts = {c: count(c) or 0 for c in JOBLOG_CATEGORIES}
    if tg < threshold:
        hidden = {"target_group", *JOBLOG_CATEGORIES}
    else:
        hidden = {c for c in JOBLOG_CATEGORIES if counts[c] < threshold}
        if len(hidden) == 1:
            rest = sorted((counts[c], c) for c in JOBLOG_CATEGORIES if c not in hidden)
            hidden.add(rest[0][1])
    out: dict = {"target_group": None if "target_group" in hidden else tg}
    for c in JOBLOG_CATEGORIES:
        share = 100.0 * counts[c] / tg if tg else None
        out[c] = None if c in hidden else counts[c]
        out[f"{c}_share"] = None if c in hidden or share is None else round(share, 1)
    c3_ok = (count("c3_cohort") or 0) >= threshold and (count("c3_still_red") or 0) >= threshold
    c3 = row.get("c3_share")
    out["c3_share"] = (round(float(c3), 1) if c3_ok and c3 is not None and not pd.isna(c3) else None)
    out["suppressed"] = bool(hidden)
    return out
