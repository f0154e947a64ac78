"""The uncertainty of a run as tidy frames, stored with the run (``run_artifacts``).

* ``uncertainty`` — per area (and total) × municipality: difference, SE (and its outcome-noise
  and coefficient parts), interval, flag, marginal and simultaneous rank sets, "surely among the
  τ best/worst", the funnel limits and the empirical-Bayes shrunken difference;
* ``uncertainty_summary`` — per area: level, clusters, τ², critical values, the national
  dispersion φ of the outcome-noise variance model (``noise_dispersion``), the labour-market
  diagnostic (share of between-area variance absorbed, parameters vs. commuting areas, warning);
* ``funnel_curve`` — per area the funnel's control limits along population;
* ``robustness`` — per area × municipality the rank and difference under each specification and
  the range of ranks.
"""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass

import numpy as np
import pandas as pd

from kommunebench.model import BenchmarkFit
from kommunebench.model.threads import usable_cores
from kommunebench.uncertainty.funnel import funnel
from kommunebench.uncertainty.intervals import DifferenceUncertainty, difference_uncertainty
from kommunebench.uncertainty.ranks import RankSets, rank_sets
from kommunebench.uncertainty.robustness import robustness

__all__ = ["UncertaintyOptions", "run_frames", "FRAME_NAMES"]

FRAME_NAMES = ("uncertainty", "uncertainty_summary", "funnel_curve", "robustness")


@dataclass(frozen=True)
class UncertaintyOptions:
    level: float = 0.9
    draws: int = 10_000
    seed: int = 20240101
    tau: int = 10
    cluster: str = "commuting_area"

    def as_dict(self) -> dict[str, object]:
        return {"level": self.level, "draws": self.draws, "seed": self.seed, "tau": self.tau, "cluster": self.cluster}


def _rank_sets(unc: DifferenceUncertainty, o: UncertaintyOptions) -> list[RankSets]:
    """Every outcome's rank sets; the outcomes in threads (NumPy releases the GIL in the
    simulation's array operations: 4 outcomes took 0.83–0.95 s in a row, 0.52–0.55 s on 2
    cores). Each outcome draws from its own seed, so the result does not depend on the order."""

    def one(a: int) -> RankSets:
        return rank_sets(unc.diff_pp[a], unc.cov_pp[a], level=o.level, draws=o.draws, seed=o.seed + a, tau=o.tau)

    workers = min(len(unc.areas), usable_cores())
    if workers < 2:
        return [one(a) for a in range(len(unc.areas))]
    with ThreadPoolExecutor(max_workers=workers, thread_name_prefix="rank-sets") as pool:
        return list(pool.map(one, range(len(unc.areas))))


def run_frames(
    fit: BenchmarkFit, options: UncertaintyOptions | None = None, *, base_fit: BenchmarkFit | None = None
) -> dict[str, pd.DataFrame]:
    """All uncertainty frames of ``fit`` (see the module doc)."""
    o = options or UncertaintyOptions()
    unc = difference_uncertainty(fit, level=o.level, cluster=o.cluster)
    rob = robustness(fit, base_fit=base_fit)
    pop = fit.crossproducts.population if fit.crossproducts is not None else np.ones(len(fit.kommunekoder))
    rows, summary, curves = [], [], []
    for a, (area, rs) in enumerate(zip(unc.areas, _rank_sets(unc, o), strict=True)):
        fn = funnel(unc.diff_pp[a], unc.se_pp[a], pop)
        f = rs.to_frame()
        f.insert(0, "area", area)
        f.insert(1, "kommunekode", unc.kommunekoder)
        for col, vals in (
            ("diff_pp", unc.diff_pp[a]),
            ("se_pp", unc.se_pp[a]),
            ("se_noise_pp", unc.se_noise_pp[a]),
            ("se_coef_pp", unc.se_coef_pp[a]),
            ("lower_pp", unc.lower_pp[a]),
            ("upper_pp", unc.upper_pp[a]),
            ("flag", unc.flag[a].astype(np.int64)),
            ("funnel_limit95_pp", fn.limit95),
            ("funnel_limit998_pp", fn.limit998),
            ("funnel_outside95", fn.outside95.astype(np.int64)),
            ("funnel_outside998", fn.outside998.astype(np.int64)),
            ("shrunk_pp", fn.shrunk),
            ("shrunk_se_pp", fn.shrunk_se),
        ):
            f[col] = vals
        rows.append(f)
        summary.append(
            {
                "area": area,
                "level": o.level,
                "cluster": unc.cluster,
                "n_clusters": unc.n_clusters,
                "draws": o.draws,
                "tau": o.tau,
                "crit_simultaneous": rs.crit_simultaneous,
                "tau2_pp2": fn.tau2,
                "phi": fn.phi,
                "noise_dispersion": float(unc.dispersion[a]),
                "n_better": int((unc.flag[a] < 0).sum()),
                "n_worse": int((unc.flag[a] > 0).sum()),
                "lm_absorbed_share": float(rob.absorbed_share[a]),
                "lm_parameters": rob.lm_parameters,
                "commuting_areas": rob.commuting_areas,
                "lm_warning": rob.warning or "",
            }
        )
        curves.append(
            pd.DataFrame(
                {
                    "area": area,
                    "population": fn.curve_population,
                    "limit95_pp": fn.curve_limit95,
                    "limit998_pp": fn.curve_limit998,
                }
            )
        )
    return {
        "uncertainty": pd.concat(rows, ignore_index=True),
        "uncertainty_summary": pd.DataFrame(summary),
        "funnel_curve": pd.concat(curves, ignore_index=True),
        "robustness": rob.to_frame(),
    }
