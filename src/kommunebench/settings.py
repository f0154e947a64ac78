"""Settings as data: every knob has a name, a default, a help text and an environment variable.

Resolution order for a setting: an explicit CLI option > the environment variable > the default.
``docs/settings.md`` documents every setting (a test checks that it does).
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from kommunebench.errors import ConfigError

__all__ = ["Setting", "SETTINGS", "get", "home_dir", "db_path"]


@dataclass(frozen=True, slots=True)
class Setting:
    name: str
    default: object
    help: str
    env: str
    kind: type = str

    def resolve(self, explicit: object = None) -> object:
        if explicit is not None:
            return explicit
        raw = os.environ.get(self.env)
        if raw is None or raw == "":
            return self.default
        try:
            return self.kind(raw)
        except ValueError as exc:
            raise ConfigError(f"environment variable {self.env}={raw!r} is not a valid {self.kind.__name__}") from exc


def _default_home() -> str:
    base = os.environ.get("XDG_DATA_HOME") or str(Path.home() / ".local" / "share")
    return str(Path(base) / "kommunebench")


SETTINGS: dict[str, Setting] = {
    s.name: s
    for s in [
        Setting("home", None, "Folder for the warehouse, synthetic data and exports "
                "(default: $XDG_DATA_HOME/kommunebench, i.e. ~/.local/share/kommunebench).",
                "KOMMUNEBENCH_HOME"),
        Setting("db", None, "Path of the DuckDB warehouse file (default: <home>/warehouse.duckdb).",
                "KOMMUNEBENCH_DB"),
        Setting("seed", 20181102, "Seed of the synthetic Denmark generator (default: the date the "
                "ministry's benchmark started).", "KOMMUNEBENCH_SEED", int),
        Setting("demo_scale", 0.1, "Fraction of the real 16-66 population that `kommunebench demo` "
                "generates.", "KOMMUNEBENCH_DEMO_SCALE", float),
        Setting("scope", "2019", "Default benefit scope: 2018, 2019 or extended.", "KOMMUNEBENCH_SCOPE"),
        Setting("threads", 0, "DuckDB worker threads (0 = DuckDB's default: all cores).",
                "KOMMUNEBENCH_THREADS", int),
        Setting("memory_limit", "", "DuckDB memory limit such as '8GB' (empty = DuckDB's default, "
                "80 % of RAM).", "KOMMUNEBENCH_MEMORY_LIMIT"),
        # The joblog follow-up (kommunebench.alerts; docs/joblog.md).
        Setting("joblog_publication_lag", 3, "Joblog publication calendar: data for month m are "
                "published on the first day of month m + this many months (3: January in April).",
                "KOMMUNEBENCH_JOBLOG_PUBLICATION_LAG", int),
        Setting("joblog_green_searches", 6, "Joblog smileys: registered job searches in a month for a "
                "green smiley of a fully available person (scaled by the availability weight, rounded "
                "up); 0 searches is red, anything between light green.",
                "KOMMUNEBENCH_JOBLOG_GREEN_SEARCHES", int),
        Setting("joblog_min_red", 20, "Joblog follow-up: a municipality-month is eligible only if at "
                "least this many persons have a red smiley.", "KOMMUNEBENCH_JOBLOG_MIN_RED", int),
        Setting("joblog_min_target_group", 40, "Joblog follow-up: a municipality-month is eligible "
                "only if the target group is over this size; municipalities at or under it go on the "
                "yearly review list.", "KOMMUNEBENCH_JOBLOG_MIN_TARGET_GROUP", int),
        Setting("joblog_c1_red_share", 50.0, "Criterion 1 (immediate action): red share at or above "
                "this (pct.) in a month.", "KOMMUNEBENCH_JOBLOG_C1_RED_SHARE", float),
        Setting("joblog_c2_red_share", 40.0, "Criterion 2 (after observation): red share above this "
                "(pct.) in each of joblog_c2_months consecutive months.",
                "KOMMUNEBENCH_JOBLOG_C2_RED_SHARE", float),
        Setting("joblog_c2_months", 3, "Criterion 2: the number of consecutive months.",
                "KOMMUNEBENCH_JOBLOG_C2_MONTHS", int),
        Setting("joblog_c3_share", 25.0, "Criterion 3 (continued no job search): more than this "
                "share (pct.) of the persons red in the measurement month are still in the target "
                "group with no job search joblog_c3_months_after months later.",
                "KOMMUNEBENCH_JOBLOG_C3_SHARE", float),
        Setting("joblog_c3_months_after", 3, "Criterion 3: how many months after the measurement "
                "month the cohort is looked at again (3 = the third month after).",
                "KOMMUNEBENCH_JOBLOG_C3_MONTHS_AFTER", int),
        Setting("joblog_best_municipalities", 5, "Letter drafts: how many municipalities with the "
                "lowest red shares the minister's letter names to learn from.",
                "KOMMUNEBENCH_JOBLOG_BEST_MUNICIPALITIES", int),
        Setting("joblog_templates", "", "Letter templates: a folder of <action>.txt.j2 files (or one "
                "template file) that replaces the shipped Danish templates (empty = shipped ones; a "
                "folder lacking an action's file falls back to the shipped one).",
                "KOMMUNEBENCH_JOBLOG_TEMPLATES"),
        Setting("host", "127.0.0.1", "Address `kommunebench serve` listens on (0.0.0.0 = all "
                "interfaces).", "KOMMUNEBENCH_HOST"),
        Setting("port", 8000, "TCP port of `kommunebench serve`.", "KOMMUNEBENCH_PORT", int),
        Setting("suppress_below", 5, "Public aggregates: cells counting fewer persons than this are "
                "suppressed (shown empty and flagged).", "KOMMUNEBENCH_SUPPRESS_BELOW", int),
    ]
}


def get(name: str, explicit: object = None) -> object:
    try:
        return SETTINGS[name].resolve(explicit)
    except KeyError:
        raise ConfigError(f"unknown setting {name!r}") from None


def home_dir(explicit: str | Path | None = None) -> Path:
    value = get("home", explicit)
    return Path(value if value else _default_home()).expanduser()


def db_path(explicit: str | Path | None = None) -> Path:
    value = get("db", explicit)
    return Path(value).expanduser() if value else home_dir() / "warehouse.duckdb"
