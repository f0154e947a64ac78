"""Staging and checking of input files for :mod:`kommunebench.data.load`.

A file is *staged* as two temporary views (before the load's transaction begins):

* ``raw``: one row per data row, ``__rn`` = the 1-based data row number, and the file's columns
  under their schema names. CSV files are read by DuckDB as text (all VARCHAR) into a temporary
  table first (its insertion order gives the row number); Parquet files are read in place with
  ``file_row_number`` and are never materialised.
* ``typed``: ``__rn``, per column the trimmed raw value (``"r$<column>"``; empty text = NULL) and
  the typed value (``"<column>"``) obtained by TRY_CAST. Whole numbers must look like whole
  numbers (``1.5`` is refused, not rounded); numbers must be finite; with ``;``-separated CSV a
  decimal comma is accepted. ``benefit_weeks.week`` is joined to a small mapping table from the
  (Python-validated) ``YYYY-Www`` texts to their Monday. A ``month`` column is ``YYYY-MM`` text
  (or, in Parquet, a date on a month's first day) and is stored as the month's first day.
  Booleans are ``true``/``false``/``1``/``0`` (any case) or a Parquet boolean.

Every rule is checked in SQL over the whole file with one aggregate; only when a rule is broken
is a second query run to find the first offending row (and, for CSV, its physical line).
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from kommunebench.data.casts import NOT_A_NUMBER, column_exprs, text_expr
from kommunebench.data.csvfile import check_utf8, csv_line, csv_shape_error, sniff_header
from kommunebench.data.filecheck import check_parquet, parquet_columns
from kommunebench.data.periods import format_iso_week, parse_iso_week, weeks_in_year
from kommunebench.data.schemas import InputKind
from kommunebench.data.sql import lit, one, q, scalar
from kommunebench.errors import ValidationError

# q, lit (kommunebench.data.sql) and check_utf8, csv_line (kommunebench.data.csvfile) are re-exported.
__all__ = ["Staged", "stage", "check_rows", "check_keys", "check_utf8", "csv_line", "refuse", "q", "lit"]

FORMATS = {"csv": "csv", "parquet": "parquet"}
_LIMIT = 1e12  # the bound of a decimal column without a narrower one (a full-scale municipality spends > 1e9 kr)


@dataclass
class Staged:
    kind: InputKind
    path: Path
    fmt: str
    raw: str = ""
    typed: str = ""
    delimiter: str | None = None
    rows: int = 0
    src_types: dict[str, str] = field(default_factory=dict)
    type_rules: dict[str, str] = field(default_factory=dict)
    fingerprint: str = ""
    status: str = ""
    seconds: float = 0.0
    temp: list[tuple[str, str]] = field(default_factory=list)  # (VIEW|TABLE, name) to drop

    @property
    def name(self) -> str:
        return self.path.name


def refuse(
    s: Staged, rule: str, *, column: str | None = None, row: int | None = None, value: object = None, more: int = 0
) -> ValidationError:
    """A ValidationError for a staged file, with the CSV line looked up when a row is known."""
    line = csv_line(s.path, s.delimiter, row) if (row is not None and s.fmt == "csv") else None
    return ValidationError(rule, file=s.name, row=row, column=column, value=value, more=more, line=line)


# ------------------------------------------------------------------------------ staging


def _match_columns(kind: InputKind, names: list[str], file: str) -> dict[str, str]:
    """Schema column → the file's column name (matched ignoring case and surrounding blanks)."""
    seen: dict[str, str] = {}
    for n in names:
        key = n.strip().lower()
        if key in seen:
            raise ValidationError(f"kolonnen {n!r} står mere end én gang i overskriften", file=file, column=n)
        seen[key] = n
    wanted = kind.column_names
    missing = [c for c in wanted if c not in seen]
    extra = [seen[k] for k in seen if k not in wanted]
    if missing:
        rule = f"mangler kolonne(r) {', '.join(repr(c) for c in missing)}"
        if extra:
            rule += f"; filen har uventede kolonne(r) {', '.join(repr(c) for c in extra)}"
        rule += f" (en {kind.name}-fil har kolonnerne {', '.join(wanted)})"
        raise ValidationError(rule, file=file, column=missing[0])
    if extra:
        raise ValidationError(
            f"uventede kolonne(r) {', '.join(repr(c) for c in extra)}: ekstra kolonner afvises "
            f"(en {kind.name}-fil har præcis kolonnerne {', '.join(wanted)})",
            file=file,
            column=extra[0],
        )
    return {c: seen[c] for c in wanted}


def stage(con: duckdb.DuckDBPyConnection, s: Staged, weekmap: str) -> None:
    """Create the ``raw`` and ``typed`` views of the file (see the module docstring)."""
    path, kind = s.path, s.kind
    if path.stat().st_size == 0:
        raise ValidationError("filen er tom (0 byte)", file=s.name)
    s.raw, s.typed = f"__kb_raw_{kind.name}", f"__kb_typed_{kind.name}"
    if s.fmt == "csv":
        check_utf8(path)
        s.delimiter, names = sniff_header(path)
        cols = _match_columns(kind, names, s.name)
        table = f"__kb_csv_{kind.name}"
        spec = "{" + ", ".join(f"{lit(f'c{i}')}: 'VARCHAR'" for i in range(len(names))) + "}"
        try:
            con.execute(
                f"CREATE OR REPLACE TEMP TABLE {table} AS SELECT * FROM read_csv({lit(path)}, header=true, "
                f"delim={lit(s.delimiter)}, quote='\"', escape='\"', auto_detect=false, "
                f"columns={spec}, strict_mode=true, null_padding=false, encoding='utf-8')"
            )
        except duckdb.Error as exc:
            raise csv_shape_error(path, s.delimiter, len(names), exc) from None
        s.temp.append(("TABLE", table))
        pos = {n: i for i, n in enumerate(names)}
        select = ", ".join(f"c{pos[cols[c]]} AS {q(c)}" for c in kind.column_names)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {s.raw} AS SELECT rowid + 1 AS __rn, {select} FROM {table}")
        s.src_types = dict.fromkeys(kind.column_names, "VARCHAR")
    else:
        src = f"read_parquet({lit(path)}, file_row_number=true)"
        _match_columns(kind, parquet_columns(path), s.name)  # duplicates under their names in the file
        check_parquet(path)
        try:
            desc = con.execute(f"DESCRIBE SELECT * FROM read_parquet({lit(path)})").fetchall()
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            raise ValidationError(f"filen er ikke en læsbar Parquet-fil: {first}", file=s.name) from None
        types = {r[0]: r[1] for r in desc}
        cols = _match_columns(kind, list(types), s.name)
        select = ", ".join(f"{q(cols[c])} AS {q(c)}" for c in kind.column_names)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {s.raw} AS SELECT file_row_number + 1 AS __rn, {select} FROM {src}")
        s.src_types = {c: types[cols[c]] for c in kind.column_names}
    s.temp.append(("VIEW", s.raw))
    s.rows = scalar(con, f"SELECT count(*) FROM {s.raw}")
    if s.rows == 0:
        what = "en overskrift men ingen datarækker" if s.fmt == "csv" else "ingen rækker"
        raise ValidationError(f"filen har {what}", file=s.name)
    exprs = []
    for c in kind.columns:
        raw, typed, s.type_rules[c.name] = column_exprs(c, s.src_types[c.name], s.delimiter == ";")
        if kind.name == "benefit_weeks" and c.name == "week":
            typed = "w.monday"
        exprs.append(f"{raw} AS {q('r$' + c.name)}, {typed} AS {q(c.name)}")
    join = ""
    if kind.name == "benefit_weeks":
        join = f" LEFT JOIN {weekmap} AS w ON w.txt = {text_expr(q('week'), s.src_types['week'])}"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {s.typed} AS SELECT r.__rn, {', '.join(exprs)} FROM {s.raw} AS r{join}")
    s.temp.append(("VIEW", s.typed))


# ------------------------------------------------------------------------------ row rules


def _week_problem(text: str) -> str:
    """Why ``text`` is no ISO week, in Danish (the form, or a week number the year lacks)."""
    m = re.fullmatch(r"\s*(\d{4})-W(\d{2})\s*", text)
    if m is None:
        return f"{text!r} er ikke en ISO-uge på formen YYYY-Www"
    year = int(m.group(1))
    return f"{text!r} findes ikke: {year} har {weeks_in_year(year)} ISO-uger"


def check_weeks(con: duckdb.DuckDBPyConnection, s: Staged, weekmap: str) -> None:
    """Validate the distinct ``week`` texts in Python and fill the week → Monday mapping."""
    week = text_expr(q("week"), s.src_types["week"])  # = the typed view's r$week, without its join
    texts = [t for (t,) in con.execute(f"SELECT DISTINCT {week} FROM {s.raw} AS r WHERE {week} IS NOT NULL").fetchall()]
    good, bad = [], {}
    for t in texts:
        try:
            monday = parse_iso_week(t)
        except ValueError:
            bad[t] = _week_problem(t)
            continue
        if format_iso_week(monday) != t:
            bad[t] = f"{t!r} er ikke en ISO-uge på formen YYYY-Www"
            continue
        good.append((t, monday))
    con.execute(f"DELETE FROM {weekmap}")
    if good:
        con.executemany(f"INSERT INTO {weekmap} VALUES (?, ?)", good)
    if bad:
        in_list = ", ".join(lit(t) for t in bad)
        rn, value, n = one(
            con,
            f"SELECT arg_min(__rn, __rn), arg_min({q('r$week')}, __rn), count(*) FROM {s.typed} "
            f"WHERE {q('r$week')} IN ({in_list})",
        )
        raise refuse(
            s, f"ikke en eksisterende ISO-uge (YYYY-Www): {bad[value]}", column="week", row=rn, value=value, more=n - 1
        )


def row_rules(s: Staged, sets: dict[str, tuple[set, str]]) -> list[tuple[str, str, str]]:
    """(column, rule text, SQL condition of a broken row) in the order they are reported.

    ``sets`` maps a column to (allowed values, rule text) for the reference rules (kommunekode,
    commuting area, benefit code) that depend on the warehouse's effective reference tables.
    """
    out = []
    for c in s.kind.columns:
        r, t = q("r$" + c.name), q(c.name)
        if not c.nullable:
            out.append((c.name, "manglende værdi: kolonnen må ikke være tom", f"{r} IS NULL"))
        out.append((c.name, s.type_rules[c.name], f"{r} IS NOT NULL AND {t} IS NULL"))
        if c.sql_type == "DOUBLE" and (c.min is None or c.max is None):  # every number has finite bounds
            out.append(
                (c.name, f"uden for det tilladte område: skal ligge inden for ±{_LIMIT:g}", f"abs({t}) > {_LIMIT}")
            )
        if c.min is not None and c.max is not None:
            out.append(
                (
                    c.name,
                    f"uden for det tilladte område: skal ligge mellem {c.min:g} og {c.max:g}",
                    f"{t} < {c.min} OR {t} > {c.max}",
                )
            )
        elif c.min is not None:
            out.append((c.name, f"uden for det tilladte område: skal være mindst {c.min:g}", f"{t} < {c.min}"))
        elif c.max is not None:
            out.append((c.name, f"uden for det tilladte område: skal være højst {c.max:g}", f"{t} > {c.max}"))
        if c.allowed is not None:
            out.append(
                (
                    c.name,
                    f"ikke en tilladt værdi (tilladt: {', '.join(c.allowed)})",
                    f"{t} NOT IN ({', '.join(lit(a) for a in c.allowed)})",
                )
            )
        if c.name == "quarter":
            out.append(
                (
                    c.name,
                    "ikke et kvartal på formen YYYYQn (fx 2023Q1)",
                    f"NOT regexp_full_match({t}, '[0-9]{{4}}Q[1-4]')",
                )
            )
        if c.name in sets:
            values, rule = sets[c.name]
            in_list = ", ".join(str(int(v)) for v in sorted(values)) or "NULL"
            out.append((c.name, rule, f"{t} NOT IN ({in_list})"))
        out.extend(rule for rule in s.kind.rules if rule[0] == c.name)
    return out


def check_rows(con: duckdb.DuckDBPyConnection, s: Staged, sets: dict[str, tuple[set, str]]) -> tuple[int, int]:
    """Check every row rule in one pass; return (row count, sum of row hashes) for the
    fingerprint. Raises on the first broken rule with its first row and the count of others."""
    rules = row_rules(s, sets)
    cols = ", ".join(q(c) for c in s.kind.column_names)
    counts = ", ".join(f"count_if({cond})" for _, _, cond in rules)
    res = one(con, f"SELECT count(*), sum(hash({cols})::HUGEINT), {counts} FROM {s.typed}")
    n, hsum, broken = res[0], res[1], res[2:]
    for (column, rule, cond), k in zip(rules, broken, strict=True):
        if k:
            rn, value = one(con, f"SELECT __rn, {q('r$' + column)} FROM {s.typed} WHERE {cond} ORDER BY __rn LIMIT 1")
            if rule == NOT_A_NUMBER and s.delimiter == "," and isinstance(value, str) and "," in value:
                rule += " (decimalkomma accepteres kun i ';'-separerede filer)"
            raise refuse(s, rule, column=column, row=rn, value=value, more=k - 1)
    return n, int(hsum or 0)


# ------------------------------------------------------------------------------ keys


def check_keys(con: duckdb.DuckDBPyConnection, s: Staged, *, stored: str | None = None) -> None:
    """Refuse duplicate keys. ``benefit_weeks`` tells a repeated row from two different codes in
    one week. It is checked with a per-person bitmask of weeks (67 M rows in ~1.5 s, little
    memory); only when that finds something are the offending persons' rows grouped by key.
    ``stored``: the table already holding exactly the file's typed rows (inside the load's
    transaction): the search for duplicates reads it instead of the file."""
    kind, key = s.kind, s.kind.key
    keys = ", ".join(q(k) for k in key)
    src = stored or s.typed
    if kind.name == "benefit_weeks":
        offenders = (
            f"SELECT DISTINCT person_id FROM (SELECT person_id, w // 64, count(*) AS n, "
            f"bit_or((1::UBIGINT) << (w % 64)::INTEGER) AS m FROM (SELECT person_id, "
            f"((week - DATE '0001-01-01') // 7)::BIGINT AS w FROM {src}) GROUP BY ALL) "
            "WHERE n <> bit_count(m)"
        )
        if not scalar(con, f"SELECT count(*) FROM ({offenders})"):
            return
        where, codes = f"WHERE person_id IN ({offenders})", "min(code) AS c1, max(code) AS c2"
    else:
        if not scalar(con, f"SELECT count(*) FROM (SELECT 1 FROM {src} GROUP BY {keys} HAVING count(*) > 1)"):
            return
        where, codes = "", "NULL::SMALLINT AS c1, NULL::SMALLINT AS c2"
    dups = f"__kb_dups_{kind.name}"
    show = " || ', ' || ".join(f"'{k}=' || any_value({q('r$' + k)})" for k in key)
    con.execute(
        f"CREATE OR REPLACE TEMP TABLE {dups} AS SELECT {show} AS shown, min(__rn) AS "
        f"first, max(__rn) AS last, count(*) AS n, {codes} FROM {s.typed} {where} "
        f"GROUP BY {keys} HAVING count(*) > 1"
    )
    s.temp.append(("TABLE", dups))

    def worst(cond: str) -> tuple[Any, ...] | None:
        n_groups, extra = one(con, f"SELECT count(*), sum(n - 1) FROM {dups} WHERE {cond}")
        if not n_groups:
            return None
        return (*one(con, f"SELECT * FROM {dups} WHERE {cond} ORDER BY first LIMIT 1"), int(extra) - 1)

    conflict = worst("c1 <> c2") if kind.name == "benefit_weeks" else None
    if conflict:
        shown, first, last, _, c1, c2, more = conflict
        raise refuse(
            s,
            f"to forskellige ydelseskoder ({c1} og {c2}) for samme person "
            f"og uge (første i række {first}); højst én kode pr. person og uge er tilladt",
            column="code",
            row=last,
            value=shown,
            more=more,
        )
    found = worst("true")
    assert found is not None  # a duplicate key was found above
    shown, first, last, _, _, _, more = found
    what = "dobbelt række" if kind.name == "benefit_weeks" else "dobbelt nøgle"
    raise refuse(
        s,
        f"{what}: ({', '.join(key)}) skal være entydig, men nøglen står også i række {first}",
        column=key[0] if len(key) == 1 else None,
        row=last,
        value=shown,
        more=more,
    )
