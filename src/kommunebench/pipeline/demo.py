"""``kommunebench demo``: synthetic Denmark → warehouse → benchmark run → public exports, in one job."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from kommunebench import settings
from kommunebench.benchmark.runs import StoredRun
from kommunebench.data.load import LoadReport
from kommunebench.data.periods import Period
from kommunebench.data.summary import LoadedSummary
from kommunebench.data.synth import SynthResult
from kommunebench.pipeline.config import ExportPaths, RunConfig
from kommunebench.pipeline.data import default_synth_dir, load_data, loaded_summary, synthesize
from kommunebench.pipeline.kpi import build as build_kpi_tables
from kommunebench.pipeline.published import import_jobindsats, shipped_extract
from kommunebench.pipeline.runs import export_run, open_run, run_benchmark

__all__ = ["DemoResult", "demo"]

Step = Callable[[str], Callable[[str, float], None] | None]


@dataclass(frozen=True)
class DemoResult:
    db: Path
    synth: SynthResult
    load: LoadReport
    summary: LoadedSummary
    run: StoredRun
    exports: ExportPaths
    published: StoredRun | None = None  # the published 2022 list (jobindsats Y30R21), shown beside


def demo(*, scale: float | None = None, db: Path | None = None, progress: Step | None = None) -> DemoResult:
    """Generate (``demo_scale`` setting), load, run the latest calendar year and export it; import
    the shipped published 2022 list (jobindsats Y30R21) so it can be shown beside the synthetic one.

    ``progress(step)`` may return a ``callback(label, fraction)`` for each step (synth, load, benchmark).
    """

    def cb(step: str) -> Callable[[str, float], None] | None:
        return progress(step) if progress else None

    path = settings.db_path(db)
    res = synthesize(default_synth_dir(), scale=settings.get_float("demo_scale", scale), progress=cb("synth"))
    rep = load_data(res.out_dir, db=path, progress=cb("load"))
    period = Period(res.years[-1], 4)
    status = loaded_summary(period, db=path)
    run = run_benchmark(RunConfig.build(period=period), db=path, progress=cb("benchmark"))
    build_kpi_tables(db=path)  # the Styring pages (issue 13)
    imported = import_jobindsats([shipped_extract()], db=path)
    stored = imported.stored[0].run_id if imported.stored else imported.skipped[0][1]
    published = open_run(stored, db=path)
    return DemoResult(
        db=path, synth=res, load=rep, summary=status, run=run, exports=export_run(run), published=published
    )
