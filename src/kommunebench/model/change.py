"""What changed between two runs, and why: an exact decomposition of the change in the difference.

For one municipality and list, run 0 (the earlier) and run 1 (the later) have the actual share
``a``, the expected share ``e = p · b`` (``p`` the municipality's mean design row: its design
column sums ÷ its population; ``b`` the coefficients) and the difference ``d = a − e``. Split the
design's columns into the persons' columns ``P`` (age, sex, origin, ..., the intercept) and the
labour market's ``L``. Then, exactly,

    Δd = d₁ − d₀ = Δa                       change in actual
                 − (p₁ − p₀)_P · b₀,P         change in composition (same coefficients, new persons)
                 − (p₁ − p₀)_L · b₀,L         change in labour market (same coefficients)
                 − p₁ · (b₁ − b₀)             change in coefficients / model (at the new persons)

because ``p₁·b₁ − p₀·b₀ = (p₁ − p₀)·b₀ + p₁·(b₁ − b₀)``. Each part is its contribution to the
change in the difference (a rise in the expected share lowers the difference, hence the minus
signs). A design column that only one run has counts as 0 in the other (its column sums and its
coefficient), which keeps the identity exact. Aliased coefficients (``NaN``) count as 0, as in the
prediction. All figures are in percentage points.
"""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = ["PARTS", "ChangeDecomposition", "decompose_change"]

#: the parts, in display order
PARTS = ("actual", "composition", "labour_market", "model")


@dataclass(frozen=True, eq=False)
class ChangeDecomposition:
    """Per municipality (rows) and list (columns), in pct. points; the parts sum to ``diff_change``."""

    kommunekoder: np.ndarray
    lists: tuple[str, ...]
    diff_old: np.ndarray
    diff_new: np.ndarray
    actual: np.ndarray
    composition: np.ndarray
    labour_market: np.ndarray
    model: np.ndarray

    @property
    def diff_change(self) -> np.ndarray:
        return self.diff_new - self.diff_old

    def parts(self) -> dict[str, np.ndarray]:
        return {name: getattr(self, name) for name in PARTS}

    def gap(self) -> float:
        """The largest |Σ parts − Δd| (float rounding only)."""
        total = self.actual + self.composition + self.labour_market + self.model
        return float(np.abs(total - self.diff_change).max(initial=0.0))

    def summary(self) -> str:
        return (
            f"change of {len(self.kommunekoder)} rows × {len(self.lists)} lists; largest gap between the "
            f"sum of the parts and the change in the difference: {self.gap():.2e} pct. points"
        )


def _aligned(terms: Sequence[str], union: Sequence[str], values: np.ndarray) -> np.ndarray:
    """Rows of ``values`` (one per term of ``terms``) placed on ``union``; absent terms are 0."""
    out = np.zeros((len(union), values.shape[1]))
    index = {t: i for i, t in enumerate(union)}
    out[[index[t] for t in terms]] = values
    return out


def decompose_change(
    *,
    kommunekoder: np.ndarray,
    lists: Sequence[str],
    terms: tuple[Sequence[str], Sequence[str]],
    means: tuple[np.ndarray, np.ndarray],
    coefs: tuple[np.ndarray, np.ndarray],
    actual: tuple[np.ndarray, np.ndarray],
    labour_market: Collection[str],
) -> ChangeDecomposition:
    """The decomposition (pure; see the module doc). Pairs are (earlier run, later run).

    ``means[i]``: rows × terms of run i (design column sums ÷ population); ``coefs[i]``: terms ×
    lists; ``actual[i]``: rows × lists, actual shares in percent.
    """
    union = list(dict.fromkeys([*terms[0], *terms[1]]))
    p0, p1 = (_aligned(t, union, np.asarray(m, float).T).T for t, m in zip(terms, means, strict=True))
    b0, b1 = (
        _aligned(t, union, np.nan_to_num(np.asarray(c, float), nan=0.0)) for t, c in zip(terms, coefs, strict=True)
    )
    a0, a1 = (np.asarray(a, float) for a in actual)
    n_rows, n_lists = len(kommunekoder), len(lists)
    for arr in (a0, a1):
        if arr.shape != (n_rows, n_lists):
            raise ValueError(f"actual shares {arr.shape} do not match {n_rows} rows × {n_lists} lists")
    if p0.shape[0] != n_rows or p1.shape[0] != n_rows or b0.shape[1] != n_lists or b1.shape[1] != n_lists:
        raise ValueError("means and coefficients do not match the rows and lists")
    lm = np.array([t in labour_market for t in union])
    dp = p1 - p0
    e0, e1 = p0 @ b0 * 100.0, p1 @ b1 * 100.0
    out = ChangeDecomposition(
        kommunekoder=np.asarray(kommunekoder).copy(),
        lists=tuple(lists),
        diff_old=a0 - e0,
        diff_new=a1 - e1,
        actual=a1 - a0,
        composition=-(dp[:, ~lm] @ b0[~lm]) * 100.0,
        labour_market=-(dp[:, lm] @ b0[lm]) * 100.0,
        model=-(p1 @ (b1 - b0)) * 100.0,
    )
    for arr in (
        out.kommunekoder,
        out.diff_old,
        out.diff_new,
        out.actual,
        out.composition,
        out.labour_market,
        out.model,
    ):
        arr.setflags(write=False)
    return out
