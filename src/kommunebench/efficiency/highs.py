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
If that module is missing or lacks what is used here, :func:`available` is False and the caller
falls back to linprog.
"""

from __future__ import annotations

import functools
from typing import Any

import numpy as np
import scipy.sparse as sp

__all__ = ["available", "solve_primal"]


@functools.cache
def _binding() -> Any:
    """SciPy's HiGHS binding, or None. Imported at the first LP, not with the package: importing
    ``scipy.optimize`` costs about 0.3 s at every start of the command line (docs/architecture.md,
    "Start-up")."""
    try:
        from scipy.optimize._highspy import _core as h  # type: ignore[import-not-found,unused-ignore]
    except ImportError:  # pragma: no cover - depends on the SciPy build
        return None
    names = ("_Highs", "HighsLp", "HighsOptions", "MatrixFormat", "HighsModelStatus", "kHighsInf")
    return h if all(hasattr(h, n) for n in names) and hasattr(h, "simplex_constants") else None


def available() -> bool:
    """Whether the lean call can be used (else :mod:`kommunebench.efficiency.lp` uses linprog)."""
    return _binding() is not None


def _finite(values: np.ndarray) -> np.ndarray:
    """±inf → ±kHighsInf, as linprog does."""
    out = np.array(values, dtype=float)
    inf = np.isinf(out)
    out[inf] = np.sign(out[inf]) * _binding().kHighsInf
    return out


def _options() -> Any:
    h = _binding()
    opts = h.HighsOptions()
    opts.presolve = "off"
    opts.solver = "simplex"
    opts.highs_debug_level = h.HighsDebugLevel.kHighsDebugLevelNone
    opts.log_to_console = False
    opts.output_flag = False
    opts.simplex_strategy = h.simplex_constants.SimplexStrategy.kSimplexStrategyDual
    edge = h.simplex_constants.SimplexEdgeWeightStrategy.kSimplexEdgeWeightStrategyDantzig
    opts.simplex_dual_edge_weight_strategy = edge
    return opts


def solve_primal(
    c: np.ndarray, a: sp.csc_matrix, lhs: np.ndarray, rhs: np.ndarray, lb: np.ndarray, ub: np.ndarray
) -> np.ndarray | None:
    """min c·x s.t. lhs ≤ A x ≤ rhs, lb ≤ x ≤ ub by HiGHS's dual simplex; x, or None without an optimum."""
    h = _binding()
    a = sp.csc_matrix(a)
    lp = h.HighsLp()
    lp.num_col_, lp.num_row_ = c.size, rhs.size
    lp.a_matrix_.num_col_, lp.a_matrix_.num_row_ = c.size, rhs.size
    lp.a_matrix_.format_ = h.MatrixFormat.kColwise
    lp.col_cost_ = np.asarray(c, dtype=float)
    lp.col_lower_, lp.col_upper_ = _finite(lb), _finite(ub)
    lp.row_lower_, lp.row_upper_ = _finite(lhs), _finite(rhs)
    lp.a_matrix_.start_ = a.indptr
    lp.a_matrix_.index_ = a.indices
    lp.a_matrix_.value_ = a.data
    highs = h._Highs()
    if highs.passOptions(_options()) == h.HighsStatus.kError or highs.passModel(lp) == h.HighsStatus.kError:
        return None
    if highs.run() == h.HighsStatus.kError or highs.getModelStatus() != h.HighsModelStatus.kOptimal:
        return None
    return np.array(highs.getSolution().col_value)
