"""The accumulation kernel equals a dense float64 one-hot product exactly, on every path.

The kernel counts persons per (municipality, level combination) when the design has few
combinations and puts one-hot rows into a float32 buffer when it has many; both, with
municipalities out of order, pieces smaller than a call, ``columns``, ``gram=False`` and a
merge, must give the dense product's integers bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest

from kommunebench.model.design import DEFAULT_DESIGN, Design, Factor
from kommunebench.model.kernel import _MAX_TABLE, Accumulator, Layout

_MANY = Design(  # 70 × 60 × 40 combinations: more than the kernel's table holds
    factors=tuple(Factor.of_values(f"x{j}", f"c{j}", [str(i) for i in range(n)]) for j, n in enumerate((70, 60, 40))),
    labour_market=(),
)


def _data(design: Design, n: int, n_mun: int, n_areas: int, seed: int):
    rng = np.random.default_rng(seed)
    mi = rng.integers(0, n_mun, n)
    mi[: n // 2].sort()  # a sorted run, then municipalities out of order
    f = np.column_stack([rng.integers(0, len(fac.levels), n) for fac in design.factors])
    w = (rng.random((n, n_areas)) < 0.3) * rng.integers(1, 54, (n, n_areas))
    return mi, f, w.astype(np.int16)


def _dense(layout: Layout, mi, f, w):
    """``sums`` and ``g`` from an explicit float64 one-hot matrix."""
    n = len(mi)
    full = np.zeros((n, layout.week_col))
    full[:, 0] = 1.0
    for j in range(f.shape[1]):
        full[np.arange(n), layout.offsets[j] + f[:, j]] = 1.0
    s = np.concatenate([full, w], axis=1)
    e = np.concatenate([full[:, list(layout.design_cols[1:])], w], axis=1)
    sums = np.stack([s[mi == m].sum(axis=0) for m in range(layout.n_mun)])
    g = np.stack([e[mi == m].T @ e[mi == m] for m in range(layout.n_mun)])
    return sums, g


@pytest.mark.parametrize("design", [DEFAULT_DESIGN, _MANY], ids=["counted", "one-hot"])
def test_the_kernel_equals_the_dense_product(design):
    seed = int(np.random.SeedSequence().entropy % 2**31)
    print("seed", seed)
    n_mun, n_areas = 5, 3
    layout = Layout.build(design, np.arange(101, 101 + n_mun), n_areas)
    combos = int(np.prod([len(fac.levels) for fac in design.factors]))
    assert (combos <= _MAX_TABLE) == (design is DEFAULT_DESIGN)  # both paths are exercised
    mi, f, w = _data(design, 6_000, n_mun, n_areas, seed)
    sums, g = _dense(layout, mi, f, w)

    acc = Accumulator(layout, piece_rows=1_000)
    acc.add(mi[:2_500], f[:2_500], w[:2_500])
    assert acc.g is not None  # a read between adds, then more persons
    acc.add(mi[2_500:], f[2_500:], w[2_500:])
    assert np.array_equal(acc.sums, sums) and np.array_equal(acc.g, g) and acc.rows == len(mi)

    half = Accumulator(layout)
    half.add(mi[:3_000], f[:3_000], w[:3_000])
    other = Accumulator(layout)
    other.add(mi[3_000:], f[3_000:], w[3_000:])
    half.merge(other.sums, other.g)
    assert np.array_equal(half.sums, sums) and np.array_equal(half.g, g)

    plain = Accumulator(layout, gram=False)
    plain.add(mi, f, w)
    assert plain.g is None and np.array_equal(plain.sums, sums)

    cols = np.arange(layout.n_dum, layout.kg)
    some = Accumulator(layout, columns=cols)
    some.add(mi, f, w)
    assert some.g is not None and np.array_equal(some.g, g[:, :, cols]) and np.array_equal(some.sums, sums)


def test_a_piece_too_large_for_exact_float32_is_refused():
    layout = Layout.build(DEFAULT_DESIGN, np.array([101]), 1)
    with pytest.raises(ValueError, match="piece_rows"):
        Accumulator(layout, piece_rows=2**24)


def test_many_municipalities_in_one_piece_are_counted_exactly():
    seed = int(np.random.SeedSequence().entropy % 2**31)
    print("seed", seed)
    layout = Layout.build(DEFAULT_DESIGN, np.arange(1, 99), 2)
    mi, f, w = _data(DEFAULT_DESIGN, 3_000, 98, 2, seed)
    rng = np.random.default_rng(seed)
    mi = rng.permutation(mi)  # every piece holds most municipalities, in no order
    sums, g = _dense(layout, mi, f, w)
    acc = Accumulator(layout)
    acc.add(mi, f, w)
    assert np.array_equal(acc.sums, sums) and np.array_equal(acc.g, g)


@pytest.mark.parametrize("design", [DEFAULT_DESIGN, _MANY], ids=["counted", "one-hot"])
def test_counts_above_a_years_weeks_stay_exact(design):
    seed = int(np.random.SeedSequence().entropy % 2**31)
    print("seed", seed)
    layout = Layout.build(design, np.arange(101, 103), 2)
    mi, f, _ = _data(design, 4_000, 2, 2, seed)
    w = np.random.default_rng(seed).integers(20_000, 30_000, (4_000, 2)).astype(np.int16)  # sums beyond 2**24
    sums, g = _dense(layout, np.sort(mi), f, w)
    acc = Accumulator(layout)
    acc.add(np.sort(mi), f, w)
    assert np.array_equal(acc.sums, sums) and np.array_equal(acc.g, g)
