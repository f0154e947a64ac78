"""BLAS threads of the model stage, pinned for the accumulation.

The accumulation multiplies ~32k-row blocks (``block.T @ block``) while DuckDB's own worker
threads stream the next batches. A multi-threaded BLAS then competes with DuckDB for the same
cores, and on a busy machine its spinning threads over-subscribe them: the full-scale model
stage went from ≈ 3 s to 41–49 s at a load average of ≈ 6 (issue 15). :func:`pinned_blas`
limits the BLAS thread pools (OpenBLAS, MKL, BLIS — via ``threadpoolctl``) for the duration of
the model stage and restores them afterwards; the blocks are small (a few dozen columns), so
one thread costs almost nothing on a quiet machine.

Setting ``blas_threads`` (``KOMMUNEBENCH_BLAS_THREADS``): default 1; 0 = as many as the cores
this process may run on (``os.sched_getaffinity``).
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from contextlib import contextmanager

from threadpoolctl import threadpool_limits

from kommunebench import settings
from kommunebench.errors import ConfigError

__all__ = ["pinned_blas", "blas_threads", "usable_cores"]


def usable_cores() -> int:
    """The cores this process may run on (its CPU affinity), at least 1."""
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - platforms without affinity
        return max(1, os.cpu_count() or 1)


def blas_threads(threads: int | None = None) -> int:
    """The BLAS thread count to use: ``threads`` or the setting; 0 means :func:`usable_cores`."""
    n = settings.get_int("blas_threads", threads)
    if n < 0:
        raise ConfigError(f"blas_threads must be 0 (all usable cores) or a positive number, got {n}")
    return n or usable_cores()


@contextmanager
def pinned_blas(threads: int | None = None) -> Iterator[int]:
    """Limit the BLAS thread pools inside the block; yields the thread count in force."""
    n = blas_threads(threads)
    with threadpool_limits(limits=n, user_api="blas"):
        yield n
