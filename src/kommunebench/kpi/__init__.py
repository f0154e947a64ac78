"""KPI stage (issue 13)."""

from kommunebench.kpi.casemix import NOT_CAUSAL, Adjusted, OfferComparison, adjust, offer_comparison
from kommunebench.kpi.catalogue import ALL_LEVELS, CATALOGUE, LEVEL_NAMES, Kpi, kpi
from kommunebench.kpi.tables import KpiTable, compute, data_weeks, units
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
    "data_weeks",
    "units",
    "kpi",
    "offer_comparison",
    "parse_weeks",
]
