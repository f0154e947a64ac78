"""One error shape for every error: ``{"error": {"status", "code", "message"[, "details"]}}``.

Domain errors (the package's exception tree) map to HTTP statuses here and nowhere else. Under
``/api/`` the body is JSON; a page gets the same fields rendered as a Danish HTML page.
"""

from __future__ import annotations

import logging

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse, Response
from starlette.exceptions import HTTPException as StarletteHTTPException

from kommunebench.api.danish import name_redirect, validation_details, validation_message
from kommunebench.errors import (
    AuthenticationError,
    ConfigError,
    IntegrityError,
    KommunebenchError,
    NotFoundError,
    PermissionDeniedError,
    RateLimitedError,
    ReferenceDataError,
    ValidationError,
    WarehouseBusyError,
    WarehouseError,
)

__all__ = ["install", "STATUS"]

log = logging.getLogger("kommunebench.api")

# exception class → (HTTP status, code); the first match in order wins
STATUS: list[tuple[type[KommunebenchError], int, str]] = [
    (NotFoundError, 404, "not_found"),
    (RateLimitedError, 429, "too_many_requests"),
    (AuthenticationError, 401, "unauthorized"),
    (PermissionDeniedError, 403, "forbidden"),
    (ValidationError, 422, "validation_error"),
    (ReferenceDataError, 422, "validation_error"),
    (ConfigError, 400, "bad_request"),
    (IntegrityError, 500, "integrity_error"),
    (WarehouseBusyError, 503, "warehouse_busy"),
    (WarehouseError, 503, "warehouse_unavailable"),
    (KommunebenchError, 400, "bad_request"),
]
_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    406: "not_acceptable",
    413: "too_large",
    415: "unsupported_media_type",
    422: "validation_error",
    429: "too_many_requests",
    500: "internal_error",
    503: "unavailable",
}
_MAX_MESSAGE = 300
_HTTP_MESSAGES = {404: "siden eller ressourcen findes ikke", 405: "metoden er ikke tilladt her"}


def _respond(
    request: Request, status: int, code: str, message: str, details: list | None = None, headers: dict | None = None
) -> Response:
    if len(message) > _MAX_MESSAGE:  # a refusal never echoes a whole (possibly huge) value
        message = message[:_MAX_MESSAGE] + "…"
    body: dict = {"status": status, "code": code, "message": message}
    if details is not None:
        body["details"] = details
    headers = dict(headers or {})
    if status == 401:
        headers.setdefault("WWW-Authenticate", 'Bearer realm="kommunebench"')
    if status == 503:
        headers.setdefault("Retry-After", "2")
    if not request.url.path.startswith("/api/") and request.method in ("GET", "HEAD"):
        render = getattr(request.app.state, "render_error", None)
        if render is not None:
            return render(request, body, headers)
    return JSONResponse({"error": body}, status_code=status, headers=headers)


# The warehouse's own messages name paths and processes: logged, never sent to the caller.
_PUBLIC_MESSAGES = {
    "integrity_error": "en registrering i sagsloggen eller revisionssporet er ændret uden om kommunebench; "
    "kontakt driften (ikke en fejl, der går væk ved at prøve igen)",
    "warehouse_busy": "datavarehuset er optaget af en anden skrivning; prøv igen om lidt",
    "warehouse_unavailable": "datavarehuset kan ikke åbnes lige nu; prøv igen om lidt",
}


def _domain(request: Request, exc: Exception) -> Response:
    for cls, status, code in STATUS:
        if isinstance(exc, cls):
            if code in _PUBLIC_MESSAGES:
                log.warning("%s on %s %s: %s", code, request.method, request.url.path, exc)
                return _respond(request, status, code, _PUBLIC_MESSAGES[code])
            retry = {"Retry-After": str(exc.retry_after)} if isinstance(exc, RateLimitedError) else None
            return _respond(request, status, code, str(exc), headers=retry)
    raise AssertionError("unreachable: KommunebenchError is in STATUS")


def _http(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, StarletteHTTPException)
    status = exc.status_code
    message = (
        exc.detail
        if isinstance(exc.detail, str) and exc.detail not in ("Not Found", "Method Not Allowed")
        else _HTTP_MESSAGES.get(status, str(exc.detail))
    )
    return _respond(
        request, status, _HTTP_CODES.get(status, f"http_{status}"), message, headers=getattr(exc, "headers", None)
    )


def _validation(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, RequestValidationError)
    try:
        redirect = name_redirect(request, exc.errors())
    except ReferenceDataError as unknown:  # a name in the path that is no municipality's
        return _respond(request, 404, "not_found", str(unknown))
    if redirect is not None:
        return redirect
    details = validation_details(exc.errors())
    return _respond(request, 422, "validation_error", validation_message(details), details)


def _unexpected(request: Request, exc: Exception) -> Response:
    log.error("internal error on %s %s", request.method, request.url.path, exc_info=exc)
    return _respond(request, 500, "internal_error", "intern fejl i kommunebench; se serverens log")


def install(app: FastAPI) -> None:
    app.add_exception_handler(KommunebenchError, _domain)
    app.add_exception_handler(StarletteHTTPException, _http)
    app.add_exception_handler(RequestValidationError, _validation)
    app.add_exception_handler(Exception, _unexpected)
