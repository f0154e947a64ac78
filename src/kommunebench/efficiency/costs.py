"""The stored cost input (``admin_costs``) as the ``costs`` table of :func:`loefteevne_data`.

Rows are per municipality and year. Municipalities that share a jobcentre (column ``jobcentre``)
are kept as separate units here, each with its own costs (see docs/efficiency.md).
"""

from __future__ import annotations

import duckdb
import pandas as pd

from kommunebench.errors import NotFoundError

__all__ = ["stored_costs", "cost_years"]


def cost_years(con: duckdb.DuckDBPyConnection) -> list[int]:
    """The years with stored costs, oldest first."""
    return [int(r[0]) for r in con.execute("SELECT DISTINCT year FROM admin_costs ORDER BY year").fetchall()]


def stored_costs(con: duckdb.DuckDBPyConnection, year: int | None = None) -> tuple[int, pd.DataFrame]:
    """(year, frame kommunekode · cost_kr · fuldtidspersoner · jobcentre); default the newest year."""
    years = cost_years(con)
    if not years:
        raise NotFoundError(
            "der er ingen udgifter i lageret: indlæs admin_costs (kommunekode, year, admin_cost_kr, ...)"
        )
    chosen = years[-1] if year is None else int(year)
    if chosen not in years:
        raise NotFoundError(f"der er ingen udgifter for {chosen} (findes for {', '.join(map(str, years))})")
    frame = con.execute(
        "SELECT kommunekode, admin_cost_kr AS cost_kr, fuldtidspersoner, jobcentre FROM admin_costs "
        "WHERE year = ? ORDER BY kommunekode",
        [chosen],
    ).df()
    frame["kommunekode"] = frame["kommunekode"].astype(int)
    return chosen, frame
