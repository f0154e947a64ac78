"""Weekly benefit histories as spells: a multi-state Markov chain per person.

From "no benefit" a person enters state *j* with weekly probability ``h_j`` and leaves it with
probability ``e_j`` (mean spell length ``1/e_j``). With ``h_j = e_j · p_j / p_0`` the chain's
stationary distribution is exactly ``p``: the expected share of weeks in each state equals the
DGP's share, while weeks come in realistic spells (long for kontanthjælp, short for dagpenge).
The chain starts in its stationary distribution and its hazards change at the turn of the year
(the persons are a year older). A person is in at most one state, so has at most one code a week.
"""

from __future__ import annotations

import numpy as np

from kommunebench.data.synth.dgp import CODES, EXIT, STATES

_EXIT = np.array([0.0] + [EXIT[s] for s in STATES[1:]])
_CODE_TABLE = [np.array([c for c, _ in CODES[s]], dtype=np.int16) for s in STATES[1:]]
_CODE_CUM = [np.cumsum([w for _, w in CODES[s]]) / sum(w for _, w in CODES[s]) for s in STATES[1:]]


def _draw_codes(state: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    code = np.zeros(state.size, dtype=np.int16)
    u = rng.random(state.size)
    for j in range(1, len(STATES)):
        m = state == j
        if m.any():
            code[m] = _CODE_TABLE[j - 1][
                np.searchsorted(_CODE_CUM[j - 1], u[m], side="right").clip(max=len(_CODE_TABLE[j - 1]) - 1)
            ]
    return code


def _stationary(p: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    cum = np.cumsum(p, axis=1)
    return (cum <= rng.random(int(p.shape[0]))[:, None] * cum[:, -1:]).sum(axis=1).astype(np.int8)


def simulate(
    shares_by_year: list[np.ndarray],
    weeks_by_year: list[int],
    rng: np.random.Generator,
    entering: list[np.ndarray | None] | None = None,
):
    """Simulate the chain; returns (person index int32, week index int16, code int16) of on-benefit weeks.

    ``shares_by_year[y]`` is the (n, len(STATES)) matrix of long-run shares for year ``y``;
    ``entering[y]`` marks persons who enter the population at the start of year ``y`` (they turn
    16): their state is drawn afresh from that year's stationary distribution.
    """
    n = int(shares_by_year[0].shape[0])
    state = _stationary(shares_by_year[0], rng)
    code = _draw_codes(state, rng)
    persons, weeks, codes = [], [], []
    week = 0
    for y, (p, n_weeks) in enumerate(zip(shares_by_year, weeks_by_year, strict=True)):
        new_in = entering[y] if entering is not None else None
        if y > 0 and new_in is not None and new_in.any():
            idx = np.flatnonzero(new_in)
            state[idx] = _stationary(p[idx], rng)
            code[idx] = _draw_codes(state[idx], rng)
        h = _EXIT[None, 1:] * p[:, 1:] / np.maximum(p[:, :1], 1e-9)
        hs = h.sum(axis=1, keepdims=True)
        h = np.where(hs > 0.95, h * 0.95 / np.maximum(hs, 1e-12), h)
        cum = np.cumsum(h, axis=1)
        for _ in range(n_weeks):
            u = rng.random(n)
            on = state > 0
            leave = on & (u < _EXIT[state])
            state[leave] = 0
            off = np.flatnonzero(~on)
            new = (cum[off] <= u[off, None]).sum(axis=1) + 1  # len(STATES) means: stays at none
            enter = new < len(STATES)
            idx = off[enter]
            if idx.size:
                state[idx] = new[enter]
                code[idx] = _draw_codes(state[idx], rng)
            nz = np.flatnonzero(state)
            persons.append(nz.astype(np.int32))
            weeks.append(np.full(nz.size, week, dtype=np.int16))
            codes.append(code[nz])
            week += 1
    return np.concatenate(persons), np.concatenate(weeks), np.concatenate(codes)
