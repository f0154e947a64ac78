"""The planted municipal performance effects of the synthetic Denmark: size, scenarios, files.

An :class:`EffectSpec` says how the effects are drawn (a named *scenario*, or a CSV file), how
large they are, and whether the outcomes are redrawn with their own seed:

* ``independent`` (default): per municipality and area a normal draw in pct. points with the
  realistic spread of the published differences (jobindsats Y30R21: SD ≈ 0.47 pp for the total,
  0.21–0.30 pp per area, noise included): SD 0.20 / 0.22 / 0.22 pp for A-dagpenge /
  Sygedagpenge / Kontanthjælp, correlation 0.4 between areas (total ≈ 0.46 pp);
* ``composition``: the same size, but correlated (ρ = 0.6) with the municipality's immigrant
  share — performance that goes with composition, which a model without municipality effects
  partly credits to the person coefficients;
* ``commuting_area``: 60 % of the variance shared by the municipalities of a commuting area —
  what the labour-market block (constant within an area) can absorb;
* ``persistent``: independent effects that have also shaped the residents' prior benefit
  history (the municipality's tilt of prior weeks moves with its total effect), so the model's
  prior-benefit covariate soaks part of them up;
* ``legacy``: the former, 2–4× too large effects (SD 0.5 pp per area, correlation 0.5);
* ``zero``: no effects (the same as ``zero_effects=True``).

The *planted effect* written to ``truth_effects.parquet`` is ``effect_pp`` — the municipality's
expected share with its effect minus without it, over its own residents — and
``benchmark_effect_pp``, the same minus its population-weighted national mean: a perfect
benchmark (knowing the true counterfactual, and like every benchmark fitted nationally so that
Σ expected = Σ actual) would report exactly that, up to outcome noise.

``outcome_seed`` redraws the outcomes (person frailty and weekly spells) for the same persons
and effects: the same population, new noise.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kommunebench.errors import ConfigError

__all__ = ["EffectSpec", "SCENARIOS", "draw_effects_pp", "plant", "outcome_rng", "benchmark_truth", "read_effects_file"]

AREAS = ("a_dagpenge", "sygedagpenge", "kontanthjaelp")
SCENARIOS = ("independent", "composition", "commuting_area", "persistent", "legacy", "zero")
REALISTIC_SD_PP = np.array([0.20, 0.22, 0.22])
REALISTIC_CORR = 0.4
LEGACY_SD_PP, LEGACY_CORR = np.array([0.5, 0.5, 0.5]), 0.5
COMPOSITION_RHO = 0.6
AREA_SHARE = 0.6
PERSIST_TILT = 0.5  # change of the prior-benefit tilt per SD of the total effect
_STREAM = 0xEFFEC7


@dataclass(frozen=True)
class EffectSpec:
    """How the planted effects are made (see the module doc)."""

    scenario: str = "independent"
    file: Path | None = None
    size: float = 1.0  # multiplies the realistic SDs
    outcome_seed: int | None = None

    def __post_init__(self) -> None:
        if self.scenario not in SCENARIOS:
            raise ConfigError(f"unknown effect scenario {self.scenario!r}: choose one of {', '.join(SCENARIOS)}")
        if not 0 <= self.size <= 10:
            raise ConfigError(f"effect size must be between 0 and 10, not {self.size}")

    def as_dict(self) -> dict[str, object]:
        return {
            "scenario": "file" if self.file else self.scenario,
            "file": str(self.file) if self.file else None,
            "size": self.size,
            "outcome_seed": self.outcome_seed,
        }


def read_effects_file(path: Path, codes: list[int]) -> np.ndarray:
    """A CSV with columns kommunekode, area, effect_pp → (municipalities, 3) in pct. points."""
    out = np.zeros((len(codes), 3))
    row_of = {c: i for i, c in enumerate(codes)}
    try:
        with open(path, newline="", encoding="utf-8") as fh:
            reader = csv.DictReader(fh)
            missing = {"kommunekode", "area", "effect_pp"} - set(reader.fieldnames or ())
            if missing:
                raise ConfigError(f"{path}: missing column(s) {', '.join(sorted(missing))}")
            for n, row in enumerate(reader, start=2):
                try:
                    k, v = int(row["kommunekode"]), float(row["effect_pp"])
                except ValueError:
                    raise ConfigError(f"{path}, row {n}: kommunekode/effect_pp is not a number") from None
                if k not in row_of or row["area"] not in AREAS:
                    raise ConfigError(f"{path}, row {n}: unknown kommunekode {k} or area {row['area']!r}")
                out[row_of[k], AREAS.index(row["area"])] = v
    except OSError as exc:
        raise ConfigError(f"cannot read the effects file {path}: {exc.strerror}") from None
    return out


def _standard(rng: np.random.Generator, n: int, corr: float) -> np.ndarray:
    c = corr + (1 - corr) * np.eye(3)
    return rng.multivariate_normal(np.zeros(3), c, size=n, method="cholesky")


def draw_effects_pp(spec: EffectSpec, munis, profiles, seed: int) -> np.ndarray:
    rng = np.random.default_rng([seed, _STREAM])
    n = len(munis)
    if spec.scenario == "legacy":
        return _standard(rng, n, LEGACY_CORR) * LEGACY_SD_PP * spec.size
    u = _standard(rng, n, REALISTIC_CORR)
    if spec.scenario == "composition":
        s = np.array([profiles[m.kommunekode].immigrant_share for m in munis])
        s = (s - s.mean()) / s.std()
        u = COMPOSITION_RHO * s[:, None] + np.sqrt(1 - COMPOSITION_RHO**2) * u
    elif spec.scenario == "commuting_area":
        cas = sorted({m.commuting_area for m in munis})
        ca_u = _standard(rng, len(cas), REALISTIC_CORR)
        idx = np.array([cas.index(m.commuting_area) for m in munis])
        u = np.sqrt(AREA_SHARE) * ca_u[idx] + np.sqrt(1 - AREA_SHARE) * u
    return u * REALISTIC_SD_PP * spec.size


def plant(
    spec: EffectSpec, munis, composition_share: dict[int, np.ndarray], profiles, seed: int, *, zero: bool
) -> tuple[dict[int, np.ndarray], dict[int, float]]:
    """Relative effect ``r`` per municipality and area (shares × (1 + r)) and the tilt shift."""
    codes = [m.kommunekode for m in munis]
    if zero or spec.scenario == "zero":
        return {k: np.zeros(3) for k in codes}, {k: 0.0 for k in codes}
    z = read_effects_file(spec.file, codes) if spec.file else draw_effects_pp(spec, munis, profiles, seed)
    comp = np.array([composition_share[k] for k in codes])
    r = np.clip(z / 100 / comp, -0.6, 2.0)
    w = np.array([m.pop_16_66 for m in munis], float)[:, None] * comp
    r -= (w * r).sum(axis=0) / w.sum(axis=0)
    shift = {k: 0.0 for k in codes}
    if spec.scenario == "persistent" and not spec.file:
        total = z.sum(axis=1)
        shift = dict(zip(codes, (PERSIST_TILT * total / total.std()).tolist(), strict=True))
    return {k: r[i] for i, k in enumerate(codes)}, shift


def outcome_rng(spec: EffectSpec, kommunekode: int, chunk: int = 0) -> np.random.Generator | None:
    """The municipality's own stream for outcomes when ``outcome_seed`` is set (else None).

    ``chunk`` > 0: the stream of the municipality's further person chunk (``--scale`` above 1).
    """
    if spec.outcome_seed is None:
        return None
    return np.random.default_rng([spec.outcome_seed, kommunekode, 0x0C0E, *([chunk] if chunk else [])])


def benchmark_truth(rows: list[dict], population: dict[tuple[int, int], int]) -> list[dict]:
    """Adds ``benchmark_effect_pp`` (effect minus its population-weighted mean per year/area)."""
    keys = {(r["year"], r["area"]) for r in rows}
    mean = {}
    for y, a in keys:
        sel = [r for r in rows if r["year"] == y and r["area"] == a]
        w = np.array([population[(r["kommunekode"], y)] for r in sel], float)
        mean[(y, a)] = float(np.average([r["effect_pp"] for r in sel], weights=w))
    return [{**r, "benchmark_effect_pp": r["effect_pp"] - mean[(r["year"], r["area"])]} for r in rows]
