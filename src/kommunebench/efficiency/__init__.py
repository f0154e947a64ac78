"""Efficiency stage: DEA cost-efficiency beside the benchmark (Rigsrevisionen 2018 / VIVE), SciPy's HiGHS.

Data: :func:`loefteevne_data` (løfteevne per area from any benchmark run, "uden udgifter" or "med
udgifter") or :func:`dea_data` (any arrays). Entry point :func:`compute_efficiency` →
:class:`EfficiencyResult` (``.summary()``, ``.to_frame()``, ``.peers()``, ``.totals()``). The pure
functions underneath: :func:`solve_dea` (two-phase envelopment LPs), :func:`bootstrap_dea`
(subsampling, Kneip, Simar & Wilson 2008; or Simar & Wilson 1998), :func:`assign_groups`. See ``docs/efficiency.md``.
"""

from kommunebench.efficiency.analysis import compute_efficiency
from kommunebench.efficiency.bootstrap import (
    BANDWIDTH_RULES,
    INTERVALS,
    METHODS,
    BootstrapScores,
    bootstrap_dea,
    kernel_bandwidth,
    smoothed_draws,
)
from kommunebench.efficiency.calibrate import CALIBRATIONS, Calibration
from kommunebench.efficiency.dea import DEAScores, solve_dea
from kommunebench.efficiency.deadata import DEAData, dea_data
from kommunebench.efficiency.groups import GROUP_RULES, assign_groups
from kommunebench.efficiency.loefteevne import VARIANTS, loefteevne_data, loefteevne_frame
from kommunebench.efficiency.replicate import EngineSettings
from kommunebench.efficiency.results import EfficiencyResult
from kommunebench.efficiency.validate import ORIENTATIONS, RETURNS_TO_SCALE

__all__ = [
    "compute_efficiency",
    "EfficiencyResult",
    "DEAData",
    "dea_data",
    "loefteevne_data",
    "loefteevne_frame",
    "VARIANTS",
    "solve_dea",
    "DEAScores",
    "bootstrap_dea",
    "BootstrapScores",
    "kernel_bandwidth",
    "smoothed_draws",
    "BANDWIDTH_RULES",
    "METHODS",
    "INTERVALS",
    "CALIBRATIONS",
    "Calibration",
    "assign_groups",
    "GROUP_RULES",
    "ORIENTATIONS",
    "RETURNS_TO_SCALE",
    "EngineSettings",
]
