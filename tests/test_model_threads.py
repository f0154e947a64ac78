"""The model stage's BLAS threads are pinned inside ``pinned_blas`` and restored after it."""

from __future__ import annotations

import numpy as np
import pytest
from threadpoolctl import threadpool_info

from kommunebench.errors import ConfigError
from kommunebench.model.threads import blas_threads, pinned_blas, usable_cores


def _blas() -> list[int]:
    return [p["num_threads"] for p in threadpool_info() if p["user_api"] == "blas"]


def test_pinned_blas_limits_and_restores_the_pools(monkeypatch):
    np.ones((4, 4)) @ np.ones((4, 4))  # NumPy's BLAS is loaded
    before = _blas()
    assert before, "no BLAS thread pool found"
    with pinned_blas() as n:  # default setting: one thread
        assert n == 1 and _blas() == [1] * len(before)
    assert _blas() == before
    monkeypatch.setenv("KOMMUNEBENCH_BLAS_THREADS", "0")
    with pinned_blas() as n:
        assert n == usable_cores() and set(_blas()) <= {n, *before}
    assert blas_threads(2) == 2


def test_negative_thread_count_is_refused():
    with pytest.raises(ConfigError, match="blas_threads"):
        blas_threads(-1)
