"""KPI stage (issue 13)."""

from kommunebench.kpi.adjust import NOT_CAUSAL, Adjusted, OfferComparison, adjust, offer_comparison
from kommunebench.kpi.catalogue import ALL_LEVELS, CATALOGUE, LEVEL_NAMES, Kpi, kpi
from kommunebench.kpi.compute import KpiTable, compute
from kommunebench.kpi.weeks import Weeks, parse_weeks

__all__ = [
    "ALL_LEVELS",
    "CATALOGUE",
    "LEVEL_NAMES",
    "NOT_CAUSAL",
    "Adjusted",
    "Kpi",
    "KpiTable",
    "OfferComparison",
    "Weeks",
    "adjust",
    "compute",
    "kpi",
    "offer_comparison",
    "parse_weeks",
]
