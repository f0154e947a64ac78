"""The efficiency job: DEA cost-efficiency of a stored run beside its ranking, published.

``efficiency_view`` opens a run (default: the newest), reads the stored ``admin_costs`` of a year
(default: the newest), leaves the suppressed municipalities out (``publish.efficiency``), solves
three DEA models — med udgifter output-oriented (headline group and score, optionally
bootstrapped), uden udgifter output-oriented, med udgifter input-oriented (the saving in kr.) —
and returns the public view. With ``miljoe`` the run's expected overall share on benefits (the
rammevilkår the model predicts from) enters every model as a non-discretionary input.
``export_efficiency`` writes the Excel sheet and the HTML report.
"""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path

import numpy as np
import pandas as pd

from kommunebench import settings
from kommunebench.benchmark.runs import StoredRun
from kommunebench.data import reference
from kommunebench.efficiency import compute_efficiency, loefteevne_data
from kommunebench.efficiency.costs import cost_years, stored_costs
from kommunebench.efficiency.sidebyside import side_by_side
from kommunebench.errors import ConfigError, NotFoundError
from kommunebench.pipeline.config import ExportPaths, RunConfig, Store, using
from kommunebench.pipeline.runs import (
    Progress,
    export_run,
    latest_run,
    open_run,
    previous_for,
    publish_run,
    run_benchmark,
)
from kommunebench.publish.efficiency import ENVIRONMENT, PublicEfficiency, efficiency_inputs, public_efficiency
from kommunebench.report import write_excel, write_html_report
from kommunebench.report.efficiency import write_efficiency_excel, write_efficiency_html

__all__ = ["efficiency_view", "export_efficiency", "run_and_export_with_efficiency"]


def efficiency_view(
    *,
    run_id: str | None = None,
    db: Store | None = None,
    year: int | None = None,
    rts: str = "vrs",
    exclude: Sequence[str] = (),
    bootstrap: int = 0,
    seed: int | None = None,
    n_jobs: int = 1,
    threshold: int | None = None,
    miljoe: bool = False,
) -> PublicEfficiency:
    """The public side-by-side view of DEA and the ranking (see the module docstring).

    ``miljoe``: add the environment variable (the run's expected share on benefits overall, a
    rammevilkår measure; higher is worse) as a non-discretionary input to all three models.
    """
    run = open_run(run_id, db=db) if run_id else latest_run(db=db)
    with using(db) as con:
        if year is None:  # the costs of the run's own year when stored, else the newest (as in run)
            run_year = int(run.record.period[:4])
            year = run_year if run_year in cost_years(con) else None
        cost_year, costs = stored_costs(con, year)
    limit = settings.get_int("suppress_below", threshold)
    safe, hidden = efficiency_inputs(run.lists, limit)
    kept = set(safe[next(iter(safe))]["kommunekode"].astype(int))
    costs = costs[costs["kommunekode"].isin(kept)]
    env = _environment(run.lists.overall) if miljoe else None
    worse = None if env is None else ["worse"]
    med = loefteevne_data(safe, variant="med_udgifter", costs=costs, environment=env, environment_higher_is=worse)
    uden = loefteevne_data(
        safe, variant="uden_udgifter", jobcentres=costs, environment=env, environment_higher_is=worse
    )
    if bootstrap and seed is None:  # recorded in the view, so every bootstrap can be replayed
        seed = int(np.random.default_rng().integers(2**31))
    gone = {
        key
        for m in reference.municipalities()
        if m.kommunekode in hidden
        for key in (m.navn.casefold(), str(m.kommunekode))
    }
    leave_out = [med.labels[i] for i in med.index_of([e for e in exclude if str(e).strip().casefold() not in gone])]
    med_out = compute_efficiency(
        med, orientation="output", rts=rts, exclude=leave_out, bootstrap=bootstrap, seed=seed, n_jobs=n_jobs
    )
    sbs = side_by_side(
        run.lists.overall,
        med_out,
        compute_efficiency(uden, orientation="output", rts=rts, exclude=leave_out),
        compute_efficiency(med, orientation="input", rts=rts, exclude=leave_out),
    )
    return public_efficiency(
        sbs,
        hidden=hidden,
        names={m.kommunekode: m.navn for m in reference.municipalities()},
        period=run.record.period,
        run_id=run.record.run_id,
        cost_year=cost_year,
        rts=rts,
        threshold=limit,
        excluded=tuple(leave_out),
        bootstrap=bootstrap,
        miljoe=miljoe,
        seed=seed,
    )


def _environment(overall: pd.DataFrame) -> pd.DataFrame:
    """The environment variable: expected share on benefits overall (rammevilkår), per kommunekode."""
    frame = overall[["kommunekode", "expected_share"]].rename(columns={"expected_share": ENVIRONMENT})
    return frame.assign(kommunekode=frame["kommunekode"].astype(int))


def export_efficiency(
    view: PublicEfficiency, out_dir: Path, *, with_run: bool = False, db: Store | None = None
) -> tuple[Path, Path]:
    """Write the view as an Excel workbook and an HTML report into ``out_dir``.

    ``with_run``: the run's own workbook and HTML report instead, with the DEA sheet and section
    added (the run's public view at the same threshold).
    """
    folder = Path(out_dir)
    stem = f"effektivitet_{view.run_id}_{view.period}"
    if with_run:
        run_view = publish_run(open_run(view.run_id, db=db), threshold=view.threshold)
        stem = f"benchmark_og_effektivitet_{view.run_id}_{view.period}"
        xlsx = write_excel(run_view, folder / f"{stem}.xlsx", efficiency=view)
        html = write_html_report(run_view, folder / f"{stem}.html", efficiency=view)
        return Path(xlsx), Path(html)
    xlsx = write_efficiency_excel(view, folder / f"{stem}.xlsx")
    html = write_efficiency_html(view, folder / f"{stem}.html")
    return Path(xlsx), Path(html)


def run_and_export_with_efficiency(
    config: RunConfig,
    *,
    db: Store | None = None,
    progress: Progress | None = None,
    efficiency: bool = True,
    cost_year: int | None = None,
) -> tuple[StoredRun, ExportPaths, str]:
    """``kommunebench run``: run, store and export; with stored costs the DEA sheet and section too.

    The DEA section is the default view (med/uden udgifter, VRS, no bootstrap: cheap) of the new
    run against the costs of ``cost_year`` (default: the year the run's period ends in, if its
    costs are stored, else the newest stored year). Without stored costs, or
    when they do not fit the run, the run is still stored and exported without the section, and
    the returned note (Danish) says why.
    """
    run = run_benchmark(config, db=db, progress=progress)
    view, note = None, "DEA-afsnittet er fravalgt."
    if efficiency:
        if cost_year is None:
            with using(db) as con:
                cost_year = config.period.year if config.period.year in cost_years(con) else None
        try:
            view = efficiency_view(run_id=run.record.run_id, db=db, year=cost_year, threshold=config.threshold)
            note = f"DEA-afsnittet er med i rapporten og regnearket (udgiftsår {view.cost_year}, uden bootstrap)."
        except (NotFoundError, ConfigError) as exc:
            note = f"Intet DEA-afsnit i rapporten: {exc}"
    previous = previous_for(run, db=db)
    paths = export_run(
        run,
        config.out_dir,
        threshold=config.threshold,
        profile=config.export_profile,
        efficiency=view,
        previous=previous,
    )
    return run, paths, note
