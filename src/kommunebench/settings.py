"""Settings as data: every knob has a name, a default, a help text and an environment variable.

Resolution order for a setting: an explicit CLI option > the environment variable > the default.
``docs/settings.md`` documents every setting (a test checks that it does).
"""

from __future__ import annotations

import operator
import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Generic, SupportsIndex, TypeVar

from kommunebench.errors import ConfigError

__all__ = ["Setting", "SETTINGS", "get", "get_int", "get_float", "get_str", "home_dir", "db_path"]

T = TypeVar("T", int, float, str)


@dataclass(frozen=True, slots=True)
class Setting(Generic[T]):
    """One knob: ``kind`` (``int``, ``float`` or ``str``) is the type of its value; ``default`` is
    ``None`` where the default is computed (``home``, ``db``)."""

    name: str
    default: T | None
    help: str
    env: str
    kind: type[T]

    def resolve(self, explicit: object = None) -> object:
        """The explicit value as given, else the environment variable (parsed), else the default."""
        if explicit is not None:
            return explicit
        raw = os.environ.get(self.env)
        if raw is None or raw == "":
            return self.default
        return self._parse(raw, f"environment variable {self.env}={raw!r}")

    def value(self, explicit: object = None) -> T | None:
        """Like :meth:`resolve`, with an explicit value checked and converted to ``kind``."""
        raw = self.resolve(explicit)
        return None if raw is None else self._coerce(raw)

    def _parse(self, raw: str, what: str) -> T:
        try:
            return self.kind(raw)
        except ValueError as exc:
            raise ConfigError(f"{what} is not a valid {self.kind.__name__}") from exc

    def _coerce(self, raw: object) -> T:
        what = f"setting {self.name}={raw!r}"
        if isinstance(raw, str):
            return self._parse(raw, what)
        if self.kind is str and isinstance(raw, os.PathLike):
            return self.kind(os.fspath(raw))
        if self.kind is int:
            if isinstance(raw, float) and raw.is_integer():
                return self.kind(raw)
            if isinstance(raw, SupportsIndex):  # int, numpy integers
                return self.kind(operator.index(raw))
        if self.kind is float and isinstance(raw, (int, float)):
            return self.kind(raw)
        raise ConfigError(f"{what} is not a valid {self.kind.__name__}")


def _default_home() -> str:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "kommunebench")


_ALL: list[Setting[Any]] = [
    Setting(
        "home",
        None,
        "Folder for the warehouse, synthetic data and exports "
        "(default: $XDG_DATA_HOME/kommunebench, i.e. ~/.local/share/kommunebench).",
        "KOMMUNEBENCH_HOME",
        str,
    ),
    Setting(
        "db", None, "Path of the DuckDB warehouse file (default: <home>/warehouse.duckdb).", "KOMMUNEBENCH_DB", str
    ),
    Setting(
        "seed",
        20181102,
        "Seed of the synthetic Denmark generator (default: the date the ministry's benchmark started).",
        "KOMMUNEBENCH_SEED",
        int,
    ),
    Setting(
        "demo_scale",
        0.1,
        "Fraction of the real 16-66 population that `kommunebench demo` generates.",
        "KOMMUNEBENCH_DEMO_SCALE",
        float,
    ),
    Setting("scope", "2019", "Default benefit scope: 2018, 2019 or extended.", "KOMMUNEBENCH_SCOPE", str),
    Setting("threads", 0, "DuckDB worker threads (0 = DuckDB's default: all cores).", "KOMMUNEBENCH_THREADS", int),
    Setting(
        "blas_threads",
        1,
        "BLAS threads of the model stage's accumulation (0 = the cores this process may use).",
        "KOMMUNEBENCH_BLAS_THREADS",
        int,
    ),
    Setting(
        "memory_limit",
        "",
        "DuckDB memory limit such as '8GB' (empty = DuckDB's default, 80 % of RAM).",
        "KOMMUNEBENCH_MEMORY_LIMIT",
        str,
    ),
    # The joblog follow-up (kommunebench.alerts; docs/joblog.md).
    Setting(
        "joblog_publication_lag",
        3,
        "Joblog publication calendar: data for month m are "
        "published on the first day of month m + this many months (3: January in April).",
        "KOMMUNEBENCH_JOBLOG_PUBLICATION_LAG",
        int,
    ),
    Setting(
        "joblog_green_searches",
        6,
        "Joblog smileys: registered job searches in a month for a "
        "green smiley of a fully available person (scaled by the availability weight, rounded "
        "up); 0 searches is red, anything between light green.",
        "KOMMUNEBENCH_JOBLOG_GREEN_SEARCHES",
        int,
    ),
    Setting(
        "joblog_min_red",
        20,
        "Joblog follow-up: a municipality-month is eligible only if at least this many persons have a red smiley.",
        "KOMMUNEBENCH_JOBLOG_MIN_RED",
        int,
    ),
    Setting(
        "joblog_min_target_group",
        40,
        "Joblog follow-up: a municipality-month is eligible "
        "only if the target group is over this size; municipalities at or under it go on the "
        "yearly review list.",
        "KOMMUNEBENCH_JOBLOG_MIN_TARGET_GROUP",
        int,
    ),
    Setting(
        "joblog_c1_red_share",
        50.0,
        "Criterion 1 (immediate action): red share at or above this (pct.) in a month.",
        "KOMMUNEBENCH_JOBLOG_C1_RED_SHARE",
        float,
    ),
    Setting(
        "joblog_c2_red_share",
        40.0,
        "Criterion 2 (after observation): red share above this (pct.) in each of joblog_c2_months consecutive months.",
        "KOMMUNEBENCH_JOBLOG_C2_RED_SHARE",
        float,
    ),
    Setting(
        "joblog_c2_months", 3, "Criterion 2: the number of consecutive months.", "KOMMUNEBENCH_JOBLOG_C2_MONTHS", int
    ),
    Setting(
        "joblog_c3_share",
        25.0,
        "Criterion 3 (continued no job search): more than this "
        "share (pct.) of the persons red in the measurement month are still in the target "
        "group with no job search joblog_c3_months_after months later.",
        "KOMMUNEBENCH_JOBLOG_C3_SHARE",
        float,
    ),
    Setting(
        "joblog_c3_months_after",
        3,
        "Criterion 3: how many months after the measurement "
        "month the cohort is looked at again (3 = the third month after).",
        "KOMMUNEBENCH_JOBLOG_C3_MONTHS_AFTER",
        int,
    ),
    Setting(
        "joblog_best_municipalities",
        5,
        "Letter drafts: how many municipalities with the lowest red shares the minister's letter names to learn from.",
        "KOMMUNEBENCH_JOBLOG_BEST_MUNICIPALITIES",
        int,
    ),
    Setting(
        "joblog_templates",
        "",
        "Letter templates: a folder of <action>.txt.j2 files (or one "
        "template file) that replaces the shipped Danish templates (empty = shipped ones; a "
        "folder lacking an action's file falls back to the shipped one).",
        "KOMMUNEBENCH_JOBLOG_TEMPLATES",
        str,
    ),
    Setting(
        "host",
        "127.0.0.1",
        "Address `kommunebench serve` listens on (0.0.0.0 = all interfaces).",
        "KOMMUNEBENCH_HOST",
        str,
    ),
    Setting("port", 8000, "TCP port of `kommunebench serve`.", "KOMMUNEBENCH_PORT", int),
    Setting(
        "jobindsats_url",
        "https://api.jobindsats.dk/v3",
        "Base URL of the jobindsats API used by `kommunebench fetch jobindsats` (v2: .../v2).",
        "KOMMUNEBENCH_JOBINDSATS_URL",
        str,
    ),
    Setting(
        "jobindsats_token",
        "",
        "Your jobindsats API key (sent as a Bearer token to v3, raw to v2); never stored in files.",
        "KOMMUNEBENCH_JOBINDSATS_TOKEN",
        str,
    ),
    Setting(
        "jobindsats_retries",
        3,
        "Retries of a failed jobindsats request (server error, timeout), with doubling back-off.",
        "KOMMUNEBENCH_JOBINDSATS_RETRIES",
        int,
    ),
    Setting(
        "key_dir",
        None,
        "Folder of the integrity key and anchors of the case log and audit trail, kept outside the "
        "warehouse (default: $XDG_CONFIG_HOME/kommunebench, i.e. ~/.config/kommunebench).",
        "KOMMUNEBENCH_KEY_DIR",
        str,
    ),
    Setting(
        "write_wait",
        60.0,
        "Seconds a writer waits (with back-off, said on stderr) for another writer before giving up.",
        "KOMMUNEBENCH_WRITE_WAIT",
        float,
    ),
    Setting(
        "suppress_below",
        5,
        "Public aggregates: cells counting fewer persons than this are suppressed (shown empty and flagged).",
        "KOMMUNEBENCH_SUPPRESS_BELOW",
        int,
    ),
    Setting(
        "accessibility_contact",
        "",
        "Contact (e-mail or web form) named on the accessibility statement /tilgaengelighed.",
        "KOMMUNEBENCH_ACCESSIBILITY_CONTACT",
        str,
    ),
]
SETTINGS: dict[str, Setting[Any]] = {s.name: s for s in _ALL}


def _setting(name: str) -> Setting[Any]:
    try:
        return SETTINGS[name]
    except KeyError:
        raise ConfigError(f"unknown setting {name!r}") from None


def get(name: str, explicit: object = None) -> object:
    """The value of setting ``name`` (untyped; prefer :func:`get_int`, :func:`get_float`,
    :func:`get_str`)."""
    return _setting(name).resolve(explicit)


def _typed(name: str, kind: type) -> Setting[Any]:
    s = _setting(name)
    if s.kind is not kind:
        raise ConfigError(
            f"setting {name!r} is of kind {s.kind.__name__}, not {kind.__name__} (use get_{s.kind.__name__})"
        )
    return s


def get_int(name: str, explicit: object = None) -> int:
    """The value of the whole-number setting ``name`` (an explicit value wins; it must be whole)."""
    value = _typed(name, int).value(explicit)
    if value is None:
        raise ConfigError(f"setting {name!r} has no value")
    return int(value)


def get_float(name: str, explicit: object = None) -> float:
    """The value of the decimal setting ``name`` (an explicit value wins)."""
    value = _typed(name, float).value(explicit)
    if value is None:
        raise ConfigError(f"setting {name!r} has no value")
    return float(value)


def get_str(name: str, explicit: object = None) -> str:
    """The value of the text setting ``name`` (an explicit value wins; a path is accepted as its
    text). ``""`` when the setting has no value (``home``, ``db`` and ``memory_limit`` unset)."""
    value = _typed(name, str).value(explicit)
    return "" if value is None else str(value)


def home_dir(explicit: str | Path | None = None) -> Path:
    value = get_str("home", explicit)
    return Path(value if value else _default_home()).expanduser()


def db_path(explicit: str | Path | None = None) -> Path:
    value = get_str("db", explicit)
    return Path(value).expanduser() if value else home_dir() / "warehouse.duckdb"
