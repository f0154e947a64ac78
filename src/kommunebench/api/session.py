"""Log-in (session cookie), "who am I", the audit trail, and the API overview page."""

from __future__ import annotations

import re

from fastapi import Depends, Query, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response
from pydantic import BaseModel

from kommunebench import access
from kommunebench.api.models import Me, UtcDatetime
from kommunebench.api.twins import AUTH_ERRORS, ERRORS, SESSION_COOKIE, Ctx, Pages, bearer_principal, get_ctx, principal
from kommunebench.errors import AuthenticationError

__all__ = ["pages", "AuditEntry", "AuditPage", "ApiPage"]

pages = Pages()


class AuditEntry(BaseModel):
    audit_id: int
    recorded_at: UtcDatetime
    actor: str
    role: str | None
    action: str
    target: str | None
    detail: dict


class AuditPage(BaseModel):
    entries: list[AuditEntry]


class Endpoint(BaseModel):
    method: str
    path: str
    summary: str
    access: str


class ApiPage(BaseModel):
    openapi: str
    endpoints: list[Endpoint]


class LoginPage(BaseModel):
    next: str


def _me(p: access.Principal) -> Me:
    return Me(token_id=p.token_id, name=p.name, role=p.role, description=p.describe())


@pages.api.post(
    "/session",
    response_model=Me,
    tags=["adgang"],
    operation_id="login",
    summary="Log ind: sætter sessionscookien (kun til læsning) ud fra en Bearer-nøgle",
    responses={**AUTH_ERRORS, 503: ERRORS[503]},
)
def login(request: Request, who: access.Principal | None = Depends(bearer_principal)) -> Response:
    if who is None:
        raise AuthenticationError("send adgangsnøglen som 'Authorization: Bearer <nøgle>'")
    token = request.headers["authorization"].split(" ", 1)[1].strip()
    resp = JSONResponse(_me(who).model_dump())
    resp.set_cookie(
        SESSION_COOKIE,
        get_ctx(request).sessions.open(token),  # an opaque id; the token stays on the server
        httponly=True,
        samesite="strict",
        path="/",
        secure=request.url.scheme == "https",
        max_age=12 * 3600,
    )
    return resp


@pages.api.delete(
    "/session", status_code=204, tags=["adgang"], operation_id="logout", summary="Log ud: sletter sessionscookien"
)
def logout(request: Request) -> Response:
    get_ctx(request).sessions.close(request.cookies.get(SESSION_COOKIE))
    resp = Response(status_code=204)
    resp.delete_cookie(SESSION_COOKIE, path="/", httponly=True, samesite="strict")
    return resp


@pages.api.get(
    "/me",
    response_model=Me,
    tags=["adgang"],
    operation_id="me",
    summary="Hvem er jeg (ud fra nøglen)",
    responses={**AUTH_ERRORS, 503: ERRORS[503]},
)
def me(who: access.Principal | None = Depends(principal)) -> Me:
    if who is None:
        raise AuthenticationError("ikke logget ind: send 'Authorization: Bearer <nøgle>'")
    return _me(who)


@pages.api.get(
    "/revision",
    response_model=AuditPage,
    tags=["adgang"],
    operation_id="audit_log",
    summary="Revisionssporet: hver skrivning (hvem, hvornår, hvad); kræver rollen analyst",
    responses={**AUTH_ERRORS, **ERRORS},
)
def audit_log(
    ctx: Ctx = Depends(get_ctx),
    who: access.Principal | None = Depends(principal),
    limit: int = Query(100, ge=1, le=1000),
) -> AuditPage:
    access.require_analyst(who)
    with ctx.wh.read() as con:
        rows = access.audit_rows(con, limit=limit)
    return AuditPage(entries=[AuditEntry(**r) for r in rows])


@pages.web.get("/log-ind", response_class=HTMLResponse)
def login_page(request: Request, next: str = "/") -> HTMLResponse:  # noqa: A002 - the query name
    target = next if re.fullmatch(r"/(?![/\\])[\w\-./?=&%#]*", next) else "/"  # local paths only
    return request.app.state.render(request, "log_ind.html", LoginPage(next=target), api_path=False)


def _access(op: dict) -> str:
    if not op.get("security"):
        return "offentlig"
    if {} in op["security"]:
        return "offentlig (mere med adgangsnøgle)"
    text = (op.get("summary") or "") + " " + (op.get("description") or "")
    if "analyst" in text:
        return "rolle analyst"
    if "municipality" in text or "kommunens" in text:
        return "rolle municipality:<kode>"
    return "adgangsnøgle"


@pages.web.get("/api", response_class=HTMLResponse)
def api_page(request: Request) -> HTMLResponse:
    doc = request.app.openapi()
    endpoints = [
        Endpoint(method=m.upper(), path=p, summary=op.get("summary", ""), access=_access(op))
        for p, ops in doc["paths"].items()
        for m, op in ops.items()
    ]
    return request.app.state.render(
        request, "api.html", ApiPage(openapi="/api/v1/openapi.json", endpoints=endpoints), api_path=False
    )
