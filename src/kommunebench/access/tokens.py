"""API tokens and roles: who may call what (used by the API and the CLI alike).

* A token is created by ``kommunebench token create --name NAME --role ROLE`` and shown once:
  ``kb_<token id>_<secret>``. The warehouse keeps only the token id, a random salt and the scrypt
  hash of the secret (``hashlib.scrypt``, n=2**14, r=8, p=1), never the token itself.
* Roles: ``analyst`` (the agency's analyst: may write the joblog case log) and
  ``municipality:<kommunekode>`` (may see that municipality's non-public views: unsuppressed
  figures and person-level joblog data; any other municipality → 403).
* A request authenticates with ``Authorization: Bearer <token>``. Page views in a browser may use
  the ``kb_session`` cookie instead (set by ``POST /api/v1/session``; HttpOnly, SameSite=Strict);
  writes accept the header only, so a foreign site cannot make a browser write (no CSRF).
* Every write — a case-log entry, creating or revoking a token — adds a row to ``audit_log``
  (who, when, what) in the same transaction as the write itself.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import hmac
import os
import re
import secrets
import threading
from dataclasses import dataclass

import duckdb

from kommunebench.access.audit import audit, cli_actor
from kommunebench.access.ratelimit import LIMITER, Limiter
from kommunebench.data import reference
from kommunebench.data.transactions import transaction
from kommunebench.errors import (
    AuthenticationError,
    ConfigError,
    NotFoundError,
    PermissionDeniedError,
    ReferenceDataError,
)

__all__ = [
    "ANALYST",
    "MUNICIPALITY_PREFIX",
    "Principal",
    "parse_role",
    "create_token",
    "list_tokens",
    "revocable",
    "revoke_token",
    "token_id_of",
    "verify_token",
    "token_table",
    "require_analyst",
    "require_municipality",
]

ANALYST = "analyst"
MUNICIPALITY_PREFIX = "municipality:"
_SCRYPT = {"n": 2**14, "r": 8, "p": 1, "dklen": 32}
_TOKEN_RE = re.compile(r"^kb_([0-9a-f]{12})_([A-Za-z0-9_-]{20,})$")
_DUMMY_SALT = os.urandom(16)  # an unknown id costs the same scrypt as a wrong secret (no oracle)
_verified: dict[bytes, str] = {}  # sha256(token) → token id, after one successful scrypt check
_verified_lock = threading.Lock()


@dataclass(frozen=True)
class Principal:
    """Who is calling: a token's id, name and role."""

    token_id: str
    name: str
    role: str

    @property
    def kommunekode(self) -> int | None:
        if self.role.startswith(MUNICIPALITY_PREFIX):
            return int(self.role[len(MUNICIPALITY_PREFIX) :])
        return None

    @property
    def is_analyst(self) -> bool:
        return self.role == ANALYST

    @property
    def actor(self) -> str:
        return f"{self.name} (token {self.token_id})"

    def describe(self) -> str:
        if self.is_analyst:
            return "analytiker i styrelsen"
        kode = self.kommunekode
        return reference.formal_name(kode) if kode else self.role


def parse_role(text: str) -> str:
    """``analyst`` or ``municipality:<kommunekode or name>`` → the normalised role."""
    raw = str(text).strip()
    if raw.casefold() == ANALYST:
        return ANALYST
    if raw.casefold().startswith(MUNICIPALITY_PREFIX):
        try:
            code = reference.resolve_municipality(raw[len(MUNICIPALITY_PREFIX) :])
        except ReferenceDataError as exc:
            raise ConfigError(f"role {raw!r}: {exc}") from None
        return f"{MUNICIPALITY_PREFIX}{code}"
    raise ConfigError(f"unknown role {raw!r}: use 'analyst' or 'municipality:<kommunekode>' (e.g. municipality:101)")


def _hash(secret: str, salt: bytes) -> bytes:
    return hashlib.scrypt(secret.encode(), salt=salt, **_SCRYPT)


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def create_token(
    con: duckdb.DuckDBPyConnection, *, name: str, role: str, created_by: str | None = None
) -> tuple[str, dict]:
    """Create a token; returns (the token, shown once; its stored row without the hash)."""
    name = str(name).strip()
    if not name or len(name) > 100:
        raise ConfigError("a token needs a name of 1-100 characters (who or what uses it)")
    role = parse_role(role)
    created_by = created_by or cli_actor()
    secret = secrets.token_urlsafe(32)
    salt = os.urandom(16)
    digest = _hash(secret, salt)
    with transaction(con, "the token"):
        while True:
            token_id = secrets.token_hex(6)
            if not con.execute("SELECT 1 FROM api_tokens WHERE token_id = ?", [token_id]).fetchone():
                break
        created = _now()
        con.execute(
            "INSERT INTO api_tokens VALUES (?, ?, ?, ?, ?, ?, ?, NULL)",
            [token_id, name, role, salt, digest, created, created_by],
        )
        audit(
            con,
            actor=created_by,
            role=None,
            action="token.create",
            target=token_id,
            detail={"name": name, "role": role},
        )
    row = {
        "token_id": token_id,
        "name": name,
        "role": role,
        "created_at": created,
        "created_by": created_by,
        "revoked_at": None,
    }
    return f"kb_{token_id}_{secret}", row


def list_tokens(con: duckdb.DuckDBPyConnection) -> list[dict]:
    cols = ("token_id", "name", "role", "created_at", "created_by", "revoked_at")
    rows = con.execute(f"SELECT {', '.join(cols)} FROM api_tokens ORDER BY created_at, token_id").fetchall()
    return [dict(zip(cols, r, strict=True)) for r in rows]


def token_id_of(text: str) -> str:
    """The token id of ``text``: an id, or a whole token ``kb_<id>_<secret>``."""
    token_id = str(text).strip()
    if token_id.startswith("kb_"):
        token_id = token_id.split("_")[1] if token_id.count("_") >= 2 else token_id
    return token_id


def revocable(con: duckdb.DuckDBPyConnection, token_id: str) -> str:
    """The id of a stored, not yet revoked token (``token_id`` may be the whole token)."""
    token_id = token_id_of(token_id)
    row = con.execute("SELECT revoked_at FROM api_tokens WHERE token_id = ?", [token_id]).fetchone()
    if row is None:
        raise NotFoundError(f"unknown token id {token_id!r} ('kommunebench token list' shows them)")
    if row[0] is not None:
        raise ConfigError(f"token {token_id} was already revoked at {row[0].isoformat(timespec='seconds')}")
    return token_id


def revoke_token(con: duckdb.DuckDBPyConnection, token_id: str, *, revoked_by: str | None = None) -> dict:
    token_id = revocable(con, token_id)
    revoked_by = revoked_by or cli_actor()
    with transaction(con, "the token"):
        con.execute("UPDATE api_tokens SET revoked_at = ? WHERE token_id = ?", [_now(), token_id])
        audit(con, actor=revoked_by, role=None, action="token.revoke", target=token_id)
    return next(t for t in list_tokens(con) if t["token_id"] == token_id)


def token_table(con: duckdb.DuckDBPyConnection) -> dict[str, tuple]:
    """token id → (name, role, salt, hash, revoked) for every token (to cache per warehouse version)."""
    rows = con.execute("SELECT token_id, name, role, salt, hash, revoked_at IS NOT NULL FROM api_tokens").fetchall()
    return {r[0]: (r[1], r[2], bytes(r[3]), bytes(r[4]), bool(r[5])) for r in rows}


def verify_token(
    token: str,
    table: dict[str, tuple],
    *,
    client: str | None = None,
    limiter: Limiter = LIMITER,
    denied: frozenset[str] = frozenset(),
) -> Principal:
    """The principal of ``token`` given :func:`token_table`; raises AuthenticationError.

    ``denied``: token ids revoked but perhaps not yet in ``table`` (:mod:`.revocations`).

    Failures back off per token id and per client address (:mod:`.ratelimit`, HTTP 429); an
    unknown id costs the same scrypt check as a wrong secret, and whether a token is revoked is
    said only to someone who holds its secret.
    """
    where = [f"ip:{client}"] if client else []
    limiter.check(where)
    m = _TOKEN_RE.match(token.strip()) if isinstance(token, str) else None
    if m is None:
        limiter.failed(where)
        raise AuthenticationError(
            "ugyldig adgangsnøgle: forventede 'kb_<id>_<hemmelighed>' (opret en med 'kommunebench token create')"
        )
    token_id, secret = m.group(1), m.group(2)
    keys = [f"id:{token_id}", *where]
    limiter.check(keys)
    entry = table.get(token_id)
    fast = hashlib.sha256(token.strip().encode()).digest()
    with _verified_lock:
        known = entry is not None and _verified.get(fast) == token_id
    if not known:
        salt, digest = (entry[2], entry[3]) if entry is not None else (_DUMMY_SALT, b"")
        if not hmac.compare_digest(_hash(secret, salt), digest) or entry is None:
            limiter.failed(keys)
            raise AuthenticationError("ukendt adgangsnøgle")
        with _verified_lock:
            if len(_verified) > 10_000:
                _verified.clear()
            _verified[fast] = token_id
    if entry is None:  # pragma: no cover - refused above
        raise AuthenticationError("ukendt adgangsnøgle")
    name, role, _, _, revoked = entry
    if revoked or token_id in denied:
        raise AuthenticationError(f"adgangsnøglen {token_id} er tilbagekaldt")
    limiter.succeeded(f"id:{token_id}")
    return Principal(token_id, name, role)


def require_analyst(principal: Principal | None) -> Principal:
    if principal is None:
        raise AuthenticationError("kræver en adgangsnøgle med rollen 'analyst' (Authorization: Bearer <nøgle>)")
    if not principal.is_analyst:
        raise PermissionDeniedError(
            f"rollen {principal.role!r} må ikke skrive i sagsloggen; det kræver rollen 'analyst'"
        )
    return principal


def require_municipality(principal: Principal | None, kommunekode: int) -> Principal:
    if principal is None:
        raise AuthenticationError(
            f"ikke-offentlige tal for kommune {kommunekode} kræver en adgangsnøgle "
            f"med rollen 'municipality:{kommunekode}'"
        )
    if principal.kommunekode != kommunekode:
        raise PermissionDeniedError(
            f"rollen {principal.role!r} giver ikke adgang til kommune {kommunekode}s ikke-offentlige tal"
        )
    return principal
