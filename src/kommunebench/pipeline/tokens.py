"""API tokens from the command line (each write audited in its own transaction by the access stage)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from kommunebench import access, settings
from kommunebench.access import revocations
from kommunebench.pipeline.config import Store, using

__all__ = ["create_token", "list_tokens", "revoke_token"]


def create_token(
    *, name: str, role: str, db: Store | None = None, actor: str | None = None
) -> tuple[str, dict[str, Any]]:
    """A new token (shown once) and its stored row (never the secret)."""
    with using(db, write=True) as con:
        return access.create_token(con, name=name, role=role, created_by=actor)


def list_tokens(*, db: Store | None = None) -> list[dict[str, Any]]:
    with using(db) as con:
        return access.list_tokens(con)


def revoke_token(token_id: str, *, db: Store | None = None, actor: str | None = None) -> dict[str, Any]:
    """Revoke a token: in force at once through the deny list beside the warehouse
    (:mod:`kommunebench.access.revocations`), then stored with its audit row in the warehouse."""
    token_id = access.token_id_of(token_id)
    if isinstance(db, Path | None) and revocations.is_token_id(token_id):
        # first, without opening the warehouse: in force at once (an unknown id is refused below)
        revocations.deny(settings.db_path(db), token_id)
    with using(db, write=True) as con:
        return access.revoke_token(con, token_id, revoked_by=actor)
