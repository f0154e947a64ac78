"""The KPI stage: a municipality's own management figures (issue 13, seed 003; ``docs/kpi.md``).

A third pipeline beside the benchmark and the joblog (``data → kpi → publish → report``):

* :mod:`.catalogue` — every KPI defined once, as data (Danish name, definition, unit, levels,
  indsats/resultat, direction, source);
* :mod:`.weeks` — a period of whole ISO weeks, down to one week;
* :mod:`.prepare` — the derived tables (spells on jobcentre benefits and what falls in them);
* :mod:`.tables` — the KPIs at four levels (Faktaside, department, target group, caseworker);
* :mod:`.casemix` — actual vs expected exits to self-support with the national model's OLS engine,
  and the offer-type comparison (not a causal effect);
* :mod:`.outward` — the Faktaside beside klynge, similar municipalities and the country;
* :mod:`.trend` — a weekly trend of four KPIs of one unit in one pass.
"""

from kommunebench.kpi.casemix import NOT_CAUSAL, Adjusted, OfferComparison, adjust, offer_comparison
from kommunebench.kpi.catalogue import ALL_LEVELS, CATALOGUE, LEVEL_NAMES, OFFER_NAMES, Kpi, kpi, unit_label
from kommunebench.kpi.tables import KpiTable, compute, data_weeks, units
from kommunebench.kpi.weeks import Weeks, parse_weeks

__all__ = [
    "ALL_LEVELS",
    "CATALOGUE",
    "LEVEL_NAMES",
    "NOT_CAUSAL",
    "OFFER_NAMES",
    "Adjusted",
    "Kpi",
    "KpiTable",
    "OfferComparison",
    "Weeks",
    "adjust",
    "compute",
    "data_weeks",
    "unit_label",
    "units",
    "kpi",
    "offer_comparison",
    "parse_weeks",
]
