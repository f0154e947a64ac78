"""One streaming pass over the warehouse → the model's sufficient statistics for one period.

The pass is one DuckDB query: the persons of the period's population year aged 16–66, each with
its factor levels as small integer codes and, LEFT JOINed, its count of benefit weeks per area
inside the period (the benefit weeks find their area by a join with a small table of codes and
are counted in one packed sum per three areas; see :func:`_main_sql`). The result is streamed
as Arrow record batches into the :class:`~kommunebench.model.kernel.Accumulator`, which keeps

* ``sums[m] = Σ [1 | one-hot of every factor level | weeks per area]`` over the persons of
  municipality ``m``, and
* the Gram matrix of ``e = [design dummies | weeks per area]`` per municipality (``mun_gram``,
  bordered with the intercept): the within-municipality residual sums of squares and the
  cluster scores of the uncertainty stage follow from it exactly, and ``gram`` is its sum.

The kernel counts persons per (municipality, combination of factor levels) — the dummies' block
follows from the combinations present — and forms the weeks' columns only over the persons
with any weeks, so memory never grows with persons × columns. Every entry is a small integer,
so every partial sum is an integer below 2⁵³ and exact in float64: the statistics are
bit-identical whatever order DuckDB's parallel scan delivers the rows in (no ``ORDER BY``
needed).

The labour-market columns are not in ``d``: they are constant within a commuting area, so their
cross-products follow exactly from the per-municipality sums (see :mod:`kommunebench.model.fit`).
The quarterly labour-market rows are averaged in NumPy in a fixed order (again deterministic).
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass

import duckdb
import numpy as np

from kommunebench.data import schemas
from kommunebench.data.periods import Period, format_iso_week
from kommunebench.errors import (
    InsufficientDataError,
    ReferenceDataError,
    ValidationError,
    WarehouseError,
)
from kommunebench.model.design import Design
from kommunebench.model.factorread import FactorReader, factor_reader
from kommunebench.model.kernel import Accumulator, Layout, border

__all__ = [
    "InsufficientDataError",
    "PeriodStats",
    "PeriodFrame",
    "period_frame",
    "assemble",
    "period_statistics",
    "BATCH_ROWS",
]

BATCH_ROWS = 32_768
Progress = Callable[[str, int, int], None]


@dataclass(frozen=True, eq=False)
class PeriodStats:
    """Sufficient statistics of one period (see the module doc).

    ``sums`` (municipalities × (1 + all factor levels + areas)): column 0 is the population,
    factor ``j``'s levels start at column ``offsets[j]``, area ``a``'s weeks are column
    ``week_col + a``. ``design_columns`` are the ``sums`` columns of the design's intercept and
    dummies, in design order. ``gram`` is the cross-product matrix of ``[1 | dummies | weeks]``
    (the layout ``design_columns`` + weeks), or ``None`` when not asked for. ``lm`` holds the
    labour-market means per commuting area (rows ``commuting_areas``), ``mun_ca`` the row of
    each municipality's commuting area.
    """

    period: Period
    kommunekoder: np.ndarray  # (n_mun,)
    sums: np.ndarray  # (n_mun, 1 + levels + areas)
    gram: np.ndarray | None  # (1 + dummies + areas) squared
    offsets: tuple[int, ...]
    week_col: int
    design_columns: tuple[int, ...]
    commuting_areas: np.ndarray  # (n_ca,)
    mun_ca: np.ndarray  # (n_mun,)
    lm: np.ndarray  # (n_ca, n_lm)
    mun_gram: np.ndarray | None = None  # (n_mun, same as gram): gram per municipality

    @property
    def n(self) -> int:
        return int(self.sums[:, 0].sum())


def _period_text(period: Period) -> str:
    return (
        f"period {period.label} (ISO weeks {format_iso_week(period.first_week)}–"
        f"{format_iso_week(period.last_week)}, population of {period.population_year})"
    )


def _check_tables(con: duckdb.DuckDBPyConnection) -> None:
    for kind in ("persons", "benefit_weeks", "labour_market"):
        table = schemas.KINDS[kind].table
        try:
            con.execute(f"SELECT * FROM {table} LIMIT 0")
        except duckdb.CatalogException:
            raise WarehouseError(f"the warehouse has no table {table!r} ({kind}); load it first") from None


def _population(con, period: Period, commuting_area_of: Mapping[int, int]):
    lo, hi = schemas.BENCHMARK_AGE
    rows = con.execute(
        "SELECT kommunekode, count(*) FROM persons WHERE year = ? AND age BETWEEN ? AND ? "
        "GROUP BY kommunekode ORDER BY kommunekode",
        [period.population_year, lo, hi],
    ).fetchall()
    if not rows:
        raise InsufficientDataError(
            f"no persons aged {lo}-{hi} in population year {period.population_year}: cannot fit "
            f"the model for {_period_text(period)}; load the persons of {period.population_year}"
        )
    codes = np.array([r[0] for r in rows], dtype=np.int64)
    unmapped = [int(c) for c in codes if int(c) not in commuting_area_of]
    if unmapped:
        raise ReferenceDataError(
            f"{len(unmapped)} residence municipality code(s) in persons of {period.population_year} "
            f"have no commuting area: {', '.join(map(str, unmapped[:10]))}"
        )
    return codes, int(sum(r[1] for r in rows))


def _labour_market(con, period: Period, areas: np.ndarray, variables: Sequence[str]) -> np.ndarray:
    quarters = [f"{y}Q{q}" for y, q in period.quarters]
    cols = ", ".join(variables)
    rows = con.execute(
        f"SELECT commuting_area, quarter, {cols} FROM labour_market "
        f"WHERE quarter IN ({', '.join('?' * len(quarters))})",
        quarters,
    ).fetchall()
    found = {(int(r[0]), r[1]): r[2:] for r in rows}
    missing = [f"{a}/{q}" for a in areas.tolist() for q in quarters if (a, q) not in found]
    if missing:
        raise InsufficientDataError(
            f"labour-market data missing for {len(missing)} commuting area/quarter(s) needed by "
            f"{_period_text(period)}: {', '.join(missing[:12])}" + (" …" if len(missing) > 12 else "")
        )
    out = np.empty((len(areas), len(variables)))
    for i, a in enumerate(areas.tolist()):
        vals = [found[(a, q)] for q in quarters]
        for j, var in enumerate(variables):
            col = [v[j] for v in vals]
            if any(x is None for x in col):
                q = quarters[col.index(None)]
                raise InsufficientDataError(f"labour-market variable {var} is empty for commuting area {a} in {q}")
            out[i, j] = (col[0] + col[1] + col[2] + col[3]) / 4.0
    return out


_FIELD = 16  # bits of one area's count in a packed sum: at most 53 weeks < 2**16 (see _main_sql)
_PER_WORD = 3  # areas per BIGINT sum


def _main_sql(factors: FactorReader, area_codes: Sequence[Sequence[int]], *, unpacked: bool = False) -> str:
    """The pass's query. A benefit week finds its area(s) by a join with a small table of codes
    (cheaper than ``IN`` lists) and every person's counts per area are one packed sum per three
    areas: area ``a`` adds ``2**(16·(a mod 3))``, unpacked in NumPy (:func:`_unpack_weeks`).
    Exact: the loader keeps at most one row per person and week, so a count is at most the
    period's 53 weeks and never carries into the next field. The factors are read as
    :mod:`~kommunebench.model.factorread` decides from the stored types. ``unpacked``: the
    query returns one column ``w{a}`` per area instead (unpacked in SQL)."""
    n_words = -(-len(area_codes) // _PER_WORD)
    rows = []
    for a, codes in enumerate(area_codes):
        vals = ["0"] * n_words
        vals[a // _PER_WORD] = str(1 << (_FIELD * (a % _PER_WORD)))
        rows += [f"({int(c)}::SMALLINT, " + ", ".join(f"{v}::BIGINT" for v in vals) + ")" for c in codes]
    words = ", ".join(f"v{k}" for k in range(n_words))
    sums = ", ".join(f"sum(t.v{k})::BIGINT AS x{k}" for k in range(n_words))
    packed = ", ".join(f"coalesce(w.x{k}, 0) AS x{k}" for k in range(n_words))
    if unpacked:
        mask = (1 << _FIELD) - 1
        packed = ", ".join(
            f"((coalesce(w.x{a // _PER_WORD}, 0) >> {_FIELD * (a % _PER_WORD)}) & {mask})::SMALLINT AS w{a}"
            for a in range(len(area_codes))
        )
    return (
        f"WITH t(code, {words}) AS (VALUES {', '.join(rows)}),\n"
        f"w AS (\n  SELECT b.person_id, {sums}\n  FROM benefit_weeks b JOIN t ON b.code = t.code\n"
        "  WHERE b.week BETWEEN ? AND ?\n"
        "  GROUP BY b.person_id)\n"
        f"SELECT p.kommunekode::SMALLINT AS kommunekode, {factors.sql()}, {packed}\n"
        "FROM persons p LEFT JOIN w ON w.person_id = p.person_id\n"
        "WHERE p.year = ? AND p.age BETWEEN ? AND ?"
    )


def _unpack_weeks(words: Sequence[np.ndarray], n_areas: int) -> np.ndarray:
    """The (rows × areas) weeks from the packed sums of :func:`_main_sql`."""
    w = np.empty((len(words[0]) if words else 0, n_areas), dtype=np.int64)
    mask = (1 << _FIELD) - 1
    for a in range(n_areas):
        np.bitwise_and(np.right_shift(words[a // _PER_WORD], _FIELD * (a % _PER_WORD)), mask, out=w[:, a])
    return w


def _reader(con, sql: str, params: list, batch_rows: int):
    """A streaming Arrow reader over the query (not materialised)."""
    rel = con.sql(sql, params=params)
    if hasattr(rel, "to_arrow_reader"):  # duckdb >= 1.4
        return rel.to_arrow_reader(batch_rows)
    return rel.fetch_record_batch(batch_rows)  # pragma: no cover - older duckdb


@dataclass(frozen=True, eq=False)
class PeriodFrame:
    """What every engine takes from the warehouse before the pass: population, labour market."""

    period: Period
    kommunekoder: np.ndarray
    n_total: int
    commuting_areas: np.ndarray
    mun_ca: np.ndarray
    lm: np.ndarray


def period_frame(
    con: duckdb.DuckDBPyConnection, period: Period, *, design: Design, commuting_area_of: Mapping[int, int]
) -> PeriodFrame:
    """The population per municipality and the labour-market means of ``period`` (small queries)."""
    _check_tables(con)
    kommunekoder, n_total = _population(con, period, commuting_area_of)
    ca_of = np.array([int(commuting_area_of[int(c)]) for c in kommunekoder], dtype=np.int64)
    commuting_areas, mun_ca = np.unique(ca_of, return_inverse=True)
    lm = _labour_market(con, period, commuting_areas, design.labour_market)
    return PeriodFrame(period, kommunekoder, n_total, commuting_areas, mun_ca, lm)


def assemble(frame: PeriodFrame, layout: Layout, sums: np.ndarray, g: np.ndarray | None) -> PeriodStats:
    """The :class:`PeriodStats` of accumulated totals (``g`` without the intercept's border)."""
    gram = mun_g = None
    if g is not None:
        gram, mun_g = border(layout, sums, g)
        gram.setflags(write=False)
        mun_g.setflags(write=False)
    sums = np.array(sums, dtype=float)
    sums.setflags(write=False)
    return PeriodStats(
        period=frame.period,
        kommunekoder=frame.kommunekoder,
        sums=sums,
        gram=gram,
        offsets=tuple(int(o) for o in layout.offsets),
        week_col=layout.week_col,
        design_columns=layout.design_cols,
        commuting_areas=frame.commuting_areas,
        mun_ca=frame.mun_ca,
        lm=frame.lm,
        mun_gram=mun_g,
    )


def period_statistics(
    con: duckdb.DuckDBPyConnection,
    period: Period,
    *,
    design: Design,
    area_codes: Sequence[Sequence[int]],
    commuting_area_of: Mapping[int, int],
    gram: bool = True,
    progress: Progress | None = None,
    batch_rows: int = BATCH_ROWS,
) -> PeriodStats:
    """The pass over ``period``: see the module doc. ``area_codes[a]`` are area ``a``'s codes."""
    frame = period_frame(con, period, design=design, commuting_area_of=commuting_area_of)
    layout = Layout.build(design, frame.kommunekoder, len(area_codes))
    acc = Accumulator(layout, gram=gram, piece_rows=min(batch_rows, 65_536))  # a batch may be larger
    lo, hi = schemas.BENCHMARK_AGE
    factors = factor_reader(con, design)
    sql = _main_sql(factors, area_codes)
    params = [period.first_week, period.last_week, period.population_year, lo, hi]
    label = f"model data {period.label}"
    if progress:
        progress(label, 0, frame.n_total)
    nf, n_areas = len(design.factors), len(area_codes)
    for batch in _reader(con, sql, params, batch_rows):
        cols = [np.asarray(batch.column(i).to_numpy(zero_copy_only=False)) for i in range(batch.num_columns)]
        f = factors.codes(cols[1 : 1 + nf])
        if len(f) and f.min() < 0:
            _bad_level(f, design, period)
        w = _unpack_weeks(cols[1 + nf :], n_areas)
        acc.add(layout.lut[cols[0]], f, w)
        if progress:
            progress(label, acc.rows, frame.n_total)
    if acc.rows != frame.n_total:  # the population changed under us (a concurrent load)
        raise WarehouseError(f"persons of {period.population_year} changed during the model pass")
    return assemble(frame, layout, acc.sums, acc.g)


def _bad_level(f: np.ndarray, design: Design, period: Period) -> None:
    j = int(np.argmax((f < 0).any(axis=0)))
    fac = design.factors[j]
    raise ValidationError(
        f"{int((f[:, j] < 0).sum())} person(s) of {period.population_year} have a value outside "
        f"the levels of {fac.name} ({fac.allowed_text()})",
        file="persons",
        column=fac.column,
    )
