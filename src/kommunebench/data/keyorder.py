"""A Parquet file's key order, watched while :mod:`.filecheck` reads its row groups anyway.

Registers arrive *grouped by person*: all of a person's benefit weeks (case assignments, joblog
months, ...) stand together, in time order. When a file is like that, no key can repeat, and each
person's span (first and last year) is the first and last row of its group. :class:`KeyOrder`
sees each row group once, in file order, and shows it with a few array operations on the values
already decoded; :mod:`.keycheck` then skips its aggregate over the stored rows (74 M benefit
weeks: 3.2 CPU s → about 0.3).

What is shown, exactly: every row's key is *strictly greater* (lexicographically, on the key
columns after the first) than the row before it whenever both have the same first key column,
and no value of the first key column starts two groups. Then two rows with the same key would
have to stand in the same group, where the keys only grow: there is no duplicate.

It only speaks for values whose stored form is an injective image of the file's: integers, dates,
and the canonical texts ``YYYY-Www`` (a week) and ``YYYY-MM`` (a month), whose text order is
time order; a week or month that does not exist is refused by its own rule. Anything else (a
missing value, another type, a blank around a week, a group broken up) and it says nothing:
:meth:`KeyOrder.result` is ``None`` and the key check does its full search.
"""

from __future__ import annotations

from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from kommunebench.data.schemas import InputKind

__all__ = ["SPAN_COLUMNS", "Grouped", "KeyOrder", "Part", "key_order"]

#: The kinds whose key check leaves each person's span of years, and the column it is taken from.
SPAN_COLUMNS = {"persons": "year", "benefit_weeks": "week"}

# More groups than this share of the rows (almost every row its own group): the file is not
# grouped by the first key column (a persons file in random order), so watching stops early.
_MAX_GROUP_SHARE = 0.95
_PATTERNS = (r"^\d{4}-W\d{2}$", r"^\d{4}-\d{2}$")  # a week, a month: YYYY*100 + the number


@dataclass(frozen=True, slots=True)
class Grouped:
    """A file shown to be grouped (see the module docstring): one entry per group, in file order."""

    heads: np.ndarray  # the first key column's value of each group (each once)
    lo: np.ndarray | None  # the span column's first and last year in the group, when asked for
    hi: np.ndarray | None


@dataclass(frozen=True, slots=True)
class Part:
    """One row group's groups (:meth:`KeyOrder.part`): ``None`` fields when it shows nothing."""

    rows: int
    first: tuple[Any, ...] | None  # the first and the last row's key (ints; a text as text)
    last: tuple[Any, ...] | None
    heads: np.ndarray | None  # one entry per group beginning in the row group, the first at row 0
    lo: np.ndarray | None
    hi: np.ndarray | None
    ties: bool = False  # shown with ties on all but the key's last column (see _grows_with_ties)


class KeyOrder:
    """Watches a file's row groups (``pyarrow.Table`` with the file's column names):
    :meth:`part` summarises one (any thread, any order), :meth:`add` takes the summaries in file
    order. ``columns``: the key's columns as the file names them; ``span``: one of them whose
    first and last year per group :attr:`Grouped.lo` / :attr:`Grouped.hi` give (a year column, or
    a week or month text, whose year is its first four digits)."""

    def __init__(self, columns: Sequence[str], span: str | None = None, *, texts: Collection[str] = ()):
        if span is not None and span not in columns[1:]:
            raise ValueError(f"span column {span!r} is not a key column after the first")
        self.columns, self.span = tuple(columns), span
        self.texts = frozenset(texts)  # columns stored as the text they hold (else: a week or month text only)
        self.failed = len(self.columns) < 2
        self.rows = 0
        self.groups = 0
        self.heads: list[np.ndarray] = []
        self.lo: list[np.ndarray] = []
        self.hi: list[np.ndarray] = []
        self._last: tuple[Any, ...] | None = None  # the previous row group's last key
        self._ties = False  # whether it was shown with ties

    def part(self, table: pa.Table) -> Part:
        """The row group's groups, if its keys grow inside each (see the module docstring)."""
        nothing = Part(table.num_rows, None, None, None, None, None)
        if self.failed or table.num_rows == 0:
            return nothing
        first = _as_int(table.column(self.columns[0]))
        if first is None:
            return nothing
        same = first[1:] == first[:-1]
        n = len(first)
        if n >= 10_000 and n - int(np.count_nonzero(same)) > _MAX_GROUP_SHARE * n:
            return nothing  # hardly a row shares its group: not grouped (stops before the other columns)
        ordered = [_ordered(table.column(c), text=c in self.texts) for c in self.columns[1:]]
        if any(o is None for o in ordered):
            return nothing
        rest = [o[0] for o in ordered]  # type: ignore[index]  # none is None
        ties = False
        if not _grows(rest, same):
            if len(rest) < 2 or not _grows_with_ties(rest, same):
                return nothing
            ties = True
        codes = [o[1] for o in ordered]  # type: ignore[index]
        starts = np.concatenate((np.zeros(1, dtype=np.intp), np.flatnonzero(~same) + 1))
        lo = hi = None
        if self.span is not None:
            i, source = self.columns.index(self.span) - 1, table.column(self.span).type
            ends = np.concatenate((starts[1:] - 1, [n - 1]))
            lo, hi = _years(codes[i](rest[i][starts]), source), _years(codes[i](rest[i][ends]), source)
        key = [(int(first[j]), *(_py(c(v[[j]])[0]) for c, v in zip(codes, rest, strict=True))) for j in (0, -1)]
        return Part(n, key[0], key[1], first[starts], lo, hi, ties)

    def add(self, part: Part) -> None:
        """The next row group's summary, in file order."""
        if self.failed or part.rows == 0:
            return
        if part.heads is None or part.first is None or part.last is None:
            self.failed = True
            return
        heads, lo, hi = part.heads, part.lo, part.hi
        if self._last is not None and part.first[0] == self._last[0]:  # the previous group goes on
            # across the row groups' border the key must grow; with ties beside it, already the
            # columns before the last (a run of ties is only checked inside one row group)
            k = len(part.first) - 1 if (part.ties or self._ties) else len(part.first)
            if not part.first[1:k] > self._last[1:k]:
                self.failed = True
                return
            if hi is not None:
                self.hi[-1][-1] = hi[0]
            heads, lo, hi = heads[1:], None if lo is None else lo[1:], None if hi is None else hi[1:]
        self._last, self._ties = part.last, part.ties
        self.rows += part.rows
        if len(heads):
            self.heads.append(heads)
            self.groups += len(heads)
            if lo is not None and hi is not None:
                self.lo.append(lo)
                self.hi.append(hi.copy())
        if self.groups > _MAX_GROUP_SHARE * self.rows and self.rows >= 10_000:
            self.failed = True

    def result(self) -> Grouped | None:
        """The groups, or ``None`` when the file was not shown to be grouped."""
        if self.failed or not self.heads:
            return None
        heads = np.concatenate(self.heads)
        ordered = np.sort(heads)
        if len(ordered) > 1 and bool(np.any(ordered[1:] == ordered[:-1])):
            return None  # a value of the first column starts two groups: broken up
        if self.span is None:
            return Grouped(heads, None, None)
        return Grouped(heads, np.concatenate(self.lo), np.concatenate(self.hi))


def _grows(rest: list[np.ndarray], same: np.ndarray) -> bool:
    """Whether each row's ``rest`` is lexicographically greater than the row before it wherever
    ``same`` (the first key column repeats)."""
    if len(rest) == 1:
        return not bool(np.any(same & (rest[0][1:] <= rest[0][:-1])))
    greater = np.zeros(len(same), dtype=bool)
    equal = np.ones(len(same), dtype=bool)
    for v in rest:
        a, b = v[1:], v[:-1]
        greater |= equal & (a > b)
        equal &= a == b
    return bool(np.all(greater | ~same))


def _grows_with_ties(rest: list[np.ndarray], same: np.ndarray) -> bool:
    """Whether, wherever ``same``, each row's ``rest`` but its last column is lexicographically
    at least the row before it, and the rows tied on all but the last column (runs, by the
    first) differ in the last one: conversations of a person on one day in any order of kind.
    The tied rows alone are sorted (by run, then last column) to find a repeat."""
    *prefix, last = rest
    greater = np.zeros(len(same), dtype=bool)
    equal = np.ones(len(same), dtype=bool)
    for v in prefix:
        a, b = v[1:], v[:-1]
        greater |= equal & (a > b)
        equal &= a == b
    if bool(np.any(same & ~(greater | equal))):
        return False
    tie = same & equal  # row i + 1 ties with row i
    at = np.flatnonzero(tie)
    if not len(at):
        return True
    run = np.cumsum(np.concatenate(([True], ~tie)))  # a run of ties shares its number
    rows = np.union1d(at, at + 1)
    r, v = run[rows], last[rows]
    order = np.lexsort((v, r))
    r, v = r[order], v[order]
    return not bool(np.any((r[1:] == r[:-1]) & (v[1:] == v[:-1])))


def _years(values: np.ndarray, source: pa.DataType) -> np.ndarray:
    """A year column as it is; a week or month text (``YYYY*100 + n``) as its year."""
    return values if pa.types.is_integer(source) else values // 100


def _as_int(column: pa.ChunkedArray) -> np.ndarray | None:
    """The column as integers (int64, or int32 for dates, weeks and months) that order and
    compare as the stored values do, or None."""
    if column.null_count:
        return None
    t = column.type
    if pa.types.is_integer(t):
        return np.asarray(column.chunk(0).to_numpy() if column.num_chunks == 1 else column.to_numpy())
    if pa.types.is_date32(t):
        return np.asarray(column.cast(pa.int32()).to_numpy())
    parts = []
    for chunk in column.chunks:
        if pa.types.is_dictionary(chunk.type):
            codes = _text_ints(chunk.dictionary)
            if codes is None:
                return None
            parts.append(codes.take(chunk.indices.to_numpy(zero_copy_only=False)))
        else:
            codes = _text_ints(chunk)
            if codes is None:
                return None
            parts.append(codes)
    return np.concatenate(parts) if parts else np.zeros(0, dtype=np.int64)


def _same(values: np.ndarray) -> np.ndarray:
    return values


def _py(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _ordered(
    column: pa.ChunkedArray, *, text: bool = False
) -> tuple[np.ndarray, Callable[[np.ndarray], np.ndarray]] | None:
    """Values that order as the stored values inside this row group, and the function from some
    of them to the codes of :func:`_as_int` (comparable across row groups); or None.

    A single text chunk (a week, or with ``text`` a column stored as the text it holds) is
    compared by the dense rank of its dictionary's codes (or texts) in the smallest integer type:
    a quarter of the bytes to compare. Dense, so that a dictionary holding one text twice cannot
    make two equal values look different. Only a column stored as text may be compared as its
    text: elsewhere two texts can store as one value ('2023-W01', '2023-w01')."""
    if column.num_chunks == 1 and _is_text(column.type) and not column.null_count:
        chunk = column.chunk(0)
        if not pa.types.is_dictionary(chunk.type):
            chunk = pc.dictionary_encode(chunk)
        entries: np.ndarray | None = _text_ints(chunk.dictionary)
        if entries is None and text:
            entries = _clean_texts(chunk.dictionary)
        if entries is None:
            return None
        distinct = np.unique(entries)
        rank = np.searchsorted(distinct, entries).astype(np.min_scalar_type(max(len(distinct) - 1, 0)))
        ranks = pc.take(pa.array(rank), chunk.indices)  # Arrow takes by the int16 indices as they are
        return np.asarray(ranks.to_numpy(zero_copy_only=False)), distinct.take
    values = _as_int(column)
    return None if values is None else (values, _same)


def _is_text(t: pa.DataType) -> bool:
    t = t.value_type if pa.types.is_dictionary(t) else t
    return bool(pa.types.is_string(t) or pa.types.is_large_string(t))


def _clean_texts(values: pa.Array) -> np.ndarray | None:
    """Texts stored exactly as they stand (none empty or with blanks around it: nothing to trim),
    as a NumPy array of str; None otherwise. Their order is text order."""
    if values.null_count or not len(values):
        return None
    trimmed = pc.utf8_trim_whitespace(values)
    if not pc.all(pc.equal(trimmed, values)).as_py() or pc.any(pc.equal(pc.utf8_length(values), 0)).as_py():
        return None
    return np.asarray(values.to_pylist(), dtype=object)


def _text_ints(values: pa.Array) -> np.ndarray | None:
    """Canonical week (``YYYY-Www``) or month (``YYYY-MM``) texts as ``YYYY*100 + n``; None for
    anything else (one pattern for all values)."""
    if not (pa.types.is_string(values.type) or pa.types.is_large_string(values.type)) or values.null_count:
        return None
    if len(values) == 0:
        return np.zeros(0, dtype=np.int64)
    for pattern in _PATTERNS:
        if pc.all(pc.match_substring_regex(values, pattern)).as_py():
            year = pc.cast(pc.utf8_slice_codeunits(values, 0, 4), pa.int64()).to_numpy()
            n = pc.cast(pc.utf8_slice_codeunits(values, -2), pa.int64()).to_numpy()
            return np.asarray(year * 100 + n, dtype=np.int32)
    return None


def key_order(kind: InputKind, named: dict[str, str]) -> KeyOrder | None:
    """The watcher for a kind's key (``named``: schema column → the file's name for it), or None
    for a key of one column (its duplicates are one cheap aggregate)."""
    if len(kind.key) < 2:
        return None
    span = SPAN_COLUMNS.get(kind.name)
    texts = [named[c.name] for c in kind.columns if c.name in kind.key and c.sql_type == "VARCHAR"]
    return KeyOrder([named[c] for c in kind.key], named[span] if span else None, texts=texts)
