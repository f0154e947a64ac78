"""What every writer of the report stage shares: the public view it renders and atomic file writes."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kommunebench import settings
from kommunebench.benchmark.lists import BenchmarkLists
from kommunebench.errors import ConfigError
from kommunebench.publish import PublicRun, public_view

__all__ = ["View", "as_view", "default_threshold", "file_path", "folder_path", "write_atomic"]

View = PublicRun | BenchmarkLists


def default_threshold() -> int:
    """The publication threshold: the ``suppress_below`` setting (default 5 persons)."""
    return settings.get_int("suppress_below")


def as_view(view: object, run_meta: Mapping[str, object] | None = None) -> PublicRun:
    """``view`` itself, or the public view of ``BenchmarkLists`` (threshold: the setting).

    ``run_meta`` (run id, scope, fingerprint, ...) goes into the view's "Om kørslen" rows; a
    :class:`~kommunebench.publish.PublicRun` already carries its rows, so it takes none.
    """
    if run_meta is not None and not isinstance(run_meta, Mapping):
        raise ConfigError("run_meta must be a mapping (e.g. a dict) or None")
    if isinstance(view, PublicRun):
        if run_meta is not None:
            raise ConfigError("a PublicRun carries its own run metadata: pass run_meta to publish.public_view")
        return view
    if isinstance(view, BenchmarkLists):
        return public_view(view, threshold=default_threshold(), run_meta=run_meta)
    raise ConfigError(f"expected a publish.PublicRun or BenchmarkLists, got {type(view).__name__}")


def file_path(path: str | Path, suffixes: tuple[str, ...]) -> Path:
    """``path`` (given the first of ``suffixes`` unless it has one of them); its folder is created."""
    path = Path(path)
    if path.exists() and path.is_dir():
        raise ConfigError(f"{path} is a folder; give a file name")
    if suffixes and path.suffix.lower() not in suffixes:
        path = path.with_suffix(suffixes[0])
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def folder_path(path: str | Path) -> Path:
    out = Path(path)
    if out.exists() and not out.is_dir():
        raise ConfigError(f"{out} exists and is not a folder")
    out.mkdir(parents=True, exist_ok=True)
    return out


def write_atomic(path: Path, data: bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path`` and move it into place."""
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_bytes(data)
    tmp.replace(path)
    return path
