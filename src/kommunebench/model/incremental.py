"""Incremental periods: a QMAT period's statistics assembled from stored quarter blocks.

Why it is exact. Every ISO week lies in exactly one quarter (by its Thursday), and a QMAT
period is four whole quarters, so a person's weeks in an area over the period are the sum of
their weeks in the four quarters: ``W = W₁ + W₂ + W₃ + W₄``. The statistics are bilinear in
``[1 | dummies | W]``, hence

* ``sums`` of the design columns and ``D'D`` depend on the population year's persons only
  (one *persons block* per population year);
* ``Σ W = Σ_q Σ W_q`` and ``D'W = Σ_q D'W_q`` (one *quarter block* per quarter);
* ``W'W = Σ_q Σ_r W_q'W_r`` (one *pair block* per pair of quarters, ``W_r'W_q`` its transpose),

each per municipality. Every entry is an integer below 2⁵³, so the assembled sums are exact in
float64 and bit-identical to the one-pass statistics of :mod:`kommunebench.model.accumulate`.
Persons without weeks in a quarter add nothing to its blocks, so a block involving quarter ``q``
only needs the persons with weeks in ``q``.

What is stored (warehouse migration 8, derived data keyed by content, never edited):

* ``model_week_keys``: per benefit-weeks load (its fingerprint) and quarter, a content key of
  the quarter's rows (count and sum of DuckDB ``hash``) — one aggregate scan per load;
* ``model_quarter_weeks``: per quarter key, each person's weeks per benefit code — the only
  per-person scan of ``benefit_weeks``, once per quarter *content* (a reload that adds a quarter
  materialises only the new one);
* ``model_blocks``: the persons, quarter and pair blocks (NumPy arrays), keyed by the persons'
  fingerprint, the population year, the design, the areas' codes and the quarter keys.

``IncrementalEngine.scans`` counts what was computed rather than reused (the tests use it).
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
from collections import Counter
from collections.abc import Callable, Mapping, Sequence

import duckdb
import numpy as np

from kommunebench.data import schemas, warehouse
from kommunebench.data.periods import Period, week_quarter
from kommunebench.errors import WarehouseError
from kommunebench.model.accumulate import PeriodStats, assemble, period_frame
from kommunebench.model.design import Design
from kommunebench.model.factorread import factor_reader
from kommunebench.model.kernel import Accumulator, Layout

__all__ = ["IncrementalEngine"]

Progress = Callable[[str, int, int], None]
Quarter = tuple[int, int]


def _sha(*parts: object) -> str:
    return hashlib.sha256("|".join(map(str, parts)).encode()).hexdigest()[:32]


def _pack(**arrays: np.ndarray) -> bytes:
    buf = io.BytesIO()
    np.savez(buf, allow_pickle=False, **arrays)
    return buf.getvalue()


def _unpack(blob: bytes) -> dict[str, np.ndarray]:
    with np.load(io.BytesIO(blob)) as z:
        return {k: z[k] for k in z.files}


def _qlabel(q: Quarter) -> str:
    return f"{q[0]}Q{q[1]}"


class IncrementalEngine:
    """The DuckDB engine over stored quarter blocks (see the module doc)."""

    name = "incremental"

    def __init__(self) -> None:
        self.scans: Counter[str] = Counter()

    def describe(self) -> dict[str, str]:
        return {"name": self.name}

    # ------------------------------------------------------------------ stored content

    def _fingerprint(self, con: duckdb.DuckDBPyConnection, kind: str) -> str:
        loads = {d["kind"]: d["fingerprint"] for d in warehouse.current_loads(con)}
        if kind not in loads:
            raise WarehouseError(f"the warehouse has no {kind} loaded; load it first")
        return str(loads[kind])

    def _quarter_keys(self, con: duckdb.DuckDBPyConnection) -> dict[str, str]:
        """Quarter → content key of the current benefit weeks (one aggregate scan per load)."""
        bw = self._fingerprint(con, "benefit_weeks")
        rows = con.execute("SELECT quarter, quarter_key FROM model_week_keys WHERE benefit_weeks = ?", [bw]).fetchall()
        if rows:
            return dict(rows)
        self.scans["week_keys"] += 1
        per_week = con.execute(
            "SELECT week, count(*), sum(hash(person_id, week, code)::HUGEINT)::VARCHAR FROM benefit_weeks GROUP BY week"
        ).fetchall()
        acc: dict[str, list] = {}
        for week, n, h in per_week:
            q = _qlabel(week_quarter(week))
            a = acc.setdefault(q, [0, 0])
            a[0] += int(n)
            a[1] += int(h)
        keys = {q: _sha(q, n, h) for q, (n, h) in acc.items()}
        con.executemany(
            "INSERT INTO model_week_keys VALUES (?, ?, ?, ?)", [(bw, q, keys[q], acc[q][0]) for q in sorted(keys)]
        )
        return keys

    def _materialise(self, con: duckdb.DuckDBPyConnection, wanted: Mapping[Quarter, str]) -> None:
        """Each person's weeks per code in the quarters ``wanted`` (quarter → content key) that are
        not stored yet: one scan of ``benefit_weeks`` for all of them (once per quarter content)."""
        new = {
            q: key
            for q, key in sorted(wanted.items())
            if not con.execute("SELECT 1 FROM model_blocks WHERE key = ?", [f"weeks:{key}"]).fetchone()
        }
        if not new:
            return
        self.scans["benefit_weeks"] += len(new)
        spans = [_quarter_span(q) for q in new]
        keys = list(new.values())
        # a week's quarter is its Thursday's (periods.week_quarter): year * 10 + quarter
        label = "(year(week + 3) * 10 + quarter(week + 3))"
        pairs = ", ".join(f"({y * 10 + qq}, ?)" for y, qq in new)
        con.execute(f"DELETE FROM model_quarter_weeks WHERE quarter_key IN ({', '.join('?' * len(keys))})", keys)
        con.execute(
            "INSERT INTO model_quarter_weeks SELECT k.quarter_key, b.person_id, b.code, count(*) "
            f"FROM (SELECT person_id, code, {label} AS q FROM benefit_weeks WHERE week BETWEEN ? AND ?) b "
            f"JOIN (VALUES {pairs}) k(q, quarter_key) USING (q) GROUP BY ALL",
            [min(f for f, _ in spans), max(last for _, last in spans), *keys],
        )
        for key in keys:
            _store(con, f"weeks:{key}", "quarter_weeks", b"")

    def prepare(self, con: duckdb.DuckDBPyConnection) -> int:
        """The load-time part, ahead of any run: quarter keys, and each new quarter's per-person
        weeks. Returns the number of quarters materialised now (0 when all were stored)."""
        before = self.scans["benefit_weeks"]
        wanted = {}
        for label, key in self._quarter_keys(con).items():
            y, q = label.split("Q")
            wanted[(int(y), int(q))] = key
        self._materialise(con, wanted)
        return self.scans["benefit_weeks"] - before

    # ------------------------------------------------------------------ the blocks

    def period_statistics(
        self,
        con: duckdb.DuckDBPyConnection,
        period: Period,
        *,
        design: Design,
        area_codes: Sequence[Sequence[int]],
        commuting_area_of: Mapping[int, int],
        gram: bool = True,
        progress: Progress | None = None,
    ) -> PeriodStats:
        frame = period_frame(con, period, design=design, commuting_area_of=commuting_area_of)
        label = f"model data {period.label} (stored quarters)"
        if progress:
            progress(label, 0, frame.n_total)
        keys = self._quarter_keys(con)
        quarters = [(int(y), int(q)) for y, q in period.quarters]
        qk = [keys.get(_qlabel(q), _sha(_qlabel(q), 0, 0)) for q in quarters]
        self._materialise(con, {q: k for q, k in zip(quarters, qk, strict=True) if _qlabel(q) in keys})
        people, base = self._bases(con, period, design, area_codes, frame.kommunekoder)
        persons = self._persons_block(con, period, design, frame.kommunekoder, people)
        blocks = self._week_blocks(con, period, design, area_codes, frame.kommunekoder, base, qk)
        st = _assembled(frame, design, len(area_codes), persons, blocks, qk, gram)
        if progress:
            progress(label, frame.n_total, frame.n_total)
        return st

    def stored_statistics(
        self,
        con: duckdb.DuckDBPyConnection,
        period: Period,
        *,
        design: Design,
        area_codes: Sequence[Sequence[int]],
        commuting_area_of: Mapping[int, int],
        gram: bool = True,
    ) -> PeriodStats | None:
        """The statistics of ``period`` from stored blocks only, or ``None`` when any block (or the
        quarter keys of the current benefit weeks) is not stored. Reads; never scans nor writes."""
        try:  # a bare connection (tables without the warehouse's bookkeeping) has nothing stored
            bw = self._fingerprint(con, "benefit_weeks")
            self._fingerprint(con, "persons")
            sql = "SELECT quarter, quarter_key FROM model_week_keys WHERE benefit_weeks = ?"
            keys = dict(con.execute(sql, [bw]).fetchall())
        except (WarehouseError, duckdb.CatalogException):
            return None
        if not keys:
            return None
        frame = period_frame(con, period, design=design, commuting_area_of=commuting_area_of)
        qk = [keys.get(_qlabel((int(y), int(q))), _sha(_qlabel((int(y), int(q))), 0, 0)) for y, q in period.quarters]
        people, base = self._bases(con, period, design, area_codes, frame.kommunekoder)
        wanted = {("persons",): f"persons:{people}", **_block_keys(base, qk)}
        rows = con.execute(
            f"SELECT key, data FROM model_blocks WHERE key IN ({', '.join('?' * len(wanted))})", list(wanted.values())
        ).fetchall()
        found = {k: _unpack(v) for k, v in rows}
        if any(key not in found for key in wanted.values()):
            return None
        blocks = {w: found[key] for w, key in wanted.items() if w != ("persons",)}
        return _assembled(frame, design, len(area_codes), found[wanted[("persons",)]], blocks, qk, gram)

    def _bases(self, con, period: Period, design: Design, area_codes, kk: np.ndarray) -> tuple[str, str]:
        """The content keys of the persons block and of the week blocks' design and areas."""
        people = _sha(self._fingerprint(con, "persons"), period.population_year, repr(design.factors), kk.tolist())
        return people, _sha(people, repr([list(map(int, c)) for c in area_codes]))

    def _persons_block(self, con, period: Period, design: Design, kk: np.ndarray, base: str) -> dict[str, np.ndarray]:
        key = f"persons:{base}"
        row = con.execute("SELECT data FROM model_blocks WHERE key = ?", [key]).fetchone()
        if row:
            return _unpack(row[0])
        self.scans["persons"] += 1
        lay = Layout.build(design, kk, 0)
        acc = Accumulator(lay)
        lo, hi = schemas.BENCHMARK_AGE
        factors = factor_reader(con, design)
        rel = con.sql(
            f"SELECT p.kommunekode::SMALLINT, {factors.sql()} FROM persons p "
            "WHERE p.year = ? AND p.age BETWEEN ? AND ?",
            params=[period.population_year, lo, hi],
        )
        nf = len(design.factors)
        for batch in rel.to_arrow_reader(32_768):
            cols = [np.asarray(batch.column(i).to_numpy(zero_copy_only=False)) for i in range(batch.num_columns)]
            f = factors.codes(cols[1 : 1 + nf])
            if len(f) and f.min() < 0:
                raise WarehouseError(f"persons of {period.population_year} have values outside the design's levels")
            acc.add(lay.lut[cols[0]], f, np.zeros((len(f), 0)))
        assert acc.g is not None
        out = {"sums": acc.sums, "g": acc.g}
        _store(con, key, "persons", _pack(**out))
        return out

    def _week_blocks(self, con, period, design, area_codes, kk, base: str, qk: list[str]) -> dict:
        """Quarter blocks (``w``, ``dw``) and pair blocks (``ww``) of the period's quarters."""
        wanted = _block_keys(base, qk)
        rows = con.execute(
            f"SELECT key, data FROM model_blocks WHERE key IN ({', '.join('?' * len(wanted))})", list(wanted.values())
        ).fetchall()
        found = {k: _unpack(v) for k, v in rows}
        out = {w: found[key] for w, key in wanted.items() if key in found}
        missing = [w for w in wanted if w not in out]
        if missing:
            # A block touching quarter q needs only the persons with weeks in q: one quarter of
            # each missing block is enough (first the quarters without a stored block).
            touch = {w[1] for w in missing if w[0] == "q"}
            for w in missing:
                if not touch.intersection(w[1:]):
                    touch.add(w[1])
            new = self._weeks_pass(con, period, design, area_codes, kk, qk, sorted(touch))
            for w, key in wanted.items():
                if w not in out:
                    out[w] = new[w]
                    _store(con, key, "quarter" if w[0] == "q" else "pair", _pack(**new[w]))
        return out

    def _weeks_pass(self, con, period, design, area_codes, kk, qk: list[str], touch: list[str]) -> dict:
        """The blocks touching quarters ``touch``, from the persons with weeks in one of them."""
        self.scans["weeks_pass"] += 1
        n_a, n_q = len(area_codes), len(qk)
        lay = Layout.build(design, kk, n_a * n_q)
        every = sorted({int(c) for codes in area_codes for c in codes})
        lit = ", ".join(f"'{k}'" for k in qk)
        in_area = [", ".join(str(int(c)) for c in codes) for codes in area_codes]
        agg = ",\n".join(
            f"sum(weeks) FILTER (WHERE quarter_key = '{k}' AND code IN ({in_area[a]})) AS w{i}_{a}"
            for i, k in enumerate(qk)
            for a in range(n_a)
        )
        factors = factor_reader(con, design)
        wcols = ", ".join(f"coalesce(w.w{i}_{a}, 0)::SMALLINT" for i in range(n_q) for a in range(n_a))
        lo, hi = schemas.BENCHMARK_AGE
        hits = ", ".join(repr(t) for t in touch)
        sql = (
            f"WITH w AS (SELECT person_id, {agg} FROM model_quarter_weeks "
            f"WHERE quarter_key IN ({lit}) AND code IN ({', '.join(map(str, every))}) AND person_id IN "
            f"(SELECT person_id FROM model_quarter_weeks WHERE quarter_key IN ({hits})) GROUP BY person_id "
            f"HAVING sum(weeks) FILTER (WHERE quarter_key IN ({hits})) > 0) "
            f"SELECT p.kommunekode::SMALLINT, {factors.sql()}, {wcols} "
            "FROM persons p JOIN w ON w.person_id = p.person_id "
            "WHERE p.year = ? AND p.age BETWEEN ? AND ?"
        )
        nd, wc = lay.n_dum, lay.week_col
        hit = [i for i, k in enumerate(qk) if k in touch]  # quarters whose columns are computed
        cols = np.concatenate([np.arange(nd + i * n_a, nd + (i + 1) * n_a) for i in hit])
        acc = Accumulator(lay, columns=cols)  # e'e[:, touched weeks]: all blocks touching them
        nf = len(design.factors)
        for batch in con.sql(sql, params=[period.population_year, lo, hi]).to_arrow_reader(32_768):
            c = [np.asarray(batch.column(i).to_numpy(zero_copy_only=False)) for i in range(batch.num_columns)]
            f = factors.codes(c[1 : 1 + nf])
            if len(f) and f.min() < 0:
                raise WarehouseError(f"persons of {period.population_year} have values outside the design's levels")
            acc.add(lay.lut[c[0]], f, np.column_stack(c[1 + nf :]))
        assert acc.g is not None
        g = acc.g

        def rows(i: int) -> slice:
            return slice(nd + i * n_a, nd + (i + 1) * n_a)

        def at(i: int) -> slice:  # the computed columns of quarter i
            j = hit.index(i)
            return slice(j * n_a, (j + 1) * n_a)

        out: dict = {}
        for i, ki in enumerate(qk):
            if i in hit:
                out[("q", ki)] = {"w": acc.sums[:, wc + i * n_a : wc + (i + 1) * n_a], "dw": g[:, :nd, at(i)]}
            for j, kj in enumerate(qk):
                if ki <= kj and j in hit:  # W_i'W_j
                    out[("p", ki, kj)] = {"ww": g[:, rows(i), at(j)]}
                elif ki <= kj and i in hit:  # (W_j'W_i)'
                    out[("p", ki, kj)] = {"ww": g[:, rows(j), at(i)].transpose(0, 2, 1)}
        return out


def _block_keys(base: str, qk: list[str]) -> dict[tuple[str, ...], str]:
    """The stored keys of a period's quarter blocks and pair blocks."""
    wanted: dict[tuple[str, ...], str] = {("q", k): f"q:{base}:{k}" for k in qk}
    wanted |= {("p", a, b): f"p:{base}:{a}:{b}" for a in qk for b in qk if a <= b}
    return wanted


def _assembled(frame, design: Design, n_a: int, persons: dict, blocks: dict, qk: list[str], gram: bool) -> PeriodStats:
    """The period's statistics: the persons block plus the sums of its quarter and pair blocks."""
    layout = Layout.build(design, frame.kommunekoder, n_a)
    if int(persons["sums"][:, 0].sum()) != frame.n_total:
        raise WarehouseError(f"persons of {frame.period.population_year} changed during the model pass")
    n_dum, wc = layout.n_dum, layout.week_col
    sums = np.zeros((layout.n_mun, layout.ks))
    sums[:, :wc] = persons["sums"]
    g = np.zeros((layout.n_mun, layout.kg, layout.kg))
    g[:, :n_dum, :n_dum] = persons["g"]
    for ki in qk:
        sums[:, wc:] += blocks[("q", ki)]["w"]
        g[:, :n_dum, n_dum:] += blocks[("q", ki)]["dw"]
        for kj in qk:
            ww = blocks[("p", *sorted((ki, kj)))]["ww"]
            g[:, n_dum:, n_dum:] += ww if ki <= kj else ww.transpose(0, 2, 1)
    g[:, n_dum:, :n_dum] = g[:, :n_dum, n_dum:].transpose(0, 2, 1)
    return assemble(frame, layout, sums, g if gram else None)


def _quarter_span(q: Quarter) -> tuple[dt.date, dt.date]:
    p = Period(q[0], q[1])  # the period ending with q: its last quarter is q
    last = p.last_week
    first = last
    while week_quarter(first - dt.timedelta(weeks=1)) == q:
        first -= dt.timedelta(weeks=1)
    return first, last


def _store(con: duckdb.DuckDBPyConnection, key: str, kind: str, data: bytes) -> None:
    now = dt.datetime.now(dt.UTC).replace(tzinfo=None)
    con.execute("INSERT OR REPLACE INTO model_blocks VALUES (?, ?, ?, ?)", [key, kind, now, data])
