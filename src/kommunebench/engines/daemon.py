"""The Python daemon of the Spark engine's workers: pyspark's own, with the task's modules loaded.

pyspark forks every Python worker from one daemon process per executor
(``spark.python.daemon.module``). A worker of the bucketed task imports ``kommunebench``,
DuckDB, NumPy and PyArrow (≈ 1.3 CPU-seconds, most of it the model's SciPy and pandas); loaded
here once, before the daemon forks, every worker starts with them in memory instead of each
importing them again (:func:`kommunebench.engines.spark.spark_session` sets this module).
"""

from __future__ import annotations

from pyspark import daemon

import kommunebench.engines.bucketed  # noqa: F401  (loaded before the fork: the task's modules)

if __name__ == "__main__":
    daemon.manager()
