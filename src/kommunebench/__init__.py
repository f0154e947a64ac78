"""kommunebench: benchmarking Denmark's 98 municipalities on their employment efforts.

The pipeline runs ``data → model → benchmark → alerts/kpi → report``; ``cli``, ``api`` and
``web`` are thin edges that call the stages. See ``docs/architecture.md``.
"""

from importlib.metadata import PackageNotFoundError, version

from kommunebench.errors import (
    ConfigError,
    KommunebenchError,
    NotFoundError,
    ReferenceDataError,
    ValidationError,
    WarehouseError,
)

try:
    __version__ = version("kommunebench")
except PackageNotFoundError:  # running from a source tree without installation
    __version__ = "0.0.0+unknown"

__all__ = [
    "__version__",
    "ConfigError",
    "KommunebenchError",
    "NotFoundError",
    "ReferenceDataError",
    "ValidationError",
    "WarehouseError",
]
