"""The accumulation kernel of the model stage, shared by every engine (see :mod:`.accumulate`).

:class:`Layout` fixes where every factor level, dummy and area sits; an :class:`Accumulator`
adds pieces of persons (municipality code, 0-based factor level codes, weeks per area) into

* ``sums[m]`` = Σ ``[1 | one-hot of every factor level | weeks per area]`` over municipality
  ``m``'s persons, and
* ``g[m]`` = ``e_m'e_m`` for ``e = [design dummies | weeks per area]`` (the Gram matrix per
  municipality without the intercept's border, which follows from ``sums``).

Every entry is a small integer, so every partial sum is an integer below 2⁵³ and exact in
float64: the totals are bit-identical in whatever order or partition the persons arrive (the
DuckDB engine's batches, a Spark partition's, a quarter's). :func:`border` adds the intercept's
row and column and the national Gram matrix.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from kommunebench.model.design import Design

__all__ = ["Layout", "Accumulator", "border"]


@dataclass(frozen=True, eq=False)
class Layout:
    """Column positions of one design and set of areas over a list of municipalities."""

    kommunekoder: np.ndarray  # (n_mun,) sorted
    offsets: np.ndarray  # first sums column of each factor's levels
    week_col: int
    n_areas: int
    design_cols: tuple[int, ...]  # sums columns of intercept + dummies, design order
    to_e: np.ndarray  # sums level column → e column (kg = "reference level, dropped")
    lut: np.ndarray  # kommunekode → row

    @classmethod
    def build(cls, design: Design, kommunekoder: np.ndarray, n_areas: int) -> Layout:
        n_levels = [len(f.levels) for f in design.factors]
        offsets = np.concatenate([[1], 1 + np.cumsum(n_levels)[:-1]]).astype(np.int64)
        week_col = 1 + int(sum(n_levels))
        design_cols = [0] + [
            int(off) + i
            for f, off in zip(design.factors, offsets, strict=True)
            for i, lvl in enumerate(f.levels)
            if lvl != f.reference
        ]
        n_dum = len(design_cols) - 1
        to_e = np.full(week_col, n_dum + n_areas, dtype=np.int64)
        to_e[design_cols[1:]] = np.arange(n_dum)
        codes = np.asarray(kommunekoder, dtype=np.int64)
        lut = np.full(int(codes.max()) + 1, -1, dtype=np.int64)
        lut[codes] = np.arange(len(codes))
        return cls(codes, offsets, week_col, n_areas, tuple(design_cols), to_e, lut)

    @property
    def n_mun(self) -> int:
        return len(self.kommunekoder)

    @property
    def n_dum(self) -> int:
        return len(self.design_cols) - 1

    @property
    def kg(self) -> int:
        """Columns of ``e`` (dummies + areas)."""
        return self.n_dum + self.n_areas

    @property
    def ks(self) -> int:
        """Columns of ``sums``."""
        return self.week_col + self.n_areas

    def rows_of(self, kommunekode: np.ndarray) -> np.ndarray:
        """Row of each code (-1 for a code not in the layout)."""
        k = np.asarray(kommunekode, dtype=np.int64)
        out = np.full(k.shape, -1, dtype=np.int64)
        ok = (k >= 0) & (k < len(self.lut))
        out[ok] = self.lut[k[ok]]
        return out


class Accumulator:
    """Adds pieces of persons into ``sums`` and (with ``gram``) ``g``; see the module doc.

    With ``gram`` and at most :data:`_MAX_TABLE` combinations of factor levels (the default
    design has 39,600), a person is its municipality and the mixed-radix code of its levels'
    combination: the pass counts persons per (municipality, combination) with ``bincount`` and
    ``D'D`` follows per municipality from the combinations present (about 15 % of the persons
    at full scale), weighted by their counts, when ``sums`` or ``g`` is read (float32 below 2²⁴
    persons per municipality: every partial sum is an integer below that; else float64). The
    weeks' columns ``[1 | D | W]'W`` are products over only the persons with any weeks (a
    quarter of them), their rows taken from a table of ``[1 | dummies]`` per combination.
    With more combinations the rows ``[1 | dummies | weeks]`` are put one-hot into a float32
    buffer (one product per municipality's run; every entry but the unused ``W'W`` corner is an
    integer below ``piece_rows × 53 < 2²⁴`` when no count exceeds a year's 53 weeks, exact in
    float32; a piece with larger counts is multiplied in float64) and ``W'W`` is added in float64.
    Either way the totals are the same integers as a dense float64 product's.
    """

    def __init__(
        self, layout: Layout, *, gram: bool = True, piece_rows: int = 32_768, columns: np.ndarray | None = None
    ) -> None:
        """``columns``: only these columns of ``e'e`` (all rows), when only they are needed."""
        if not 0 < piece_rows <= _MAX_PIECE:
            raise ValueError(f"piece_rows must be in 1 .. {_MAX_PIECE} (float32 sums stay exact)")
        self.layout = layout
        self._sums = np.zeros((layout.n_mun, layout.ks))
        self.columns = None if columns is None else np.asarray(columns, dtype=np.int64)
        width = layout.kg if self.columns is None else len(self.columns)
        self._g: np.ndarray | None = np.zeros((layout.n_mun, layout.kg, width)) if gram else None
        self.rows = 0
        self._step = piece_rows
        kg, nd = layout.kg, layout.n_dum
        self._to_a = np.where(layout.to_e < nd, layout.to_e + 1, kg + 1).astype(np.intp)  # reference → sink
        n_levels = np.diff(np.append(layout.offsets, layout.week_col))
        self._radix = np.append(np.cumprod(n_levels[:0:-1])[::-1], 1).astype(np.intp)  # C order
        n_combos = int(np.prod(n_levels))
        self._table: np.ndarray | None = None
        self._counts: np.ndarray | None = None
        if gram and self.columns is None and n_combos <= _MAX_TABLE:
            lv = np.indices(tuple(int(x) for x in n_levels)).reshape(len(n_levels), -1)  # combination c, radix order
            table = np.zeros((n_combos, kg + 2))  # [1 | dummies | weeks (unused) | sink]
            table[:, 0] = 1.0
            table[np.arange(n_combos)[:, None], self._to_a[(lv + layout.offsets[:, None]).T]] = 1.0
            self._table = np.ascontiguousarray(table[:, : nd + 1])  # [1 | dummies] per combination
            self._table32 = self._table.astype(np.float32)
            self._counts = np.zeros((layout.n_mun, n_combos), dtype=np.int32)
        else:
            self._a = np.zeros((piece_rows, kg + 2), dtype=np.float32)  # [1 | dummies | weeks | sink]
            self._a[:, 0] = 1.0
            self._base = (np.arange(piece_rows, dtype=np.intp) * (kg + 2))[:, None]
        fac = np.searchsorted(layout.offsets, np.arange(layout.week_col), side="right") - 1
        ref = np.flatnonzero(layout.to_e == kg)
        self._ref_cols, self._ref_fac = ref[ref > 0], fac[ref[ref > 0]]
        self._dum_cols, self._dum_fac = list(layout.design_cols[1:]), fac[list(layout.design_cols[1:])]

    @property
    def sums(self) -> np.ndarray:
        self._flush()
        return self._sums

    @property
    def g(self) -> np.ndarray | None:
        self._flush()
        return self._g

    def add(self, mi: np.ndarray, f: np.ndarray, w: np.ndarray) -> None:
        """Rows ``mi`` (layout rows), ``f`` (m × factors, 0-based levels ≥ 0), ``w`` (m × areas)."""
        for start in range(0, len(mi), self._step):
            sl = slice(start, start + self._step)
            mi_, f_, w_ = np.asarray(mi[sl], dtype=np.intp), f[sl], w[sl]
            if len(mi_) and not np.all(mi_[1:] >= mi_[:-1]):  # the scan usually delivers runs
                order = np.argsort(mi_.astype(np.int16), kind="stable")  # a radix sort for small ints
                mi_, f_, w_ = mi_[order], f_[order], w_[order]
            if self._g is None:
                self._sums_only(mi_, f_, w_)
            elif self._counts is not None:
                self._coded(mi_, f_, w_)
            else:
                self._one_hot(mi_, f_, w_)
            self.rows += len(mi_)

    def _sums_only(self, mi: np.ndarray, f: np.ndarray, w: np.ndarray) -> None:
        lay = self.layout
        n_mun, ks = lay.n_mun, lay.ks
        at = np.concatenate([(mi[:, None] * ks + (f + lay.offsets)).ravel("K"), mi * ks])
        self._sums += np.bincount(at, minlength=n_mun * ks).reshape(n_mun, ks)
        for a in range(lay.n_areas):
            self._sums[:, lay.week_col + a] += np.bincount(mi, weights=w[:, a], minlength=n_mun)

    def _coded(self, mi: np.ndarray, f: np.ndarray, w: np.ndarray) -> None:
        assert self._counts is not None and self._table is not None and self._g is not None
        code = f[:, 0] * self._radix[0]
        for j in range(1, f.shape[1]):
            code += f[:, j] * self._radix[j]
        n_combos = self._counts.shape[1]
        runs = _runs(mi)
        if len(runs) * n_combos <= 4 * len(mi):  # a few municipalities: a bincount per run
            for m_, lo, hi in runs:
                self._counts[m_] += np.bincount(code[lo:hi], minlength=n_combos)
        else:  # many (e.g. a Spark partition's rows): count the distinct keys
            keys, n = np.unique(mi * n_combos + code, return_counts=True)
            self._counts.reshape(-1)[keys] += n.astype(np.int32)
        lay = self.layout
        if not lay.n_areas:
            return
        has = w[:, 0] != 0
        for k in range(1, lay.n_areas):
            has |= w[:, k] != 0
        hw = np.flatnonzero(has)
        wh = np.asarray(w[hw], dtype=float)
        # [1 | D]'W in float32 when its every sum is an integer below 2**24, W'W in float64
        table = self._table32 if wh.max(initial=0.0) * len(hw) < 2**24 else self._table
        d = np.take(table, code[hw], axis=0)
        wd = wh.astype(table.dtype)
        for m_, lo, hi in _runs(mi[hw]):
            self._add_weeks(m_, np.concatenate([d[lo:hi].T @ wd[lo:hi], wh[lo:hi].T @ wh[lo:hi]]))

    def _add_weeks(self, m_: int, q: np.ndarray) -> None:
        """``[1 | D | W]'W`` of one municipality's rows into ``sums`` and ``g``."""
        assert self._g is not None
        nd = self.layout.n_dum
        self._sums[m_, self.layout.week_col :] += q[0]
        self._g[m_, :nd, nd:] += q[1 : nd + 1]
        self._g[m_, nd:, :nd] += q[1 : nd + 1].T
        self._g[m_, nd:, nd:] += q[nd + 1 :]

    def _flush(self) -> None:
        """``D'D`` and the level counts of the persons counted per combination since the last read."""
        if self._counts is None or self._table is None or self._g is None:
            return
        nd = self.layout.n_dum
        n = self._counts.sum(axis=1, dtype=np.int64)
        for m_ in np.flatnonzero(n).tolist():
            nz = np.flatnonzero(self._counts[m_])
            # every entry is a count of persons: below 2**24 exact in float32, else float64
            t = self._table32[nz] if n[m_] < 2**24 else self._table[nz]
            p = ((t * self._counts[m_, nz, None].astype(t.dtype)).T @ t).astype(float)
            self._add_dummies(m_, p[0, 1:], p[0, 0])
            self._g[m_, :nd, :nd] += p[1:, 1:]
            self._counts[m_, nz] = 0

    def _one_hot(self, mi: np.ndarray, f: np.ndarray, w: np.ndarray) -> None:
        assert self._g is not None
        lay = self.layout
        nd, kg, m = lay.n_dum, lay.kg, len(mi)
        a = self._a[:m]
        flat = a.reshape(-1)
        flat[(self._base[:m] + self._to_a[f + lay.offsets]).ravel("K")] = 1.0
        a[:, nd + 1 : kg + 1] = w
        try:
            if self.columns is not None:  # a few columns of e'e: float64 over all rows
                e = a[:, 1 : kg + 1].astype(float)
                add_mun_gram(self._g, e, mi, self.columns)
                for m_, lo, hi in _runs(mi):
                    self._add_dummies(m_, e[lo:hi, :nd].sum(axis=0), hi - lo)
                    self._sums[m_, lay.week_col :] += e[lo:hi, nd:].sum(axis=0)
                return
            exact32 = not w.size or int(w.max()) <= 53
            for m_, lo, hi in _runs(mi):
                block = a[lo:hi, : kg + 1] if exact32 else a[lo:hi, : kg + 1].astype(float)
                p = block.T @ block  # exact but the W'W corner (see the class doc)
                self._add_dummies(m_, p[0, 1 : nd + 1], hi - lo)
                self._sums[m_, lay.week_col :] += p[0, nd + 1 :]
                self._g[m_, :nd] += p[1 : nd + 1, 1:]
                self._g[m_, nd:, :nd] += p[nd + 1 :, 1 : nd + 1]
            if lay.n_areas:
                wh = np.asarray(w, dtype=float)
                for m_, lo, hi in _runs(mi):
                    self._g[m_, nd:, nd:] += wh[lo:hi].T @ wh[lo:hi]
        finally:
            a[:, 1:] = 0.0

    def _add_dummies(self, m_: int, dummies: np.ndarray, n: float) -> None:
        """``sums[m_]`` from a run's n and dummy column sums: a reference level is n minus the rest."""
        row = self._sums[m_]
        row[0] += n
        dum = dummies.astype(float)
        row[self._dum_cols] += dum
        per_factor = np.bincount(self._dum_fac, weights=dum, minlength=len(self.layout.offsets))
        row[self._ref_cols] += n - per_factor[self._ref_fac]

    def merge(self, other_sums: np.ndarray, other_g: np.ndarray | None) -> None:
        """Add another accumulator's totals (exact: integers)."""
        self._flush()
        self._sums += other_sums
        if self._g is not None and other_g is not None:
            self._g += other_g


_MAX_PIECE = (2**24 - 1) // 53  # float32 counts and week sums of a piece stay exact
_MAX_TABLE = 1 << 17  # combinations of factor levels counted per municipality (int32 counts)


def _runs(ms: np.ndarray) -> list[tuple[int, int, int]]:
    """``(value, lo, hi)`` of each run of equal values in ``ms``."""
    if not len(ms):
        return []
    cuts = np.flatnonzero(ms[1:] != ms[:-1]) + 1
    los = [0, *cuts.tolist()]
    his = [*cuts.tolist(), len(ms)]
    return [(int(ms[lo]), lo, hi) for lo, hi in zip(los, his, strict=True)]


def add_mun_gram(g: np.ndarray, e: np.ndarray, mi: np.ndarray, columns: np.ndarray | None = None) -> None:
    """``g[m] += e_m' e_m`` (or ``e_m' e_m[:, columns]``) for each municipality ``m`` in the piece."""
    if mi.size and np.all(mi[1:] >= mi[:-1]):  # the scan usually delivers municipalities in runs
        es, ms = e, mi
    else:
        order = np.argsort(mi.astype(np.int16), kind="stable")  # a radix sort for small integers
        es, ms = e[order], mi[order]
    cuts = np.flatnonzero(np.diff(ms)) + 1
    for lo, hi in zip(np.concatenate([[0], cuts]), np.concatenate([cuts, [ms.size]]), strict=True):
        if hi > lo:
            block = es[lo:hi]
            g[ms[lo]] += block.T @ (block if columns is None else block[:, columns])


def border(layout: Layout, sums: np.ndarray, g: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """``(gram, mun_gram)``: ``g`` bordered with the intercept's row (n and the column sums)."""
    kg = layout.kg
    col_e = np.concatenate([sums[:, list(layout.design_cols)], sums[:, layout.week_col :]], axis=1)
    mun_g = np.empty((layout.n_mun, kg + 1, kg + 1))
    mun_g[:, 1:, 1:] = g
    mun_g[:, 0, :] = col_e
    mun_g[:, :, 0] = col_e
    gram = mun_g.sum(axis=0)  # integers below 2**53: exact in any order
    return gram, mun_g


def factor_codes(columns: Sequence[np.ndarray]) -> np.ndarray:
    """The factor columns of a piece as one (m × factors) int64 array."""
    m = len(columns[0]) if columns else 0
    f = np.empty((len(columns), m), dtype=np.int64)  # column-major: each column one contiguous copy
    for j, c in enumerate(columns):
        f[j] = c
    return f.T
