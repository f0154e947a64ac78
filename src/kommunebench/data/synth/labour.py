"""The local labour market per pendlingsområde (commuting area) and quarter.

Levels come from real municipal figures (registered unemployment, higher education, population
density), population-weighted over each commuting area, with a seasonal pattern, a small trend
and noise. Distance to a large city is the great-circle distance from the area's hub to the
nearest of København, Aarhus, Odense and Aalborg.
"""

from __future__ import annotations

import math

import numpy as np

from kommunebench.data import schemas

LARGE_CITIES = (101, 751, 461, 851)
SEASON = {1: 1.08, 2: 0.97, 3: 0.95, 4: 1.00}


def _km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lon1, lat1, lon2, lat2 = map(math.radians, (*a, *b))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0 * math.asin(math.sqrt(h))


def labour_market(munis, areas, calibration, years: tuple[int, ...], rng: np.random.Generator) -> dict[str, list]:
    """Columns of the labour_market input kind (see schemas.KINDS['labour_market'])."""
    centre = {m.kommunekode: (m.center_lon, m.center_lat) for m in munis}
    cols: dict[str, list] = {c: [] for c in schemas.KINDS["labour_market"].column_names}
    for area in areas:
        members = [m for m in munis if m.commuting_area == area["commuting_area"]]
        w = np.array([m.pop_16_66 for m in members], float)

        def avg(key, members=members, w=w):
            return float(np.average([calibration[m.kommunekode][key] for m in members], weights=w))

        unemp, higher, density = avg("unemployment_pct"), avg("higher_education_pct"), avg("population_density")
        hub = centre[area["hub_kommunekode"]]
        dist = min(_km(hub, centre[c]) for c in LARGE_CITIES)
        know = 8 + 0.35 * higher
        agri = max(1.0, 9 - 1.6 * math.log(max(density, 1.0)))
        manuf = max(4.0, 20 - 0.2 * higher + 0.03 * dist)
        shares = {
            "share_manufacturing_pct": manuf,
            "share_construction_pct": 7.0,
            "share_trade_transport_pct": 24.0,
            "share_knowledge_services_pct": know,
            "share_public_pct": 31.0,
            "share_agriculture_pct": agri,
        }
        total = sum(shares.values())
        for year in years:
            trend = 1.0 + 0.05 * (year - years[0])
            for q in (1, 2, 3, 4):
                u = max(0.5, unemp * SEASON[q] * trend + rng.normal(0, 0.08))
                cols["commuting_area"].append(area["commuting_area"])
                cols["quarter"].append(f"{year}Q{q}")
                cols["unemployment_pct"].append(round(u, 2))
                cols["employment_rate_pct"].append(round(78 - 1.5 * (u - 3) + rng.normal(0, 0.3), 2))
                cols["job_postings_per_1000"].append(
                    round(max(1.0, 25 - 2.0 * (u - 3) + 3 * (q == 2) + rng.normal(0, 0.8)), 2)
                )
                for k, v in shares.items():
                    cols[k].append(round(100 * v / total, 3))
                cols["distance_large_city_km"].append(round(dist, 1))
    return cols


def yearly_means(cols: dict[str, list], year: int) -> dict[int, dict[str, float]]:
    """Average of each variable over the four quarters of ``year``, per commuting area."""
    out: dict[int, dict[str, list]] = {}
    for i, q in enumerate(cols["quarter"]):
        if q.startswith(str(year)):
            d = out.setdefault(cols["commuting_area"][i], {v: [] for v in schemas.LABOUR_MARKET_VARIABLES})
            for v in schemas.LABOUR_MARKET_VARIABLES:
                d[v].append(cols[v][i])
    return {a: {v: float(np.mean(x)) for v, x in d.items()} for a, d in out.items()}
