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

import codecs
import csv
from dataclasses import dataclass, field
from pathlib import Path

import duckdb

from kommunebench.data.periods import format_iso_week, parse_iso_week
from kommunebench.data.schemas import Column, InputKind
from kommunebench.errors import ValidationError

__all__ = ["Staged", "stage", "check_rows", "check_keys", "csv_line", "refuse"]

FORMATS = {"csv": "csv", "parquet": "parquet"}
_INT_TYPES = {"TINYINT", "SMALLINT", "INTEGER", "BIGINT", "HUGEINT", "UTINYINT", "USMALLINT",
              "UINTEGER", "UBIGINT", "UHUGEINT"}
_FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}
_CHUNK = 1 << 20


def q(name: str) -> str:
    """A quoted SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def lit(text: str) -> str:
    """A SQL string literal."""
    return "'" + str(text).replace("'", "''") + "'"


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


def refuse(s: Staged, rule: str, *, column: str | None = None, row: int | None = None,
           value: object = None, more: int = 0) -> ValidationError:
    """A ValidationError for a staged file, with the CSV line looked up when a row is known."""
    line = csv_line(s.path, s.delimiter, row) if (row is not None and s.fmt == "csv") else None
    return ValidationError(rule, file=s.name, row=row, column=column, value=value, more=more,
                           line=line)


# ------------------------------------------------------------------------------ CSV helpers


def check_utf8(path: Path) -> None:
    """Stream-decode the file; on the first invalid byte report its line and byte offset."""
    decoder = codecs.getincrementaldecoder("utf-8")()
    offset = 0
    with path.open("rb") as fh:
        while True:
            chunk = fh.read(_CHUNK)
            final = not chunk
            try:
                decoder.decode(chunk, final=final)
            except UnicodeDecodeError as exc:
                # exc.start counts from the start of the decoder's buffer: pending bytes of an
                # incomplete sequence from the previous chunk come first.
                pending = len(exc.object) - len(chunk)
                bad = offset - pending + exc.start
                fh.seek(0)
                line = fh.read(bad).count(b"\n") + 1
                byte = exc.object[exc.start:exc.start + 1]
                raise ValidationError(
                    f"the file is not UTF-8 text: invalid byte 0x{byte.hex()} at line {line}, "
                    f"byte offset {bad}; save it as UTF-8",
                    file=path.name, line=line, value=None,
                ) from None
            if final:
                return
            offset += len(chunk)


def _read_header(path: Path) -> str:
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        return fh.readline().rstrip("\r\n")


def sniff_header(path: Path) -> tuple[str, list[str]]:
    """The delimiter (``,`` or ``;``, whichever the header line uses more) and the header names."""
    header = _read_header(path)
    if not header.strip():
        raise ValidationError("the first line must be a header with the column names, but it is "
                              "empty", file=path.name, line=1)
    delimiter = ";" if header.count(";") > header.count(",") else ","
    names = next(csv.reader([header], delimiter=delimiter))
    return delimiter, [n.strip() for n in names]


def _records(path: Path, delimiter: str):
    """(row, line, fields) per data record as DuckDB counts them (blank lines skipped)."""
    with path.open("r", encoding="utf-8-sig", newline="") as fh:
        reader = csv.reader(fh, delimiter=delimiter)
        next(reader, None)
        row = 0
        while True:
            start = reader.line_num + 1
            try:
                rec = next(reader)
            except StopIteration:
                return
            if not rec:
                continue
            row += 1
            yield row, start, rec


def csv_line(path: Path, delimiter: str | None, row: int) -> int | None:
    """The physical line (as an editor shows it) where data row ``row`` starts."""
    try:
        for r, line, _ in _records(path, delimiter or ","):
            if r == row:
                return line
    except (csv.Error, OSError, UnicodeDecodeError):
        return None
    return None


def _csv_shape_error(path: Path, delimiter: str, ncols: int, exc: Exception) -> ValidationError:
    try:
        for row, line, rec in _records(path, delimiter):
            if len(rec) != ncols:
                return ValidationError(
                    f"the row has {len(rec)} field(s) but the header has {ncols} "
                    f"(delimiter {delimiter!r})", file=path.name, row=row, line=line)
    except csv.Error as err:
        return ValidationError(f"the file is not valid CSV: {err}", file=path.name)
    first = str(exc).splitlines()[0]
    return ValidationError(f"the file cannot be read as CSV: {first}", file=path.name)


# ------------------------------------------------------------------------------ staging


def _match_columns(kind: InputKind, names: list[str], file: str) -> dict[str, str]:
    """Schema column → the file's column name (matched ignoring case and surrounding blanks)."""
    seen: dict[str, str] = {}
    for n in names:
        key = n.strip().lower()
        if key in seen:
            raise ValidationError(f"column {n!r} appears more than once in the header",
                                  file=file, column=n)
        seen[key] = n
    wanted = kind.column_names
    missing = [c for c in wanted if c not in seen]
    extra = [seen[k] for k in seen if k not in wanted]
    if missing:
        rule = f"missing column(s) {', '.join(repr(c) for c in missing)}"
        if extra:
            rule += f"; the file has unexpected column(s) {', '.join(repr(c) for c in extra)}"
        rule += f" (a {kind.name} file has the columns {', '.join(wanted)})"
        raise ValidationError(rule, file=file, column=missing[0])
    if extra:
        raise ValidationError(
            f"unexpected column(s) {', '.join(repr(c) for c in extra)}: extra columns are refused "
            f"(a {kind.name} file has exactly the columns {', '.join(wanted)})",
            file=file, column=extra[0])
    return {c: seen[c] for c in wanted}


def stage(con: duckdb.DuckDBPyConnection, s: Staged, weekmap: str) -> None:
    """Create the ``raw`` and ``typed`` views of the file (see the module docstring)."""
    path, kind = s.path, s.kind
    if path.stat().st_size == 0:
        raise ValidationError("the file is empty (0 bytes)", file=s.name)
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
            raise _csv_shape_error(path, s.delimiter, len(names), exc) from None
        s.temp.append(("TABLE", table))
        pos = {n: i for i, n in enumerate(names)}
        select = ", ".join(f"c{pos[cols[c]]} AS {q(c)}" for c in kind.column_names)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {s.raw} AS SELECT rowid + 1 AS __rn, {select} FROM {table}")
        s.src_types = dict.fromkeys(kind.column_names, "VARCHAR")
    else:
        src = f"read_parquet({lit(path)}, file_row_number=true)"
        try:
            desc = con.execute(f"DESCRIBE SELECT * FROM read_parquet({lit(path)})").fetchall()
        except duckdb.Error as exc:
            first = str(exc).splitlines()[0]
            raise ValidationError(f"the file is not a readable Parquet file: {first}",
                                  file=s.name) from None
        types = {r[0]: r[1] for r in desc}
        cols = _match_columns(kind, list(types), s.name)
        select = ", ".join(f"{q(cols[c])} AS {q(c)}" for c in kind.column_names)
        con.execute(f"CREATE OR REPLACE TEMP VIEW {s.raw} AS SELECT file_row_number + 1 AS __rn, {select} "
                    f"FROM {src}")
        s.src_types = {c: types[cols[c]] for c in kind.column_names}
    s.temp.append(("VIEW", s.raw))
    s.rows = con.execute(f"SELECT count(*) FROM {s.raw}").fetchone()[0]
    if s.rows == 0:
        what = "a header but no data rows" if s.fmt == "csv" else "no rows"
        raise ValidationError(f"the file has {what}", file=s.name)
    exprs = []
    for c in kind.columns:
        raw, typed, s.type_rules[c.name] = _exprs(c, s.src_types[c.name], s.delimiter == ";")
        if kind.name == "benefit_weeks" and c.name == "week":
            typed = "w.monday"
        exprs.append(f"{raw} AS {q('r$' + c.name)}, {typed} AS {q(c.name)}")
    join = ""
    if kind.name == "benefit_weeks":
        join = f" LEFT JOIN {weekmap} AS w ON w.txt = {_text(q('week'), s.src_types['week'])}"
    con.execute(f"CREATE OR REPLACE TEMP VIEW {s.typed} AS SELECT r.__rn, {', '.join(exprs)} "
                f"FROM {s.raw} AS r{join}")
    s.temp.append(("VIEW", s.typed))


def _base(sql_type: str) -> str:
    return sql_type.split("(")[0].strip().upper()


def _text(col: str, src_type: str) -> str:
    """Trimmed text of a column, NULL when empty."""
    x = f"r.{col}" if not col.startswith("r.") else col
    if _base(src_type) != "VARCHAR":
        x = f"CAST({x} AS VARCHAR)"
    return f"NULLIF(trim({x}), '')"


def _exprs(c: Column, src_type: str, decimal_comma: bool) -> tuple[str, str, str]:
    """(raw value, typed value, rule text when the cast fails) for a column."""
    col, target, src = q(c.name), _base(c.sql_type), _base(src_type)
    numeric_src = src in _INT_TYPES or src in _FLOAT_TYPES or src == "DECIMAL"
    if target in _INT_TYPES:
        rule = "not a whole number"
        if src in _INT_TYPES:
            return f"r.{col}", f"TRY_CAST(r.{col} AS {target})", rule
        if numeric_src:
            x = f"r.{col}"
            return x, f"CASE WHEN {x} = trunc({x}) THEN TRY_CAST({x} AS {target}) END", rule
        x = _text(col, src_type)
        return x, (f"CASE WHEN regexp_full_match({x}, '[+-]?[0-9]+') "
                   f"THEN TRY_CAST({x} AS {target}) END"), rule
    if target in _FLOAT_TYPES:
        rule = "not a number"
        if numeric_src:
            x = f"r.{col}"
            v = f"TRY_CAST({x} AS DOUBLE)"
        else:
            x = _text(col, src_type)
            v = f"TRY_CAST({'replace(' + x + ', chr(44), chr(46))' if decimal_comma else x} AS DOUBLE)"
        return x, f"CASE WHEN isfinite({v}) THEN {v} END", rule
    if target == "BOOLEAN":
        rule = "not true/false (accepted: true, false, 1, 0)"
        if src == "BOOLEAN":
            return f"r.{col}", f"r.{col}", rule
        if numeric_src:
            x = f"r.{col}"
            return x, f"CASE WHEN {x} = 1 THEN true WHEN {x} = 0 THEN false END", rule
        x = _text(col, src_type)
        return x, (f"CASE WHEN lower({x}) IN ('true', '1') THEN true "
                   f"WHEN lower({x}) IN ('false', '0') THEN false END"), rule
    if target == "DATE" and c.name == "month":
        rule = "not a month of the form YYYY-MM (e.g. 2023-01)"
        if src in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS",
                   "TIMESTAMP_S"):
            d = f"TRY_CAST(r.{col} AS DATE)"
            return f"r.{col}", f"CASE WHEN day({d}) = 1 THEN {d} END", rule + " or a month's first day"
        x = _text(col, src_type)
        return x, (f"CASE WHEN regexp_full_match({x}, '[0-9]{{4}}-(0[1-9]|1[0-2])') "
                   f"THEN TRY_CAST({x} || '-01' AS DATE) END"), rule
    if target == "DATE":
        if src in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS",
                   "TIMESTAMP_S"):
            return f"r.{col}", f"TRY_CAST(r.{col} AS DATE)", "not a date"
        x = _text(col, src_type)
        return x, (f"CASE WHEN regexp_full_match({x}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') "
                   f"THEN TRY_CAST({x} AS DATE) END"), "not a date of the form YYYY-MM-DD"
    x = _text(col, src_type)
    return x, x, "not text"


# ------------------------------------------------------------------------------ row rules


def check_weeks(con: duckdb.DuckDBPyConnection, s: Staged, weekmap: str) -> None:
    """Validate the distinct ``week`` texts in Python and fill the week → Monday mapping."""
    texts = [t for (t,) in con.execute(
        f"SELECT DISTINCT {q('r$week')} FROM {s.typed} WHERE {q('r$week')} IS NOT NULL"
    ).fetchall()]
    good, bad = [], {}
    for t in texts:
        try:
            monday = parse_iso_week(t)
        except ValueError as exc:
            bad[t] = str(exc)
            continue
        if format_iso_week(monday) != t:
            bad[t] = f"{t!r} is not an ISO week of the form YYYY-Www"
            continue
        good.append((t, monday))
    con.execute(f"DELETE FROM {weekmap}")
    if good:
        con.executemany(f"INSERT INTO {weekmap} VALUES (?, ?)", good)
    if bad:
        in_list = ", ".join(lit(t) for t in bad)
        rn, value, n = con.execute(
            f"SELECT arg_min(__rn, __rn), arg_min({q('r$week')}, __rn), count(*) FROM {s.typed} "
            f"WHERE {q('r$week')} IN ({in_list})").fetchone()
        raise refuse(s, f"not an existing ISO week (YYYY-Www): {bad[value]}",
                     column="week", row=rn, value=value, more=n - 1)


def row_rules(s: Staged, sets: dict[str, tuple[set, str]]) -> list[tuple[str, str, str]]:
    """(column, rule text, SQL condition of a broken row) in the order they are reported.

    ``sets`` maps a column to (allowed values, rule text) for the reference rules (kommunekode,
    commuting area, benefit code) that depend on the warehouse's effective reference tables.
    """
    out = []
    for c in s.kind.columns:
        r, t = q("r$" + c.name), q(c.name)
        if not c.nullable:
            out.append((c.name, "missing value: the column must not be empty", f"{r} IS NULL"))
        out.append((c.name, s.type_rules[c.name], f"{r} IS NOT NULL AND {t} IS NULL"))
        if c.min is not None and c.max is not None:
            out.append((c.name, f"out of range: must be between {c.min:g} and {c.max:g}",
                        f"{t} < {c.min} OR {t} > {c.max}"))
        elif c.min is not None:
            out.append((c.name, f"out of range: must be at least {c.min:g}", f"{t} < {c.min}"))
        elif c.max is not None:
            out.append((c.name, f"out of range: must be at most {c.max:g}", f"{t} > {c.max}"))
        if c.allowed is not None:
            out.append((c.name, f"not an allowed value (allowed: {', '.join(c.allowed)})",
                        f"{t} NOT IN ({', '.join(lit(a) for a in c.allowed)})"))
        if c.name == "quarter":
            out.append((c.name, "not a quarter of the form YYYYQn (e.g. 2023Q1)",
                        f"NOT regexp_full_match({t}, '[0-9]{{4}}Q[1-4]')"))
        if c.name in sets:
            values, rule = sets[c.name]
            in_list = ", ".join(str(int(v)) for v in sorted(values)) or "NULL"
            out.append((c.name, rule, f"{t} NOT IN ({in_list})"))
        out.extend(rule for rule in s.kind.rules if rule[0] == c.name)
    return out


def check_rows(con: duckdb.DuckDBPyConnection, s: Staged,
               sets: dict[str, tuple[set, str]]) -> tuple[int, int]:
    """Check every row rule in one pass; return (row count, sum of row hashes) for the
    fingerprint. Raises on the first broken rule with its first row and the count of others."""
    rules = row_rules(s, sets)
    cols = ", ".join(q(c) for c in s.kind.column_names)
    counts = ", ".join(f"count_if({cond})" for _, _, cond in rules)
    res = con.execute(
        f"SELECT count(*), sum(hash({cols})::HUGEINT), {counts} FROM {s.typed}").fetchone()
    n, hsum, broken = res[0], res[1], res[2:]
    for (column, rule, cond), k in zip(rules, broken, strict=True):
        if k:
            rn, value = con.execute(
                f"SELECT __rn, {q('r$' + column)} FROM {s.typed} WHERE {cond} "
                "ORDER BY __rn LIMIT 1").fetchone()
            if (rule == "not a number" and s.delimiter == "," and isinstance(value, str)
                    and "," in value):
                rule += " (a decimal comma is accepted only in ';'-separated files)"
            raise refuse(s, rule, column=column, row=rn, value=value, more=k - 1)
    return n, int(hsum or 0)


# ------------------------------------------------------------------------------ keys


def check_keys(con: duckdb.DuckDBPyConnection, s: Staged) -> None:
    """Refuse duplicate keys. ``benefit_weeks`` tells a repeated row from two different codes in
    one week. It is checked with a per-person bitmask of weeks (67 M rows in ~1.5 s, little
    memory); only when that finds something are the offending persons' rows grouped by key."""
    kind, key = s.kind, s.kind.key
    keys = ", ".join(q(k) for k in key)
    if kind.name == "benefit_weeks":
        offenders = (
            f"SELECT DISTINCT person_id FROM (SELECT person_id, w // 64, count(*) AS n, "
            f"bit_or((1::UBIGINT) << (w % 64)::INTEGER) AS m FROM (SELECT person_id, "
            f"((week - DATE '0001-01-01') // 7)::BIGINT AS w FROM {s.typed}) GROUP BY ALL) "
            "WHERE n <> bit_count(m)")
        if not con.execute(f"SELECT count(*) FROM ({offenders})").fetchone()[0]:
            return
        where, codes = f"WHERE person_id IN ({offenders})", "min(code) AS c1, max(code) AS c2"
    else:
        if not con.execute(f"SELECT count(*) FROM (SELECT 1 FROM {s.typed} GROUP BY {keys} "
                           "HAVING count(*) > 1)").fetchone()[0]:
            return
        where, codes = "", "NULL::SMALLINT AS c1, NULL::SMALLINT AS c2"
    dups = f"__kb_dups_{kind.name}"
    show = " || ', ' || ".join(f"'{k}=' || any_value({q('r$' + k)})" for k in key)
    con.execute(f"CREATE OR REPLACE TEMP TABLE {dups} AS SELECT {show} AS shown, min(__rn) AS "
                f"first, max(__rn) AS last, count(*) AS n, {codes} FROM {s.typed} {where} "
                f"GROUP BY {keys} HAVING count(*) > 1")
    s.temp.append(("TABLE", dups))

    def worst(cond: str) -> tuple | None:
        n_groups, extra = con.execute(f"SELECT count(*), sum(n - 1) FROM {dups} WHERE {cond}"
                                      ).fetchone()
        if not n_groups:
            return None
        return (*con.execute(f"SELECT * FROM {dups} WHERE {cond} ORDER BY first LIMIT 1"
                             ).fetchone(), int(extra) - 1)

    conflict = worst("c1 <> c2") if kind.name == "benefit_weeks" else None
    if conflict:
        shown, first, last, _, c1, c2, more = conflict
        raise refuse(s, f"two different benefit codes ({c1} and {c2}) for the same person "
                     f"and week (first in row {first}); at most one code per person and week is "
                     "allowed", column="code", row=last, value=shown, more=more)
    shown, first, last, _, _, _, more = worst("true")
    what = "duplicate row" if kind.name == "benefit_weeks" else "duplicate key"
    raise refuse(s, f"{what}: ({', '.join(key)}) must be unique, but this key is also in "
                 f"row {first}", column=key[0] if len(key) == 1 else None, row=last,
                 value=shown, more=more)
