"""Which input files a load reads: a folder of ``<kind>.parquet``/``<kind>.csv`` files, one such
file, or a mapping kind → path (see :mod:`kommunebench.data.load`)."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

from kommunebench.data.schemas import KINDS
from kommunebench.data.validate import FORMATS
from kommunebench.errors import ValidationError

__all__ = ["find_sources", "format_of"]


def format_of(path: Path) -> str:
    ext = path.name.partition(".")[2].lower()
    if ext not in FORMATS:
        raise ValidationError(
            f"unknown file extension {'.' + ext if ext else '(none)'!r}: use .parquet or .csv", file=path.name
        )
    return FORMATS[ext]


def find_sources(sources: str | Path | Mapping[str, str | Path]) -> tuple[dict[str, Path], list[str]]:
    """(kind → file, ignored file names) for a directory or a mapping kind → path."""
    known = ", ".join(KINDS)
    files: dict[str, Path] = {}
    ignored: list[str] = []
    if isinstance(sources, Mapping):
        for kind, p in sources.items():
            if kind not in KINDS:
                raise ValidationError(f"unknown input kind {kind!r} (known: {known})", file=str(p))
            path = Path(p)
            format_of(path)
            if not path.is_file():
                raise ValidationError("the file does not exist", file=str(path))
            files[kind] = path
        if not files:
            raise ValidationError("nothing to load: the mapping of kinds to files is empty")
        return files, ignored
    folder = Path(sources)
    if not folder.exists():
        raise ValidationError(f"{folder} does not exist")
    if folder.is_file():
        kind = folder.name.partition(".")[0]
        if kind not in KINDS:
            raise ValidationError(
                f"cannot tell the kind of {folder.name}: name it <kind>.parquet or <kind>.csv (kinds: {known})",
                file=folder.name,
            )
        format_of(folder)
        return {kind: folder}, ignored
    for path in sorted(folder.iterdir()):
        kind = path.name.partition(".")[0]
        if not path.is_file() or kind not in KINDS:
            ignored.append(path.name)
            continue
        format_of(path)
        if kind in files:
            raise ValidationError(f"two files for {kind}: {files[kind].name} and {path.name}; keep one", file=path.name)
        files[kind] = path
    if not files:
        raise ValidationError(
            f"no input files found in {folder}: expected files named <kind>.parquet or <kind>.csv, kinds: {known}"
        )
    return files, ignored
