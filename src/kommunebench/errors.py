"""One exception tree for kommunebench.

Every error a user can cause derives from :class:`KommunebenchError`; the CLI turns it into one
clear line, the API (later) into one JSON error shape. Programming errors stay ordinary Python
exceptions.
"""

from __future__ import annotations

__all__ = [
    "KommunebenchError",
    "ConfigError",
    "ReferenceDataError",
    "ValidationError",
    "WarehouseError",
    "NotFoundError",
    "AuthenticationError",
    "PermissionDeniedError",
    "InsufficientDataError",
    "SourceError",
    "WarehouseBusyError",
    "IntegrityError",
    "RateLimitedError",
]


_MAX_VALUE = 80  # characters of an offending value quoted in a message


class KommunebenchError(Exception):
    """Base class of every domain error."""


class ConfigError(KommunebenchError):
    """A setting or option has a value the product cannot use."""


class ReferenceDataError(KommunebenchError):
    """An unknown municipality, benefit code, scope, period or similar reference lookup."""


class NotFoundError(KommunebenchError):
    """A requested object (run, snapshot, municipality) does not exist."""


class InsufficientDataError(KommunebenchError):
    """The warehouse lacks data a stage needs for a period (persons, benefit weeks, labour market)."""


class AuthenticationError(KommunebenchError):
    """No valid credentials: a missing, unknown or revoked API token (HTTP 401)."""


class RateLimitedError(AuthenticationError):
    """Too many failed log-ins with a token id or from an address: wait ``retry_after`` seconds (HTTP 429)."""

    def __init__(self, message: str, *, retry_after: int) -> None:
        self.retry_after = retry_after
        super().__init__(message)


class PermissionDeniedError(KommunebenchError):
    """Valid credentials whose role does not allow the request (HTTP 403)."""


class SourceError(KommunebenchError):
    """A remote data source (jobindsats, StatBank) refused the key, failed or answered nonsense."""


class WarehouseError(KommunebenchError):
    """The warehouse file cannot be opened, is of an unknown schema version, or is locked."""


class WarehouseBusyError(WarehouseError):
    """Another process holds the warehouse file longer than the bounded wait (retry later)."""


class IntegrityError(WarehouseError):
    """A stored record fails its integrity check (a broken MAC chain or anchor): tampering, not a retry."""


class ValidationError(KommunebenchError):
    """Input data broke a rule. Names the file, the row (or key), the column and the rule.

    ``row`` is 1-based over data rows (the header is not counted); for CSV files ``line`` is the
    physical line number in the file as an editor shows it.
    """

    def __init__(
        self,
        rule: str,
        *,
        file: str | None = None,
        row: int | str | None = None,
        column: str | None = None,
        value: object = None,
        more: int = 0,
        line: int | None = None,
    ) -> None:
        self.rule = rule
        self.file = file
        self.row = row
        self.column = column
        self.value = value
        self.more = more
        self.line = line
        super().__init__(self._message())

    def _message(self) -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.row is not None:
            where = f"række {self.row}"
            if self.line is not None:
                where += f" (linje {self.line})"
            parts.append(where)
        if self.column:
            parts.append(f"kolonne '{self.column}'")
        head = ", ".join(parts)
        msg = f"{head}: {self.rule}" if head else self.rule
        if self.value is not None:
            text = repr(self.value)
            if len(text) > _MAX_VALUE:  # a refusal never echoes a whole (possibly huge) value
                text = f"{text[:_MAX_VALUE]}… ({len(text):,} tegn)"
            msg += f" (fundet {text})"
        if self.more:
            msg += f"; yderligere {self.more} række(r) bryder samme regel"
        return msg
