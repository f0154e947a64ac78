"""The model stage's entry point: warehouse → national OLS per area → expected per municipality.

Assembling the regression from a :class:`~kommunebench.model.accumulate.PeriodStats`:

* the design's intercept and dummy columns are the first columns of ``gram`` and the
  ``design_columns`` of the municipal ``sums``;
* the labour-market columns ``L`` are constant within a commuting area ``c``, so
  ``L'd = Σ_c LM_c (Σ_{i∈c} d_i)'`` and ``L'L = Σ_c n_c LM_c LM_c'``, where the commuting area
  sums are the exact sums of its municipalities' ``sums``; a municipality's sum of ``L`` is its
  population times its commuting area's ``LM``;
* the outcome ``y = weeks ÷ period.n_weeks``.

Expected fuldtidspersoner of municipality ``m`` = (its column sums of X) · b — exact for a
linear model, so no second pass over persons is needed. Fitted on the same period, national
Σ expected = Σ actual per area (the intercept's normal equation).
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Mapping

import duckdb
import numpy as np
import pandas as pd

from kommunebench.data.periods import Period
from kommunebench.data.reference import AREA_LABELS, SCOPES, TOTAL, scope_areas
from kommunebench.errors import ConfigError, ReferenceDataError
from kommunebench.model.accumulate import (
    InsufficientDataError,
    PeriodStats,
    Progress,
)
from kommunebench.model.design import DEFAULT_DESIGN, INTERCEPT, Design
from kommunebench.model.engine import DEFAULT_ENGINE, StatsEngine
from kommunebench.model.municipal import MunicipalCrossproducts, municipal_crossproducts
from kommunebench.model.ols import DEFAULT_TOL, ols_from_crossproducts
from kommunebench.model.results import MUNICIPAL_COLUMNS, BenchmarkFit, ModelFit

__all__ = ["fit_benchmark", "fit_model"]


def _ca_sums(st: PeriodStats) -> np.ndarray:
    out = np.zeros((len(st.commuting_areas), st.sums.shape[1]))
    np.add.at(out, st.mun_ca, st.sums)  # sums of integers: exact, fixed order
    return out


class _Assembled:
    """Cross-products and municipal sums of X = [dummies | LM] and Y (areas, maybe + total)."""

    def __init__(self, design: Design, st: PeriodStats, combo: np.ndarray) -> None:
        p = list(st.design_columns)  # intercept + dummies in the sums layout
        n_w = combo.shape[0]
        w = list(range(st.week_col, st.week_col + n_w))
        gp, gw = list(range(len(p))), list(range(len(p), len(p) + n_w))  # gram layout
        weeks = float(st.period.n_weeks)
        pop = st.sums[:, 0]
        self.population = pop
        self.x_sums = np.hstack([st.sums[:, p], pop[:, None] * st.lm[st.mun_ca]])
        self.y_sums = (st.sums[:, w] @ combo) / weeks
        self.n = int(pop.sum())
        self.xtx: np.ndarray | None = None
        self.xty: np.ndarray | None = None
        self.yty: np.ndarray | None = None
        self.shift: np.ndarray | None = None
        if st.gram is not None:
            g = st.gram
            mc = _ca_sums(st)
            # Labour-market columns enter shifted by their national mean (no cancellation in
            # their sums of squares); ols reports coefficients of the unshifted columns.
            mu = (mc[:, 0] @ st.lm) / mc[:, 0].sum()
            lm = st.lm - mu
            self.shift = np.concatenate([np.zeros(len(p)), mu])
            lm_d = lm.T @ mc  # (n_lm, kd)
            lm_lm = lm.T @ (mc[:, :1] * lm)
            self.xtx = np.block([[g[np.ix_(gp, gp)], lm_d[:, p].T], [lm_d[:, p], lm_lm]])
            self.xty = (np.vstack([g[np.ix_(gp, gw)], lm_d[:, w]]) @ combo) / weeks
            self.yty = (combo.T @ g[np.ix_(gw, gw)] @ combo) / (weeks * weeks)


def _check_outcomes(st: PeriodStats, areas: tuple[str, ...], scope: str) -> None:
    weeks = st.sums[:, st.week_col : st.week_col + len(areas)].sum(axis=0)
    where = (
        f"between ISO weeks {st.period.first_week.isoformat()} and "
        f"{st.period.last_week.isoformat()} for the population of "
        f"{st.period.population_year} (period {st.period.label}, scope {scope})"
    )
    if not weeks.any():
        raise InsufficientDataError(
            f"no benefit weeks in any area of the scope {where}; load the benefit weeks of the period first"
        )
    empty = [a for a, w in zip(areas, weeks, strict=True) if w == 0]
    if empty:
        raise InsufficientDataError(
            f"no benefit weeks in area(s) {', '.join(empty)} {where}: their model cannot be fitted"
        )


def _as_period(value, name: str) -> Period:
    if isinstance(value, Period):
        return value
    if isinstance(value, str):
        return Period.parse(value)
    raise ConfigError(f"{name} must be a Period or a label such as 2023QMAT04, not {value!r}")


def _areas_of(code_areas: Mapping[int, str], scope: str) -> tuple[tuple[str, ...], list[list[int]]]:
    if not isinstance(code_areas, Mapping) or not code_areas:
        raise ConfigError("code_areas must be a non-empty mapping benefit code → area")
    allowed = set(scope_areas(scope))
    by_area: dict[str, list[int]] = {}
    for code, area in code_areas.items():
        try:
            c = int(code)
        except (TypeError, ValueError):
            raise ConfigError(f"benefit code {code!r} in code_areas is not an integer") from None
        if not isinstance(area, str) or not area:
            raise ConfigError(f"benefit code {c} maps to {area!r}, not to an area name")
        if area not in allowed:
            raise ConfigError(
                f"benefit code {c} maps to area {area!r}, which is not an area of "
                f"scope {scope} ({', '.join(sorted(allowed))})"
            )
        by_area.setdefault(area, []).append(c)
    order = [a for a in AREA_LABELS if a in by_area]
    return tuple(order), [sorted(by_area[a]) for a in order]


def _check_commuting(commuting_area_of: Mapping[int, int]) -> dict[int, int]:
    if not isinstance(commuting_area_of, Mapping) or not commuting_area_of:
        raise ConfigError("commuting_area_of must be a non-empty mapping kommunekode → commuting area")
    try:
        return {int(k): int(v) for k, v in commuting_area_of.items()}
    except (TypeError, ValueError):
        raise ConfigError("commuting_area_of must map integer kommunekoder to integer commuting areas") from None


def _combo(n_areas: int, total: bool) -> np.ndarray:
    eye = np.eye(n_areas)
    return np.hstack([eye, np.ones((n_areas, 1))]) if total and n_areas > 1 else eye


def _fit(
    design: Design, st: PeriodStats, areas: tuple[str, ...], combo: np.ndarray, scope: str, tol: float
) -> tuple[ModelFit, _Assembled]:
    asm = _Assembled(design, st, combo)
    if asm.xtx is None or asm.xty is None or asm.yty is None:
        raise ValueError("the period statistics were computed without the Gram matrix (gram=False)")
    res = ols_from_crossproducts(
        asm.xtx,
        asm.xty,
        asm.yty,
        asm.n,
        terms=design.columns,
        outcomes=areas,
        intercept=design.columns.index(INTERCEPT),
        tol=tol,
        shift=asm.shift,
    )
    return ModelFit(design=design, scope=scope, period=st.period.label, ols=res), asm


def _municipal(st: PeriodStats, asm: _Assembled, model: ModelFit) -> pd.DataFrame:
    expected = model.ols.predict_sums(asm.x_sums)
    n_mun = len(st.kommunekoder)
    frames = [
        pd.DataFrame(
            {
                "kommunekode": st.kommunekoder.astype(np.int64),
                "area": area,
                "population": asm.population.astype(np.int64),
                "actual": asm.y_sums[:, a],
                "expected": expected[:, a],
            }
        )
        for a, area in enumerate(model.areas)
    ]
    out = pd.concat(frames, ignore_index=True)
    assert len(out) == n_mun * len(model.areas)
    return out[list(MUNICIPAL_COLUMNS)]


def _validate(
    con: object,
    period: Period | str,
    scope: str,
    code_areas: Mapping[int, str],
    commuting_area_of: Mapping[int, int],
    base_period: Period | str | None,
    progress: object,
    design: object,
    total: object,
    tol: object,
) -> tuple[Period, str, tuple[str, ...], list[list[int]], dict[int, int], Period | None]:
    if not isinstance(con, duckdb.DuckDBPyConnection):
        raise TypeError(f"con must be a duckdb.DuckDBPyConnection, not {type(con).__name__}")
    period = _as_period(period, "period")
    scope = str(scope)
    if scope not in SCOPES:
        raise ReferenceDataError(f"unknown scope {scope!r}: choose one of {', '.join(SCOPES)}")
    areas, area_codes = _areas_of(code_areas, scope)
    ca = _check_commuting(commuting_area_of)
    if base_period is not None:
        base_period = _as_period(base_period, "base_period")
        if base_period > period:
            raise ConfigError(
                f"base period {base_period.label} is after the period {period.label}: "
                "a model can only be carried forward (fremskrivning) to a later period"
            )
        if base_period == period:
            base_period = None
    if progress is not None and not callable(progress):
        raise ConfigError("progress must be a callable (description, done, total) or None")
    if not isinstance(design, Design):
        raise ConfigError("design must be a kommunebench.model.Design")
    if not isinstance(total, bool):
        raise ConfigError(f"total must be True or False, not {total!r}")
    if not (isinstance(tol, float) and 0 < tol < 1e-3):
        raise ConfigError(f"tol must be a small positive float, not {tol!r}")
    return period, scope, areas, area_codes, ca, base_period


def fit_model(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    scope: str = "2019",
    code_areas: Mapping[int, str],
    commuting_area_of: Mapping[int, int],
    design: Design = DEFAULT_DESIGN,
    total: bool = True,
    tol: float = DEFAULT_TOL,
    progress: Progress | None = None,
) -> ModelFit:
    """Only the coefficients (one pass over ``period``); see :func:`fit_benchmark`."""
    return fit_benchmark(
        con,
        period,
        scope=scope,
        code_areas=code_areas,
        commuting_area_of=commuting_area_of,
        design=design,
        total=total,
        tol=tol,
        progress=progress,
    ).model


def fit_benchmark(
    con: duckdb.DuckDBPyConnection,
    period: Period | str,
    *,
    scope: str = "2019",
    code_areas: Mapping[int, str],
    commuting_area_of: Mapping[int, int],
    base_period: Period | str | None = None,
    design: Design = DEFAULT_DESIGN,
    total: bool = True,
    tol: float = DEFAULT_TOL,
    progress: Callable[[str, int, int], None] | None = None,
    engine: StatsEngine = DEFAULT_ENGINE,
) -> BenchmarkFit:
    """Fit the national model per area and compute each municipality's expected fuldtidspersoner.

    ``code_areas``: benefit code → area for the codes of ``scope`` (codes not in it are ignored),
    e.g. ``reference.code_areas(scope, warehouse.effective_benefit_codes(con))``.
    ``commuting_area_of``: kommunekode → commuting area (the warehouse's effective map).
    ``base_period``: fit the coefficients on this earlier period and apply them to ``period``'s
    persons and labour market (fremskrivning); then Σ expected ≠ Σ actual in general.
    ``total``: add the area ``"total"`` (sum of the areas' weeks) as one more outcome; its
    coefficients are the sums of the areas' coefficients.
    ``tol``: aliasing tolerance (see :mod:`kommunebench.model.ols`).
    ``progress(description, rows_done, rows_total)`` is called once per streamed batch.
    ``engine`` computes the period's sufficient statistics (default: the embedded DuckDB pass;
    see :mod:`kommunebench.model.engine`); the results do not depend on it.

    Raises :class:`InsufficientDataError` when the period has no persons, no benefit weeks (in an
    area) or lacks labour-market data for a commuting area/quarter; ``ReferenceDataError`` for an
    unknown scope or a municipality without a commuting area; ``ConfigError`` for bad options.
    """
    p, scope, areas, area_codes, ca, base_p = _validate(
        con, period, scope, code_areas, commuting_area_of, base_period, progress, design, total, tol
    )
    combo = _combo(len(areas), total)
    out_areas = areas + ((TOTAL,) if combo.shape[1] > len(areas) else ())

    if not isinstance(engine, StatsEngine):
        raise ConfigError("engine must implement kommunebench.model.StatsEngine")
    stats = functools.partial(
        engine.period_statistics, con, design=design, area_codes=area_codes, commuting_area_of=ca, progress=progress
    )
    if base_p is None:
        st = stats(p, gram=True)
        _check_outcomes(st, areas, scope)
        model, asm = _fit(design, st, out_areas, combo, scope, tol)
        xp = fit_xp = _xp(st, asm, combo)
    else:
        base = stats(base_p, gram=True)
        _check_outcomes(base, areas, scope)
        model, base_asm = _fit(design, base, out_areas, combo, scope, tol)
        fit_xp = _xp(base, base_asm, combo)
        del base
        st = stats(p, gram=True)
        _check_outcomes(st, areas, scope)
        asm = _Assembled(design, st, combo)
        xp = _xp(st, asm, combo)
    x_sums = asm.x_sums.copy()
    x_sums.setflags(write=False)
    kk = st.kommunekoder.copy()
    kk.setflags(write=False)
    return BenchmarkFit(
        model=model,
        period=p.label,
        kommunekoder=kk,
        x_sums=x_sums,
        _municipal=_municipal(st, asm, model),
        crossproducts=xp,
        fit_crossproducts=fit_xp,
    )


def _xp(st: PeriodStats, asm: _Assembled, combo: np.ndarray) -> MunicipalCrossproducts:
    assert asm.shift is not None
    return municipal_crossproducts(st, combo, asm.shift[len(st.design_columns) :])
