"""The minimum-volatility choice of the subsample size m (Politis, Romano & Wolf 1999)."""

from __future__ import annotations

import numpy as np
import pytest

from kommunebench.efficiency import compute_efficiency, dea_data
from kommunebench.efficiency.volatility import candidate_sizes, min_volatility
from kommunebench.errors import ConfigError


def test_the_rule_takes_the_size_where_the_intervals_are_most_stable():
    sizes = [5, 8, 12, 17, 23, 30]
    # intervals that move a lot at small and large m and hardly around m = 17
    lows = {5: 0.50, 8: 0.60, 12: 0.70, 17: 0.71, 23: 0.72, 30: 0.90}

    def run(m: int) -> dict[str, np.ndarray]:
        return {"lower": np.array([lows[m], lows[m] - 0.1]), "upper": np.array([1.0, np.inf])}

    chosen, summary, vol = min_volatility(sizes, run)
    assert chosen == 17 and summary["lower"][0] == 0.71
    assert set(vol) == {8, 12, 17, 23} and vol[17] == min(vol.values())
    assert min_volatility([5, 8], run)[0] == 8  # too few sizes for a window: the middle one


def test_min_volatility_through_compute_efficiency():
    seed = int(np.random.SeedSequence().entropy % 2**31)
    print(f"seed {seed}")
    rng = np.random.default_rng(seed)
    x = rng.uniform(1, 10, (60, 1))
    y = x**0.6 * rng.uniform(0.6, 1.0, (60, 2))
    data = dea_data(tuple(range(60)), x, y)
    res = compute_efficiency(data, bootstrap=40, seed=seed, subsample_exponent="min_volatility")
    assert res.bootstrap is not None and res.bootstrap.subsample in candidate_sizes(60)
    assert np.nanmin(res.bootstrap.upper - res.bootstrap.lower) >= 0
    with pytest.raises(ConfigError, match="min_volatility"):
        compute_efficiency(data, bootstrap=40, subsample_exponent="max_volatility")
