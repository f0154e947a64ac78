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
            f"ukendt filendelse {'.' + ext if ext else '(ingen)'!r}: brug .parquet eller .csv", file=path.name
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
                raise ValidationError(f"ukendt datatype {kind!r} (kendte: {known})", file=str(p))
            path = Path(p)
            format_of(path)
            if not path.is_file():
                raise ValidationError("filen findes ikke", file=str(path))
            files[kind] = path
        if not files:
            raise ValidationError("intet at indlæse: tilknytningen af datatyper til filer er tom")
        return files, ignored
    folder = Path(sources)
    if not folder.exists():
        raise ValidationError(f"{folder} findes ikke")
    if folder.is_file():
        kind = folder.name.partition(".")[0]
        if kind not in KINDS:
            raise ValidationError(
                f"kan ikke se datatypen for {folder.name}: kald filen <datatype>.parquet eller "
                f"<datatype>.csv (datatyper: {known})",
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
            raise ValidationError(f"to filer for {kind}: {files[kind].name} og {path.name}; behold én", file=path.name)
        files[kind] = path
    if not files:
        raise ValidationError(
            f"ingen datafiler fundet i {folder}: forventede filer med navnet <datatype>.parquet "
            f"eller <datatype>.csv (datatyper: {known})"
        )
    return files, ignored
