"""DEA data from a benchmark list: the løfteevne per area as outputs, with or without expenditure.

**Løfteevne** of a municipality in an area = expected share ÷ actual share of its 16–66-year-olds on
benefits (= expected ÷ actual fuldtidspersoner: the population is the same). Above 1: fewer on
benefits than its citizens and labour market predict. It can come from any run — the model
stage's ``municipal`` frame (kommunekode, area, population, actual, expected), a
``BenchmarkLists.by_area`` mapping, or published figures with only ``expected_share`` and
``actual_share`` — so the real Y30R21 numbers can feed it.

Variants (Rigsrevisionen 2018, analysis by VIVE):

* ``"uden_udgifter"`` — results only ("production"): one constant input (1 for every unit) and the
  løfteevne per area as outputs. Only the output orientation is informative here (under VRS the
  input orientation scores every unit 1; under CRS it is the reciprocal of the output score).
* ``"med_udgifter"`` — the same outputs with the administrative cost per fuldtidsperson as the
  input: the municipality's (or jobcentre's) cost of the employment effort in kr. (excluding
  transfer payments, løntilskud and overhead, net of refusion) ÷ its fuldtidspersoner on the
  areas' benefits. A saving per fuldtidsperson × fuldtidspersoner gives kr.

An environment variable (e.g. a rammevilkår index) is passed on as a non-discretionary input.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import numpy as np
import pandas as pd

from kommunebench.benchmark import MINISTRY_AREAS
from kommunebench.data import reference
from kommunebench.efficiency.deadata import DEAData, dea_data
from kommunebench.efficiency.jobcentres import grouping_matrix, jobcentre_mapping
from kommunebench.efficiency.validate import check_choice
from kommunebench.errors import ConfigError

__all__ = ["VARIANTS", "COST_COLUMNS", "loefteevne_frame", "loefteevne_data"]

VARIANTS = ("uden_udgifter", "med_udgifter")
COST_COLUMNS = ("kommunekode", "cost_kr")  # optional: fuldtidspersoner


def _long(results: object) -> pd.DataFrame:
    if isinstance(results, Mapping):
        frames = []
        for area, frame in results.items():
            if not isinstance(frame, pd.DataFrame):
                raise ConfigError(f"the list for area {area!r} is not a DataFrame")
            frames.append(frame.assign(area=area))
        if not frames:
            raise ConfigError("the benchmark lists are empty")
        return pd.concat(frames, ignore_index=True)
    if isinstance(results, pd.DataFrame):
        return results.copy()
    raise ConfigError(f"expected a municipal frame or a mapping area → list frame, got {type(results).__name__}")


def loefteevne_frame(results: object, *, areas: Sequence[str] | None = None) -> pd.DataFrame:
    """Long frame kommunekode × area with expected, actual (counts where known) and loefteevne."""
    df = _long(results)
    for col in ("kommunekode", "area"):
        if col not in df.columns:
            raise ConfigError(f"the benchmark frame has no column {col!r}")
    counts = {"actual", "expected"} <= set(df.columns)
    shares = {"actual_share", "expected_share"} <= set(df.columns)
    if not (counts or shares):
        raise ConfigError("the benchmark frame needs actual and expected, or actual_share and expected_share")
    present = list(dict.fromkeys(df["area"].astype(str)))
    chosen = [a for a in MINISTRY_AREAS if a in present] if areas is None else [str(a) for a in areas]
    missing = [a for a in chosen if a not in present]
    if not chosen or missing:
        raise ConfigError(f"area(s) {', '.join(missing) or '(none)'} not in the benchmark frame (has {present})")
    df = df[df["area"].astype(str).isin(chosen)].copy()
    df["area"] = df["area"].astype(str)
    if df.duplicated(["kommunekode", "area"]).any():
        raise ConfigError("the benchmark frame has a kommunekode × area twice")
    value_cols = ["actual", "expected"] if counts else ["actual_share", "expected_share"]
    for col in value_cols + (["population"] if "population" in df.columns else []):
        num = pd.to_numeric(df[col], errors="coerce")
        if not np.isfinite(num.to_numpy(dtype=float)).all():
            raise ConfigError(f"column {col!r} must be finite numbers")
        df[col] = num.astype(float)
    actual, expected = df[value_cols[0]], df[value_cols[1]]
    bad = actual <= 0
    if bad.any():
        row = df.loc[bad].iloc[0]
        raise ConfigError(
            f"løfteevne needs actual > 0: kommunekode {row['kommunekode']}, area {row['area']} has {row[value_cols[0]]}"
        )
    if (expected < 0).any():
        raise ConfigError(f"column {value_cols[1]!r} must be >= 0")
    out = df[["kommunekode", "area"]].copy()
    out["loefteevne"] = (expected / actual).to_numpy()
    if counts:
        out["actual"], out["expected"] = actual.to_numpy(), expected.to_numpy()
    elif "population" in df.columns:
        out["actual"] = (actual * df["population"] / 100.0).to_numpy()
        out["expected"] = (expected * df["population"] / 100.0).to_numpy()
    else:
        out["actual"] = out["expected"] = np.nan
    if "navn" in df.columns:
        out["navn"] = df["navn"].astype(str).to_numpy()
    wide_n = out.groupby("kommunekode")["area"].nunique()
    if (wide_n < len(chosen)).any():
        raise ConfigError(f"kommunekode {wide_n[wide_n < len(chosen)].index[0]} lacks some of the areas {chosen}")
    out["_order"] = out["area"].map({a: i for i, a in enumerate(chosen)})
    return out.sort_values(["kommunekode", "_order"]).drop(columns="_order").reset_index(drop=True)


def _per_unit(table: object, name: str, codes: np.ndarray, value: str) -> pd.DataFrame:
    """A frame indexed by kommunekode (in ``codes`` order) from a frame, Series or mapping."""
    if isinstance(table, pd.Series):
        frame = table.to_frame(name=value if table.name is None else str(table.name))
    elif isinstance(table, Mapping):
        frame = pd.Series(dict(table), name=value, dtype=float).to_frame()
    elif isinstance(table, pd.DataFrame):
        if "kommunekode" not in table.columns:
            raise ConfigError(f"the {name} table needs a column 'kommunekode'")
        frame = table.set_index("kommunekode")
    else:
        kind = type(table).__name__
        raise ConfigError(f"{name} must be a DataFrame with kommunekode, a Series or a mapping, got {kind}")
    frame.index = pd.Index([int(c) for c in frame.index])
    if frame.index.duplicated().any():
        raise ConfigError(f"the {name} table has a kommunekode twice")
    absent = [int(c) for c in codes if int(c) not in frame.index]
    if absent:
        raise ConfigError(f"the {name} table lacks kommunekode {absent[0]} ({len(absent)} missing)")
    return frame.loc[[int(c) for c in codes]]


def loefteevne_data(
    results: object,
    *,
    variant: str = "uden_udgifter",
    costs: object = None,
    environment: object = None,
    environment_higher_is: object = None,
    areas: Sequence[str] | None = None,
    jobcentres: object = None,
) -> DEAData:
    """:class:`DEAData` for one variant from a benchmark run (see the module docstring).

    ``costs`` (only ``"med_udgifter"``): a frame with kommunekode and ``cost_kr`` and optionally
    ``fuldtidspersoner`` (default: the actual fuldtidspersoner summed over the areas), a Series or
    a mapping kommunekode → cost_kr. ``environment``: a frame with kommunekode and one column per
    variable, a Series or a mapping; ``environment_higher_is``: ``"better"``/``"worse"`` per
    variable. ``jobcentres``: kommunekode → joint jobcentre (default: the ``jobcentre`` column of a
    costs frame); the DEA unit is then the jobcentre (:mod:`kommunebench.efficiency.jobcentres`).
    """
    variant = check_choice("variant", variant, VARIANTS)
    long = loefteevne_frame(results, areas=areas)
    chosen = list(dict.fromkeys(long["area"]))
    wide = long.pivot(index="kommunekode", columns="area", values=["loefteevne", "actual", "expected"])
    codes = wide.index.to_numpy()
    outputs = wide["loefteevne"][chosen].to_numpy(dtype=float)
    actual = wide["actual"][chosen].to_numpy(dtype=float)
    expected = wide["expected"][chosen].to_numpy(dtype=float)
    counts = actual if np.isfinite(actual).all() else None
    if variant == "uden_udgifter":
        if costs is not None:
            raise ConfigError("costs are only used by the variant 'med_udgifter'")
        cost = persons = None
    else:
        cost, persons = _costs(costs, codes, counts)
    env, env_names = None, None
    if environment is not None:
        env_frame = _per_unit(environment, "environment", codes, "environment")
        env = env_frame.apply(pd.to_numeric, errors="coerce").to_numpy(dtype=float)
        env_names = [str(c) for c in env_frame.columns]
    mapping = jobcentre_mapping(costs if jobcentres is None else jobcentres)
    labels: Sequence[str] = _labels(long, codes)
    ids: tuple[int, ...] = tuple(int(c) for c in codes)
    members = None
    if mapping:
        if counts is None:
            raise ConfigError("joint jobcentres need counts (actual, expected or population) to weight the løfteevne")
        g, ids, labels, members = grouping_matrix(codes, mapping, dict(zip(ids, labels, strict=True)))
        weight = counts.sum(axis=1)
        outputs, counts = (g @ expected) / (g @ counts), g @ counts
        if env is not None:
            env = (g @ (env * weight[:, None])) / (g @ weight)[:, None]
        if cost is not None and persons is not None:
            cost, persons = g @ cost, g @ persons
    if cost is None or persons is None:
        inputs, input_names, volume, unit = np.ones((len(ids), 1)), ["konstant"], None, ""
    else:
        inputs, input_names, volume, unit = (cost / persons)[:, None], ["cost_per_fuldtidsperson"], persons, "kr"
    return dea_data(
        ids,
        inputs,
        outputs,
        input_names=input_names,
        output_names=[f"loefteevne_{a}" for a in chosen],
        environment=env,
        environment_names=env_names,
        environment_higher_is=environment_higher_is,
        labels=labels,
        input_volume=None if volume is None else volume[:, None],
        input_volume_unit=unit,
        output_counts=counts,
        variant=variant,
        members=members,
    )


def _costs(costs: object, codes: np.ndarray, counts: np.ndarray | None) -> tuple[np.ndarray, np.ndarray]:
    """(cost_kr, fuldtidspersoner) per municipality in ``codes`` order, validated."""
    if costs is None:
        raise ConfigError("the variant 'med_udgifter' needs costs (kommunekode, cost_kr[, fuldtidspersoner])")
    table = _per_unit(costs, "costs", codes, "cost_kr")
    if "cost_kr" not in table.columns:
        raise ConfigError("the costs table needs a column 'cost_kr' (administrative cost in kr.)")
    cost = pd.to_numeric(table["cost_kr"], errors="coerce").to_numpy(dtype=float)
    if "fuldtidspersoner" in table.columns:
        persons = pd.to_numeric(table["fuldtidspersoner"], errors="coerce").to_numpy(dtype=float)
    elif counts is not None:
        persons = counts.sum(axis=1)
    else:
        raise ConfigError("give fuldtidspersoner in the costs table: the benchmark frame has shares only")
    if not (np.isfinite(cost).all() and (cost > 0).all() and np.isfinite(persons).all() and (persons > 0).all()):
        raise ConfigError("cost_kr and fuldtidspersoner must be finite and > 0 for every municipality")
    return cost, persons


def _labels(long: pd.DataFrame, codes: np.ndarray) -> list[str]:
    """Display names per kommunekode (the frame's ``navn`` or the reference list)."""
    if "navn" in long.columns:
        names = long.drop_duplicates("kommunekode").set_index("kommunekode")["navn"]
        return [str(names[c]) for c in codes]
    known = {m.kommunekode: m.navn for m in reference.municipalities()}
    return [known.get(int(c), str(c)) for c in codes]
