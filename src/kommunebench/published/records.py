"""Validate labelled jobindsats rows into one tidy frame of published figures (all or nothing).

Rules (each refusal names file, row, column and rule, in Danish): the table's columns are all
present; the area is one of the 98 municipalities by any known spelling (``Hele landet`` and
``Uoplyst område`` are set aside, not refused); the period is a ``YYYYQMATqq`` code; the group is
one of Y30R21's four; numbers follow the file's decimal convention; ``forskel = faktisk −
forventet`` for counts and shares; no municipality × period × group twice; every municipality of
a period has all four groups and every list all 98 municipalities; ranks are 1..98, each once.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from typing import Any, cast

import pandas as pd

from kommunebench.data import reference
from kommunebench.data.periods import Period
from kommunebench.errors import KommunebenchError, ValidationError
from kommunebench.published.labels import FIELDS, GROUP_LABELS, GROUPS, NON_MUNICIPAL_AREAS, field_of, norm
from kommunebench.published.numbers import NumberError, parse_number
from kommunebench.published.readers import RawTable

__all__ = ["PublishedFigures", "COLUMNS", "validate"]

COLUMNS = (
    "kommunekode",
    "period",
    "area",
    "expected",
    "actual",
    "diff",
    "expected_share",
    "actual_share",
    "diff_pp",
    "published_rank",
    "source_row",
)
_WHOLE = {"expected": True, "actual": True, "diff": True, "rank": True}
_NUMERIC = ("expected", "actual", "diff", "expected_share", "actual_share", "diff_pp", "rank")


@dataclass(frozen=True)
class PublishedFigures:
    """The validated rows of one file: ``frame`` (:data:`COLUMNS`), ``set_aside`` = rows of
    ``Hele landet``/``Uoplyst område`` (not municipalities), and where they came from."""

    file: str
    shape: str
    frame: pd.DataFrame
    set_aside: int


class _Errors:
    """The first row breaking each rule, and how many more do."""

    def __init__(self, file: str) -> None:
        self.file = file
        self.first: dict[str, dict[str, Any]] = {}
        self.count: dict[str, int] = defaultdict(int)

    def add(self, rule: str, *, row: int | str | None, column: str | None, value: object, line: int | None) -> None:
        self.count[rule] += 1
        self.first.setdefault(rule, {"row": row, "column": column, "value": value, "line": line})

    def raise_first(self) -> None:
        if self.first:
            rule, where = next(iter(self.first.items()))
            raise ValidationError(rule, file=self.file, more=self.count[rule] - 1, **where)


def _columns(raw: RawTable) -> dict[str, str]:
    found: dict[str, str] = {}
    for label in raw.labels:
        f = field_of(label)
        if f and f not in found:
            found[f] = label
    missing = [f for f in FIELDS if f not in found]
    if missing:
        raise ValidationError(
            f"mangler kolonne(r) for {', '.join(missing)}; Y30R21 har {', '.join(FIELDS)}", file=raw.file
        )
    return found


def validate(raw: RawTable) -> PublishedFigures:
    """The rows of ``raw`` checked and typed; raises the first rule broken (ValidationError)."""
    cols = _columns(raw)
    errs = _Errors(raw.file)
    out: list[dict[str, Any]] = []
    set_aside = 0
    for row, line, rec in raw.rows:

        def bad(rule: str, field: str, value: object, row: int = row, line: int | None = line) -> None:
            errs.add(rule, row=row, column=cols[field], value=value, line=line)

        area = rec.get(cols["area"])
        if norm(area) in NON_MUNICIPAL_AREAS:
            set_aside += 1
            continue
        r: dict[str, Any] = {"source_row": row}
        try:
            r["kommunekode"] = reference.resolve_municipality(str(area))
        except KommunebenchError:
            bad("ukendt kommunenavn (hverken en af de 98 kommuner eller et kendt alias)", "area", area)
        try:
            r["period"] = Period.parse(str(rec.get(cols["period"])).strip()).label
        except KommunebenchError:
            bad("ukendt periodekode (forventede ÅÅÅÅQMATkk, fx 2022QMAT04)", "period", rec.get(cols["period"]))
        group = GROUPS.get(norm(rec.get(cols["group"])))
        if group is None:
            bad(f"ukendt ydelsesgruppe; Y30R21 har {', '.join(GROUPS)}", "group", rec.get(cols["group"]))
        r["area"] = group
        for f in _NUMERIC:
            try:
                v = parse_number(rec.get(cols[f]), decimal=raw.decimal, whole=_WHOLE.get(f, False))
            except NumberError as exc:
                bad(str(exc), f, rec.get(cols[f]))
                continue
            if v is None:
                bad("tallet mangler", f, rec.get(cols[f]))
            r["published_rank" if f == "rank" else f] = v
        if len(r) == len(COLUMNS):
            if abs(r["actual"] - r["expected"] - r["diff"]) > 1e-9:
                bad("forskel (antal) er ikke faktisk − forventet", "diff", rec.get(cols["diff"]))
            if abs(round(r["actual_share"] - r["expected_share"], 2) - r["diff_pp"]) > 1e-6:
                bad("forskel (pct.-point) er ikke faktisk andel − forventet andel", "diff_pp", rec.get(cols["diff_pp"]))
            out.append(r)
    errs.raise_first()
    frame = pd.DataFrame(out, columns=list(COLUMNS))
    _check_keys(frame, errs, cols, {row: line for row, line, _ in raw.rows})
    errs.raise_first()
    frame["kommunekode"] = frame["kommunekode"].astype("int64")
    frame["published_rank"] = frame["published_rank"].astype("int64")
    frame = frame.sort_values(["period", "area", "kommunekode"]).reset_index(drop=True)
    return PublishedFigures(raw.file, raw.shape, frame, set_aside)


def _check_keys(frame: pd.DataFrame, errs: _Errors, cols: dict[str, str], lines: dict[int, int | None]) -> None:
    if frame.empty:
        errs.add("ingen kommunerækker i filen", row=None, column=None, value=None, line=None)
        return
    keys = ["kommunekode", "period", "area"]
    for row in frame.loc[frame.duplicated(keys), "source_row"]:
        errs.add(
            "kommune × periode × ydelsesgruppe optræder to gange",
            row=int(row),
            column=cols["area"],
            value=None,
            line=lines.get(int(row)),
        )
    per = frame.groupby(["kommunekode", "period"])["area"].agg(set)
    for key, have in per.items():
        code, period = cast(tuple[int, str], key)
        for g in sorted(set(GROUPS.values()) - set(have)):
            errs.add(
                f"kommunen mangler ydelsesgruppen '{GROUP_LABELS[g]}' i perioden",
                row=f"{reference.municipality(code).navn} ({code}), {period}",
                column=cols["group"],
                value=None,
                line=None,
            )
    n_munis = len(reference.municipalities())
    for (list_period, group), f in frame.drop_duplicates(keys).groupby(["period", "area"]):
        if len(f) != n_munis:
            errs.add(
                f"listen har {len(f)} kommuner, ikke alle {n_munis}",
                row=f"{list_period}, {GROUP_LABELS[str(group)]}",
                column=cols["area"],
                value=None,
                line=None,
            )
        ranks = f["published_rank"]
        bad = f[(ranks < 1) | (ranks > len(f)) | ranks.duplicated()]
        for row, value in zip(bad["source_row"], bad["published_rank"], strict=True):
            errs.add(
                f"placeringen skal være 1..{len(f)} og forekomme én gang pr. liste",
                row=int(row),
                column=cols["rank"],
                value=int(value),
                line=lines.get(int(row)),
            )
