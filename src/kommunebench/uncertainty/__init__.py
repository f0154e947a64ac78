"""The uncertainty stage: intervals for every difference, rank sets, funnel, shrinkage, robustness.

Pure functions over the model's results (:class:`~kommunebench.model.BenchmarkFit` and its
per-municipality cross-products) returning small frozen dataclasses.
"""

from kommunebench.uncertainty.frames import FRAME_NAMES, UncertaintyOptions, run_frames
from kommunebench.uncertainty.funnel import Funnel, funnel
from kommunebench.uncertainty.intervals import (
    FLAG_LABELS,
    DifferenceUncertainty,
    cluster_covariance,
    difference_uncertainty,
)
from kommunebench.uncertainty.ranks import RankSets, rank_sets, ranks_of
from kommunebench.uncertainty.robustness import Robustness, robustness

__all__ = [
    "FRAME_NAMES",
    "UncertaintyOptions",
    "run_frames",
    "Funnel",
    "funnel",
    "Robustness",
    "robustness",
    "RankSets",
    "rank_sets",
    "ranks_of",
    "FLAG_LABELS",
    "DifferenceUncertainty",
    "cluster_covariance",
    "difference_uncertainty",
]
