"""The validation harness: N seeds × scenarios × scale → how well the benchmark recovers the truth.

Each replication generates a synthetic Denmark with a named effect scenario (see
:mod:`kommunebench.data.synth.effects`) into a scratch folder, loads it into a scratch
warehouse (deleted afterwards; nothing of the user's warehouse is touched, so nothing is
audited), fits the official model for the second generated year's calendar period, computes
the uncertainty of every difference and the rank sets, and compares them with the planted
truth ``benchmark_effect_pp`` (what a perfect benchmark would report):

* ``spearman``, ``slope`` (of the estimate on the truth; 1 = full recovery), ``rmse`` (pp);
* ``coverage``: share of municipalities whose interval covers the truth;
* ``flagged``: share flagged better/worse (under ``zero`` effects: the false-flag rate);
* ``rank_cover_sim``: the simultaneous rank sets hold all 98 true ranks (0/1);
  ``rank_cover_marg``: share of marginal rank sets holding the true rank;
  ``tau_best_ok`` / ``tau_worst_ok``: no municipality surely among the τ best (worst) is outside
  the true τ best (worst).
"""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
import pyarrow.parquet as pq

from kommunebench.benchmark.ranking import spearman
from kommunebench.data import reference, warehouse
from kommunebench.data.load import load
from kommunebench.data.synth import generate
from kommunebench.data.synth.effects import EffectSpec
from kommunebench.errors import ConfigError
from kommunebench.model import fit_benchmark
from kommunebench.model.threads import pinned_blas
from kommunebench.uncertainty import difference_uncertainty, rank_sets, ranks_of

__all__ = ["ValidationResult", "validate_truth", "SCENARIOS"]

SCENARIOS = ("independent", "composition", "commuting_area", "persistent", "zero")
_KINDS = ("persons", "labour_market", "benefit_weeks")
METRICS = (
    "spearman",
    "slope",
    "rmse",
    "coverage",
    "flagged",
    "rank_cover_sim",
    "rank_cover_marg",
    "tau_best_ok",
    "tau_worst_ok",
)


@dataclass(frozen=True, eq=False)
class ValidationResult:
    """``replications``: one row per scenario × seed × redraw × area; ``table()`` the means
    (``n_seeds`` distinct seeds, ``n_reps`` replications)."""

    replications: pd.DataFrame
    scale: float
    level: float

    def table(self) -> pd.DataFrame:
        g = self.replications.groupby(["scenario", "scale", "area"], sort=False)
        out = g[list(METRICS)].mean()
        out.insert(0, "n_reps", g.size())
        out.insert(0, "n_seeds", g["seed"].nunique())
        return out.reset_index()

    def to_csv(self, path: Path) -> None:
        self.table().to_csv(path, index=False)
        self.replications.to_csv(path.with_name(path.stem + "_replications.csv"), index=False)


def _metrics(est: np.ndarray, cov: np.ndarray, lower, upper, flag, truth: np.ndarray, seed: int, tau: int):
    var_t = float(np.var(truth))
    ranks = {k: float("nan") for k in METRICS[5:]}
    if var_t > 0:  # without effects every true rank ties: no rank to cover
        rs = rank_sets(est, cov, level=0.9, draws=2000, seed=seed, tau=tau)
        tr = ranks_of(truth)
        n = truth.size
        ranks = {
            "rank_cover_sim": float(((rs.simultaneous_lower <= tr) & (tr <= rs.simultaneous_upper)).all()),
            "rank_cover_marg": float(np.mean((rs.marginal_lower <= tr) & (tr <= rs.marginal_upper))),
            "tau_best_ok": float((tr[rs.tau_best] <= tau).all()),
            "tau_worst_ok": float((tr[rs.tau_worst] >= n - tau + 1).all()),
        }
    return {
        "spearman": spearman(est, truth) if var_t > 0 else float("nan"),
        "slope": float(np.cov(est, truth)[0, 1] / var_t) if var_t > 0 else float("nan"),
        "rmse": float(np.sqrt(np.mean((est - truth) ** 2))),
        "coverage": float(np.mean((lower <= truth) & (truth <= upper))),
        "flagged": float(np.mean(flag != 0)),
        **ranks,
    }


def _replicate(scenario: str, seed: int, redraw: int, scale: float, level: float, tau: int, root: Path) -> list[dict]:
    first_year = 2022
    spec = EffectSpec(scenario, outcome_seed=None if redraw == 0 else seed * 1000 + redraw)
    snap = generate(root / "snap", scale=scale, seed=seed, first_year=first_year, effects=spec)
    db = root / "wh.duckdb"
    load(db, {kind: snap.out_dir / f"{kind}.parquet" for kind in _KINDS})  # what the model reads
    truth = pq.read_table(snap.out_dir / "truth_effects.parquet").to_pandas()
    truth = truth[truth.year == first_year + 1]
    con = warehouse.connect(db)
    try:
        with pinned_blas():
            fit = fit_benchmark(
                con,
                f"{first_year + 1}QMAT04",
                code_areas=reference.code_areas("2019", warehouse.effective_benefit_codes(con)),
                commuting_area_of=warehouse.municipality_commuting_area(con),
                total=False,
            )
    finally:
        con.close()
    unc = difference_uncertainty(fit, level=level)
    rows = []
    for a, area in enumerate(unc.areas):
        t = truth[truth.area == area].set_index("kommunekode").benchmark_effect_pp.loc[unc.kommunekoder].to_numpy()
        m = _metrics(unc.diff_pp[a], unc.cov_pp[a], unc.lower_pp[a], unc.upper_pp[a], unc.flag[a], t, seed, tau)
        rows.append({"scenario": scenario, "seed": seed, "redraw": redraw, "scale": scale, "area": area, **m})
    return rows


def validate_truth(
    *,
    scenarios: Sequence[str] = SCENARIOS,
    seeds: Sequence[int],
    scale: float = 0.02,
    level: float = 0.9,
    tau: int = 10,
    workdir: Path | None = None,
    progress: Callable[[str, int, int], None] | None = None,
    partial_csv: Path | None = None,
    redraws: int = 1,
) -> ValidationResult:
    """Run every scenario × seed at ``scale`` (see the module doc).

    ``partial_csv``: append each replication's rows to this CSV as soon as it is done; cells
    (scenario × seed × redraw at this scale) already in it are read back instead of being run again.
    ``redraws``: replications per seed — the first with the seed's own outcomes, the others with
    new outcomes (``outcome_seed``) for the same persons and effects; the synthetic Denmark's
    calibration is computed once per seed, so redraws are cheaper than new seeds.
    """
    bad = [s for s in scenarios if s not in SCENARIOS]
    if bad or not seeds or redraws < 1:
        raise ConfigError(f"unknown scenario(s) {', '.join(bad)} or no seeds; scenarios: {', '.join(SCENARIOS)}")
    rows: list[dict] = []
    if partial_csv is not None and partial_csv.exists():  # resume: keep the cells already done
        prev = pd.read_csv(partial_csv)
        prev = prev.assign(redraw=prev["redraw"].fillna(0) if "redraw" in prev else 0)
        prev = prev[(prev.scale == scale) & prev.scenario.isin(scenarios) & prev.seed.isin(seeds)]
        rows = prev[prev.redraw < redraws].to_dict("records")
    have = {(r["scenario"], int(r["seed"]), int(r["redraw"])) for r in rows}
    total = len(scenarios) * len(seeds) * redraws
    done = len(have)
    cells = [(seed, r, scenario) for seed in seeds for r in range(redraws) for scenario in scenarios]
    for seed, redraw, scenario in cells:  # seed-major: an interrupted run still has every scenario
        if (scenario, int(seed), redraw) in have:
            continue
        root = Path(tempfile.mkdtemp(prefix="kb-validate-", dir=workdir))
        try:
            new = _replicate(scenario, int(seed), redraw, scale, level, tau, root)
            rows += new
            if partial_csv is not None:
                pd.DataFrame(new).to_csv(partial_csv, mode="a", header=not partial_csv.exists(), index=False)
        finally:
            shutil.rmtree(root, ignore_errors=True)
        done += 1
        if progress:
            progress(f"{scenario} seed {seed} redraw {redraw}", done, total)
    return ValidationResult(pd.DataFrame(rows), scale, level)
