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
  file's distinct week texts (as they stand, so no row is trimmed) whose trimmed ``YYYY-Www``
  form Python validated, to their Monday. A ``month`` column is ``YYYY-MM`` text
  (or, in Parquet, a date on a month's first day) and is stored as the month's first day.
  Booleans are ``true``/``false``/``1``/``0`` (any case) or a Parquet boolean.

Every rule is checked in SQL over the whole file with one aggregate; only when a rule is broken
is a second query run to find the first offending row (and, for CSV, its physical line). When
the file's typed rows are already stored (inside the load's transaction), the aggregate reads
the stored columns instead of the file: the rules on typed values are the same there, and the
two rules on raw values (a missing value, a failed cast) cannot be broken in a column the table
keeps NOT NULL, nor the cast rule where the cast cannot fail (:func:`casts.cast_never_fails`);
any other raw rule still reads the file.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from kommunebench.data.casts import NOT_A_NUMBER, cast_never_fails, column_exprs, raw_text
from kommunebench.data.csvfile import check_utf8, csv_line, csv_shape_error, sniff_header
from kommunebench.data.filecheck import check_parquet, parquet_columns
from kommunebench.data.keyorder import Grouped, key_order
from kommunebench.data.periods import format_iso_week, parse_iso_week, weeks_in_year
from kommunebench.data.schemas import InputKind
from kommunebench.data.sql import lit, one, q, scalar
from kommunebench.errors import ValidationError

# q, lit (kommunebench.data.sql) and check_utf8, csv_line (kommunebench.data.csvfile) are re-exported.
__all__ = ["Staged", "stage", "check_rows", "check_weeks", "check_utf8", "csv_line", "refuse", "q", "lit"]

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
    exact: set[str] = field(default_factory=set)  # columns whose cast cannot fail
    span: str = ""  # a temporary table of the key check: per first key column, its span (see keycheck)
    texts: dict[str, list[str]] = field(default_factory=dict)  # distinct texts of a Parquet file's text columns
    grouped: Grouped | None = None  # a Parquet file shown grouped by its key (no duplicate key): see keyorder
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
        named = _match_columns(kind, parquet_columns(path), s.name)  # duplicates under their names in the file
        texts = [c.name for c in kind.columns if c.sql_type == "VARCHAR" or (c.name == "week" and c.sql_type == "DATE")]
        order = key_order(kind, named)
        found = check_parquet(path, distinct=[named[c] for c in texts], observe=order)
        s.texts = {c: found[named[c]] for c in texts if named[c] in found}
        s.grouped = order.result() if order is not None else None
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
    s.exact = {c.name for c in kind.columns if cast_never_fails(c, s.src_types[c.name])}
    clean = _clean_texts(con, s)
    for c in kind.columns:
        raw, typed, s.type_rules[c.name] = column_exprs(c, s.src_types[c.name], s.delimiter == ";")
        if c.name in clean:  # no value to trim or empty: the value as it stands (the same values, cheaper)
            raw = typed = f"r.{q(c.name)}"
        if kind.name == "benefit_weeks" and c.name == "week":
            typed = "w.monday"
        exprs.append(f"{raw} AS {q('r$' + c.name)}, {typed} AS {q(c.name)}")
    join = ""
    if kind.name == "benefit_weeks":
        join = f" LEFT JOIN {weekmap} AS w ON w.txt = {raw_text(q('week'), s.src_types['week'])}"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {s.typed} AS SELECT r.__rn, {', '.join(exprs)} FROM {s.raw} AS r{join}")
    s.temp.append(("VIEW", s.typed))


def _clean_texts(con: duckdb.DuckDBPyConnection, s: Staged) -> set[str]:
    """The text columns (kept as text) whose every value, per the file's distinct texts, is
    neither empty nor surrounded by blanks: trimming them (and empty text = NULL) changes nothing."""
    out = set()
    for c in s.kind.columns:
        if c.sql_type == "VARCHAR" and s.src_types[c.name] == "VARCHAR" and c.name in s.texts:
            sql = "SELECT coalesce(bool_and(v = trim(v) AND v <> ''), true) FROM unnest(?::VARCHAR[]) t(v)"
            if scalar(con, sql, [s.texts[c.name]]):
                out.add(c.name)
    return out


# ------------------------------------------------------------------------------ row rules


def _week_problem(text: str) -> str:
    """Why ``text`` is no ISO week, in Danish (the form, or a week number the year lacks)."""
    m = re.fullmatch(r"\s*(\d{4})-W(\d{2})\s*", text)
    if m is None:
        return f"{text!r} er ikke en ISO-uge på formen YYYY-Www"
    year = int(m.group(1))
    return f"{text!r} findes ikke: {year} har {weeks_in_year(year)} ISO-uger"


def check_weeks(con: duckdb.DuckDBPyConnection, s: Staged, weekmap: str) -> None:
    """Validate the distinct ``week`` texts in Python and fill the week → Monday mapping.

    The mapping is keyed by the text as it stands in the file (the distinct texts are few: each is
    trimmed once here, never row by row); a blank text maps to nothing (a missing value)."""
    raw = raw_text(q("week"), s.src_types["week"])  # r$week of the typed view = NULLIF(trim(raw), '')
    if "week" in s.texts and s.src_types["week"] == "VARCHAR":  # read with the file's integrity check
        texts = con.execute(
            "SELECT v, NULLIF(trim(v), '') FROM unnest(?::VARCHAR[]) t(v)", [s.texts["week"]]
        ).fetchall()
    else:
        texts = con.execute(
            f"SELECT v, NULLIF(trim(v), '') FROM (SELECT DISTINCT {raw} AS v FROM {s.raw} AS r) WHERE v IS NOT NULL"
        ).fetchall()
    good, bad = [], {}
    for v, t in texts:
        if t is None:
            continue
        try:
            monday = parse_iso_week(t)
        except ValueError:
            bad[t] = _week_problem(t)
            continue
        if format_iso_week(monday) != t:
            bad[t] = f"{t!r} er ikke en ISO-uge på formen YYYY-Www"
            continue
        good.append((v, monday))
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


def _allowed_cond(column: str, allowed: tuple[str, ...]) -> str:
    return f"{q(column)} NOT IN ({', '.join(lit(a) for a in allowed)})"


def _set_cond(column: str, values: set) -> str:
    return f"{q(column)} NOT IN ({', '.join(str(int(v)) for v in sorted(values)) or 'NULL'})"


def _membership_conds(s: Staged, sets: dict[str, tuple[set, str]]) -> set[str]:
    """The conditions of :func:`row_rules` that test one column's value against a list (allowed
    values, reference sets): columns of few distinct values, counted per value (see
    :func:`_stored_counts`)."""
    conds = {_allowed_cond(c.name, c.allowed) for c in s.kind.columns if c.allowed is not None}
    return conds | {_set_cond(c.name, sets[c.name][0]) for c in s.kind.columns if c.name in sets}


def row_rules(s: Staged, sets: dict[str, tuple[set, str]]) -> list[tuple[str, str, str]]:
    """(column, rule text, SQL condition of a broken row) in the order they are reported. Only
    the first two rules of a column (missing value, failed cast) read its raw value ``"r$<column>"``.

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
            rule = f"ikke en tilladt værdi (tilladt: {', '.join(c.allowed)})"
            out.append((c.name, rule, _allowed_cond(c.name, c.allowed)))
        if c.name == "quarter":
            out.append(
                (
                    c.name,
                    "ikke et kvartal på formen YYYYQn (fx 2023Q1)",
                    f"NOT regexp_full_match({t}, '[0-9]{{4}}Q[1-4]')",
                )
            )
        if c.name in sets:
            out.append((c.name, sets[c.name][1], _set_cond(c.name, sets[c.name][0])))
        out.extend(rule for rule in s.kind.rules if rule[0] == c.name)
    return out


def check_rows(
    con: duckdb.DuckDBPyConnection, s: Staged, sets: dict[str, tuple[set, str]], *, stored: str | None = None
) -> tuple[int, int]:
    """Check every row rule in one pass; return (row count, sum of row hashes) for the
    fingerprint. Raises on the first broken rule with its first row and the count of others.
    ``stored``: the table already holding exactly the file's typed rows (inside the load's
    transaction): the pass reads it, and the file only for a raw rule that can still be broken."""
    rules = row_rules(s, sets)
    if stored is None:
        n, hsum, counts = _counts(con, s, sets, rules, range(len(rules)), s.typed)
        broken = [counts[i] for i in range(len(rules))]
    else:
        n, hsum, broken = _stored_counts(con, s, sets, rules, stored)
    for (column, rule, cond), k in zip(rules, broken, strict=True):
        if k:
            rn, value = one(con, f"SELECT __rn, {q('r$' + column)} FROM {s.typed} WHERE {cond} ORDER BY __rn LIMIT 1")
            if rule == NOT_A_NUMBER and s.delimiter == "," and isinstance(value, str) and "," in value:
                rule += " (decimalkomma accepteres kun i ';'-separerede filer)"
            raise refuse(s, rule, column=column, row=rn, value=value, more=k - 1)
    return n, hsum


def _counts(
    con: duckdb.DuckDBPyConnection,
    s: Staged,
    sets: dict[str, tuple[set, str]],
    rules: list[tuple[str, str, str]],
    which: Iterable[int],
    source: str,
) -> tuple[int, int, dict[int, int]]:
    """(row count, sum of the typed rows' hashes, {rule index: broken rows}) of ``source`` in one
    pass, for the rules ``which``. A membership rule (:func:`_membership_conds`) is counted per
    distinct value: the pass groups the rows by those columns (few combinations in valid data),
    counts and hashes each group, and tests each combination once instead of every row; the
    counts are the same as row by row."""
    # A text column with a closed set of values is stored as an ENUM (data/storage.py): hashed as
    # its text, so that the fingerprint of the stored rows is the file's.
    cols = ", ".join(f"{q(c.name)}::VARCHAR" if c.allowed else q(c.name) for c in s.kind.columns)
    listed = _membership_conds(s, sets)
    grouped = [i for i in which if rules[i][2] in listed]
    rest = [i for i in which if rules[i][2] not in listed]
    if grouped:
        keys = ", ".join(dict.fromkeys(q(rules[i][0]) for i in grouped))
        inner = [f"count(*) AS __n, sum(hash({cols})::HUGEINT) AS __h"]
        inner += [f"count_if({rules[i][2]}) AS __r{i}" for i in rest]
        outer = ["sum(__n)", "sum(__h)", *(f"sum(__r{i})" for i in rest)]
        outer += [f"sum(__n) FILTER (WHERE {rules[i][2]})" for i in grouped]
        sql = f"SELECT {', '.join(outer)} FROM (SELECT {keys}, {', '.join(inner)} FROM {source} GROUP BY {keys})"
    else:
        aggs = [f"count(*), sum(hash({cols})::HUGEINT)", *(f"count_if({rules[i][2]})" for i in rest)]
        sql = f"SELECT {', '.join(aggs)} FROM {source}"
    res = one(con, sql)
    counts = {i: int(k or 0) for i, k in zip(rest + grouped, res[2:], strict=True)}
    return int(res[0]), int(res[1] or 0), counts


def _stored_counts(
    con: duckdb.DuckDBPyConnection,
    s: Staged,
    sets: dict[str, tuple[set, str]],
    rules: list[tuple[str, str, str]],
    stored: str,
) -> tuple[int, int, list[int]]:
    """The counts of :func:`check_rows` with the typed rules read from ``stored`` (see the module doc)."""
    sql = (
        "SELECT column_name FROM duckdb_columns() WHERE table_name = ? AND NOT is_nullable "
        "AND database_name = current_database() AND schema_name = current_schema()"
    )
    not_null = {name for (name,) in con.execute(sql, [stored]).fetchall()}

    def on_file(column: str, cond: str) -> bool:
        if '"r$' not in cond or column in not_null:  # a typed rule, or a raw rule the insert kept
            return False
        return not (column in s.exact and cond == f"{q('r$' + column)} IS NOT NULL AND {q(column)} IS NULL")

    where = [on_file(column, cond) for column, _, cond in rules]
    table = [i for i, w in enumerate(where) if not w and '"r$' not in rules[i][2]]
    n, hsum, counts = _counts(con, s, sets, rules, table, stored)
    broken = [counts.get(i, 0) for i in range(len(rules))]
    files = [i for i, w in enumerate(where) if w]
    if files:
        found = one(con, f"SELECT {', '.join(f'count_if({rules[i][2]})' for i in files)} FROM {s.typed}")
        for i, k in zip(files, found, strict=True):
            broken[i] = k
    return n, hsum, broken
