"""Access control: API tokens and roles, and the audit trail of every write.

A stage-level package used by every edge: the API checks a request's token here, the CLI
creates and revokes tokens here, and every write (load, run, case log, tokens) records its audit
row here in the same transaction as the write.
"""

from kommunebench.access.audit import audit, audit_rows, cli_actor, record_actor, verify_audit_log
from kommunebench.access.revocations import revoked_ids
from kommunebench.access.sessions import Sessions
from kommunebench.access.tokens import (
    ANALYST,
    MUNICIPALITY_PREFIX,
    Principal,
    create_token,
    list_tokens,
    parse_role,
    require_analyst,
    require_municipality,
    revocable,
    revoke_token,
    token_id_of,
    token_table,
    verify_token,
)

__all__ = [
    "ANALYST",
    "MUNICIPALITY_PREFIX",
    "Principal",
    "Sessions",
    "audit",
    "audit_rows",
    "verify_audit_log",
    "cli_actor",
    "record_actor",
    "create_token",
    "list_tokens",
    "parse_role",
    "require_analyst",
    "require_municipality",
    "revocable",
    "revoke_token",
    "revoked_ids",
    "token_id_of",
    "token_table",
    "verify_token",
]
