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

from kommunebench.publish.labels import TOTAL
from kommunebench.publish.view import PublicRun

__all__ = ["V3_COLUMNS", "GROUP_LABELS", "v3_rows", "group_of"]

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
