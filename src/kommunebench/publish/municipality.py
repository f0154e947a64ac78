"""One municipality's public figures from a :class:`~kommunebench.publish.view.PublicRun`.

Plain dicts rounded as published (``None`` = empty or suppressed), for the municipality page
and its JSON twin; and the municipality's own unsuppressed figures for its restricted view.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from kommunebench.benchmark.lists import BenchmarkLists
from kommunebench.publish.display import rounded_frame
from kommunebench.publish.labels import AREA_LABELS, TOTAL
from kommunebench.publish.view import PublicRun, _records

__all__ = ["similar_rows", "klynge_block", "potential_block", "tilsyn_block", "own_figures"]

_OWN = ("population", "expected", "actual", "diff", "expected_share", "actual_share", "diff_pp", "potential_mio_kr")


def similar_rows(view: PublicRun, kommunekode: int, area: str) -> list[dict[str, Any]]:
    s = view.similar[(view.similar["kommunekode"] == kommunekode) & (view.similar["area"] == area)]
    rows = _records(rounded_frame(s.sort_values("similar_rank")))
    return [
        {
            "similar_rank": r["similar_rank"],
            "kommunekode": r["similar_kommunekode"],
            "navn": r["similar_navn"],
            "expected_share": r["similar_expected_share"],
            "distance_pp": r["distance_pp"],
            "diff_pp": r["similar_diff_pp"],
            "rank": r["similar_placering"],
        }
        for r in rows
    ]


def klynge_block(view: PublicRun, kommunekode: int, area: str) -> dict[str, Any]:
    """The municipality's klynge in one list: bounds, means (``None`` when closed), members."""
    k = view.klynger[view.klynger["area"] == area]
    number = int(k.loc[k["kommunekode"] == kommunekode, "klynge"].iloc[0])
    members = _records(rounded_frame(k[k["klynge"] == number]))
    first = members[0]
    return {
        "klynge": number,
        "size": first["klynge_size"],
        "lower": first["klynge_lower"],
        "upper": first["klynge_upper"],
        "mean_expected_share": first["klynge_expected_share"],
        "mean_actual_share": first["klynge_actual_share"],
        "mean_diff_pp": first["klynge_diff_pp"],
        "members": [
            {
                "kommunekode": m["kommunekode"],
                "navn": m["navn"],
                "rank_in_klynge": m["rank_in_klynge"],
                "expected_share": m["expected_share"],
                "diff_pp": m["diff_pp"],
                "diff_pp_vs_klynge": m["diff_pp_vs_klynge"],
            }
            for m in members
        ],
    }


def potential_block(view: PublicRun, kommunekode: int) -> dict[str, Any]:
    p = view.potential
    row = _records(rounded_frame(p[p["kommunekode"] == kommunekode]))[0]
    return {
        "total_mio_kr": row["potential_mio_kr"],
        "by_area_mio_kr": {a: row[f"potential_{a}_mio_kr"] for a in view.areas},
        "costs_dkk_per_fuldtidsperson": dict(view.costs),
    }


def tilsyn_block(view: PublicRun, kommunekode: int) -> dict[str, Any]:
    """Skærpet tilsyn for the municipality: ``result_target_failed`` is ``None`` when suppressed."""
    row = view.row(TOTAL, kommunekode)
    failed = row["result_target_failed"]
    if failed is None:
        note = "Resultatmålet vises ikke, fordi kommunens tal er undertrykt (for få personer)."
    elif failed:
        note = (
            "Resultatmålet er ikke opfyldt: kommunens faktiske andel (ydelsesgrupper i alt) er højere end "
            "den forventede; fokusmålene skal derfor vurderes."
        )
    else:
        note = "Resultatmålet er opfyldt: den faktiske andel er ikke højere end den forventede."
    if not view.facts.tilsyn_applicable:
        note += f" Vejledende: {view.period} er ikke et kalenderår."
    return {"applicable": view.facts.tilsyn_applicable, "result_target_failed": failed, "note": note}


def own_figures(lists: BenchmarkLists, view: PublicRun, kommunekode: int) -> list[dict[str, Any]]:
    """The municipality's own unrounded, unsuppressed figures per list (its restricted view only)."""
    out = []
    for name in (TOTAL, *lists.by_area):
        f: pd.DataFrame = lists.overall if name == TOTAL else lists.by_area[name]
        r = f[f["kommunekode"] == kommunekode].iloc[0]
        out.append(
            {
                "area": name,
                "area_label": AREA_LABELS[name],
                "rank": int(r["rank"]),
                **{c: float(r[c]) for c in _OWN},
                "suppressed_in_public": kommunekode in view.mask[name],
            }
        )
    return out
