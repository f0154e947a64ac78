"""Case-mix adjustment: actual vs expected exits to self-support inside one municipality.

The same expected-vs-actual engine as the national model (:func:`kommunebench.model.ols.ols`,
the model's categories of :mod:`kommunebench.data.schemas`), applied to the municipality's own
spells on a jobcentre benefit:

* **Unit of analysis**: a spell that starts in the period, is not cut off at the start of the data
  and has :data:`~kommunebench.data.kpischemas.EXIT_WINDOW_WEEKS` weeks of data after its start.
* **Outcome** ``Y``: the spell ends in self-support (job, fleksjob, education) within those weeks.
* **Expected**: OLS of ``Y`` on the citizen's characteristics (age, sex, origin, education, family
  type, health, prior benefits — the national model's bands) and, for departments and
  caseworkers, the target group; no department or caseworker terms. For the target-group level
  the target group is left out (it is what is compared).
* **Difference** per unit = (actual − expected) ÷ spells × 100 (pct. points), with a 95 % interval
  from the residuals' spread inside the unit (a cluster-robust standard error); and the same on
  the odds scale (**odds ratio** = odds of the actual share ÷ odds of the expected share, the
  interval carried over), which compares units with high and low exit shares alike.

:func:`offer_comparison` regresses ``Y`` of spells longer than
:data:`~kommunebench.data.kpischemas.OFFER_WINDOW_WEEKS` weeks on the same characteristics, the
target group and one indicator per offer type started within those weeks: each coefficient is
the difference in pct. points to comparable non-participants. **It is not a causal effect**:
who gets an offer is not random, and what decides it may also decide the outcome.
"""

from __future__ import annotations

from dataclasses import dataclass

import duckdb
import numpy as np
import pandas as pd

from kommunebench.data import schemas
from kommunebench.data.kpischemas import EXIT_WINDOW_WEEKS, OFFER_TYPES, OFFER_WINDOW_WEEKS
from kommunebench.errors import InsufficientDataError
from kommunebench.kpi.weeks import Weeks
from kommunebench.model.ols import ols

__all__ = ["Adjusted", "OfferComparison", "adjust", "offer_comparison", "NOT_CAUSAL"]

NOT_CAUSAL = (
    "Justeret sammenligning med sammenlignelige borgere uden tilbud — ikke en kausal effekt: "
    "hvem der får et tilbud, er ikke tilfældigt."
)
_Z = 1.959963984540054
_LEVEL_COL = {"afdeling": "department", "maalgruppe": "target_group", "sagsbehandler": "cw"}


@dataclass(frozen=True)
class Adjusted:
    """Per level and unit: spells, actual and expected exits, difference (pct. points) and interval."""

    kommunekode: int
    weeks: Weeks
    frame: pd.DataFrame
    r_squared: float

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def summary(self) -> str:
        lines = [f"Justeret afgang til selvforsørgelse, {self.kommunekode}, forløb startet {self.weeks.label}"]
        for r in self.frame.itertuples():
            lines.append(
                f"  {r.level:13} {r.unit:24} n={r.spells:6d}  {r.diff_pp:+6.1f} ({r.lo_pp:+.1f}; {r.hi_pp:+.1f})"
            )
        return "\n".join(lines)


@dataclass(frozen=True)
class OfferComparison:
    """Per offer type: participants, their exit share and the adjusted difference (pct. points)."""

    kommuner: tuple[int, ...] | None
    frame: pd.DataFrame
    label: str = NOT_CAUSAL

    def to_frame(self) -> pd.DataFrame:
        return self.frame.copy()

    def summary(self) -> str:
        lines = [self.label]
        for r in self.frame.itertuples():
            lines.append(
                f"  {r.offer_type:28} n={r.participants:6d}  {r.diff_pp:+6.1f} ({r.lo_pp:+.1f}; {r.hi_pp:+.1f})"
            )
        return "\n".join(lines)


def _where(kommuner: tuple[int, ...] | None) -> str:
    return "true" if kommuner is None else f"s.kommunekode IN ({', '.join(str(int(k)) for k in kommuner)})"


def _spells(
    con: duckdb.DuckDBPyConnection, kommuner: tuple[int, ...] | None, weeks: Weeks | None, min_weeks: int
) -> pd.DataFrame:
    span = "" if weeks is None else f"AND s.start_week BETWEEN DATE '{weeks.first}' AND DATE '{weeks.last}'"
    return con.execute(
        f"""SELECT s.spell_id, s.kommunekode, s.department, s.target_group,
            coalesce(CAST(s.caseworker_id AS VARCHAR), 'uden') AS cw, s.age, s.sex, s.origin, s.education,
            s.family_type, s.health_contacts, s.prior_benefit_weeks,
            (s.exit_kind IN ('job', 'fleksjob', 'education') AND s.weeks <= {EXIT_WINDOW_WEEKS})::DOUBLE AS y
        FROM kpi_spells s WHERE {_where(kommuner)} {span} AND NOT s.left_censored AND s.age IS NOT NULL
            AND s.start_week + {7 * EXIT_WINDOW_WEEKS} <= s.data_last_week AND s.weeks > {min_weeks}
        ORDER BY s.spell_id"""
    ).df()


def _bands(values: np.ndarray, bands) -> np.ndarray:
    out = np.empty(values.size, object)
    for label, lo, hi in bands:
        out[(values >= lo) & (values <= hi)] = label
    return out


def _design(df: pd.DataFrame, *, with_tg: bool, extra: pd.DataFrame | None = None) -> tuple[np.ndarray, list[str]]:
    """Intercept + the national model's person categories (+ target group, + extra columns)."""
    cats = {
        "age": (_bands(df.age.to_numpy(), schemas.AGE_BANDS), [b[0] for b in schemas.AGE_BANDS]),
        "sex": (df.sex.to_numpy(), list(schemas.SEXES)),
        "origin": (df.origin.to_numpy(), list(schemas.ORIGINS)),
        "education": (df.education.to_numpy(), list(schemas.EDUCATIONS)),
        "family": (df.family_type.to_numpy(), list(schemas.FAMILY_TYPES)),
        "health": (_bands(df.health_contacts.to_numpy(), schemas.HEALTH_BANDS), [b[0] for b in schemas.HEALTH_BANDS]),
        "prior": (
            _bands(df.prior_benefit_weeks.to_numpy(), schemas.PRIOR_BENEFIT_BANDS),
            [b[0] for b in schemas.PRIOR_BENEFIT_BANDS],
        ),
    }
    if with_tg:
        cats["tg"] = (df.target_group.to_numpy(), sorted(set(df.target_group)))
    cols, names = [np.ones(len(df))], ["(intercept)"]
    for name, (values, levels) in cats.items():
        for lv in levels[1:]:
            cols.append((values == lv).astype(float))
            names.append(f"{name}={lv}")
    if extra is not None:
        cols.extend(extra[c].to_numpy(float) for c in extra.columns)
        names.extend(extra.columns)
    return np.column_stack(cols), names


def adjust(con: duckdb.DuckDBPyConnection, kommunekode: int, weeks: Weeks | None = None) -> Adjusted:
    """Actual vs expected exits per department, target group and caseworker (see the module doc)."""
    df = _spells(con, (int(kommunekode),), weeks, 0)
    if len(df) < 30:
        raise InsufficientDataError(f"for få forløb ({len(df)}) med fuld opfølgning til en justeret sammenligning")
    y = df.y.to_numpy()
    frames, r2 = [], 0.0
    for with_tg, levels in ((True, ("afdeling", "sagsbehandler")), (False, ("maalgruppe",))):
        x, names = _design(df, with_tg=with_tg)
        fit = ols(x, y, names, ["y"])
        expected = x @ np.nan_to_num(fit.coef[:, 0])
        r2 = float(fit.r_squared[0]) if with_tg else r2
        d = df.assign(expected=expected, resid=y - expected, resid2=(y - expected) ** 2)
        for level in levels:
            g = d.groupby(_LEVEL_COL[level]).agg(
                spells=("y", "size"), actual=("y", "sum"), expected=("expected", "sum"), rss=("resid2", "sum")
            )
            g = g.reset_index().rename(columns={_LEVEL_COL[level]: "unit"})
            g.insert(0, "level", level)
            frames.append(g)
    out = pd.concat(frames, ignore_index=True)
    out["diff_pp"] = (out.actual - out.expected) / out.spells * 100
    half = _Z * np.sqrt(out.rss) / out.spells * 100
    out["lo_pp"], out["hi_pp"] = out.diff_pp - half, out.diff_pp + half
    out["actual_pct"] = out.actual / out.spells * 100
    out["expected_pct"] = out.expected / out.spells * 100
    out["odds_ratio"], out["or_lo"], out["or_hi"] = _odds_ratios(out, half)
    out = out.drop(columns="rss")
    return Adjusted(int(kommunekode), weeks or _all_weeks(con), out, r2)


def _odds_ratios(out: pd.DataFrame, half_pp: pd.Series) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Actual vs expected on the odds scale: odds(actual share) ÷ odds(expected share), and the pp
    interval carried over (a monotone transform). Shares are kept ½ spell inside 0 and 1. Effects
    that work on the odds (as the planted ones) read the same in groups with high and low exit
    shares, where a difference in pct. points shrinks as the shares near 0 or 100 %."""
    n = out.spells.to_numpy(float)
    eps = 0.5 / n
    expected = out.expected.to_numpy(float) / n
    actual = out.actual.to_numpy(float) / n

    def odds_vs_expected(share: np.ndarray) -> np.ndarray:
        a, e = np.clip(share, eps, 1 - eps), np.clip(expected, eps, 1 - eps)
        return np.asarray((a / (1 - a)) / (e / (1 - e)))

    half = half_pp.to_numpy(float) / 100
    return odds_vs_expected(actual), odds_vs_expected(actual - half), odds_vs_expected(actual + half)


def _all_weeks(con: duckdb.DuckDBPyConnection) -> Weeks:
    a, b = con.execute("SELECT min(start_week), max(start_week) FROM kpi_spells").fetchone() or (None, None)
    if a is None:
        raise InsufficientDataError("ingen forløb i lageret: indlæs benefit_weeks og byg nøgletallene")
    return Weeks(a, b)


def offer_comparison(
    con: duckdb.DuckDBPyConnection, kommuner: tuple[int, ...] | None, weeks: Weeks | None = None
) -> OfferComparison:
    """Adjusted exit shares of offer participants vs comparable non-participants, per offer type."""
    df = _spells(con, kommuner, weeks, OFFER_WINDOW_WEEKS)
    if len(df) < 50:
        raise InsufficientDataError(f"for få forløb ({len(df)}) til en sammenligning af tilbudstyper")
    offers = con.execute(
        f"""SELECT DISTINCT o.spell_id, o.offer_type FROM kpi_offers o JOIN kpi_spells s USING (spell_id)
        WHERE {_where(kommuner)} AND o.start_date <= s.start_week + {7 * OFFER_WINDOW_WEEKS}"""
    ).df()
    flags = pd.DataFrame(0.0, index=df.spell_id, columns=[f"offer={t}" for t in OFFER_TYPES])
    hit = offers[offers.spell_id.isin(flags.index)]
    for t in OFFER_TYPES:
        flags.loc[hit.spell_id[hit.offer_type == t].to_numpy(), f"offer={t}"] = 1.0
    x, names = _design(df, with_tg=True, extra=flags.reset_index(drop=True))
    fit = ols(x, df.y.to_numpy(), names, ["y"])
    rows = []
    for t in OFFER_TYPES:
        i = names.index(f"offer={t}")
        part = flags[f"offer={t}"].to_numpy() > 0
        coef, se = float(fit.coef[i, 0]) * 100, float(fit.std_err[i, 0]) * 100
        rows.append(
            {
                "offer_type": t,
                "participants": int(part.sum()),
                "exit_pct": float(df.y[part].mean() * 100) if part.any() else np.nan,
                "diff_pp": coef,
                "lo_pp": coef - _Z * se,
                "hi_pp": coef + _Z * se,
            }
        )
    return OfferComparison(kommuner, pd.DataFrame(rows))
