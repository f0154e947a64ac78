"""The synthetic Denmark: a seeded generator of register-style data for the 98 municipalities.

``generate(out_dir, scale=..., seed=...)`` writes a *snapshot directory*:

* ``persons.parquet`` — one row per person and reference year (two years);
* ``benefit_weeks.parquet`` — DREAM-shaped weekly benefit codes, in spells;
* ``labour_market.parquet`` — per commuting area and quarter;
* ``truth_effects.parquet`` — the planted municipal performance effects (ground truth);
* ``joblog.parquet`` — registered job searches per person and month of the job-ready
  cash-benefit recipients (see ``joblog.py``);
* ``admin_costs.parquet`` / ``truth_costs.parquet`` — administrative cost and fuldtidspersoner per
  municipality and year with a planted cost inefficiency, and that truth (see ``costs.py``);
* ``manifest.json`` — parameters, calibration constants, counts and timings.

The same seed and scale give byte-identical files. Every municipality draws from its own random
stream (seeded by the seed and its kommunekode), so the result does not depend on how the work is
chunked. See ``dgp.py`` for the data-generating process and ``calibrate.py`` for calibration.
"""

from __future__ import annotations

import datetime as dt
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from kommunebench.data import reference, schemas
from kommunebench.data.periods import format_iso_week, weeks_in_year
from kommunebench.data.synth import calibrate, chunks, costs, dgp, joblog, labour, population
from kommunebench.data.synth import effects as planted
from kommunebench.data.synth.kpidata import KpiSynth
from kommunebench.data.synth.municipality import area_weeks, simulate_municipality
from kommunebench.errors import ConfigError

__all__ = ["generate", "SynthResult", "MAX_SCALE"]

FILES = (
    "persons.parquet", "benefit_weeks.parquet", "labour_market.parquet", "truth_effects.parquet", "joblog.parquet",
    "admin_costs.parquet", "truth_costs.parquet",
)  # fmt: skip
_ID_MULT = 0x9E3779B97F4A7C15 & ((1 << 40) - 1) | 1  # odd → a bijection mod 2**40
_FLUSH_ROWS = 2_000_000
MAX_SCALE = 4.0  # ≈ 15 M persons; memory stays that of one scale-1 municipality chunk


@dataclass(frozen=True)
class SynthResult:
    out_dir: Path
    scale: float
    seed: int
    zero_effects: bool
    years: tuple[int, int]
    n_persons: int
    n_person_years: int
    n_benefit_weeks: int
    seconds: float
    national_shares: dict[str, dict[str, float]] = field(default_factory=dict)
    n_joblog_rows: int = 0


def _person_ids(start: int, n: int, seed: int) -> np.ndarray:
    idx = np.arange(start, start + n, dtype=np.uint64)
    mixed = (idx * np.uint64(_ID_MULT) + np.uint64(seed % (1 << 40))) & np.uint64((1 << 40) - 1)
    return mixed.astype(np.int64)


def _dict(values: np.ndarray, labels: tuple[str, ...]) -> pa.DictionaryArray:
    return pa.DictionaryArray.from_arrays(pa.array(values, pa.int8()), pa.array(labels))


class _Writer:
    """Buffers Arrow tables and writes them to one Parquet file in large row groups."""

    def __init__(self, path: Path, schema: pa.Schema):
        self.writer = pq.ParquetWriter(path, schema, compression="zstd", write_page_checksum=True)
        self.buffer: list[pa.Table] = []
        self.rows = 0
        self.total = 0

    def add(self, table: pa.Table) -> None:
        self.buffer.append(table)
        self.rows += table.num_rows
        self.total += table.num_rows
        if self.rows >= _FLUSH_ROWS:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.writer.write_table(pa.concat_tables(self.buffer), row_group_size=_FLUSH_ROWS)
            self.buffer, self.rows = [], 0

    def close(self) -> None:
        self.flush()
        self.writer.close()


def generate(
    out_dir: str | Path,
    *,
    scale: float = 0.02,
    seed: int = 20181102,
    zero_effects: bool = False,
    first_year: int = 2022,
    progress: Callable[[str, float], None] | None = None,
    effects: planted.EffectSpec | None = None,
    chunk_persons: int | None = None,
    cost_frontier: str = costs.DEFAULT_COST_FRONTIER,
) -> SynthResult:
    """Generate a synthetic Denmark at ``scale`` × the real 16–66 population into ``out_dir``.

    ``effects``: how the planted effects are drawn (scenario, file, size, outcome seed; see
    :mod:`kommunebench.data.synth.effects`); default the realistic independent effects.
    ``scale`` may exceed 1 (up to :data:`MAX_SCALE`): each municipality is then simulated in
    chunks of at most ``chunk_persons`` persons (default its real 16–66 population), see
    :mod:`kommunebench.data.synth.chunks`. ``cost_frontier``: ``"flad"`` (default: the
    best-practice cost per fuldtidsperson does not depend on the results) or ``"stigende"`` (it
    rises with the true løfteevne), see :mod:`kommunebench.data.synth.costs`.
    """
    spec = effects or planted.EffectSpec()
    if not 0 < scale <= MAX_SCALE:
        raise ConfigError(f"skalaen skal ligge i (0; {MAX_SCALE:g}], ikke {scale}")
    costs.check_cost_frontier(cost_frontier)
    if chunk_persons is not None and chunk_persons < 1:
        raise ConfigError(f"chunk_persons skal være mindst 1, ikke {chunk_persons}")
    if not 1990 <= first_year <= 2090:
        raise ConfigError(f"første år {first_year} ligger uden for det mulige interval")
    started = time.perf_counter()
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    years = (first_year, first_year + 1)
    report = progress or (lambda step, frac: None)
    munis = reference.municipalities()
    cal_data = reference.calibration()
    profiles = population.profiles(cal_data)

    lm_cols = labour.labour_market(
        munis, reference.commuting_areas(), cal_data, years, np.random.default_rng([seed, 0x1AB0])
    )
    lm_centred = _centred_lm(lm_cols, munis, years)
    report("kalibrerer", 0.0)
    weeks = [weeks_in_year(y) for y in years]
    cal = _calibrated(
        seed, years, lambda: calibrate.calibrate(munis, profiles, cal_data, lm_centred, seed, years=years, weeks=weeks)
    )
    effects_r, tilt = planted.plant(spec, munis, cal.composition_share, profiles, seed, zero=zero_effects)
    pops: dict[tuple[int, int], int] = {}

    mondays = [dt.date.fromisocalendar(y, w, 1) for y in years for w in range(1, weeks_in_year(y) + 1)]
    week_labels = pa.array([format_iso_week(d) for d in mondays])
    persons_w = _Writer(out / "persons.parquet", _PERSONS_SCHEMA)
    weeks_w = _Writer(out / "benefit_weeks.parquet", _WEEKS_SCHEMA)
    joblog_w = _Writer(out / "joblog.parquet", joblog.SCHEMA)
    week_month = joblog.week_months(mondays, first_year)
    month_labels = joblog.month_labels(first_year, 24)
    truth_rows: list[dict] = []
    cost_rows: list[dict] = []
    kpi_w = KpiSynth(out, seed, mondays, scale)  # caseworkers, assignments, offers, conversations
    area_weeks_total = {y: np.zeros(3) for y in years}
    pop_count = {y: 0 for y in years}
    next_id = 0
    total_pop = sum(m.pop_16_66 for m in munis)
    done = 0
    for m in munis:
        mw = chunks.MunicipalityWeeks.empty()
        truth_parts: list[list[dict]] = []
        in_pop_parts: list[dict[int, int]] = []
        aw = np.zeros((len(years), 3))
        n_muni = max(1, round(m.pop_16_66 * scale))
        for k, n_k in enumerate(chunks.chunk_sizes(n_muni, chunk_persons or max(1, m.pop_16_66))):
            draw = simulate_municipality(
                m,
                n_k,
                chunks.chunk_rng(seed, m.kommunekode, k),
                profile=profiles[m.kommunekode],
                tau=cal.tau[m.kommunekode] + tilt[m.kommunekode],
                area_scale=cal.scale,
                effect=effects_r[m.kommunekode],
                lm_centred=lm_centred,
                years=years,
                weeks=weeks,
                outcome_rng=planted.outcome_rng(spec, m.kommunekode, k),
            )
            ids = _person_ids(next_id, draw.age1.size, seed)
            next_id += draw.age1.size
            in_pop_parts.append({y: int(draw.in_pop[i].sum()) for i, y in enumerate(years)})
            truth_parts.append(draw.truth)
            _write_persons(persons_w, draw, ids, m.kommunekode, years)
            aw += area_weeks(draw, weeks)
            weeks_w.add(
                pa.table(
                    {
                        "person_id": ids[draw.person_idx],
                        "week": pa.DictionaryArray.from_arrays(pa.array(draw.week_idx, pa.int16()), week_labels),
                        "code": draw.codes,
                    },
                    schema=_WEEKS_SCHEMA,
                )
            )
            mw.add(ids, draw.person_idx, draw.week_idx, draw.codes)
            del draw
        pops.update({(m.kommunekode, y): sum(p[y] for p in in_pop_parts) for y in years})
        for year in years:
            pop_count[year] += pops[(m.kommunekode, year)]
        truth_rows.extend(chunks.merge_truth(truth_parts, in_pop_parts))
        cost_rows.extend(
            costs.cost_rows(
                seed, m.kommunekode, years, aw, weeks, effects_r[m.kommunekode], cost_frontier=cost_frontier
            )
        )
        for y_i, year in enumerate(years):
            area_weeks_total[year] += aw[y_i]
        ids, p_idx, w_idx, codes = mw.arrays()
        joblog_w.add(
            joblog.municipality_joblog(
                m.kommunekode,
                ids,
                p_idx,
                w_idx,
                codes,
                week_month,
                month_labels,
                np.random.default_rng([seed, m.kommunekode, joblog.STREAM]),
            )
        )
        kpi_w.add(m.kommunekode, ids, p_idx, w_idx, codes)
        done += m.pop_16_66
        report("danner", done / total_pop)
    persons_w.close()
    weeks_w.close()
    joblog_w.close()
    kpi_w.close()
    pq.write_table(pa.table(lm_cols), out / "labour_market.parquet", compression="zstd", write_page_checksum=True)
    truth_rows = planted.benchmark_truth(truth_rows, pops)
    pq.write_table(pa.Table.from_pylist(truth_rows), out / "truth_effects.parquet", compression="zstd")
    pq.write_table(
        pa.Table.from_pylist(cost_rows, schema=costs.SCHEMA), out / "admin_costs.parquet", compression="zstd"
    )
    cost_truth = [
        costs.truth_row(seed, m.kommunekode, effects_r[m.kommunekode], cost_frontier=cost_frontier) for m in munis
    ]
    pq.write_table(pa.Table.from_pylist(cost_truth), out / "truth_costs.parquet", compression="zstd")
    national = {
        str(y): {
            a: round(float(100 * area_weeks_total[y][i] / (weeks[j] * pop_count[y])), 4)
            for i, a in enumerate(dgp.AREAS)
        }
        for j, y in enumerate(years)
    }
    for y in national:
        national[y]["total"] = round(sum(national[y].values()), 4)
    result = SynthResult(
        out,
        scale,
        seed,
        zero_effects,
        years,
        next_id,
        persons_w.total,
        weeks_w.total,
        round(time.perf_counter() - started, 2),
        national,
        joblog_w.total,
    )
    _write_manifest(out, result, cal, spec, cost_frontier)
    report("færdig", 1.0)
    return result


def _write_persons(writer: _Writer, draw, ids: np.ndarray, kommunekode: int, years: tuple[int, int]) -> None:
    a = draw.attrs
    for y_i, year in enumerate(years):
        writer.add(
            pa.table(
                {
                    "person_id": ids,
                    "year": np.full(ids.size, year, np.int16),
                    "kommunekode": np.full(ids.size, kommunekode, np.int16),
                    "age": (draw.age1 + y_i).astype(np.int16),
                    "sex": _dict(a["sex"], schemas.SEXES),
                    "origin": _dict(a["origin"], schemas.ORIGINS),
                    "education": _dict(a["education"], schemas.EDUCATIONS),
                    "family_type": _dict(a["family"], schemas.FAMILY_TYPES),
                    "health_contacts": a["health_contacts"],
                    "prior_benefit_weeks": draw.prior,
                },
                schema=_PERSONS_SCHEMA,
            )
        )


_CALIBRATION: dict[tuple[int, tuple[int, int]], calibrate.Calibration] = {}


def _calibrated(
    seed: int, years: tuple[int, int], compute: Callable[[], calibrate.Calibration]
) -> calibrate.Calibration:
    """The calibration depends only on the seed and the years (reference data, the seed's labour
    market; not on scale or effects): the last one is kept, so a harness running several effect
    scenarios or outcome seeds for one seed calibrates once (scale-independent, ~10 s)."""
    key = (seed, years)
    if key not in _CALIBRATION:
        _CALIBRATION.clear()
        _CALIBRATION[key] = compute()
    return _CALIBRATION[key]


def _centred_lm(lm_cols, munis, years) -> dict[int, dict[int, dict[str, float]]]:
    """Per year and commuting area: LM yearly means minus the population-weighted national mean."""
    out = {}
    w: dict[int, int] = {}
    for m in munis:
        w[m.commuting_area] = w.get(m.commuting_area, 0) + m.pop_16_66
    for year in years:
        means = labour.yearly_means(lm_cols, year)
        nat = {v: sum(means[a][v] * w[a] for a in means) / sum(w.values()) for v in schemas.LABOUR_MARKET_VARIABLES}
        out[year] = {a: {v: means[a][v] - nat[v] for v in dgp.LM_SLOPES} for a in means}
    return out


def _write_manifest(out: Path, result: SynthResult, cal, spec: planted.EffectSpec, cost_frontier: str) -> None:
    from kommunebench import __version__

    manifest = {
        "generator": "kommunebench.data.synth",
        "package_version": __version__,
        "seed": result.seed,
        "scale": result.scale,
        "zero_effects": result.zero_effects,
        "effects": spec.as_dict(),
        "cost_frontier": cost_frontier,
        "years": list(result.years),
        "files": list(FILES),
        "counts": {
            "persons": result.n_persons,
            "person_years": result.n_person_years,
            "benefit_weeks": result.n_benefit_weeks,
            "joblog": result.n_joblog_rows,
        },
        "national_shares_pct": result.national_shares,
        "calibration": {
            "area_scale": dict(zip(dgp.AREAS, map(float, cal.scale), strict=True)),
            "prior_benefit_tilt": {str(k): round(v, 6) for k, v in cal.tau.items()},
        },
    }
    (out / "manifest.json").write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", "utf-8")


_PERSONS_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("year", pa.int16()),
        ("kommunekode", pa.int16()),
        ("age", pa.int16()),
        ("sex", pa.dictionary(pa.int8(), pa.string())),
        ("origin", pa.dictionary(pa.int8(), pa.string())),
        ("education", pa.dictionary(pa.int8(), pa.string())),
        ("family_type", pa.dictionary(pa.int8(), pa.string())),
        ("health_contacts", pa.int16()),
        ("prior_benefit_weeks", pa.int16()),
    ]
)
_WEEKS_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("week", pa.dictionary(pa.int16(), pa.string())),
        ("code", pa.int16()),
    ]
)
