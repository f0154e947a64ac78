"""What changed between two stored runs, and why (:mod:`kommunebench.model.change` over their artifacts).

Each run stores the design's column sums per municipality (``design_sums``), the coefficients and
the per-municipality counts (``municipal``); together they give every part of the decomposition
exactly. The lists are ``total`` (the sum of the run's total areas) and every area both runs have.
One more row, kommunekode ``0`` (:data:`NATIONAL`), is the whole country: its column sums and
counts are the municipalities' sums, so its "mean design row" is the national one. Runs without
the stored column sums (older runs, runs of published figures) give ``None``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from kommunebench.benchmark.drivers import DESIGN_SUMS
from kommunebench.benchmark.runs import StoredRun
from kommunebench.data.reference import TOTAL
from kommunebench.data.schemas import LABOUR_MARKET_VARIABLES
from kommunebench.model.change import ChangeDecomposition, decompose_change

__all__ = ["NATIONAL", "change_frame", "run_change"]

NATIONAL = 0  # the row of the whole country


def _side(run: StoredRun, lists: list[str], codes: np.ndarray) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    sums = run.artifacts[DESIGN_SUMS].set_index("kommunekode").reindex(codes[1:])
    terms = [str(c) for c in sums.columns]
    x = sums.to_numpy(float)
    x = np.vstack([x.sum(axis=0, keepdims=True), x])  # the national row first
    coefficients = run.artifacts["coefficients"]
    wide = coefficients.pivot(index="term", columns="area", values="coef").reindex(index=terms)
    municipal = run.artifacts["municipal"]
    pop = municipal.groupby("kommunekode")["population"].first().reindex(codes[1:]).to_numpy(float)
    pop = np.concatenate([[pop.sum()], pop])
    coef_cols, actual_cols = [], []
    for name in lists:
        parts = list(run.lists.total_areas) if name == TOTAL else [name]
        coef_cols.append(np.nan_to_num(wide[parts].to_numpy(float), nan=0.0).sum(axis=1))
        act = municipal[municipal["area"].isin(parts)].groupby("kommunekode")["actual"].sum()
        act_arr = act.reindex(codes[1:]).to_numpy(float)
        actual_cols.append(np.concatenate([[act_arr.sum()], act_arr]) / pop * 100.0)
    return terms, x / pop[:, None], np.column_stack(coef_cols), np.column_stack(actual_cols)


def run_change(old: StoredRun, new: StoredRun) -> ChangeDecomposition | None:
    """The change from ``old`` to ``new`` per municipality (and the country) and list; ``None``
    when a run lacks the stored design sums."""
    if any(DESIGN_SUMS not in r.artifacts or "municipal" not in r.artifacts for r in (old, new)):
        return None
    areas = [a for a in new.lists.by_area if a in old.lists.by_area]
    lists = [TOTAL, *areas]
    known = set(old.artifacts[DESIGN_SUMS]["kommunekode"]) & set(new.artifacts[DESIGN_SUMS]["kommunekode"])
    codes = np.array([NATIONAL, *sorted(int(k) for k in known)], dtype=np.int64)
    t0, p0, b0, a0 = _side(old, lists, codes)
    t1, p1, b1, a1 = _side(new, lists, codes)
    return decompose_change(
        kommunekoder=codes,
        lists=lists,
        terms=(t0, t1),
        means=(p0, p1),
        coefs=(b0, b1),
        actual=(a0, a1),
        labour_market=set(LABOUR_MARKET_VARIABLES),
    )


def change_frame(change: ChangeDecomposition) -> pd.DataFrame:
    """One row per kommunekode × list with the differences and the parts (full precision)."""
    n_rows, n_lists = change.diff_new.shape
    out = pd.DataFrame(
        {
            "kommunekode": np.repeat(change.kommunekoder.astype(np.int64), n_lists),
            "list": np.tile(np.array(change.lists, dtype=object), n_rows),
            "diff_pp_old": change.diff_old.ravel(),
            "diff_pp_new": change.diff_new.ravel(),
            "diff_pp_change": change.diff_change.ravel(),
        }
    )
    for name, values in change.parts().items():
        out[f"change_{name}_pp"] = values.ravel()
    return out
