"""The synthetic KPI inputs: caseworkers, case assignments, offers and conversations (issue 13).

Everything is derived from the weekly benefit spells the generator already wrote, which it never
changes. A *spell* is a run of consecutive weeks on a jobcentre benefit (see
:data:`~kommunebench.data.kpischemas.JOBCENTRE_GROUPS`); its target group comes from its first
code; it *exits to self-support* when the week after its last week has no code or a fleksjob/SU
code (and it is not cut off by the end of the data); ``Y`` = it exits within
:data:`~kommunebench.data.kpischemas.EXIT_WINDOW_WEEKS` weeks of its start.

Departments and caseworkers
---------------------------
Three families of target groups (dagpenge; sygedagpenge; the kontanthjælp groups) each have one to
three departments (by the municipality's size at full scale, so the structure is the same at any
scale) and caseworkers with a caseload of about :data:`CASELOAD` concurrent citizens. Each
department has a planted log-odds effect ``d`` and each caseworker ``r``. A spell goes to a
department with weights ``exp(d · Y)`` and to a caseworker with weights ``exp(r · Y + h · z)``,
where ``h`` is the caseworker's (independent) taste for hard cases and ``z`` the spell's
difficulty (ressourceforløb 1, aktivitetsparat 0.5). By Bayes' rule this is exactly a
caseworker effect of odds ratio ``exp(d + r)`` on ``Y`` given the citizen's target group, while
the benefit weeks stay as they are; the hard cases make unadjusted rates misleading.

Offers and conversations
------------------------
Spells longer than :data:`~kommunebench.data.kpischemas.OFFER_WINDOW_WEEKS` weeks get an offer
starting in their week 2-6 with weights ``base_k · exp(θ_k · Y)`` (none: 1), so an offer type's
planted odds ratio is ``exp(θ_k)``; the θs are a seeded permutation of :data:`OFFER_EFFECTS`.
Conversations come about every ``f`` weeks (municipality-specific, 4-9) with a
municipality-specific no-show rate. ``truth_kpi.parquet`` holds the planted ``d``, ``d + r`` and
``θ``. Each municipality draws from ``default_rng([seed, kommunekode, STREAM])``.
"""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pyarrow as pa
import pyarrow.parquet as pq

from kommunebench.data.kpischemas import EXIT_WINDOW_WEEKS, OFFER_TYPES, OFFER_WINDOW_WEEKS

__all__ = ["STREAM", "CASELOAD", "OFFER_EFFECTS", "KpiSynth", "spells_of"]

STREAM = 0x4B9113
CASELOAD = 45
OFFER_EFFECTS = (-0.5, 0.0, 0.5, 1.0)
OFFER_BASE = (0.12, 0.08, 0.15, 0.05)
OFFER_WEEKS = ((4, 13), (13, 26), (2, 8), (4, 13))
OFFER_DKK_WEEK = (600.0, 3200.0, 2500.0, 900.0)
PROVIDERS = ("Jobcentret", "Kommunal aktør", "Anden aktør A", "Anden aktør B")
_TG = (
    ("dagpenge", (111, 112, 131, 141)),
    ("sygedagpenge", (890, 893, 775)),
    ("jobparat", (701, 704, 705)),
    ("aktivitetsparat", (702, 760, 763)),
    ("uddannelseshjaelp", (703,)),
    ("ressourceforloeb", (765, 781)),
)
TARGET_GROUPS = tuple(t for t, _ in _TG)
FAMILY = (0, 1, 2, 2, 2, 2)
FAMILY_NAMES = ("Dagpenge", "Sygedagpenge", "Kontanthjælp")
DIFFICULTY = np.array([0.0, 0.0, 0.0, 0.5, 0.0, 1.0])
_TG_OF_CODE = np.full(1000, -1, np.int8)
for _i, (_, _codes) in enumerate(_TG):
    _TG_OF_CODE[list(_codes)] = _i
_SELF_SUPPORT_CODES = (783, 651)


def spells_of(p_idx: np.ndarray, w_idx: np.ndarray, codes: np.ndarray, n_weeks: int) -> dict[str, np.ndarray]:
    """Jobcentre spells of arrays sorted by person then week: person, start, end, tg, exit, y."""
    jc = _TG_OF_CODE[codes] >= 0
    pi, wi, cd = p_idx[jc].astype(np.int64), w_idx[jc].astype(np.int64), codes[jc]
    n = pi.size
    new = np.ones(n, bool)
    new[1:] = (pi[1:] != pi[:-1]) | (wi[1:] != wi[:-1] + 1)
    starts = np.flatnonzero(new)
    ends = np.r_[starts[1:] - 1, n - 1].astype(np.int64) if n else np.zeros(0, np.int64)
    end_w = wi[ends]
    key_all = p_idx.astype(np.int64) * 8192 + w_idx.astype(np.int64)
    want = pi[ends] * 8192 + end_w + 1
    pos = np.searchsorted(key_all, want).clip(max=max(key_all.size - 1, 0))
    found = key_all[pos] == want if key_all.size else np.zeros(want.size, bool)
    nxt = np.where(found, codes[pos] if codes.size else 0, 0)
    exit_self = (end_w < n_weeks - 1) & (~found | np.isin(nxt, _SELF_SUPPORT_CODES))
    duration = end_w - wi[starts] + 1
    return {
        "person": pi[starts],
        "start": wi[starts],
        "end": end_w,
        "tg": _TG_OF_CODE[cd[starts]].astype(np.int64),
        "y": exit_self & (duration <= EXIT_WINDOW_WEEKS),
        "duration": duration,
    }


def _pick(rng: np.random.Generator, logits: np.ndarray) -> np.ndarray:
    """One draw per row of softmax(logits) (Gumbel-max)."""
    return np.argmax(logits + rng.gumbel(size=logits.shape), axis=1)


class KpiSynth:
    """Collects the four KPI inputs municipality by municipality and writes them with the truth."""

    def __init__(self, out: Path, seed: int, mondays: list[dt.date], scale: float):
        self.out, self.seed, self.scale = out, seed, scale
        self.mondays = np.array(mondays, dtype="datetime64[D]")
        perm = np.random.default_rng([seed, STREAM]).permutation(len(OFFER_EFFECTS))
        self.theta = np.array(OFFER_EFFECTS)[perm]
        self.parts: dict[str, list[pa.Table]] = {k: [] for k in ("caseworkers", "case_assignments", "offers")}
        self.conv = pq.ParquetWriter(
            out / "conversations.parquet", _CONV_SCHEMA, compression="zstd", write_page_checksum=True
        )
        self.truth: list[dict] = [
            {"kommunekode": 0, "level": "offer_type", "unit": t, "department": "", "log_odds": float(th)}
            for t, th in zip(OFFER_TYPES, self.theta, strict=True)
        ]
        self.counts = dict.fromkeys(("caseworkers", "case_assignments", "offers", "conversations"), 0)

    def add(self, kommunekode: int, ids: np.ndarray, p_idx: np.ndarray, w_idx: np.ndarray, codes: np.ndarray) -> None:
        rng = np.random.default_rng([self.seed, kommunekode, STREAM])
        sp = spells_of(p_idx, w_idx, codes, self.mondays.size)
        cw_of, dep_names = self._assign(kommunekode, sp, rng)
        person = ids[sp["person"]]
        start_d = self.mondays[sp["start"]]
        self._table(
            "case_assignments",
            {
                "person_id": person,
                "caseworker_id": cw_of,
                "department": pa.array(dep_names, pa.string()),
                "target_group": pa.array(np.array(TARGET_GROUPS)[sp["tg"]], pa.string()),
                "valid_from": start_d,
                "valid_to": self.mondays[sp["end"]] + 6,
            },
        )
        self._offers(sp, person, start_d, rng)
        self._conversations(sp, person, cw_of, rng)

    def _table(self, name: str, cols: dict) -> None:
        t = pa.table({k: (v if isinstance(v, pa.Array) else pa.array(v)) for k, v in cols.items()})
        self.parts[name].append(t)
        self.counts[name] += t.num_rows

    def _assign(self, kk: int, sp: dict, rng: np.random.Generator) -> tuple[np.ndarray, list[str]]:
        n = sp["person"].size
        cw_of = np.zeros(n, np.int64)
        dep_of = np.empty(n, object)
        fam = np.array(FAMILY)[sp["tg"]]
        y = sp["y"].astype(float)
        z = DIFFICULTY[sp["tg"]]
        next_cw = 0
        rows: dict[str, list] = {"caseworker_id": [], "department": [], "fte": []}
        for f, fname in enumerate(FAMILY_NAMES):
            idx = np.flatnonzero(fam == f)
            concurrent = float(sp["duration"][idx].sum()) / self.mondays.size
            n_dep = int(np.clip(round(concurrent / self.scale / 4000), 1, 3))
            d = rng.normal(0, 0.35, n_dep)
            dep = _pick(rng, y[idx, None] * d[None, :]) if idx.size else idx
            for j in range(n_dep):
                name = fname if n_dep == 1 else f"{fname} {j + 1}"
                sub = idx[dep == j]
                n_cw = max(1, round(concurrent / n_dep / CASELOAD))
                r, h = rng.normal(0, 0.45, n_cw), rng.normal(0, 1.0, n_cw)
                ids = kk * 100_000 + next_cw + np.arange(n_cw)
                next_cw += n_cw
                pick = _pick(rng, y[sub, None] * r[None, :] + 1.5 * z[sub, None] * h[None, :]) if sub.size else sub
                cw_of[sub] = ids[pick]
                dep_of[sub] = name
                rows["caseworker_id"].extend(ids.tolist())
                rows["department"].extend([name] * n_cw)
                rows["fte"].extend(np.where(rng.random(n_cw) < 0.2, 0.8, 1.0).tolist())
                self.truth.append(
                    {
                        "kommunekode": kk,
                        "level": "department",
                        "unit": name,
                        "department": name,
                        "log_odds": float(d[j]),
                    }
                )
                self.truth.extend(
                    {
                        "kommunekode": kk,
                        "level": "caseworker",
                        "unit": str(c),
                        "department": name,
                        "log_odds": float(d[j] + rr),
                    }
                    for c, rr in zip(ids.tolist(), r.tolist(), strict=True)
                )
        m = len(rows["caseworker_id"])
        self._table(
            "caseworkers",
            {
                "caseworker_id": np.array(rows["caseworker_id"], np.int64),
                "kommunekode": np.full(m, kk, np.int16),
                "department": pa.array(rows["department"], pa.string()),
                "fte": np.array(rows["fte"]),
                "valid_from": np.full(m, self.mondays[0]),
                "valid_to": pa.nulls(m, pa.date32()),
            },
        )
        return cw_of, dep_of.tolist()

    def _offers(self, sp: dict, person: np.ndarray, start_d: np.ndarray, rng: np.random.Generator) -> None:
        elig = np.flatnonzero(sp["duration"] > OFFER_WINDOW_WEEKS)
        logits = np.column_stack(
            [np.zeros(elig.size)]
            + [np.log(b) + th * sp["y"][elig] for b, th in zip(OFFER_BASE, self.theta, strict=True)]
        )
        kind = _pick(rng, logits) - 1
        got = elig[kind >= 0]
        k = kind[kind >= 0]
        lo, hi = np.array(OFFER_WEEKS).T
        weeks = rng.integers(lo[k], hi[k] + 1)
        first = start_d[got] + 7 * rng.integers(2, OFFER_WINDOW_WEEKS + 1, got.size)
        cost = weeks * np.array(OFFER_DKK_WEEK)[k] * rng.lognormal(0, 0.25, got.size)
        self._table(
            "offers",
            {
                "person_id": person[got],
                "start_date": first,
                "end_date": first + 7 * weeks - 3,
                "offer_type": pa.array(np.array(OFFER_TYPES)[k], pa.string()),
                "provider": pa.array(np.array(PROVIDERS)[rng.integers(0, len(PROVIDERS), got.size)], pa.string()),
                "cost_dkk": np.round(cost, 0),
            },
        )

    def _conversations(self, sp: dict, person: np.ndarray, cw_of: np.ndarray, rng: np.random.Generator) -> None:
        every, no_show = rng.uniform(4, 9), rng.uniform(0.05, 0.2)
        n_c = rng.poisson(sp["duration"] / every)
        s = np.repeat(np.arange(n_c.size), n_c)
        week = sp["start"][s] + np.floor(rng.random(s.size) * sp["duration"][s]).astype(np.int64)
        date = self.mondays[week] + rng.integers(0, 5, s.size)
        kind = np.searchsorted([0.7, 0.8], rng.random(s.size), side="right")
        key = person[s].astype(np.int64) * 1_000_000 + (date - self.mondays[0]).astype(np.int64) * 4 + kind
        _, first = np.unique(key, return_index=True)
        s, date, kind = s[first], date[first], kind[first]
        u = rng.random(s.size)
        status = np.where(u < no_show, 1, np.where(u < no_show + 0.05, 2, 0))
        t = pa.table(
            {
                "person_id": person[s],
                "date": date,
                "kind": pa.DictionaryArray.from_arrays(
                    pa.array(kind, pa.int8()), pa.array(["individual", "group", "digital"])
                ),
                "status": pa.DictionaryArray.from_arrays(
                    pa.array(status, pa.int8()), pa.array(["held", "no_show", "cancelled"])
                ),
                "caseworker_id": cw_of[s],
            },
            schema=_CONV_SCHEMA,
        )
        self.conv.write_table(t)
        self.counts["conversations"] += t.num_rows

    def close(self) -> dict[str, int]:
        self.conv.close()
        for name, parts in self.parts.items():
            pq.write_table(
                pa.concat_tables(parts), self.out / f"{name}.parquet", compression="zstd", write_page_checksum=True
            )
        pq.write_table(pa.Table.from_pylist(self.truth), self.out / "truth_kpi.parquet", compression="zstd")
        return dict(self.counts)


_CONV_SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("date", pa.date32()),
        ("kind", pa.dictionary(pa.int8(), pa.string())),
        ("status", pa.dictionary(pa.int8(), pa.string())),
        ("caseworker_id", pa.int64()),
    ]
)
