"""The public drivers of the expected level: rounded, labelled, explained in plain Danish.

The drivers (:mod:`kommunebench.model.drivers`) split a municipality's *expected* share's
deviation from the national expected share over the model's covariate groups. They concern the
model's prediction only — never the actual count — so, like the expected figures themselves
(:mod:`kommunebench.publish.suppress`: "the expected figures stay"), they are published for a
suppressed cell too. They are withheld where the municipality's population itself is below the
threshold (its population is not published, and the drivers are per-person means of it).
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pandas as pd

from kommunebench.benchmark.drivers import Drivers
from kommunebench.data import reference
from kommunebench.publish.format import format_number_da, signed_da
from kommunebench.publish.labels import AREA_LABELS, TOTAL
from kommunebench.publish.rounding import round_half_away
from kommunebench.publish.view import PublicRun

__all__ = ["GROUP_LABELS", "drivers_block", "drivers_sentence", "drivers_table"]

GROUP_LABELS = {
    "age": "alder",
    "sex": "køn",
    "origin": "herkomst",
    "education": "uddannelse",
    "family": "familie",
    "health": "helbred",
    "prior_benefits": "tidligere forsørgelse",
    "labour_market": "lokalt arbejdsmarked",
}
_AGAINST = 0.1  # an opposing group at least this large (pct. points) is named too
_LEVEL = 0.05  # below this (pct. points, |deviation|) the expected share is "på niveau"
UNAVAILABLE = "Forklaringen af det forventede niveau er ikke gemt for denne kørsel (kør benchmarket igen)."
PUBLISHED = (
    "Offentliggjorte tal (jobindsats.dk) indeholder ikke ministeriets model, så det forventede niveau kan ikke "
    "opdeles i forklarende grupper her."
)
WITHHELD = "Forklaringen vises ikke, fordi kommunens befolkning er under grænsen for små tal."
NOTE = (
    "Bidragene er beregnet eksakt af den lineære model (kommunens gennemsnit af hver forklarende "
    "variabel minus landets, gange modellens koefficient) og summerer til afvigelsen; afrundede "
    "tal summerer ikke altid præcist."
)


def _r(value: float, decimals: int = 2) -> float:
    """Rounded as the ministry rounds (half away from zero)."""
    return float(round_half_away(np.asarray([value]), decimals)[0])


def drivers_sentence(deviation: float, contributions: dict[str, float]) -> str:
    """ "Jeres forventede andel er 0,8 pct.-point over landsgennemsnittet, mest pga. helbred (+0,4) ..."."""
    if abs(deviation) < _LEVEL:
        return "Jeres forventede andel er på niveau med landsgennemsnittet."
    word = "over" if deviation > 0 else "under"
    same = sorted(
        ((g, v) for g, v in contributions.items() if v * deviation > 0 and abs(v) >= _LEVEL),
        key=lambda gv: -abs(gv[1]),
    )[:2]
    size = format_number_da(_r(abs(deviation), 1), "pct1")
    head = f"Jeres forventede andel er {size} pct.-point {word} landsgennemsnittet"
    if not same:
        return head + "."
    parts = [f"{GROUP_LABELS.get(g, g)} ({signed_da(_r(v, 1), 'pct1')})" for g, v in same]
    against = min(
        ((g, v) for g, v in contributions.items() if v * deviation < 0), key=lambda gv: gv[1] * deviation, default=None
    )
    tail = ""
    if against is not None and abs(against[1]) >= _AGAINST:
        pull = "trækker ned" if against[1] < 0 else "trækker op"
        tail = f", mens {GROUP_LABELS.get(against[0], against[0])} ({signed_da(_r(against[1], 1), 'pct1')}) {pull}"
    return f"{head}, mest pga. {' og '.join(parts)}{tail}."


def drivers_block(view: PublicRun, drivers: Drivers | None, kommunekode: int, name: str) -> dict[str, Any]:
    """One municipality's drivers in one list, rounded as published, with its sentence and waterfall."""
    label = AREA_LABELS.get(name, name)
    base: dict[str, Any] = {"list": name, "list_label": label, "available": False, "groups": [], "sentence": ""}
    if drivers is None or name not in drivers.lists:
        published = view.record is not None and view.record.is_published
        return {**base, "note": PUBLISHED if published else UNAVAILABLE}
    if view.row(name, kommunekode)["population"] is None:
        return {**base, "note": WITHHELD}
    m = int(np.flatnonzero(drivers.kommunekoder == kommunekode)[0])
    col = drivers.lists.index(name)
    contributions = drivers.of(kommunekode, name)
    deviation = float(drivers.expected_share[m, col] - drivers.national_share[col])
    return {
        **base,
        "available": True,
        "national_share": _r(float(drivers.national_share[col])),
        "expected_share": _r(float(drivers.expected_share[m, col])),
        "deviation_pp": _r(deviation),
        "groups": [
            {"group": g, "label": GROUP_LABELS.get(g, g), "contribution_pp": _r(v)} for g, v in contributions.items()
        ],
        "sentence": drivers_sentence(deviation, contributions),
        "note": NOTE,
    }


def drivers_table(view: PublicRun, drivers: Drivers | None) -> pd.DataFrame:
    """The Excel sheet: one row per municipality × list; empty where withheld (see the module doc)."""
    names = {m.kommunekode: m.navn for m in reference.municipalities()}
    rows = []
    for name in (n for n in view.lists if drivers is not None and n in drivers.lists):
        for kode in sorted(names):
            block = drivers_block(view, drivers, kode, name)
            row: dict[str, Any] = {
                "Kommunekode": kode,
                "Kommune": names[kode],
                "Liste": AREA_LABELS.get(name, name) if name != TOTAL else AREA_LABELS[TOTAL],
                "Landsgennemsnit (pct.)": block.get("national_share"),
                "Forventet andel (pct.)": block.get("expected_share"),
                "Afvigelse (pct.-point)": block.get("deviation_pp"),
            }
            for g in block["groups"]:
                row[f"Bidrag: {g['label']} (pct.-point)"] = g["contribution_pp"]
            row["Forklaring"] = block["sentence"] or block["note"]
            rows.append(row)
    return pd.DataFrame(rows)
