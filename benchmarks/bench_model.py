"""Time the model stage (SQL pass + accumulation + solve, all areas) on a national-size warehouse.

    python benchmarks/bench_model.py                   # build 3.8 M persons in a temp dir, run
    python benchmarks/bench_model.py --db w.duckdb     # use (or build, if missing) this file
    python benchmarks/bench_model.py --sm-rows 0       # skip statsmodels

Each measurement runs in a fresh Python process, so its peak RSS (``ru_maxrss``) is its own:
``build`` writes the warehouse (persons of 2022 and 2023, two years of weekly benefit records with
~8 % of person-weeks on benefit, labour market per commuting area and quarter); ``model`` times
``fit_benchmark`` (3 areas + total); ``statsmodels`` times the formula interface of statsmodels
OLS for ONE area on the same design (on a subsample of ``--sm-rows`` persons, labelled).
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import numpy as np

AREA = "a_dagpenge"


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


# --------------------------------------------------------------------------- build


def build(path: str, n: int, seed: int) -> dict:
    import datetime as dt

    import duckdb
    import pyarrow as pa

    from kommunebench.data import reference, schemas

    t0 = time.perf_counter()
    rng = np.random.default_rng(seed)
    munis = reference.municipalities()
    codes = np.array([m.kommunekode for m in munis], dtype=np.int16)
    pop = np.array([m.pop_16_66 for m in munis], float)
    kommune = codes[rng.choice(len(codes), n, p=pop / pop.sum())]
    age0 = rng.integers(15, 67, n).astype(np.int16)
    sex = rng.integers(0, 2, n).astype(np.int8)
    origin = rng.choice(3, n, p=[0.82, 0.06, 0.12]).astype(np.int8)
    edu = rng.choice(6, n, p=[0.2, 0.1, 0.3, 0.08, 0.17, 0.15]).astype(np.int8)
    fam = rng.choice(5, n, p=[0.2, 0.05, 0.3, 0.35, 0.1]).astype(np.int8)
    health = np.minimum(rng.geometric(0.5, n) - 1, 40).astype(np.int16)
    prior = np.where(rng.random(n) < 0.65, 0, rng.integers(1, 157, n)).astype(np.int16)
    risk = (
        -2.2
        + 0.35 * (prior > 0)
        + 0.006 * prior
        + 0.12 * np.minimum(health, 6)
        + 0.4 * (origin == 2)
        - 0.12 * edu
        + 0.3 * (fam == 1)
        + 0.01 * np.abs(age0 - 40)
    )

    def dict_array(idx, values):
        return pa.DictionaryArray.from_arrays(pa.array(idx), pa.array(list(values)))

    con = duckdb.connect(path)
    for kind in ("persons", "benefit_weeks", "labour_market"):
        k = schemas.KINDS[kind]
        con.execute(f"CREATE TABLE {k.table} ({', '.join(f'{c.name} {c.sql_type}' for c in k.columns)})")
    pid = np.arange(n, dtype=np.int64) * 7 + 11
    for i, year in enumerate((2022, 2023)):
        moved = rng.random(n) < 0.02
        km = np.where(moved, codes[rng.integers(0, len(codes), n)], kommune)
        tbl = pa.table(
            {
                "person_id": pid,
                "year": pa.array(np.full(n, year, np.int16)),
                "kommunekode": km,
                "age": age0 + i,
                "sex": dict_array(sex, schemas.SEXES),
                "origin": dict_array(origin, schemas.ORIGINS),
                "education": dict_array(edu, schemas.EDUCATIONS),
                "family_type": dict_array(fam, schemas.FAMILY_TYPES),
                "health_contacts": health,
                "prior_benefit_weeks": prior,
            }
        )
        con.register("t_in", tbl)
        con.execute("INSERT INTO persons SELECT * FROM t_in")
        con.unregister("t_in")
    del tbl

    code_list = np.array([r["code"] for r in reference.benefit_codes()], dtype=np.int16)
    w = np.array(
        [35 if r["area_2019"] == "a_dagpenge" else 30 if r["area_2019"] else 8 for r in reference.benefit_codes()],
        float,
    )
    n_rows = 0
    epoch = dt.date(1970, 1, 1)
    for year in (2022, 2023):
        first = (dt.date.fromisocalendar(year, 1, 1) - epoch).days
        p = 1 / (1 + np.exp(-(risk + rng.normal(0, 0.8, n))))
        start = rng.integers(0, 52, n)
        length = np.minimum(52 - start, rng.geometric(1 / 30, n))
        scale = 0.08 * 52 * n / float(p @ length)  # ~8 % of person-weeks on benefit
        on = np.flatnonzero(rng.random(n) < p * scale)
        start, length = start[on], length[on]
        person = np.repeat(pid[on], length)
        offs = np.arange(length.sum()) - np.repeat(np.cumsum(length) - length, length)
        week = (first + 7 * (np.repeat(start, length) + offs)).astype(np.int32)
        code = np.repeat(code_list[rng.choice(len(code_list), on.size, p=w / w.sum())], length)
        tbl = pa.table({"person_id": person, "week": pa.array(week, pa.date32()), "code": code})
        con.register("t_in", tbl)
        con.execute("INSERT INTO benefit_weeks SELECT * FROM t_in")
        con.unregister("t_in")
        n_rows += len(person)
        del tbl, person, offs, week, code

    lm_cols = {c: [] for c in schemas.KINDS["labour_market"].column_names}
    for area in sorted({m.commuting_area for m in munis}):
        u, d = rng.uniform(2.5, 6.5), rng.uniform(0, 150)
        sh = rng.dirichlet(np.full(6, 8.0)) * 100
        for year in (2022, 2023):
            for q in (1, 2, 3, 4):
                s = sh * rng.uniform(0.97, 1.03, 6)
                s = s / s.sum() * 100
                vals = [u + rng.normal(0, 0.2), 80 - 1.5 * u + rng.normal(0, 0.5), 20 + rng.normal(0, 2), *s, d]
                lm_cols["commuting_area"].append(area)
                lm_cols["quarter"].append(f"{year}Q{q}")
                for name, v in zip(schemas.LABOUR_MARKET_VARIABLES, vals, strict=True):
                    lm_cols[name].append(float(v))
    tbl = pa.table(lm_cols)
    con.register("t_in", tbl)
    con.execute("INSERT INTO labour_market SELECT * FROM t_in")
    con.unregister("t_in")
    con.execute("CHECKPOINT")
    con.close()
    return {
        "persons": n,
        "person_rows": 2 * n,
        "benefit_week_rows": n_rows,
        "share_person_weeks_on_benefit": n_rows / (n * 104),
        "build_seconds": time.perf_counter() - t0,
        "db_mb": os.path.getsize(path) / 2**20,
    }


# --------------------------------------------------------------------------- model stage


def _inputs():
    from kommunebench.data import reference

    return (reference.code_areas("2019"), {m.kommunekode: m.commuting_area for m in reference.municipalities()})


def model(path: str, period: str, repeat: int) -> dict:
    t_start = time.perf_counter()
    import duckdb

    from kommunebench.data.periods import Period
    from kommunebench.model import fit_benchmark

    code_areas, ca = _inputs()
    con = duckdb.connect(path, read_only=True)
    t_import = time.perf_counter() - t_start
    times, fit = [], None
    for _ in range(repeat):
        t0 = time.perf_counter()
        fit = fit_benchmark(con, Period.parse(period), scope="2019", code_areas=code_areas, commuting_area_of=ca)
        times.append(time.perf_counter() - t0)
    mun = fit.municipal
    sums = mun.groupby("area")[["actual", "expected"]].sum()
    return {
        "stage_seconds": times,
        "import_connect_seconds": t_import,
        "process_seconds": time.perf_counter() - t_start,
        "peak_rss_mb": _peak_mb(),
        "n": fit.model.n,
        "k": fit.model.k,
        "areas": list(fit.model.areas),
        "r_squared": [round(float(r), 4) for r in fit.model.r_squared],
        "max_rel_sum_expected_vs_actual": float((sums.expected / sums.actual - 1).abs().max()),
        "coef": fit.model.coefficients(AREA).to_dict(),
    }


# --------------------------------------------------------------------------- statsmodels


def _design_sql(period, rows: int | None) -> str:
    from kommunebench.data import reference
    from kommunebench.model import DEFAULT_DESIGN

    codes = [c for c, a in reference.code_areas("2019").items() if a == AREA]
    quarters = ", ".join(f"'{y}Q{q}'" for y, q in period.quarters)
    lm = ", ".join(f"avg({v}) AS {v}" for v in DEFAULT_DESIGN.labour_market)
    ca = ", ".join(f"({m.kommunekode}, {m.commuting_area})" for m in reference.municipalities())
    factors = ", ".join(
        f"CASE {f.sql_code('p')} "
        + " ".join(f"WHEN {i} THEN '{lv}'" for i, lv in enumerate(f.levels))
        + f" END AS {f.name}"
        for f in DEFAULT_DESIGN.factors
    )
    sample = f"AND hash(p.person_id) % 1000000 < {rows}::BIGINT * 1000000 // n.total" if rows else ""
    return f"""
        WITH lm AS (SELECT commuting_area, {lm} FROM labour_market
                    WHERE quarter IN ({quarters}) GROUP BY commuting_area),
             ca(kommunekode, commuting_area) AS (VALUES {ca}),
             w AS (SELECT person_id, count(*) AS weeks FROM benefit_weeks
                   WHERE week BETWEEN DATE '{period.first_week}' AND DATE '{period.last_week}'
                   AND code IN ({", ".join(map(str, codes))}) GROUP BY person_id),
             n AS (SELECT count(*) AS total FROM persons WHERE year = {period.population_year}
                   AND age BETWEEN 16 AND 66)
        SELECT {factors}, lm.* EXCLUDE (commuting_area),
               coalesce(w.weeks, 0) / {period.n_weeks} AS y
        FROM persons p CROSS JOIN n JOIN ca USING (kommunekode) JOIN lm USING (commuting_area)
        LEFT JOIN w ON w.person_id = p.person_id
        WHERE p.year = {period.population_year} AND p.age BETWEEN 16 AND 66 {sample}"""


def with_statsmodels(path: str, period_label: str, rows: int | None) -> dict:
    t_start = time.perf_counter()
    import duckdb
    import statsmodels.formula.api as smf

    from kommunebench.data.periods import Period
    from kommunebench.model import DEFAULT_DESIGN

    period = Period.parse(period_label)
    con = duckdb.connect(path, read_only=True)
    t0 = time.perf_counter()
    df = con.sql(_design_sql(period, rows)).df()
    t_fetch = time.perf_counter() - t0
    rhs = " + ".join(
        [f"C({f.name}, Treatment('{f.reference}'), levels={list(f.levels)!r})" for f in DEFAULT_DESIGN.factors]
        + list(DEFAULT_DESIGN.labour_market)
    )
    t0 = time.perf_counter()
    res = smf.ols(f"y ~ {rhs}", data=df).fit()
    t_fit = time.perf_counter() - t0
    return {
        "rows": len(df),
        "fetch_seconds": t_fetch,
        "formula_fit_seconds": t_fit,
        "process_seconds": time.perf_counter() - t_start,
        "peak_rss_mb": _peak_mb(),
        "params": [float(v) for v in res.params.to_numpy()],
    }


# --------------------------------------------------------------------------- driver


def _child(stage: str, *args: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--stage", stage, *args], check=True, capture_output=True, text=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawTextHelpFormatter)
    ap.add_argument("--db", help="warehouse file (built there if it does not exist)")
    ap.add_argument("--persons", type=int, default=3_800_000)
    ap.add_argument("--seed", type=int, default=20181102)
    ap.add_argument("--period", default="2023QMAT04")
    ap.add_argument("--repeat", type=int, default=3, help="model-stage runs in one process")
    ap.add_argument(
        "--sm-rows", type=int, default=1_000_000, help="statsmodels subsample size (0 = skip, -1 = all persons)"
    )
    ap.add_argument("--stage", choices=["build", "model", "statsmodels"], help=argparse.SUPPRESS)
    a = ap.parse_args()

    if a.stage == "build":
        print(json.dumps(build(a.db, a.persons, a.seed)))
        return
    if a.stage == "model":
        print(json.dumps(model(a.db, a.period, a.repeat)))
        return
    if a.stage == "statsmodels":
        print(json.dumps(with_statsmodels(a.db, a.period, None if a.sm_rows < 0 else a.sm_rows)))
        return

    tmp = None
    db = a.db
    if db is None:
        tmp = tempfile.TemporaryDirectory(prefix="bench_model_")
        db = str(Path(tmp.name) / "warehouse.duckdb")
    if not Path(db).exists():
        print(f"building {a.persons:,} persons into {db} …", flush=True)
        b = _child("build", "--db", db, "--persons", str(a.persons), "--seed", str(a.seed))
        print(
            f"  {b['person_rows']:,} person rows, {b['benefit_week_rows']:,} benefit-week rows "
            f"({b['share_person_weeks_on_benefit']:.1%} of person-weeks), "
            f"{b['db_mb']:.0f} MB, {b['build_seconds']:.1f} s"
        )
    m = _child("model", "--db", db, "--period", a.period, "--repeat", str(a.repeat))
    best = min(m["stage_seconds"])
    print(
        f"\nmodel stage, {a.period}, {m['n']:,} persons, {len(m['areas'])} outcomes "
        f"({', '.join(m['areas'])}), k = {m['k']}"
    )
    print(
        f"  fit_benchmark wall seconds: {', '.join(f'{t:.2f}' for t in m['stage_seconds'])} "
        f"(best {best:.2f}); import+connect {m['import_connect_seconds']:.2f} s; "
        f"whole process {m['process_seconds']:.2f} s"
    )
    print(
        f"  peak RSS {m['peak_rss_mb']:.0f} MB;  R² {m['r_squared']};  "
        f"max |Σexpected/Σactual − 1| = {m['max_rel_sum_expected_vs_actual']:.1e}"
    )
    print(
        f"  targets: ≤ 5 s → {'OK' if best <= 5 else 'MISSED'}; ≤ 1.5 GB peak → "
        f"{'OK' if m['peak_rss_mb'] <= 1536 else 'MISSED'}"
    )
    if a.sm_rows:
        s = _child("statsmodels", "--db", db, "--period", a.period, "--sm-rows", str(a.sm_rows))
        label = "ALL rows" if s["rows"] == m["n"] else f"SUBSAMPLE of {s['rows']:,} rows"
        print(f"\nstatsmodels OLS formula interface, ONE area ({AREA}), {label}:")
        print(
            f"  formula fit {s['formula_fit_seconds']:.2f} s (+ fetching the frame "
            f"{s['fetch_seconds']:.2f} s); whole process {s['process_seconds']:.2f} s; "
            f"peak RSS {s['peak_rss_mb']:.0f} MB"
        )
        ratio = s["formula_fit_seconds"] / best
        print(
            f"  ratio statsmodels fit ({s['rows']:,} rows, 1 area) / model stage "
            f"({m['n']:,} rows, {len(m['areas'])} outcomes): {ratio:.1f}×"
        )
        if s["rows"] != m["n"]:
            est = s["formula_fit_seconds"] * m["n"] / s["rows"]
            print(
                f"  linear extrapolation of statsmodels to {m['n']:,} rows: ~{est:.0f} s "
                f"(~{est / best:.0f}× the model stage)"
            )
        else:
            ours = np.array(list(m["coef"].values()))
            print(f"  max |coef difference| vs ours: {np.max(np.abs(ours - s['params'])):.1e}")
    if tmp is not None:
        tmp.cleanup()


if __name__ == "__main__":
    main()
