"""Municipality-level KPIs beside the klynge, the similar municipalities and the country.

Pure: takes the Faktasider of all municipalities for one period (a :class:`KpiTable` at level
``kommune``) and the groups (from the benchmark's newest stored run, passed in by the pipeline).
The klynge and similar-municipality figures are plain means over the member municipalities
(each counts once, as in the klynger), the country's figure is the pooled ratio (Σ numerator ÷
Σ denominator), i.e. Denmark as one municipality; for a count it is the sum.

:func:`outward_all` does every municipality at once (the KPI × municipality matrix is built
once); :func:`outward` is one municipality of it.
"""

from __future__ import annotations

from collections.abc import Collection, Mapping

import numpy as np
import pandas as pd

from kommunebench.kpi.catalogue import kpi
from kommunebench.kpi.tables import KpiTable

__all__ = ["COLUMNS", "outward", "outward_all"]

COLUMNS = ["kommunekode", "kpi", "kommune", "klynge", "lignende", "land"]
Groups = Mapping[int, tuple[Collection[int], Collection[int]]]


def outward(
    faktasider: KpiTable, kommunekode: int, *, klynge: Collection[int] = (), similar: Collection[int] = ()
) -> pd.DataFrame:
    """One row per KPI: kpi, kommune, klynge, lignende, land (NaN where a group is empty)."""
    out = outward_all(faktasider, {int(kommunekode): (klynge, similar)})
    return out.drop(columns="kommunekode").reset_index(drop=True)


def outward_all(faktasider: KpiTable, groups: Groups) -> pd.DataFrame:
    """Rows (kommunekode, kpi, kommune, klynge, lignende, land) for each municipality of ``groups``
    (code → (klynge members, similar municipalities)) and each KPI, KPIs in the table's order."""
    f = faktasider.frame[faktasider.frame.level == "kommune"]
    keys = list(dict.fromkeys(str(k) for k in f.kpi))
    codes = np.array(sorted({int(c) for c in f.kommunekode}), dtype=np.int64)
    k_idx = pd.Index(keys).get_indexer(pd.Index(f.kpi.astype(str)))
    c_idx = np.searchsorted(codes, f.kommunekode.to_numpy(np.int64))
    shape = (len(keys), codes.size)
    value, num, den = np.full(shape, np.nan), np.zeros(shape), np.zeros(shape)
    value[k_idx, c_idx] = f.value.to_numpy(float)
    num[k_idx, c_idx] = f.numerator.to_numpy(float)
    den[k_idx, c_idx] = f.denominator.to_numpy(float)
    present = np.zeros(shape, bool)
    present[k_idx, c_idx] = True
    land = np.full(len(keys), np.nan)
    for i, key in enumerate(keys):
        k, d = kpi(key), den[i, present[i]]
        # a count is summed (its denominator is the same constant everywhere), a ratio pooled
        total = d.max() if k.is_count else d.sum()
        land[i] = num[i, present[i]].sum() / total * k.factor if total > 0 else np.nan
    frames = []
    for code, (klynge, similar) in groups.items():
        own = np.searchsorted(codes, int(code))
        mine = value[:, own] if own < codes.size and codes[own] == int(code) else np.full(len(keys), np.nan)
        frames.append(
            pd.DataFrame(
                {
                    "kommunekode": int(code),
                    "kpi": keys,
                    "kommune": mine,
                    "klynge": _mean(value, codes, klynge),
                    "lignende": _mean(value, codes, similar),
                    "land": land,
                }
            )
        )
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=COLUMNS)


def _mean(value: np.ndarray, codes: np.ndarray, members: Collection[int]) -> np.ndarray:
    """Per KPI: the plain mean of the members' values (members without a value left out)."""
    cols = np.flatnonzero(np.isin(codes, np.fromiter((int(m) for m in members), np.int64)))
    v = value[:, cols]
    n = np.sum(~np.isnan(v), axis=1)
    with np.errstate(invalid="ignore"):
        return np.where(n > 0, np.nansum(v, axis=1) / np.maximum(n, 1), np.nan)
