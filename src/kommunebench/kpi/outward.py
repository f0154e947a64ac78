"""Municipality-level KPIs beside the klynge, the similar municipalities and the country.

Pure: takes the Faktasider of all municipalities for one period (a :class:`KpiTable` at level
``kommune``) and the groups (from the benchmark's newest stored run, passed in by the pipeline).
The klynge and similar-municipality figures are plain means over the member municipalities
(each counts once, as in the klynger), the country's figure is the pooled ratio (Σ numerator ÷
Σ denominator), i.e. Denmark as one municipality; for a count it is the sum.
"""

from __future__ import annotations

from collections.abc import Collection

import numpy as np
import pandas as pd

from kommunebench.kpi.catalogue import kpi
from kommunebench.kpi.tables import KpiTable

__all__ = ["outward"]


def outward(
    faktasider: KpiTable, kommunekode: int, *, klynge: Collection[int] = (), similar: Collection[int] = ()
) -> pd.DataFrame:
    """One row per KPI: kpi, kommune, klynge, lignende, land (NaN where a group is empty)."""
    f = faktasider.frame[faktasider.frame.level == "kommune"]
    rows = []
    for key, g in f.groupby("kpi", sort=False):
        k = kpi(str(key))
        own = g[g.kommunekode == kommunekode]
        # a count is summed (its denominator is the same constant everywhere), a ratio pooled
        den = g.denominator.max() if k.is_count else g.denominator.sum()
        land = g.numerator.sum() / den * k.factor if den > 0 else np.nan
        rows.append(
            {
                "kpi": key,
                "kommune": float(own.value.iloc[0]) if len(own) else np.nan,
                "klynge": _mean(g, klynge),
                "lignende": _mean(g, similar),
                "land": float(land),
            }
        )
    return pd.DataFrame(rows, columns=["kpi", "kommune", "klynge", "lignende", "land"])


def _mean(g: pd.DataFrame, members: Collection[int]) -> float:
    v = g[g.kommunekode.isin(list(members))].value.dropna()
    return float(v.mean()) if len(v) else float("nan")
