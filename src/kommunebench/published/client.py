"""The live jobindsats client (``kommunebench fetch jobindsats``): v3 by default, v2 on request.

* **v3**: ``GET <base>/data/<table>?format=json&period.QMAT=<id>&hierarchy._nykom=*&
  hierarchy._ygrp_y30r21=*&mgroup.*=*`` with ``Authorization: Bearer <key>``; reply
  ``{"columns", "rows"}``. One request per period (pages), and a ``Link: <…>; rel="next"``
  header is followed.
* **v2**: ``POST <base>/data/<table>/json`` with ``{"area", "period", "_ygrp_y30r21"}`` and the raw
  key in ``Authorization``; reply ``[{"Variables", "Data"}]``, turned into the v3 shape.
* A wrong or expired key (HTTP 401/403, or v2's ``{"Forkert nøgle eller nøglen er udløbet.": ""}``)
  raises :class:`~kommunebench.errors.SourceError` with a message saying what to do.
* Server errors (5xx, 429) and timeouts are retried with doubling back-off (or ``Retry-After``).
* Replies are cached on disk per request (never the key): a repeated fetch needs no network.
"""

from __future__ import annotations

import hashlib
import json
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from kommunebench.errors import ConfigError, SourceError

__all__ = ["JobindsatsClient", "FetchResult", "WRONG_KEY", "TOKEN_ENV", "wrong_key"]

TOKEN_ENV = "KOMMUNEBENCH_JOBINDSATS_TOKEN"


def wrong_key(name: str = TOKEN_ENV) -> str:
    """The message for a refused key that came from environment variable ``name``."""
    return (
        "jobindsats afviste API-nøglen (forkert eller udløbet). Søg om en nøgle hos jobindsats@star.dk "
        f"og sæt den i {name} (v3 bruger 'Bearer'-nøgler; v2 lukkede 30.9.2026)."
    )


WRONG_KEY = wrong_key()
_RETRY = {429, 500, 502, 503, 504}


@dataclass(frozen=True)
class FetchResult:
    """Rows in the v3 shape, and how they were got."""

    columns: tuple[str, ...]
    rows: tuple[tuple[Any, ...], ...]
    requests: int
    cached: int
    retries: int

    def as_v3(self) -> dict[str, Any]:
        return {"columns": list(self.columns), "rows": [list(r) for r in self.rows]}


@dataclass
class JobindsatsClient:
    """One API (``api`` ``v3`` or ``v2``) at ``base_url`` with ``token``; see the module docstring."""

    base_url: str
    token: str
    api: str = "v3"
    retries: int = 3
    backoff: float = 0.5
    timeout: float = 30.0
    cache_dir: Path | None = None
    refresh: bool = False
    sleep: Callable[[float], None] = time.sleep
    token_name: str = TOKEN_ENV  # where the key came from (named in the messages)
    _stats: dict[str, int] = field(default_factory=lambda: {"requests": 0, "cached": 0, "retries": 0})

    def __post_init__(self) -> None:
        if self.api not in {"v2", "v3"}:
            raise ConfigError(f"ukendt API-version {self.api!r}: vælg v3 eller v2")
        if not self.token:
            raise SourceError(f"ingen jobindsats-nøgle: sæt {self.token_name} eller brug --token-env")
        self.base_url = self.base_url.rstrip("/")

    def data(
        self, table: str, *, periods: Sequence[str], areas: Sequence[str] = ("*",), groups: Sequence[str] = ("*",)
    ) -> FetchResult:
        """All rows of ``table`` for ``periods`` (one request per period), in the v3 shape."""
        if not periods:
            raise ConfigError("angiv mindst én periode (fx --period 2022QMAT04)")
        columns: tuple[str, ...] = ()
        rows: list[tuple[Any, ...]] = []
        for period in periods:
            for cols, part in self._pages(table, period, areas, groups):
                if columns and cols != columns:
                    raise SourceError(f"jobindsats svarede med andre kolonner for {period} end for de første perioder")
                columns = cols
                rows += part
        s = self._stats
        return FetchResult(columns, tuple(rows), s["requests"], s["cached"], s["retries"])

    def _pages(self, table: str, period: str, areas: Sequence[str], groups: Sequence[str]):
        if self.api == "v2":
            body = {"area": list(areas) if areas != ("*",) else "*", "period": [period], "_ygrp_y30r21": list(groups)}
            doc, _ = self._call(f"{self.base_url}/data/{table}/json", body)
            yield _from_v2(doc)
            return
        query = {
            "format": "json",
            "mgroup.*": "*",
            "period.QMAT": period,
            "hierarchy._nykom": ",".join(areas),
            "hierarchy._ygrp_y30r21": ",".join(groups),
        }
        url: str | None = f"{self.base_url}/data/{table}?{urllib.parse.urlencode(query)}"
        while url:
            doc, nxt = self._call(url, None)
            if not (isinstance(doc, dict) and "columns" in doc and "rows" in doc):
                raise SourceError(f'jobindsats svarede ikke i v3-formen {{"columns", "rows"}}: {str(doc)[:120]}')
            yield tuple(str(c) for c in doc["columns"]), [tuple(r) for r in doc["rows"]]
            url = urllib.parse.urljoin(url, nxt) if nxt else None

    def _cache_path(self, url: str, body: object) -> Path | None:
        if self.cache_dir is None:
            return None
        key = hashlib.sha256(json.dumps([self.api, url, body], sort_keys=True).encode()).hexdigest()
        return self.cache_dir / f"{key[:32]}.json"

    def _call(self, url: str, body: object) -> tuple[Any, str | None]:
        cached = self._cache_path(url, body)
        if cached is not None and cached.exists() and not self.refresh:
            self._stats["cached"] += 1
            entry = json.loads(cached.read_text("utf-8"))
            return entry["body"], entry.get("next")
        doc, nxt = self._request(url, body)
        if cached is not None:
            cached.parent.mkdir(parents=True, exist_ok=True)
            tmp = cached.with_suffix(".tmp")
            tmp.write_text(json.dumps({"url": url, "body": doc, "next": nxt}, ensure_ascii=False), "utf-8")
            tmp.replace(cached)
        return doc, nxt

    def _request(self, url: str, body: object) -> tuple[Any, str | None]:
        auth = f"Bearer {self.token}" if self.api == "v3" else self.token
        data = None if body is None else json.dumps(body, ensure_ascii=False).encode()
        headers = {"Authorization": auth, "Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(self.retries + 1):
            req = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
            self._stats["requests"] += 1
            try:
                with urllib.request.urlopen(req, timeout=self.timeout) as resp:
                    raw = resp.read()
                    nxt = _next_link(resp.headers.get("Link", ""))
                return _decode(raw, self.token_name), nxt
            except urllib.error.HTTPError as exc:
                if exc.code in (401, 403):
                    raise SourceError(wrong_key(self.token_name)) from None
                if exc.code not in _RETRY or attempt == self.retries:
                    text = exc.read()[:200].decode("utf-8", "replace")
                    raise SourceError(f"jobindsats svarede HTTP {exc.code} på {url}: {text}") from None
                wait = _retry_after(exc.headers.get("Retry-After")) or self.backoff * 2**attempt
            except (urllib.error.URLError, TimeoutError, ConnectionError) as exc:
                if attempt == self.retries:
                    reason = getattr(exc, "reason", exc)
                    raise SourceError(f"kan ikke nå jobindsats på {url}: {reason}") from None
                wait = self.backoff * 2**attempt
            self._stats["retries"] += 1
            self.sleep(min(wait, 60.0))
        raise SourceError(f"jobindsats svarede ikke på {url}")  # pragma: no cover - loop always returns


def _decode(raw: bytes, token_name: str = TOKEN_ENV) -> Any:
    try:
        doc = json.loads(raw.decode("utf-8-sig"))
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise SourceError(f"jobindsats svarede ikke med JSON: {raw[:120]!r}") from None
    if isinstance(doc, dict) and len(doc) == 1 and "nøgle" in next(iter(doc)).lower():
        raise SourceError(wrong_key(token_name))
    return doc


def _from_v2(doc: Any) -> tuple[tuple[str, ...], list[tuple[Any, ...]]]:
    if not (isinstance(doc, list) and doc and isinstance(doc[0], dict) and "Variables" in doc[0]):
        raise SourceError(f'jobindsats svarede ikke i v2-formen [{{"Variables", "Data"}}]: {str(doc)[:120]}')
    cols = tuple(str(v.get("Label", "")) for v in doc[0]["Variables"])
    return cols, [tuple(r) for part in doc for r in part.get("Data", [])]


def _next_link(header: str) -> str | None:
    for part in header.split(","):
        if 'rel="next"' in part and "<" in part:
            return part[part.index("<") + 1 : part.index(">")]
    return None


def _retry_after(value: str | None) -> float | None:
    try:
        return float(value) if value else None
    except ValueError:
        return None
