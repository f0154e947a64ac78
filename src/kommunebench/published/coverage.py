"""Do fetched pieces make whole lists? (``fetch jobindsats --area …``)

A list needs all 98 municipalities in all four benefit groups of a period. A fetch of some areas
saves its piece; :func:`cover` lays every saved piece of a table together (a later piece wins for
the same municipality × period × group) and tells, per period, what is still missing, so the
periods that are complete can be imported and the others named in Danish.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from kommunebench.data import reference
from kommunebench.errors import ReferenceDataError
from kommunebench.published.labels import GROUP_LABELS, GROUPS, field_of, norm

__all__ = ["Coverage", "cover", "missing_text"]


@dataclass(frozen=True)
class Coverage:
    """``rows``: per period the merged rows (v3 order of ``columns``); ``missing``: per period
    kommunekode → the group keys it lacks (empty = the period makes whole lists)."""

    columns: tuple[str, ...]
    rows: Mapping[str, list[list[Any]]]
    missing: Mapping[str, Mapping[int, tuple[str, ...]]]

    def complete(self) -> list[str]:
        return [p for p, m in self.missing.items() if not m]

    def as_v3(self, periods: Sequence[str]) -> dict[str, Any]:
        return {"columns": list(self.columns), "rows": [r for p in periods for r in self.rows[p]]}


def _code(area: object) -> int | None:
    try:
        return reference.resolve_municipality(str(area))
    except ReferenceDataError:
        return None


def cover(docs: Sequence[Mapping[str, Any]], periods: Sequence[str]) -> Coverage:
    """Lay the v3 documents ``docs`` (oldest first) together for ``periods``. Documents whose
    columns differ from the last one's (the newest fetch) are left out."""
    columns = tuple(docs[-1]["columns"])
    fields = [field_of(c) for c in columns]
    at = {f: i for i, f in enumerate(fields) if f is not None}
    merged: dict[str, dict[tuple[str, str], list[Any]]] = {p: {} for p in periods}
    for doc in docs:
        if tuple(doc.get("columns", ())) != columns:
            continue
        for row in doc.get("rows", []):
            period = str(row[at["period"]])
            if period in merged:
                merged[period][(norm(row[at["area"]]), norm(row[at["group"]]))] = list(row)
    codes = [m.kommunekode for m in reference.municipalities()]
    missing: dict[str, dict[int, tuple[str, ...]]] = {}
    for period, rows in merged.items():
        have: dict[int, set[str]] = {}
        for area, group in rows:
            code = _code(area)
            if code is not None and group in GROUPS:
                have.setdefault(code, set()).add(GROUPS[group])
        missing[period] = {
            c: tuple(g for g in GROUP_LABELS if g not in have.get(c, set()))
            for c in codes
            if len(have.get(c, ())) < len(GROUP_LABELS)
        }
    return Coverage(columns, {p: list(r.values()) for p, r in merged.items()}, missing)


def missing_text(missing: Mapping[int, tuple[str, ...]], *, show: int = 5) -> str:
    """``95 kommuner mangler (Albertslund, Allerød, … og 90 flere)``; a municipality lacking only
    some groups is named with them."""
    names = []
    for code, groups in sorted(missing.items(), key=lambda kv: reference.municipality(kv[0]).navn):
        name = reference.municipality(code).navn
        if len(groups) < len(GROUP_LABELS):
            name += " (" + ", ".join(GROUP_LABELS[g] for g in groups) + ")"
        names.append(name)
    shown = ", ".join(names[:show]) + (f" og {len(names) - show} flere" if len(names) > show else "")
    return f"{len(names)} {'kommune' if len(names) == 1 else 'kommuner'} mangler ({shown})"
