"""A run's public lists in the jobindsats v3 shape (table Y30R21): ``{"columns", "rows"}``.

The same columns, dimension values and number forms jobindsats uses: ``Area`` (the municipality
as jobindsats spells it), ``Periode`` (``2022QMAT04``), ``Ydelsesgrupper`` (``Ydelsesgrupper i
alt`` …), counts as whole numbers, shares and differences as Danish strings with 2 decimals
(``"9,08"``), the rank as a whole number; a suppressed cell is ``".."`` as jobindsats writes a
missing value. Rows come from the public view only (rounded and suppressed as every output).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import pandas as pd

from kommunebench.publish.format import format_number_da
from kommunebench.publish.labels import TOTAL
from kommunebench.publish.view import PublicRun

__all__ = ["V3_COLUMNS", "GROUP_LABELS", "v3_rows", "group_of", "total_gap_note", "ROUNDING_GAP_PP"]

_N = "Forventet og faktisk antal fuldtidspersoner på offentlig forsørgelse"
_S = "Forventet og faktisk andel fuldtidspersoner på offentlig forsørgelse"
V3_COLUMNS = (
    "Area",
    "Periode",
    "Ydelsesgrupper",
    f"{_N}: Forventet antal",
    f"{_N}: Faktisk antal",
    f"{_N}: Forskel mellem forventet og faktisk antal",
    f"{_S}: Forventet andel (pct.)",
    f"{_S}: Faktisk andel (pct.)",
    f"{_S}: Forskel mellem forventet og faktisk andel (pct. point)",
    "Placering på benchmarkranglisten",
)
GROUP_LABELS = {
    TOTAL: "Ydelsesgrupper i alt",
    "a_dagpenge": "A-dagpenge mv.",
    "sygedagpenge": "Sygedagpenge mv.",
    "kontanthjaelp": "Kontanthjælp mv.",
}
_MISSING = ".."


def group_of(label: str) -> str | None:
    """Our list name of a jobindsats group label (case-insensitive), or None."""
    want = " ".join(label.strip().lower().split())
    return next((g for g, lab in GROUP_LABELS.items() if lab.lower() == want), None)


def _share(v: Any) -> str:
    return _MISSING if v is None else f"{float(v):.2f}".replace(".", ",").replace("-0,00", "0,00")


def _count(v: Any) -> Any:
    return _MISSING if v is None else int(v)


def v3_rows(view: PublicRun, *, groups: Iterable[str], kommunekoder: set[int] | None = None) -> list[list[Any]]:
    """The rows of ``groups`` (our list names) of ``view`` in jobindsats' order: by municipality
    (kommunekode), then group as jobindsats lists them; ``kommunekoder`` filters the areas."""
    wanted = [g for g in GROUP_LABELS if g in set(groups) and g in view.lists]
    by_code: dict[int, list[list[Any]]] = {}
    for g in wanted:
        for r in view.rows(g):
            code = int(r["kommunekode"])
            if kommunekoder is not None and code not in kommunekoder:
                continue
            by_code.setdefault(code, []).append(
                [
                    r["navn"],
                    view.period,
                    GROUP_LABELS[g],
                    _count(r["expected"]),
                    _count(r["actual"]),
                    _count(r["diff"]),
                    _share(r["expected_share"]),
                    _share(r["actual_share"]),
                    _share(r["diff_pp"]),
                    _count(r["rank"]),
                ]
            )
    return [row for code in sorted(by_code) for row in by_code[code]]


#: A published total may differ this much from the sum of its rounded areas by rounding alone.
ROUNDING_GAP_PP = 0.02


def total_gap_note(overall: pd.DataFrame) -> str | None:
    """One Danish sentence on a published overall list: where its total (taken as published)
    differs from the sum of the benefit groups, naming the municipalities beyond rounding;
    ``None`` for a list without the column ``total_vs_areas_pp`` (an own run's)."""
    if "total_vs_areas_pp" not in overall.columns:
        return None
    gaps = pd.to_numeric(overall["total_vs_areas_pp"], errors="coerce").fillna(0.0).to_numpy(float)
    n = int((gaps > 1e-9).sum())
    if n == 0:
        return "Den offentliggjorte total er lig summen af ydelsesgrupperne hos alle kommuner."
    text = f"Den offentliggjorte total afviger fra summen af ydelsesgrupperne hos {n} kommuner"
    shown = overall.assign(_gap=gaps)[gaps > ROUNDING_GAP_PP + 1e-9]
    beyond = shown.sort_values(["_gap", "navn"], ascending=[False, True])
    if beyond.empty:
        step = format_number_da(ROUNDING_GAP_PP, "share")
        return f"{text} med højst {step} pct.-point (afrunding af totalen for sig)."
    named = ", ".join(
        f"{name} ({format_number_da(gap, 'share')} pct.-point)"
        for name, gap in zip(beyond["navn"], beyond["_gap"], strict=True)
    )
    return f"{text}; mere end afrunding hos {named}. Listen bruger den offentliggjorte total."
