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
