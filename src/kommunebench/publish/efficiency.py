"""Publishing the DEA cost-efficiency beside the ranking: suppression first, then rounding.

**Suppression.** Løfteevne is expected ÷ actual and the expected count is published, so a
municipality's løfteevne would give its actual count back; its DEA score, targets and potentials
are computed from it, and as a peer it would shape other municipalities' targets. So a
municipality with a suppressed cell (:func:`~kommunebench.publish.suppress.suppression_mask`, any
area used by the DEA or the total) is **left out of the DEA altogether** — neither scored, nor a
peer, nor in the national totals — and listed by name only (:func:`efficiency_inputs` gives the
pipeline the safe lists). :func:`public_efficiency` refuses a result that still holds one.

**Rounding.** Scores and bounds 3 decimals, løfteevne 2, kr. per fuldtidsperson to whole kroner,
savings to 1,000 kr., persons to whole persons (national persons to 10), percentages 1 decimal.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from kommunebench.benchmark.lists import BenchmarkLists
from kommunebench.data.reference import TOTAL
from kommunebench.efficiency.sidebyside import SideBySide
from kommunebench.errors import ConfigError
from kommunebench.publish.rounding import round_count, round_half_away
from kommunebench.publish.suppress import suppression_mask

__all__ = ["PublicEfficiency", "efficiency_inputs", "public_efficiency", "EFFICIENCY_LABELS", "ENVIRONMENT"]

ENVIRONMENT = "forventet_andel_samlet"  # the environment variable of the miljoe variant (higher is worse)

_DECIMALS = {"score": 3, "lower": 3, "upper": 3, "score_bc": 3, "loefteevne": 2, "pct": 1, "diff_pp": 2, "share": 2}
EFFICIENCY_LABELS = {
    "kommunekode": "Kommunekode",
    "navn": "Kommune",
    "dea_unit": "DEA-enhed (fælles jobcenter)",
    "benchmark_rank": "Rang i benchmarkingen",
    "diff_pp": "Faktisk − forventet (pct.-point)",
    "med_group": "DEA-gruppe med udgifter",
    "med_score": "DEA-score med udgifter",
    "med_score_bc": "Bias-korrigeret DEA-score med udgifter",
    "med_lower": "Nedre grænse, 90 %-interval",
    "med_upper": "Øvre grænse, 90 %-interval",
    "uden_group": "DEA-gruppe uden udgifter",
    "uden_score": "DEA-score uden udgifter",
    "cost_per_fuldtidsperson_kr": "Udgift pr. fuldtidsperson (kr.)",
    "target_cost_per_fuldtidsperson_kr": "Frontens udgift pr. fuldtidsperson (kr.)",
    "saving_kr": "Besparelsespotentiale (kr.)",
    "potential_pct": "Forbedringspotentiale (pct.)",
    "potential_persons": "Flere i job eller uddannelse (personer)",
    "med_peers": "Fronten defineres af",
    "explanation": "Forklaring",
}


@dataclass(frozen=True, eq=False)
class PublicEfficiency:
    """The public side-by-side view: rounded rows, national totals, who is left out and why."""

    period: str
    run_id: str
    cost_year: int
    rts: str
    rows: tuple[dict[str, Any], ...]
    totals: Mapping[str, float]
    suppressed: tuple[str, ...]
    excluded: tuple[str, ...]
    threshold: int
    bootstrap: int
    miljoe: bool = False
    seed: int | None = None

    def frame(self) -> pd.DataFrame:
        return pd.DataFrame(list(self.rows))

    def row(self, kommunekode: int) -> dict[str, Any]:
        for r in self.rows:
            if r["kommunekode"] == int(kommunekode):
                return r
        raise ConfigError(f"kommunekode {kommunekode} is not in the public DEA view")


def efficiency_inputs(lists: BenchmarkLists, threshold: int) -> tuple[dict[str, pd.DataFrame], frozenset[int]]:
    """The per-area lists without the suppressed municipalities, and those municipalities' codes."""
    mask = suppression_mask(lists, threshold)
    hidden = frozenset().union(*(mask.get(a, frozenset()) for a in (*lists.areas, TOTAL)))
    safe = {a: f[~f["kommunekode"].isin(hidden)].copy() for a, f in lists.by_area.items()}
    return safe, hidden


def _kind(column: str) -> int | None:
    if column.endswith(("_kr",)):
        return -3 if column == "saving_kr" else 0
    if column.endswith("_persons"):
        return 0
    if column.endswith("_pct"):
        return 1
    for key, decimals in _DECIMALS.items():
        if key in column:
            return decimals
    return None


def _value(v: object, decimals: int | None) -> object:
    if v is None or v is pd.NA or (isinstance(v, float) and not np.isfinite(v)):
        return None
    if isinstance(v, np.generic):
        v = v.item()
    if decimals is None or not isinstance(v, float):
        return v
    return float(round_half_away(np.array([v]), decimals)[0]) if decimals >= 0 else float(round(v, decimals))


def public_efficiency(
    sbs: SideBySide,
    *,
    hidden: frozenset[int],
    names: Mapping[int, str],
    period: str,
    run_id: str,
    cost_year: int,
    rts: str,
    threshold: int,
    excluded: tuple[str, ...] = (),
    bootstrap: int = 0,
    miljoe: bool = False,
    seed: int | None = None,
) -> PublicEfficiency:
    """Round a :class:`SideBySide` for publication (it must not contain a suppressed municipality)."""
    leaked = set(sbs.rows["kommunekode"].astype(int)) & set(hidden)
    if leaked:
        raise ConfigError(f"the DEA result holds suppressed municipalities {sorted(leaked)}: leave them out first")
    rows = []
    for rec in sbs.rows.to_dict("records"):
        out = {}
        for k, v in rec.items():
            out[str(k)] = _value(v, None if k in ("kommunekode", "benchmark_rank") else _kind(str(k)))
        for k in ("kommunekode", "benchmark_rank", "med_group", "uden_group"):
            out[k] = None if out[k] is None else int(out[k])  # type: ignore[call-overload]
        rows.append(out)
    t = sbs.totals
    totals = {
        "persons_more_in_job": float(round_count([t["persons_more_in_job"]])[0]),
        "saving_mio_kr": float(round_half_away(np.array([t["saving_kr"] / 1e6]), 1)[0]),
        "saving_pct": float(round_half_away(np.array([t["saving_pct"]]), 1)[0]),
        "n_municipalities": float(len(rows)),
    }
    return PublicEfficiency(
        period=period,
        run_id=run_id,
        cost_year=cost_year,
        rts=rts,
        rows=tuple(rows),
        totals=totals,
        suppressed=tuple(sorted(names.get(c, str(c)) for c in hidden)),
        excluded=excluded,
        threshold=threshold,
        bootstrap=bootstrap,
        miljoe=miljoe,
        seed=seed,
    )
