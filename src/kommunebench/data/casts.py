"""SQL expressions that turn a staged file's raw column into its typed value (TRY_CAST rules of
:mod:`kommunebench.data.validate`)."""

from __future__ import annotations

from kommunebench.data.schemas import Column
from kommunebench.data.sql import q

__all__ = ["INT_TYPES", "FLOAT_TYPES", "NOT_A_NUMBER", "raw_text", "text_expr", "column_exprs", "cast_never_fails"]

NOT_A_NUMBER = "ikke et tal"

INT_TYPES = {
    "TINYINT",
    "SMALLINT",
    "INTEGER",
    "BIGINT",
    "HUGEINT",
    "UTINYINT",
    "USMALLINT",
    "UINTEGER",
    "UBIGINT",
    "UHUGEINT",
}
FLOAT_TYPES = {"FLOAT", "DOUBLE", "REAL"}


def _base(sql_type: str) -> str:
    return sql_type.split("(")[0].strip().upper()


def raw_text(col: str, src_type: str) -> str:
    """The untrimmed text of a column (its cast to VARCHAR when it is no text)."""
    x = f"r.{col}" if not col.startswith("r.") else col
    return x if _base(src_type) == "VARCHAR" else f"CAST({x} AS VARCHAR)"


def text_expr(col: str, src_type: str) -> str:
    """Trimmed text of a column, NULL when empty."""
    return f"NULLIF(trim({raw_text(col, src_type)}), '')"


def cast_never_fails(c: Column, src_type: str) -> bool:
    """Whether the typed value of :func:`column_exprs` is NULL exactly when the raw value is (the
    type rule cannot be broken): text, and a source already of the target type."""
    target, src = _base(c.sql_type), _base(src_type)
    if target in INT_TYPES:
        return src == target
    if target == "BOOLEAN":
        return src == "BOOLEAN"
    if target == "DATE":
        return c.name != "month" and src == "DATE"
    return target not in FLOAT_TYPES


def column_exprs(c: Column, src_type: str, decimal_comma: bool) -> tuple[str, str, str]:
    """(raw value, typed value, rule text when the cast fails) for a column."""
    col, target, src = q(c.name), _base(c.sql_type), _base(src_type)
    numeric_src = src in INT_TYPES or src in FLOAT_TYPES or src == "DECIMAL"
    if target in INT_TYPES:
        rule = "ikke et helt tal"
        if src in INT_TYPES:
            return f"r.{col}", f"TRY_CAST(r.{col} AS {target})", rule
        if numeric_src:
            x = f"r.{col}"
            return x, f"CASE WHEN {x} = trunc({x}) THEN TRY_CAST({x} AS {target}) END", rule
        x = text_expr(col, src_type)
        return x, (f"CASE WHEN regexp_full_match({x}, '[+-]?[0-9]+') THEN TRY_CAST({x} AS {target}) END"), rule
    if target in FLOAT_TYPES:
        rule = NOT_A_NUMBER
        if numeric_src:
            x = f"r.{col}"
            v = f"TRY_CAST({x} AS DOUBLE)"
        else:
            x = text_expr(col, src_type)
            v = f"TRY_CAST({'replace(' + x + ', chr(44), chr(46))' if decimal_comma else x} AS DOUBLE)"
            if decimal_comma:  # '1.234' in a Danish file is a thousands separator, never a decimal point
                v = f"CASE WHEN strpos({x}, '.') = 0 THEN {v} END"
                rule = (
                    "ikke et tal (en ';'-separeret fil bruger decimalkomma og ingen tusindtalsseparator: "
                    "'1.234' afvises)"
                )
        return x, f"CASE WHEN isfinite({v}) THEN {v} END", rule
    if target == "BOOLEAN":
        rule = "ikke sand/falsk (tilladt: true, false, 1, 0)"
        if src == "BOOLEAN":
            return f"r.{col}", f"r.{col}", rule
        if numeric_src:
            x = f"r.{col}"
            return x, f"CASE WHEN {x} = 1 THEN true WHEN {x} = 0 THEN false END", rule
        x = text_expr(col, src_type)
        return (
            x,
            (f"CASE WHEN lower({x}) IN ('true', '1') THEN true WHEN lower({x}) IN ('false', '0') THEN false END"),
            rule,
        )
    if target == "DATE" and c.name == "month":
        rule = "ikke en måned på formen YYYY-MM (fx 2023-01)"
        if src in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"):
            d = f"TRY_CAST(r.{col} AS DATE)"
            return f"r.{col}", f"CASE WHEN day({d}) = 1 THEN {d} END", rule + " eller en måneds første dag"
        x = text_expr(col, src_type)
        return (
            x,
            (f"CASE WHEN regexp_full_match({x}, '[0-9]{{4}}-(0[1-9]|1[0-2])') THEN TRY_CAST({x} || '-01' AS DATE) END"),
            rule,
        )
    if target == "DATE":
        if src in ("DATE", "TIMESTAMP", "TIMESTAMP WITH TIME ZONE", "TIMESTAMP_NS", "TIMESTAMP_MS", "TIMESTAMP_S"):
            return f"r.{col}", f"TRY_CAST(r.{col} AS DATE)", "ikke en dato"
        x = text_expr(col, src_type)
        return (
            x,
            (f"CASE WHEN regexp_full_match({x}, '[0-9]{{4}}-[0-9]{{2}}-[0-9]{{2}}') THEN TRY_CAST({x} AS DATE) END"),
            "ikke en dato på formen YYYY-MM-DD",
        )
    x = text_expr(col, src_type)
    return x, x, "ikke tekst"
