"""Real published data: the jobindsats import (every shape), the live client, the reproduction
report, rank over time and the jobindsats-v3 shape of our own lists (``docs/published.md``).

The figures are public statistics: "Kilde: jobindsats.dk, STAR".
"""

from kommunebench.published.check import Reproduction, reproduce
from kommunebench.published.history import rank_history
from kommunebench.published.importer import ImportReport, fingerprint, import_published, read_published
from kommunebench.published.labels import TABLE
from kommunebench.published.readers import RawTable, read_bytes, read_file
from kommunebench.published.records import PublishedFigures, validate

__all__ = [
    "TABLE",
    "ImportReport",
    "PublishedFigures",
    "RawTable",
    "Reproduction",
    "fingerprint",
    "import_published",
    "rank_history",
    "read_bytes",
    "read_file",
    "read_published",
    "reproduce",
    "validate",
]
