"""Person chunks of one municipality, so that ``--scale`` above 1 stays memory-bounded.

A municipality's persons are simulated in chunks of at most ``cap`` persons (by default its real
16–66 population, so any scale ≤ 1 is a single chunk and gives exactly the files it always gave).
Chunk 0 draws from the municipality's own stream ``default_rng([seed, kommunekode])``; chunk
``k`` > 0 from ``default_rng([seed, kommunekode, k])`` — the result depends only on the seed,
the scale and the cap, never on the machine. Peak memory is that of one chunk (≈ 0.55 GB for
København at scale 1) plus the municipality's benefit-week arrays, which the joblog and the
KPI inputs need whole.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["chunk_sizes", "chunk_rng", "MunicipalityWeeks", "merge_truth"]


def chunk_sizes(n: int, cap: int) -> list[int]:
    """``n`` persons in chunks of at most ``cap`` (full chunks first)."""
    full, rest = divmod(n, cap)
    return [cap] * full + ([rest] if rest else [])


def chunk_rng(seed: int, kommunekode: int, chunk: int) -> np.random.Generator:
    return np.random.default_rng([seed, kommunekode, *([chunk] if chunk else [])])


@dataclass
class MunicipalityWeeks:
    """The benefit weeks of a municipality's chunks, concatenated (person index over all chunks)."""

    ids: list[np.ndarray]
    person_idx: list[np.ndarray]
    week_idx: list[np.ndarray]
    codes: list[np.ndarray]
    n_persons: int = 0

    @classmethod
    def empty(cls) -> MunicipalityWeeks:
        return cls([], [], [], [])

    def add(self, ids: np.ndarray, person_idx: np.ndarray, week_idx: np.ndarray, codes: np.ndarray) -> None:
        self.ids.append(ids)
        self.person_idx.append(person_idx + np.int32(self.n_persons) if self.n_persons else person_idx)
        self.week_idx.append(week_idx)
        self.codes.append(codes)
        self.n_persons += ids.size

    def arrays(self) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """(ids, person index, week index, code); the single chunk's own arrays when there is one."""
        if len(self.ids) == 1:
            return self.ids[0], self.person_idx[0], self.week_idx[0], self.codes[0]
        return tuple(np.concatenate(a) for a in (self.ids, self.person_idx, self.week_idx, self.codes))  # type: ignore[return-value]


def merge_truth(parts: list[list[dict]], weights: list[dict[int, int]]) -> list[dict]:
    """One municipality's truth rows from its chunks': ``effect_pp`` weighted by the persons in
    the population per year (each chunk's value is a mean over its own population)."""
    if len(parts) == 1:
        return parts[0]
    out = []
    for i, row in enumerate(parts[0]):
        y = row["year"]
        w = np.array([max(wt[y], 1) for wt in weights], float)
        pp = np.array([p[i]["effect_pp"] for p in parts])
        out.append({**row, "effect_pp": float((pp * w).sum() / w.sum())})
    return out
