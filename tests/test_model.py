"""The model stage against an independent statsmodels fit on a small synthetic warehouse.

The warehouse is built here from ``schemas.KINDS`` (not by the package's loader); the
statsmodels design is built independently with pandas (``pd.cut`` + ``get_dummies``).
"""

from __future__ import annotations

import datetime as dt

import duckdb
import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm

from kommunebench.data import reference, schemas
from kommunebench.data.periods import Period
from kommunebench.errors import ConfigError, ReferenceDataError, WarehouseError
from kommunebench.model import (
    DEFAULT_DESIGN,
    InsufficientDataError,
    fit_benchmark,
    ols,
    ols_from_crossproducts,
    period_statistics,
)

SCOPE = "2019"
CODE_AREAS = reference.code_areas(SCOPE)
COMMUTING = {m.kommunekode: m.commuting_area for m in reference.municipalities()}
AREAS = ("a_dagpenge", "sygedagpenge", "kontanthjaelp")
OUT_OF_SCOPE_CODE = 651  # SU: in no scope
MONDAY_2022_W01 = dt.date(2022, 1, 3)
LM_GAP = (5, "2024Q2")  # commuting area 5 has no labour-market row for 2024Q2
FACTOR_COLS = {
    "age_band": "age",
    "sex": "sex",
    "origin": "origin",
    "education": "education",
    "family_type": "family_type",
    "health_band": "health_contacts",
    "prior_benefit_band": "prior_benefit_weeks",
}


# --------------------------------------------------------------------------- warehouse


def _create_tables(con) -> None:
    for kind in ("persons", "benefit_weeks", "labour_market"):
        k = schemas.KINDS[kind]
        cols = ", ".join(f"{c.name} {c.sql_type}" for c in k.columns)
        con.execute(f"CREATE TABLE {k.table} ({cols}, PRIMARY KEY ({', '.join(k.key)}))")


def _persons(n: int, rng: np.random.Generator, *, drop_origin: str | None = None) -> pd.DataFrame:
    codes = np.array(sorted(COMMUTING))
    pop = np.array([reference.municipality(c).pop_16_66 for c in codes], float)
    p = pd.DataFrame(
        {
            "person_id": np.arange(n, dtype=np.int64) + 1000,
            "kommunekode": rng.choice(codes, n, p=pop / pop.sum()),
            "age": rng.integers(14, 69, n),
            "sex": rng.choice(schemas.SEXES, n),
            "origin": rng.choice(schemas.ORIGINS, n, p=[0.8, 0.07, 0.13]),
            "education": rng.choice(schemas.EDUCATIONS, n),
            "family_type": rng.choice(schemas.FAMILY_TYPES, n),
            "health_contacts": np.minimum(rng.geometric(0.45, n) - 1, 20),
            "prior_benefit_weeks": np.where(rng.random(n) < 0.6, 0, rng.integers(1, 158, n)),
        }
    )
    if drop_origin:
        p.loc[p.origin == drop_origin, "origin"] = "danish"
    years = []
    for i, year in enumerate((2022, 2023, 2024)):
        y = p.copy()
        y["year"] = year
        y["age"] = y["age"] + i
        moved = rng.random(n) < 0.03
        y.loc[moved, "kommunekode"] = rng.choice(codes, int(moved.sum()))
        years.append(y)
    return pd.concat(years, ignore_index=True)


def _labour_market(rng: np.random.Generator) -> pd.DataFrame:
    rows = []
    for area in sorted(set(COMMUTING.values())):
        base_u, base_d = rng.uniform(2.5, 6.5), rng.uniform(0, 150)
        shares0 = rng.dirichlet(np.full(6, 8.0)) * 100
        for year in (2021, 2022, 2023, 2024):
            for q in (1, 2, 3, 4):
                if (area, f"{year}Q{q}") == LM_GAP:
                    continue
                shares = shares0 * rng.uniform(0.97, 1.03, 6)
                shares = shares / shares.sum() * 100
                rows.append(
                    {
                        "commuting_area": area,
                        "quarter": f"{year}Q{q}",
                        "unemployment_pct": base_u + rng.normal(0, 0.2),
                        "employment_rate_pct": 80 - 1.5 * base_u + rng.normal(0, 0.5),
                        "job_postings_per_1000": 20 + rng.normal(0, 2),
                        **dict(
                            zip(
                                [
                                    "share_manufacturing_pct",
                                    "share_construction_pct",
                                    "share_trade_transport_pct",
                                    "share_knowledge_services_pct",
                                    "share_public_pct",
                                    "share_agriculture_pct",
                                ],
                                shares,
                                strict=True,
                            )
                        ),
                        "distance_large_city_km": base_d,
                    }
                )
    return pd.DataFrame(rows)


def _dgp_effects(rng: np.random.Generator) -> dict[str, np.ndarray]:
    """Per area: an additive effect per level of each factor (non-negative) and per LM variable."""
    eff = {}
    for f in DEFAULT_DESIGN.factors:
        e = rng.uniform(0, 0.04, (len(f.levels), len(AREAS)))
        e[0] = 0
        eff[f.name] = e
    eff["unemployment_pct"] = np.array([0.01, 0.002, 0.006])
    return eff


def _benefit_weeks(persons: pd.DataFrame, lm: pd.DataFrame, rng) -> pd.DataFrame:
    """Weeks of 2022 and 2023 from a linear DGP + noise on the year's characteristics."""
    eff = _dgp_effects(rng)
    codes_of = {a: [c for c, ar in CODE_AREAS.items() if ar == a] for a in AREAS}
    u = lm.assign(year=lm.quarter.str[:4].astype(int)).groupby(["commuting_area", "year"])["unemployment_pct"].mean()
    out = []
    for year in (2022, 2023):
        p = persons[persons.year == year].reset_index(drop=True)
        y = np.full((len(p), len(AREAS)), 0.02)
        for f in DEFAULT_DESIGN.factors:
            lvl = _levels(p, f.name).cat.codes.to_numpy()
            y += eff[f.name][lvl]
        ca = p.kommunekode.map(COMMUTING)
        y += (u.loc[list(zip(ca, [year] * len(p), strict=True))].to_numpy()[:, None] - 4) * eff["unemployment_pct"]
        y += rng.normal(0, 0.03, y.shape)
        w = np.rint(np.clip(y, 0, 0.31) * 52).astype(int)
        first = MONDAY_2022_W01 + dt.timedelta(weeks=52 * (year - 2022))
        start = rng.integers(0, 52 - w.sum(1) + 1)
        for a, area in enumerate(AREAS):
            n_w = w[:, a]
            pid = np.repeat(p.person_id.to_numpy(), n_w)
            s = np.repeat(start + w[:, :a].sum(1), n_w)
            k = np.arange(n_w.sum()) - np.repeat(np.cumsum(n_w) - n_w, n_w)
            code = np.repeat(rng.choice(codes_of[area], len(p)), n_w)
            out.append(pd.DataFrame({"person_id": pid, "week_ix": s + k, "code": code, "first": first}))
        # one week of an out-of-scope code right after the spells, where it fits
        after = start + w.sum(1)
        ok = after < 52
        out.append(
            pd.DataFrame(
                {
                    "person_id": p.person_id[ok].to_numpy(),
                    "week_ix": after[ok],
                    "code": OUT_OF_SCOPE_CODE,
                    "first": first,
                }
            )
        )
    bw = pd.concat(out, ignore_index=True)
    bw["week"] = pd.to_datetime(bw["first"]) + pd.to_timedelta(bw.week_ix * 7, unit="D")
    return bw[["person_id", "week", "code"]]


def build_warehouse(path, n: int, seed: int, *, drop_origin: str | None = None, con=None):
    rng = np.random.default_rng(seed)
    persons = _persons(n, rng, drop_origin=drop_origin)
    lm = _labour_market(rng)
    bw = _benefit_weeks(persons, lm, rng)
    if con is None:
        con = duckdb.connect(str(path))
        _create_tables(con)
    for table, df in (("persons", persons), ("benefit_weeks", bw), ("labour_market", lm)):
        cols = ", ".join(schemas.KINDS[table].column_names)
        con.register("df_in", df)
        con.execute(f"INSERT INTO {table} SELECT {cols} FROM df_in")
        con.unregister("df_in")
    return con, persons, bw, lm


# --------------------------------------------------------------------------- independent design


def _levels(p: pd.DataFrame, factor: str) -> pd.Series:
    f = next(x for x in DEFAULT_DESIGN.factors if x.name == factor)
    col = p[FACTOR_COLS[factor]]
    if f.bands is None:
        return pd.Series(pd.Categorical(col, categories=list(f.levels)), index=p.index)
    edges = [-np.inf] + [hi + 0.5 for _, _, hi in f.bands[:-1]] + [np.inf]  # top band open
    return pd.cut(col, edges, labels=list(f.levels))


def statsmodels_design(con, period: Period, mapping=COMMUTING) -> tuple[pd.DataFrame, pd.DataFrame, pd.Series]:
    """(X, Y, kommunekode) built with pandas, not with the package's design code."""
    persons = con.execute(
        "SELECT * FROM persons WHERE year = ? AND age BETWEEN 16 AND 66", [period.population_year]
    ).df()
    bw = con.execute("SELECT * FROM benefit_weeks").df()
    lm = con.execute("SELECT * FROM labour_market").df()
    quarters = [f"{y}Q{q}" for y, q in period.quarters]
    lm_mean = lm[lm.quarter.isin(quarters)].groupby("commuting_area").mean(numeric_only=True)
    parts = [pd.Series(1.0, index=persons.index, name="intercept")]
    for f in DEFAULT_DESIGN.factors:
        d = pd.get_dummies(_levels(persons, f.name), prefix=f.name, prefix_sep="[", drop_first=True, dtype=float)
        d.columns = [c + "]" for c in d.columns]
        parts.append(d)
    ca = persons.kommunekode.map(mapping)
    lm_vars = [v for v in schemas.LABOUR_MARKET_VARIABLES if v != "share_agriculture_pct"]
    parts.append(lm_mean.loc[ca, lm_vars].set_index(persons.index))
    x = pd.concat(parts, axis=1)
    in_period = bw[(bw.week.dt.date >= period.first_week) & (bw.week.dt.date <= period.last_week)]
    in_period = in_period.assign(area=in_period.code.map(CODE_AREAS)).dropna(subset=["area"])
    counts = in_period.groupby(["person_id", "area"]).size().unstack(fill_value=0)
    y = counts.reindex(persons.person_id, fill_value=0).reindex(columns=list(AREAS), fill_value=0)
    y = y.set_index(persons.index).astype(float) / period.n_weeks
    y["total"] = y.sum(axis=1)
    return x, y, persons.kommunekode


# --------------------------------------------------------------------------- fixtures


@pytest.fixture(scope="module")
def warehouse(tmp_path_factory):
    con, *_ = build_warehouse(tmp_path_factory.mktemp("wh") / "w.duckdb", 20_000, seed=7)
    yield con
    con.close()


def _fit(con, period="2023QMAT04", **kw):
    kw.setdefault("code_areas", CODE_AREAS)
    kw.setdefault("commuting_area_of", COMMUTING)
    return fit_benchmark(con, Period.parse(period), scope=SCOPE, **kw)


def _assert_matches_statsmodels(model, x: pd.DataFrame, y: pd.DataFrame):
    terms = list(model.terms)
    kept = [t for t in terms if t not in model.aliased]
    for a, area in enumerate(model.areas):
        res = sm.OLS(y[area].to_numpy(), x[kept].to_numpy()).fit()
        ix = [terms.index(t) for t in kept]
        np.testing.assert_allclose(model.coef[ix, a], res.params, rtol=1e-8, atol=0)
        np.testing.assert_allclose(model.std_err[ix, a], res.bse, rtol=1e-8, atol=0)
        np.testing.assert_allclose(model.r_squared[a], res.rsquared, rtol=1e-8)
        assert model.n == int(res.nobs)
        assert model.df_resid == int(res.df_resid)


# --------------------------------------------------------------------------- tests


@pytest.mark.parametrize("label", ["2023QMAT04", "2023QMAT02"])
def test_matches_statsmodels_for_every_area(warehouse, label):
    period = Period.parse(label)
    fit = _fit(warehouse, label)
    x, y, _ = statsmodels_design(warehouse, period)
    assert list(x.columns) == list(DEFAULT_DESIGN.columns)
    assert fit.model.areas == (*AREAS, "total")
    assert fit.model.aliased == ()
    _assert_matches_statsmodels(fit.model, x, y)


def test_expected_sums_to_actual_and_to_fitted_values(warehouse):
    period = Period.parse("2023QMAT04")
    fit = _fit(warehouse)
    x, y, kommune = statsmodels_design(warehouse, period)
    mun = fit.municipal
    assert list(mun.columns) == ["kommunekode", "area", "population", "actual", "expected"]
    assert len(mun) == 98 * 4
    for area, g in mun.groupby("area"):
        np.testing.assert_allclose(g.expected.sum(), g.actual.sum(), rtol=1e-9)
        # actual and population against pandas; expected = sum of statsmodels fitted values
        fitted = sm.OLS(y[area].to_numpy(), x.to_numpy()).fit().fittedvalues
        ref = pd.DataFrame({"k": kommune, "y": y[area], "f": fitted}).groupby("k")
        g = g.set_index("kommunekode")
        np.testing.assert_allclose(g.actual, ref.y.sum().loc[g.index], rtol=1e-12)
        np.testing.assert_allclose(g.expected, ref.f.sum().loc[g.index], rtol=1e-8)
        assert (g.population == ref.size().loc[g.index]).all()
    assert fit.projected is False and fit.base_period == fit.period == "2023QMAT04"


def test_total_is_sum_of_areas(warehouse):
    fit = _fit(warehouse)
    m = fit.model
    np.testing.assert_allclose(m.coef[:, 3], m.coef[:, :3].sum(axis=1), rtol=1e-9, atol=1e-12)
    no_total = _fit(warehouse, total=False)
    assert no_total.model.areas == AREAS
    np.testing.assert_allclose(no_total.model.coef, m.coef[:, :3], rtol=1e-13)


def test_recovers_the_data_generating_process(warehouse):
    # effects were drawn U(0, 0.04) with seed 7 after the persons and the labour market
    fit = _fit(warehouse)
    frame = fit.model.to_frame()
    assert (frame.t.abs() > 2).mean() > 0.5  # most of the planted effects are found
    assert frame.loc[frame.term == "unemployment_pct"].set_index("area").coef["a_dagpenge"] > 0


def test_bit_identical_across_runs_threads_and_batch_sizes(warehouse):
    a = _fit(warehouse)
    warehouse.execute("SET threads = 1")
    try:
        b = _fit(warehouse)
    finally:
        warehouse.execute("RESET threads")
    for arr in ("coef", "std_err", "r_squared"):
        assert getattr(a.model, arr).tobytes() == getattr(b.model, arr).tobytes()
    assert a.municipal.equals(b.municipal)
    kw = dict(
        design=DEFAULT_DESIGN,
        area_codes=[[c for c, x in CODE_AREAS.items() if x == ar] for ar in AREAS],
        commuting_area_of=COMMUTING,
    )
    period = Period.parse("2023QMAT04")
    s1 = period_statistics(warehouse, period, batch_rows=1_000, **kw)
    s2 = period_statistics(warehouse, period, batch_rows=32_768, **kw)
    assert s1.gram.tobytes() == s2.gram.tobytes() and s1.sums.tobytes() == s2.sums.tobytes()


def test_progress_is_reported_per_batch(warehouse):
    calls = []
    _fit(warehouse, base_period="2022QMAT04", progress=lambda *a: calls.append(a))
    labels = [c[0] for c in calls]
    assert labels[0] == "model data 2022QMAT04" and labels[-1] == "model data 2023QMAT04"
    for label in set(labels):
        mine = [c for c in calls if c[0] == label]
        assert mine[0][1] == 0 and mine[-1][1] == mine[-1][2] > 10_000


def test_results_are_read_only(warehouse):
    fit = _fit(warehouse)
    with pytest.raises(ValueError):
        fit.model.coef[0, 0] = 1.0
    with pytest.raises(AttributeError):
        fit.model.period = "x"
    mun = fit.municipal  # a copy
    mun.loc[0, "expected"] = -1
    assert fit.municipal.loc[0, "expected"] != -1


def test_summary_and_tidy_frame(warehouse):
    fit = _fit(warehouse)
    text = fit.model.summary()
    for area in (*AREAS, "total"):
        assert f"OLS estimation summary: {area}" in text
    assert "prior_benefit_band[105+]" in text and "share_agriculture_pct" in text
    assert "2023QMAT04" in fit.model.summary("a_dagpenge")
    tidy = fit.model.to_frame()
    assert list(tidy.columns) == ["area", "term", "coef", "std_err", "t", "p_value"]
    assert len(tidy) == 4 * 39
    np.testing.assert_allclose(tidy.t, tidy.coef / tidy.std_err)
    assert tidy.p_value.between(0, 1).all()
    se = fit.expected_std_err()
    assert len(se) == 98 * 4 and (se.expected_std_err > 0).all()


def test_aliased_columns_are_dropped_like_lm(tmp_path):
    con, *_ = build_warehouse(tmp_path / "a.duckdb", 4_000, seed=3, drop_origin="western")
    three = {k: 1 + (v % 3) for k, v in COMMUTING.items()}  # only 3 commuting areas
    fit = _fit(con, commuting_area_of=three)
    lm_vars = list(DEFAULT_DESIGN.labour_market)
    assert fit.model.aliased == ("origin[western]", *lm_vars[2:])
    assert fit.model.k == 39 - 1 - 7
    assert np.isnan(fit.model.coef[fit.model.terms.index("origin[western]")]).all()
    x, y, _ = statsmodels_design(con, Period.parse("2023QMAT04"), mapping=three)
    _assert_matches_statsmodels(fit.model, x, y)
    mun = fit.municipal
    for _, g in mun.groupby("area"):
        np.testing.assert_allclose(g.expected.sum(), g.actual.sum(), rtol=1e-9)
    assert "Aliased columns" in fit.model.summary("total")
    assert fit.model.to_frame().query("term == 'origin[western]'").coef.isna().all()
    con.close()


def test_fremskrivning_applies_base_coefficients(warehouse):
    base, later = Period.parse("2022QMAT04"), Period.parse("2023QMAT04")
    fit = _fit(warehouse, "2023QMAT04", base_period=base)
    same = _fit(warehouse, "2022QMAT04")
    assert fit.projected and fit.base_period == "2022QMAT04" and fit.period == "2023QMAT04"
    assert fit.model.coef.tobytes() == same.model.coef.tobytes()
    x22, y22, _ = statsmodels_design(warehouse, base)
    x23, y23, kommune = statsmodels_design(warehouse, later)
    mun = fit.municipal.set_index(["area", "kommunekode"])
    for area in (*AREAS, "total"):
        b = sm.OLS(y22[area].to_numpy(), x22.to_numpy()).fit().params
        pred = pd.Series(x23.to_numpy() @ b).groupby(kommune.to_numpy()).sum()
        np.testing.assert_allclose(mun.loc[area].expected.loc[pred.index], pred, rtol=1e-8)
        act = y23[area].groupby(kommune).sum()
        np.testing.assert_allclose(mun.loc[area].actual.loc[act.index], act, rtol=1e-12)
        assert abs(mun.loc[area].expected.sum() / mun.loc[area].actual.sum() - 1) > 1e-6


def test_options_are_checked_at_the_boundary(warehouse):
    with pytest.raises(ReferenceDataError, match="unknown scope '2017'"):
        fit_benchmark(
            warehouse, Period.parse("2023QMAT04"), scope="2017", code_areas=CODE_AREAS, commuting_area_of=COMMUTING
        )
    with pytest.raises(ConfigError, match="base period 2024QMAT04 is after the period 2023QMAT04"):
        _fit(warehouse, base_period=Period.parse("2024QMAT04"))
    with pytest.raises(ConfigError, match="foertidspension_fleksjob.*not an area of scope 2019"):
        _fit(warehouse, code_areas=reference.code_areas("extended"))
    with pytest.raises(ConfigError, match="code_areas"):
        _fit(warehouse, code_areas={})
    with pytest.raises(ReferenceDataError, match="no commuting area: 101"):
        _fit(warehouse, commuting_area_of={k: v for k, v in COMMUTING.items() if k != 101})
    with pytest.raises(ReferenceDataError, match="ÅÅÅÅQMATkk"):
        _fit(warehouse, "2023Q4")
    with pytest.raises(TypeError):
        fit_benchmark("w.duckdb", "2023QMAT04", code_areas=CODE_AREAS, commuting_area_of=COMMUTING)


def test_refuses_periods_without_the_data(warehouse, tmp_path):
    with pytest.raises(InsufficientDataError, match="no persons aged 16-66 in population year 2030"):
        _fit(warehouse, "2030QMAT04")
    with pytest.raises(InsufficientDataError, match=r"labour-market data missing .*: 5/2024Q2$"):
        _fit(warehouse, "2024QMAT04")
    no_gap = {k: (4 if v == 5 else v) for k, v in COMMUTING.items()}
    with pytest.raises(InsufficientDataError, match="no benefit weeks in any area .*2024QMAT04"):
        _fit(warehouse, "2024QMAT04", commuting_area_of=no_gap)
    with pytest.raises(InsufficientDataError, match="no benefit weeks in area.s. foertidspension_fleksjob"):
        fit_benchmark(
            warehouse,
            Period.parse("2023QMAT04"),
            scope="extended",
            code_areas=reference.code_areas("extended"),
            commuting_area_of=COMMUTING,
        )
    with pytest.raises(InsufficientDataError, match="no benefit weeks"):  # the later period is empty
        _fit(warehouse, "2024QMAT04", base_period="2024QMAT01", commuting_area_of=no_gap)
    empty = duckdb.connect(str(tmp_path / "empty.duckdb"))
    with pytest.raises(WarehouseError, match="no table 'persons'"):
        _fit(empty)
    empty.close()


def test_runs_on_the_package_warehouse(tmp_path):
    warehouse = pytest.importorskip("kommunebench.data.warehouse")
    con = warehouse.connect(tmp_path / "kb.duckdb")
    build_warehouse(None, 3_000, seed=5, con=con)
    fit = fit_benchmark(
        con,
        "2023QMAT04",
        scope=SCOPE,
        code_areas=reference.code_areas(SCOPE, warehouse.effective_benefit_codes(con)),
        commuting_area_of=warehouse.municipality_commuting_area(con),
    )
    assert fit.model.n == len(statsmodels_design(con, Period.parse("2023QMAT04"))[0])
    for _, g in fit.municipal.groupby("area"):
        np.testing.assert_allclose(g.expected.sum(), g.actual.sum(), rtol=1e-9)
    con.close()


def test_ols_on_arrays_with_shift_and_without_intercept():
    rng = np.random.default_rng(1)
    n = 2_000
    x = np.column_stack([np.ones(n), rng.integers(0, 2, n), rng.normal(60, 2, n), rng.normal(size=n)])
    y = (x @ [0.5, 1.0, 0.02, -0.3])[:, None] + rng.normal(0, 0.5, (n, 2))
    terms, outs = ["c", "d", "lm", "z"], ["a", "b"]
    res = ols(x, y, terms, outs)
    for a in range(2):
        ref = sm.OLS(y[:, a], x).fit()
        np.testing.assert_allclose(res.coef[:, a], ref.params, rtol=1e-9)
        np.testing.assert_allclose(res.std_err[:, a], ref.bse, rtol=1e-9)
        np.testing.assert_allclose(res.p_values[:, a], ref.pvalues, rtol=1e-6)
    shift = np.array([0, 0, 60.0, 0])
    xs = x - shift
    shifted = ols_from_crossproducts(xs.T @ xs, xs.T @ y, y.T @ y, n, terms=terms, outcomes=outs, shift=shift)
    np.testing.assert_allclose(shifted.coef, res.coef, rtol=1e-10)
    np.testing.assert_allclose(shifted.cov_unscaled, res.cov_unscaled, rtol=1e-9)
    no_const = ols(x[:, 1:], y, terms[1:], outs, intercept=None)
    ref = sm.OLS(y[:, 0], x[:, 1:]).fit()
    np.testing.assert_allclose(no_const.coef[:, 0], ref.params, rtol=1e-9)
    np.testing.assert_allclose(no_const.r_squared[0], ref.rsquared, rtol=1e-9)
    with pytest.raises(ValueError, match="not an all-ones intercept"):
        ols(x[:, 1:], y, terms[1:], outs)
