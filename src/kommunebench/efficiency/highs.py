"""A lean call of SciPy's HiGHS for the subsampling engine: primal values only.

``linprog(method="highs-ds")`` ends every call with a Python loop over all columns to sort the
reduced costs into bound marginals; on the subsampling engine's stacks of tiny blocks (thousands
of columns per call, hundreds of calls) that loop and linprog's input checks cost about a third of
the time. The subsampling engine needs only the primal values (t and λ), so :func:`solve_primal`
hands the same model to the same HiGHS build with the same options that linprog passes for
``method="highs-ds"``, ``presolve=False`` and Dantzig pricing (dual simplex, no presolve, no
output) and reads back the column values: the same solver on the same model, so the same optimum
(tests compare the engine with the exact solve to 1e-9).

It uses SciPy's bundled HiGHS binding (``scipy.optimize._highspy._core``, what linprog calls).
If that module is missing or lacks what is used here, :data:`AVAILABLE` is False and the caller
falls back to linprog.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["AVAILABLE", "solve_primal"]

_h: Any
try:
    from scipy.optimize._highspy import _core as _h  # type: ignore[import-not-found,no-redef,unused-ignore]

    AVAILABLE = all(
        hasattr(_h, name)
        for name in ("_Highs", "HighsLp", "HighsOptions", "MatrixFormat", "HighsModelStatus", "kHighsInf")
    ) and hasattr(_h, "simplex_constants")
except ImportError:  # pragma: no cover - depends on the SciPy build
    _h, AVAILABLE = None, False


def _finite(values: np.ndarray) -> np.ndarray:
    """±inf → ±kHighsInf, as linprog does."""
    out = np.array(values, dtype=float)
    inf = np.isinf(out)
    out[inf] = np.sign(out[inf]) * _h.kHighsInf
    return out


def _options() -> Any:
    opts = _h.HighsOptions()
    opts.presolve = "off"
    opts.solver = "simplex"
    opts.highs_debug_level = _h.HighsDebugLevel.kHighsDebugLevelNone
    opts.log_to_console = False
    opts.output_flag = False
    opts.simplex_strategy = _h.simplex_constants.SimplexStrategy.kSimplexStrategyDual
    edge = _h.simplex_constants.SimplexEdgeWeightStrategy.kSimplexEdgeWeightStrategyDantzig
    opts.simplex_dual_edge_weight_strategy = edge
    return opts


def solve_primal(
    c: np.ndarray, a: sp.csc_matrix, lhs: np.ndarray, rhs: np.ndarray, lb: np.ndarray, ub: np.ndarray
) -> np.ndarray | None:
    """min c·x s.t. lhs ≤ A x ≤ rhs, lb ≤ x ≤ ub by HiGHS's dual simplex; x, or None without an optimum."""
    a = sp.csc_matrix(a)
    lp = _h.HighsLp()
    lp.num_col_, lp.num_row_ = c.size, rhs.size
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = c.size, rhs.size
    lp.a_matrix_.format_ = _h.MatrixFormat.kColwise
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.col_lower_, lp.col_upper_ = _finite(lb), _finite(ub)
    lp.row_lower_, lp.row_upper_ = _finite(lhs), _finite(rhs)
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    highs = _h._Highs()
    if highs.passOptions(_options()) == _h.HighsStatus.kError or highs.passModel(lp) == _h.HighsStatus.kError:
        return None
    if highs.run() == _h.HighsStatus.kError or highs.getModelStatus() != _h.HighsModelStatus.kOptimal:
        return None
    return np.array(highs.getSolution().col_value)
