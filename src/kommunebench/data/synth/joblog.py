"""The synthetic joblog: monthly registered job searches of job-ready cash-benefit recipients.

Who is in it
------------
The joblog population of a month is drawn from the generated persons who receive *kontanthjælp,
jobparat* (benefit code 701 in ``benefit_weeks``) in at least one ISO week of that month (a week
belongs to the month of its Thursday). Not every such person is obliged to joblog: each person
is obliged with probability :data:`OBLIGED_SHARE` (a fixed draw per person), which puts the
national target group at about 14,000 citizens a month at full scale (× ``scale``). An obliged
person is temporarily exempted in a month with probability :data:`EXEMPT_SHARE`: the row is
written with ``in_target_group = false``. Persons who are not obliged have no rows.

Availability weights are drawn once per person: 1 (85 %), 0.5 (10 %) or 0.25 (5 %).

Searches
--------
A person-month is red (0 searches) with probability ``sigmoid(a_k + b_kt + s_k · z_i + f_k · r)``:
``a_k`` is the municipality's planted search propensity, ``b_kt`` a month shock, ``z_i`` a person's
lasting (standard normal) propensity, ``s_k`` how strongly it persists, and ``r`` = 1 if the person
was red in one of the three months before: the jobcentre's follow-up of a red month then changes
the odds by ``f_k`` (typically strongly negative: most red persons search again; about zero or
positive where follow-up is lacking, so the same persons stay red — what criterion 3 measures).
In a planted bad or streak month the follow-up term is left out. A person who is not red
is green with probability ``sigmoid(g_k + 0.8 · y_i)`` and registers at least the (weighted)
green threshold ``ceil(6 · w)`` searches, otherwise between 1 and that threshold minus 1.

Planted municipal differences (so that the three action criteria fire somewhere at full scale
and at scale 0.1): a *bad month* (one month's red share lifted to about 60 %), a *streak* (five
consecutive months around 47 %, broken by one ordinary month and followed by one more such
month), and *persistence* (a high ``s_k``, no follow-up effect and a raised red level). København has a streak and
persistence, Aarhus a bad month, Odense persistence, Aalborg a streak; every other municipality
draws each pattern with a small probability from its own random stream.

Each municipality uses its own stream ``default_rng([seed, kommunekode, STREAM])``, so the
joblog neither depends on the order of municipalities nor changes any other generated file.
"""

from __future__ import annotations

import datetime as dt

import numpy as np
import pyarrow as pa

__all__ = [
    "STREAM",
    "SCHEMA",
    "JOBLOG_CODE",
    "OBLIGED_SHARE",
    "EXEMPT_SHARE",
    "week_months",
    "month_labels",
    "municipality_joblog",
]

STREAM = 0x70B106
JOBLOG_CODE = 701  # Kontanthjælp, jobparat
OBLIGED_SHARE = 0.64  # calibrated: ~14,000 in the target group a month at full scale
EXEMPT_SHARE = 0.04
WEIGHTS = (1.0, 0.5, 0.25)
WEIGHT_P = (0.85, 0.10, 0.05)
GREEN_SEARCHES = 6

BASE_RED = -1.3  # logit of the typical red level (before the person spread)
BASE_RED_SD = 0.30
PERSON_SD = 0.5
MONTH_SD = 0.10
BASE_GREEN = 0.75  # logit of P(green | not red)
BASE_GREEN_SD = 0.35
BAD_MONTH = 0.55  # logit of the level a bad month is lifted to (~62 % before the person spread)
STREAK = -0.05  # logit of the level of a streak month (~48 %)
PERSISTENT_SD = 1.5
PERSISTENT_SHIFT = 0.55
FOLLOW_UP = -1.2  # change in the odds of red after a red month (logit), typical municipality
FOLLOW_UP_SD = 0.3
PERSISTENT_FOLLOW_UP = 0.4
# Planted patterns of the large municipalities (whatever the seed).
FIXED = {101: ("streak", "persistence"), 751: ("bad_month",), 461: ("persistence",), 851: ("streak",)}
P_PATTERN = {"bad_month": 0.07, "streak": 0.05, "persistence": 0.06}

SCHEMA = pa.schema(
    [
        ("person_id", pa.int64()),
        ("kommunekode", pa.int16()),
        ("month", pa.dictionary(pa.int8(), pa.string())),
        ("in_target_group", pa.bool_()),
        ("availability_weight", pa.float64()),
        ("searches", pa.int16()),
    ]
)


def week_months(mondays: list[dt.date], first_year: int) -> np.ndarray:
    """Month index (0 = January of ``first_year``) of each week: the month of its Thursday."""
    thursdays = [d + dt.timedelta(days=3) for d in mondays]
    return np.array([(t.year - first_year) * 12 + t.month - 1 for t in thursdays], dtype=np.int16)


def month_labels(first_year: int, n_months: int) -> pa.Array:
    return pa.array([f"{first_year + i // 12}-{i % 12 + 1:02d}" for i in range(n_months)])


def _sigmoid(x: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-x))


def _patterns(kommunekode: int, rng: np.random.Generator) -> set[str]:
    draws = {name: rng.random() < p for name, p in P_PATTERN.items()}  # always drawn: same stream use
    return set(FIXED[kommunekode]) if kommunekode in FIXED else {n for n, hit in draws.items() if hit}


def _month_shift(
    a: float, patterns: set[str], n_months: int, rng: np.random.Generator
) -> tuple[np.ndarray, np.ndarray]:
    """Per month: what is added to the municipality's level ``a``, and whether it is planted."""
    shift = rng.normal(0.0, MONTH_SD, n_months)
    planted = np.zeros(n_months, bool)
    bad_at = int(rng.integers(2, n_months))
    streak_at = int(rng.integers(1, n_months - 7))
    if "streak" in patterns:
        # five months around 48 %, one ordinary month, then one more: a streak broken by one month
        shift[streak_at : streak_at + 5] = STREAK - a
        shift[streak_at + 6] = STREAK - a
        planted[streak_at : streak_at + 5] = planted[streak_at + 6] = True
    if "bad_month" in patterns:
        shift[bad_at] = BAD_MONTH - a
        planted[bad_at] = True
    return shift, planted


def municipality_joblog(
    kommunekode: int,
    ids: np.ndarray,
    person_idx: np.ndarray,
    week_idx: np.ndarray,
    codes: np.ndarray,
    week_month: np.ndarray,
    labels: pa.Array,
    rng: np.random.Generator,
) -> pa.Table:
    """The joblog rows of one municipality, sorted by person and month.

    ``ids`` are the municipality's person ids; ``person_idx``/``week_idx``/``codes`` its weekly
    benefit rows (indices into ``ids`` and into the generated weeks); ``week_month`` maps a week
    index to a month index and ``labels`` a month index to its ``YYYY-MM`` text.
    """
    n_months = len(labels)
    patterns = _patterns(kommunekode, rng)
    a = rng.normal(BASE_RED, BASE_RED_SD)
    s, follow_up = PERSON_SD, rng.normal(FOLLOW_UP, FOLLOW_UP_SD)
    if "persistence" in patterns:
        a, s, follow_up = a + PERSISTENT_SHIFT, PERSISTENT_SD, PERSISTENT_FOLLOW_UP
    g = rng.normal(BASE_GREEN, BASE_GREEN_SD)
    shift, planted = _month_shift(a, patterns, n_months, rng)

    on = codes == JOBLOG_CODE
    pm = np.unique(person_idx[on].astype(np.int64) * n_months + week_month[week_idx[on]])
    people, first = np.unique(pm // n_months, return_index=True)
    obliged = rng.random(people.size) < OBLIGED_SHARE
    weight = np.asarray(WEIGHTS)[rng.choice(len(WEIGHTS), size=people.size, p=WEIGHT_P)]
    z = rng.standard_normal(people.size)
    y = rng.standard_normal(people.size)
    counts = np.diff(np.append(first, pm.size))
    who = np.repeat(np.arange(people.size), counts)  # person (index into people) of each row
    keep = obliged[who]
    pm, who = pm[keep], who[keep]
    month = (pm % n_months).astype(np.int64)
    n = pm.size

    u_red, u_green, u_n, u_exempt = rng.random(n), rng.random(n), rng.random(n), rng.random(n)
    red = np.zeros(n, bool)
    last_red = np.full(people.size, -99)
    by_month = np.argsort(month, kind="stable")
    bounds = np.searchsorted(month[by_month], np.arange(n_months + 1))
    for t in range(n_months):
        rows = by_month[bounds[t] : bounds[t + 1]]
        p = who[rows]
        recent = (t - last_red[p] <= 3) & ~planted[t]
        red[rows] = u_red[rows] < _sigmoid(a + shift[t] + s * z[p] + follow_up * recent)
        last_red[p[red[rows]]] = t
    green = ~red & (u_green < _sigmoid(g + 0.8 * y[who]))
    w = weight[who]
    threshold = np.maximum(1, np.ceil(GREEN_SEARCHES * w - 1e-9)).astype(np.int64)
    light = ~red & ~green & (threshold > 1)
    green |= ~red & ~green & (threshold == 1)
    searches = np.zeros(n, np.int64)
    searches[green] = threshold[green] + rng.poisson(3.0 * w[green])
    span = np.maximum(threshold - 1, 1)
    searches[light] = 1 + np.floor(u_n[light] * span[light]).astype(np.int64)
    return pa.table(
        {
            "person_id": ids[people[who]].astype(np.int64),
            "kommunekode": np.full(n, kommunekode, np.int16),
            "month": pa.DictionaryArray.from_arrays(pa.array(month, pa.int8()), labels),
            "in_target_group": u_exempt >= EXEMPT_SHARE,
            "availability_weight": w,
            "searches": searches.astype(np.int16),
        },
        schema=SCHEMA,
    )
