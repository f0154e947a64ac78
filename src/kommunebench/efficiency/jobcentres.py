"""Joint jobcentres: one DEA unit per jobcentre where municipalities share one.

The ``admin_costs`` input kind may name, per municipality, the joint jobcentre it belongs to
(column ``jobcentre``; empty = its own). Where such a mapping exists the DEA unit is the
jobcentre, because the costs and the results belong to it, not to each municipality. The rule:

* **costs and fuldtidspersoner are summed** over the member municipalities, so the input is the
  jobcentre's cost per fuldtidsperson = Σ cost ÷ Σ fuldtidspersoner (not a mean of the members'
  costs per person);
* **løfteevne per area = Σ expected ÷ Σ actual** over the members, i.e. the members' løfteevner
  weighted by their actual counts (not a plain mean), so a jobcentre is judged like a
  municipality of the joint size; this needs counts (a frame with shares only and no population
  is refused);
* an **environment variable** is the members' mean weighted by their fuldtidspersoner;
* the unit's id is the smallest member kommunekode, its label ``"Jobcenter <name> (A, B)"``, and
  :attr:`DEAData.members` lists the member kommunekoder, so outputs can show the jobcentre's
  result beside each member's rank.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

import numpy as np
import pandas as pd

from kommunebench.errors import ConfigError

__all__ = ["jobcentre_mapping", "grouping_matrix"]


def jobcentre_mapping(table: object) -> dict[int, str]:
    """kommunekode → jobcentre from a mapping, a Series or a frame with a ``jobcentre`` column.

    Empty names (None, NaN, blank) mean the municipality is its own jobcentre and are left out.
    """
    if table is None:
        return {}
    if isinstance(table, pd.DataFrame):
        if "jobcentre" not in table.columns or "kommunekode" not in table.columns:
            return {}
        pairs: list[tuple[Any, Any]] = list(zip(table["kommunekode"], table["jobcentre"], strict=True))
    elif isinstance(table, pd.Series):
        pairs = list(zip(table.index, table.to_numpy(), strict=True))
    elif isinstance(table, Mapping):
        pairs = list(table.items())
    else:
        raise ConfigError(f"jobcentres must be a mapping kommunekode → jobcentre, got {type(table).__name__}")
    out: dict[int, str] = {}
    for code, name in pairs:
        if name is None or (isinstance(name, float) and np.isnan(name)) or not str(name).strip():
            continue
        out[int(code)] = str(name).strip()
    return out


def grouping_matrix(
    codes: np.ndarray, mapping: Mapping[int, str], names: Mapping[int, str]
) -> tuple[np.ndarray, tuple[int, ...], tuple[str, ...], tuple[tuple[int, ...], ...]]:
    """(G units × municipalities of 0/1, unit ids, labels, members) for ``codes`` under ``mapping``.

    A municipality without a jobcentre is its own unit (label its name); units keep the order of
    their smallest member.
    """
    keys: dict[str, list[int]] = {}
    for i, code in enumerate(int(c) for c in codes):
        keys.setdefault(mapping.get(code, f"\0{code}"), []).append(i)
    groups = sorted(keys.items(), key=lambda kv: min(int(codes[i]) for i in kv[1]))
    g = np.zeros((len(groups), codes.size))
    ids, labels, members = [], [], []
    for u, (key, rows) in enumerate(groups):
        g[u, rows] = 1.0
        member = tuple(sorted(int(codes[i]) for i in rows))
        ids.append(member[0])
        members.append(member)
        if key.startswith("\0"):
            labels.append(names[member[0]])
        else:
            labels.append(f"Jobcenter {key} ({', '.join(names[c] for c in member)})")
    return g, tuple(ids), tuple(labels), tuple(members)
