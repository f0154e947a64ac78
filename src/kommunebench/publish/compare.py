"""Published vs own: the ministry's list beside a list of our own model for the same period.

For the analyst who re-runs the model on register data and must explain any difference to the
ministry's list: per list and municipality both ranks and their difference, both expected shares
and their difference (the model's part), both differences; per list Spearman's rank correlation,
the mean and largest absolute rank difference and the mean absolute gap of the expected shares.
Made from the two public views only (suppressed municipalities are left out of the statistics).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from kommunebench.benchmark.ranking import spearman
from kommunebench.errors import ConfigError
from kommunebench.publish.labels import AREA_LABELS
from kommunebench.publish.view import PublicRun

__all__ = ["Comparison", "compare_views", "COMPARISON_LABELS"]

#: column → (Danish header, kind) of the comparison frames (kinds as in the label vocabulary).
COMPARISON_LABELS = {
    "area": ("Ydelsesgruppe", "text"),
    "kommunekode": ("Kommunekode", "id"),
    "navn": ("Kommune", "text"),
    "published_rank": ("Offentliggjort placering", "rank"),
    "own_rank": ("Egen placering", "rank"),
    "rank_difference": ("Egen − offentliggjort placering", "rank"),
    "published_expected_share": ("Offentliggjort forventet andel (pct.)", "share"),
    "own_expected_share": ("Egen forventet andel (pct.)", "share"),
    "expected_share_difference_pp": ("Egen − offentliggjort forventet andel (pct.-point)", "share"),
    "published_diff_pp": ("Offentliggjort forskel (pct.-point)", "share"),
    "own_diff_pp": ("Egen forskel (pct.-point)", "share"),
    "n": ("Kommuner", "rank"),
    "spearman": ("Spearmans rangkorrelation", "share"),
    "mean_abs_rank_difference": ("Gns. absolut placeringsforskel", "share"),
    "max_abs_rank_difference": ("Største absolutte placeringsforskel", "rank"),
    "mean_abs_expected_share_difference_pp": ("Gns. absolut forskel i forventet andel (pct.-point)", "share"),
}


@dataclass(frozen=True, eq=False)
class Comparison:
    """``rows``: one row per list × municipality; ``summary``: one row per list (both frames with
    the columns of :data:`COMPARISON_LABELS`); the two runs' ids and periods."""

    own_run: str
    published_run: str
    own_period: str
    published_period: str
    rows: pd.DataFrame
    summary: pd.DataFrame

    @property
    def same_period(self) -> bool:
        return self.own_period == self.published_period

    def display(self, which: str = "rows") -> pd.DataFrame:
        """``rows`` or ``summary`` with Danish headers and group names (``attrs["kinds"]`` set)."""
        f = (self.rows if which == "rows" else self.summary).copy()
        f["area"] = f["area"].map(lambda a: AREA_LABELS.get(a, a))
        out = f.rename(columns={c: COMPARISON_LABELS[c][0] for c in f.columns})
        out.attrs["kinds"] = {COMPARISON_LABELS[c][0]: COMPARISON_LABELS[c][1] for c in f.columns}
        return out


def _one(area: str, own: pd.DataFrame, pub: pd.DataFrame) -> tuple[pd.DataFrame, dict]:
    cols = ["kommunekode", "navn", "rank", "expected_share", "diff_pp"]
    m = pub[cols].merge(own[cols[:1] + cols[2:]], on="kommunekode", suffixes=("_p", "_o"))
    rows = pd.DataFrame(
        {
            "area": area,
            "kommunekode": m["kommunekode"].to_numpy(),
            "navn": m["navn"].to_numpy(),
            "published_rank": m["rank_p"].to_numpy(dtype=float),
            "own_rank": m["rank_o"].to_numpy(dtype=float),
            "published_expected_share": m["expected_share_p"].to_numpy(dtype=float),
            "own_expected_share": m["expected_share_o"].to_numpy(dtype=float),
            "published_diff_pp": m["diff_pp_p"].to_numpy(dtype=float),
            "own_diff_pp": m["diff_pp_o"].to_numpy(dtype=float),
        }
    )
    rows["rank_difference"] = rows["own_rank"] - rows["published_rank"]
    rows["expected_share_difference_pp"] = rows["own_expected_share"] - rows["published_expected_share"]
    rows = rows.sort_values(["published_rank", "kommunekode"], na_position="last").reset_index(drop=True)
    ok = rows[["own_rank", "published_rank"]].notna().all(axis=1).to_numpy()
    both = rows[ok]
    rho = spearman(both["own_rank"], both["published_rank"]) if len(both) > 2 else float("nan")
    absdiff = both["rank_difference"].abs()
    summary = {
        "area": area,
        "n": int(len(both)),
        "spearman": rho,
        "mean_abs_rank_difference": float(absdiff.mean()) if len(both) else float("nan"),
        "max_abs_rank_difference": float(absdiff.max()) if len(both) else float("nan"),
        "mean_abs_expected_share_difference_pp": float(np.abs(rows["expected_share_difference_pp"]).mean()),
    }
    order = list(COMPARISON_LABELS)[:11]
    return rows[order], summary


def compare_views(own: PublicRun, published: PublicRun) -> Comparison:
    """Compare the lists both views have (``total`` and the areas of the ministry's total)."""
    if own.record is None or published.record is None:
        raise ConfigError("both views must come from stored runs")
    if not published.record.is_published or own.record.is_published:
        raise ConfigError("compare an own run (first) with a published run (second)")
    names = [n for n in published.lists if n in own.lists]
    parts = [_one(n, own.lists[n], published.lists[n]) for n in names]
    rows = pd.concat([p[0] for p in parts], ignore_index=True)
    summary = pd.DataFrame([p[1] for p in parts])
    return Comparison(own.record.run_id, published.record.run_id, own.period, published.period, rows, summary)
