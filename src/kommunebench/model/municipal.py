"""Per-municipality cross-products of the model's design and outcomes (for the uncertainty stage).

From a :class:`~kommunebench.model.accumulate.PeriodStats` with ``mun_gram``, for every
municipality ``m`` the exact cross-products of ``X̃ = [1 | dummies | LM − shift]`` and the
outcomes ``Y`` (areas, maybe + total, as shares of the period's weeks):
``xx[m] = X̃_m'X̃_m``, ``xy[m] = X̃_m'Y_m``, ``yy[m] = Y_m'Y_m``. The labour-market columns are
constant within a commuting area, so their blocks follow from the municipality's sums, as in
:mod:`kommunebench.model.fit`. Everything the uncertainty stage needs (within-municipality
residual sums of squares, cluster scores, alternative specifications) is a function of these
small arrays (98 × ~37 × ~37), never of the persons again.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from kommunebench.model.accumulate import PeriodStats

__all__ = ["MunicipalCrossproducts", "municipal_crossproducts", "floor_tiny_expected", "TINY_EXPECTED"]

# A linear probability model's expected count is a sum of fitted values: in a municipality with
# almost nobody expected it can fall a hair below 0 (seen: -0.0006 persons at scale 0.005).
# Less than half a person below 0 counts as 0 expected (the lists refuse anything lower).
TINY_EXPECTED = 0.5


def floor_tiny_expected(expected: np.ndarray) -> np.ndarray:
    """``expected`` with values in (-TINY_EXPECTED, 0) set to 0 (a new array)."""
    e = np.array(expected, dtype=float)
    e[(e < 0) & (e > -TINY_EXPECTED)] = 0.0
    return e


@dataclass(frozen=True, eq=False)
class MunicipalCrossproducts:
    """Cross-products per municipality (rows in ``kommunekoder`` order; arrays read-only).

    The design columns are the model's terms with the labour-market columns shifted by
    ``shift`` (zero for the intercept and dummies): a coefficient vector ``b`` of the unshifted
    design acts on the shifted one after ``b̃[intercept] = b[intercept] + shift · b``.
    """

    kommunekoder: np.ndarray  # (n_mun,)
    mun_ca: np.ndarray  # (n_mun,) row of the commuting area
    population: np.ndarray  # (n_mun,)
    xx: np.ndarray  # (n_mun, k, k)
    xy: np.ndarray  # (n_mun, k, A)
    yy: np.ndarray  # (n_mun, A, A)
    shift: np.ndarray  # (k,)
    intercept: int

    def shifted(self, coef: np.ndarray) -> np.ndarray:
        """Coefficients (k × A, NaN = aliased → 0) for the shifted design."""
        b = np.nan_to_num(np.asarray(coef, float), nan=0.0).copy()
        b[self.intercept] = b[self.intercept] + self.shift @ b
        return b

    def differences(self, coef: np.ndarray, combo: np.ndarray) -> np.ndarray:
        """Actual − expected counts (n_mun × outcomes of ``combo``), as the lists compute them.

        ``coef``: k × A (the areas); each area's expected count is floored as the lists floor it
        (:func:`floor_tiny_expected`) before ``combo`` sums areas into outcomes.
        """
        expected = floor_tiny_expected(self.xx[:, self.intercept, :] @ self.shifted(coef))
        return (self.xy[:, self.intercept, :] - expected) @ combo


def _ro(a: np.ndarray) -> np.ndarray:
    a = np.ascontiguousarray(a, dtype=float)
    a.setflags(write=False)
    return a


def municipal_crossproducts(st: PeriodStats, combo: np.ndarray, shift_lm: np.ndarray) -> MunicipalCrossproducts:
    """The cross-products of ``st`` (needs ``mun_gram``); ``shift_lm``: the LM columns' shift."""
    if st.mun_gram is None:
        raise ValueError("the period statistics were computed without the Gram matrices (gram=False)")
    g = st.mun_gram
    n_d = len(st.design_columns)
    n_w = combo.shape[0]
    gp, gw = np.arange(n_d), np.arange(n_d, n_d + n_w)
    weeks = float(st.period.n_weeks)
    pop = st.sums[:, 0]
    lm = (st.lm - shift_lm)[st.mun_ca]  # (n_mun, n_lm)
    d_sums = st.sums[:, list(st.design_columns)]  # (n_mun, n_d)
    w_sums = st.sums[:, st.week_col : st.week_col + n_w]
    n_mun, n_lm = lm.shape
    k = n_d + n_lm
    xx = np.empty((n_mun, k, k))
    xx[:, :n_d, :n_d] = g[:, gp[:, None], gp[None, :]]
    dl = d_sums[:, :, None] * lm[:, None, :]
    xx[:, :n_d, n_d:] = dl
    xx[:, n_d:, :n_d] = dl.transpose(0, 2, 1)
    xx[:, n_d:, n_d:] = pop[:, None, None] * lm[:, :, None] * lm[:, None, :]
    xw = np.concatenate([g[:, gp[:, None], gw[None, :]], lm[:, :, None] * w_sums[:, None, :]], axis=1)
    xy = xw @ combo / weeks
    yy = combo.T @ g[:, gw[:, None], gw[None, :]] @ combo / (weeks * weeks)
    shift = np.concatenate([np.zeros(n_d), shift_lm])
    return MunicipalCrossproducts(
        kommunekoder=_ro(st.kommunekoder).astype(np.int64),
        mun_ca=np.asarray(st.mun_ca, dtype=np.int64),
        population=_ro(pop),
        xx=_ro(xx),
        xy=_ro(xy),
        yy=_ro(yy),
        shift=_ro(shift),
        intercept=0,
    )
