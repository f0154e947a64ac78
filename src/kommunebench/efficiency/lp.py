"""The DEA linear programmes, solved by SciPy's HiGHS (``scipy.optimize.linprog(method="highs-ds")``).

Envelopment form, one *block* per evaluated unit. With the reference units' columns
``a_j = [x_j; d∘(z_j − z_o); −y_j]`` (discretionary inputs, environment, outputs; ``d`` = +1 for an
environment variable where higher is better, −1 where higher is worse) the block of unit ``o`` is

* input orientation:  min θ   s.t.  Σλ_j x_j ≤ θ x_o,  Σλ_j d(z_j − z_o) ≤ 0,  Σλ_j y_j ≥ y_o
* output orientation: max φ   s.t.  Σλ_j x_j ≤ x_o,    Σλ_j d(z_j − z_o) ≤ 0,  Σλ_j y_j ≥ φ y_o

with λ ≥ 0 and, under variable returns to scale, Σλ_j = 1. Many independent blocks are stacked
into one block-diagonal LP per call (HiGHS solves them together; the optimum of the stack is the
optimum of every block). Phase two fixes the radial score and maximises the sum of the input and
output slacks (measured in units of each variable's mean, so the choice does not depend on the
currency or the scale of a variable); environment slacks are not maximised.

All data handed to these functions are already scaled (see :func:`scale_columns`).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import scipy.sparse as sp

from kommunebench.efficiency import highs

__all__ = [
    "LPFailure",
    "BlockSolution",
    "Problem",
    "scale_columns",
    "reference_columns",
    "solve_blocks",
]

_OPTIONS = {"presolve": False}  # presolve costs more than it saves on these small blocks


class LPFailure(RuntimeError):
    """HiGHS did not report an optimum for a stack of blocks (one block may be infeasible)."""


@dataclass(frozen=True, eq=False)
class Problem:
    """One DEA model in block form (scaled data; see the module docstring).

    ``x`` (n × m), ``z`` (n × e, already multiplied by the direction ``d``) and ``y`` (n × s) hold every
    unit; ``reference`` indexes the units that may span the frontier. ``sign`` is +1 for the input
    orientation (min θ) and −1 for the output orientation (min −φ).
    """

    x: np.ndarray
    z: np.ndarray
    y: np.ndarray
    reference: np.ndarray
    input_oriented: bool
    vrs: bool

    @property
    def n(self) -> int:
        return int(self.x.shape[0])

    @property
    def p(self) -> int:
        return int(self.x.shape[1] + self.z.shape[1] + self.y.shape[1])

    @property
    def sign(self) -> float:
        return 1.0 if self.input_oriented else -1.0

    @property
    def env_rows(self) -> slice:
        m = self.x.shape[1]
        return slice(m, m + self.z.shape[1])

    def radial(self, units: np.ndarray) -> np.ndarray:
        """The radial variable's column of each block (units × p)."""
        out = np.zeros((units.size, self.p))
        m, e = self.x.shape[1], self.z.shape[1]
        if self.input_oriented:
            out[:, :m] = -self.x[units]
        else:
            out[:, m + e :] = self.y[units]
        return out

    def rhs(self, units: np.ndarray) -> np.ndarray:
        """The right-hand side of each block (units × p)."""
        out = np.zeros((units.size, self.p))
        m, e = self.x.shape[1], self.z.shape[1]
        if self.input_oriented:
            out[:, m + e :] = -self.y[units]
        else:
            out[:, :m] = self.x[units]
        return out

    def offset(self, units: np.ndarray) -> np.ndarray:
        """What a block adds to every reference column: −d·z_o on the environment rows (units × p)."""
        out = np.zeros((units.size, self.p))
        out[:, self.env_rows] = -self.z[units]
        return out


def scale_columns(values: np.ndarray, reference: np.ndarray) -> np.ndarray:
    """Divide every column by its mean absolute value over the reference units (1 where that is 0).

    Radial DEA scores do not depend on the units of measurement; scaling keeps the LP well
    conditioned and makes the phase-two slack sum comparable across variables.
    """
    if values.shape[1] == 0:
        return values.astype(float)
    scale = np.abs(values[reference]).mean(axis=0)
    scale = np.where(scale > 0, scale, 1.0)
    return values / scale


def reference_columns(problem: Problem, x_ref: np.ndarray | None = None, y_ref: np.ndarray | None = None) -> np.ndarray:
    """The reference units' columns ``[x; d·z; −y]`` (n_ref × p), optionally with pseudo inputs/outputs."""
    ref = problem.reference
    x = problem.x[ref] if x_ref is None else x_ref
    y = problem.y[ref] if y_ref is None else y_ref
    return np.concatenate([x, problem.z[ref], -y], axis=1)


@dataclass(frozen=True, eq=False)
class BlockSolution:
    """Optimum of a stack of blocks: radial value ``t`` per block, λ per column, duals per block.

    ``duals`` (blocks × p) are HiGHS's marginals of the p rows (≤ 0 for the ≤ rows of phase one),
    ``w`` the marginal of the Σλ = 1 row (0 under CRS), ``slack`` (blocks × p) phase two's slacks.
    """

    t: np.ndarray
    lam: np.ndarray
    duals: np.ndarray
    w: np.ndarray
    slack: np.ndarray | None


def solve_blocks(
    cols: np.ndarray,
    block: np.ndarray,
    radial: np.ndarray,
    rhs: np.ndarray,
    *,
    sign: float,
    vrs: bool,
    t_bounds: tuple[np.ndarray, np.ndarray] | None = None,
    slack_weight: np.ndarray | None = None,
    pricing: str | None = None,
    primal_only: bool = False,
) -> BlockSolution:
    """Solve ``radial.shape[0]`` independent blocks in one HiGHS call.

    ``cols`` (k × p) are the λ columns, ``block`` (k,) the block each belongs to (sorted or not).
    Phase one (``slack_weight`` None): ≤ rows, objective ``sign·t`` with ``t ≥ 0``. Phase two:
    every row an equality with its own slack ≥ 0, ``t`` within ``t_bounds`` and objective
    ``−Σ slack_weight·slack``. ``pricing`` sets HiGHS's dual edge-weight strategy (``"dantzig"`` is
    fastest for many tiny blocks; the optimum does not depend on it). Raises :class:`LPFailure` if
    HiGHS finds no optimum. ``primal_only`` (phase one with Dantzig pricing): the same solve through
    :func:`kommunebench.efficiency.highs.solve_primal`, without duals (NaN) but without linprog's
    per-column overhead.
    """
    nb, p = radial.shape
    k = cols.shape[0]
    phase2 = slack_weight is not None
    n_var = nb + k + (nb * p if phase2 else 0)
    row_of = block[:, None] * p + np.arange(p)
    rad_rows = (np.arange(nb)[:, None] * p + np.arange(p)).ravel()
    rad_vals = radial.ravel()
    keep = rad_vals != 0
    parts_r = [row_of.ravel(), rad_rows[keep]]
    parts_c = [np.repeat(np.arange(nb, nb + k), p), np.repeat(np.arange(nb), p)[keep]]
    parts_v = [cols.ravel(), rad_vals[keep]]
    if phase2:
        parts_r.append(np.arange(nb * p))
        parts_c.append(np.arange(nb + k, n_var))
        parts_v.append(np.ones(nb * p))
    rows = np.concatenate(parts_r)
    columns = np.concatenate(parts_c)
    values = np.concatenate(parts_v)
    nz = values != 0
    a_rows = sp.csc_matrix((values[nz], (rows[nz], columns[nz])), shape=(nb * p, n_var))
    c = np.zeros(n_var)
    bounds = np.zeros((n_var, 2))
    bounds[:, 1] = np.inf
    if phase2:
        assert t_bounds is not None and slack_weight is not None
        c[nb + k :] = -np.tile(slack_weight, nb)
        bounds[:nb, 0], bounds[:nb, 1] = t_bounds
    else:
        c[:nb] = sign
    eq_blocks = []
    eq_rhs = []
    if phase2:
        eq_blocks.append(a_rows)
        eq_rhs.append(rhs.ravel())
    if vrs:
        eq_blocks.append(sp.csc_matrix((np.ones(k), (block, np.arange(nb, nb + k))), shape=(nb, n_var)))
        eq_rhs.append(np.ones(nb))
    a_eq = sp.vstack(eq_blocks, format="csc") if eq_blocks else None
    b_eq = np.concatenate(eq_rhs) if eq_rhs else None
    if primal_only and highs.available() and not phase2 and pricing == "dantzig":
        return _primal(c, a_rows, rhs.ravel(), a_eq, b_eq, bounds, nb, k, p)
    # imported at the first LP, not with the package (about 0.3 s at every start of the command line)
    from scipy.optimize import linprog

    # SciPy's stubs do not accept bounds as an (n, 2) array, which linprog does
    solve: Callable[..., Any] = linprog
    res = solve(
        c,
        A_ub=None if phase2 else a_rows,
        b_ub=None if phase2 else rhs.ravel(),
        A_eq=a_eq,
        b_eq=b_eq,
        bounds=bounds,
        method="highs-ds",
        options=_OPTIONS if pricing is None else {**_OPTIONS, "simplex_dual_edge_weight_strategy": pricing},
    )
    if res.status != 0 or res.x is None:
        raise LPFailure(str(res.message))
    x = np.asarray(res.x)
    if phase2:
        eq_marg = np.asarray(res.eqlin.marginals)
        duals = eq_marg[: nb * p].reshape(nb, p)
        w = eq_marg[nb * p :] if vrs else np.zeros(nb)
        slack = x[nb + k :].reshape(nb, p)
    else:
        duals = np.asarray(res.ineqlin.marginals).reshape(nb, p)
        w = np.asarray(res.eqlin.marginals) if vrs else np.zeros(nb)
        slack = None
    return BlockSolution(t=x[:nb], lam=x[nb : nb + k], duals=duals, w=w, slack=slack)


def _primal(
    c: np.ndarray,
    a_ub: sp.csc_matrix,
    b_ub: np.ndarray,
    a_eq: sp.csc_matrix | None,
    b_eq: np.ndarray | None,
    bounds: np.ndarray,
    nb: int,
    k: int,
    p: int,
) -> BlockSolution:
    """Phase one through the lean HiGHS call: rows as linprog orders them (≤ rows, then equalities)."""
    if a_eq is None or b_eq is None:
        a, lhs, rhs = a_ub, np.full(b_ub.size, -np.inf), b_ub
    else:
        a = sp.vstack([a_ub, a_eq], format="csc")
        lhs, rhs = np.concatenate([np.full(b_ub.size, -np.inf), b_eq]), np.concatenate([b_ub, b_eq])
    x = highs.solve_primal(c, a, lhs, rhs, bounds[:, 0].copy(), bounds[:, 1].copy())
    if x is None:
        raise LPFailure("HiGHS found no optimum")
    return BlockSolution(
        t=x[:nb], lam=x[nb : nb + k], duals=np.full((nb, p), np.nan), w=np.full(nb, np.nan), slack=None
    )
