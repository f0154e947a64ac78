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
    """Adds pieces of persons into ``sums`` and (with ``gram``) ``g``; see the module doc."""

    def __init__(
        self, layout: Layout, *, gram: bool = True, piece_rows: int = 32_768, columns: np.ndarray | None = None
    ) -> None:
        """``columns``: only these columns of ``e'e`` (all rows), when only they are needed."""
        self.layout = layout
        self.sums = np.zeros((layout.n_mun, layout.ks))
        self.columns = None if columns is None else np.asarray(columns, dtype=np.int64)
        width = layout.kg if self.columns is None else len(self.columns)
        self.g: np.ndarray | None = np.zeros((layout.n_mun, layout.kg, width)) if gram else None
        self.rows = 0
        self._buf = np.empty((piece_rows, layout.kg + 1))
        self._idx = np.arange(piece_rows)[:, None]

    def add(self, mi: np.ndarray, f: np.ndarray, w: np.ndarray) -> None:
        """Rows ``mi`` (layout rows), ``f`` (m × factors, 0-based levels ≥ 0), ``w`` (m × areas)."""
        lay = self.layout
        n_mun, ks, kg, n_dum = lay.n_mun, lay.ks, lay.kg, lay.n_dum
        step = self._buf.shape[0]
        for start in range(0, len(mi), step):
            m_i = mi[start : start + step]
            fo = f[start : start + step] + lay.offsets
            ww = np.asarray(w[start : start + step], dtype=float)
            m = len(m_i)
            self.sums += np.bincount((m_i[:, None] * ks + fo).ravel(), minlength=n_mun * ks).reshape(n_mun, ks)
            self.sums[:, 0] += np.bincount(m_i, minlength=n_mun)
            for a in range(lay.n_areas):
                self.sums[:, lay.week_col + a] += np.bincount(m_i, weights=ww[:, a], minlength=n_mun)
            if self.g is not None:
                e = self._buf[:m]
                e.fill(0.0)
                e[self._idx[:m], lay.to_e[fo]] = 1.0
                e[:, n_dum:kg] = ww
                add_mun_gram(self.g, e[:, :kg], m_i, self.columns)
            self.rows += m

    def merge(self, other_sums: np.ndarray, other_g: np.ndarray | None) -> None:
        """Add another accumulator's totals (exact: integers)."""
        self.sums += other_sums
        if self.g is not None and other_g is not None:
            self.g += other_g


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
    f = np.empty((m, len(columns)), dtype=np.int64)
    for j, c in enumerate(columns):
        f[:, j] = c
    return f
