"""The JSON API under /api/v1. Each app contributes a router; errors share one shape.

The API is a thin door over the same services and selectors the pages use. This module holds
the NinjaAPI object, bearer-token auth and the error handlers; the pieces routers share
(error schema, bounded types, pagination, idempotency) are in `mutualaid/core/api.py`.
"""

import logging

from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Router
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import HttpBearer

from mutualaid.accounts.api import router as accounts_router
from mutualaid.care.api import router as care_router
from mutualaid.care.listening.api import router as listening_router
from mutualaid.care.teams.api import router as care_teams_router
from mutualaid.channels.api import router as channels_router
from mutualaid.core.errors import DomainError, NotFound
from mutualaid.fund.api import router as fund_router
from mutualaid.governance.api import router as governance_router
from mutualaid.library.api import router as library_router
from mutualaid.matching.api import router as matching_router
from mutualaid.needs.api import router as needs_router
from mutualaid.networks.api import router as networks_router
from mutualaid.networks.models import Member
from mutualaid.networks.services import api_token_authenticate
from mutualaid.pantry.api import router as pantry_router
from mutualaid.relay.api import router as relay_router

logger = logging.getLogger(__name__)

MAX_TOKEN_LENGTH = 200


class MemberToken(HttpBearer):
    """`Authorization: Bearer <secret>`; request.auth becomes the token's Member."""

    def authenticate(self, request: HttpRequest, token: str) -> Member | None:
        if not token or len(token) > MAX_TOKEN_LENGTH:
            return None
        return api_token_authenticate(token)


api = NinjaAPI(
    title="mutualaid",
    version="1",
    description=(
        "The JSON door into a mutualaid network. Authenticate with a member API token: "
        "`Authorization: Bearer <secret>`. Everything is scoped to that member's network. "
        'Every error has the shape `{"code": ..., "message": ..., "fields": {...}}`.'
    ),
    urls_namespace="api",
    auth=MemberToken(),
)


# --- Errors: one JSON shape for everything.

HTTP_ERROR_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    429: "throttled",
}


def error_response(
    request: HttpRequest,
    *,
    status: int,
    code: str,
    message: str,
    fields: dict[str, list[str]] | None = None,
) -> HttpResponse:
    body = {"code": code, "message": message, "fields": fields or {}}
    response = api.create_response(request, body, status=status)
    if status == 401:
        response["WWW-Authenticate"] = "Bearer"
    return response


@api.exception_handler(DomainError)
def on_domain_error(request: HttpRequest, exc: DomainError) -> HttpResponse:
    fields = getattr(exc, "fields", None)
    return error_response(
        request, status=exc.status, code=exc.code, message=exc.message, fields=fields
    )


@api.exception_handler(AuthenticationError)
def on_unauthenticated(request: HttpRequest, exc: AuthenticationError) -> HttpResponse:
    message = _("Send a valid API token: Authorization: Bearer <secret>.")
    return error_response(request, status=401, code="unauthorized", message=message)


@api.exception_handler(HttpError)
def on_http_error(request: HttpRequest, exc: HttpError) -> HttpResponse:
    code = HTTP_ERROR_CODES.get(exc.status_code, "error")
    return error_response(request, status=exc.status_code, code=code, message=str(exc))


@api.exception_handler(Http404)
def on_not_found(request: HttpRequest, exc: Http404) -> HttpResponse:
    return error_response(request, status=404, code="not_found", message=_("Not found."))


def _field_name(loc: tuple[object, ...] | list[object]) -> str:
    """`("body", "payload", "description")` → `"description"`."""
    parts = [str(p) for p in loc]
    if parts and parts[0] in {"body", "query", "path", "header", "cookie"}:
        parts = parts[1:]
    if parts and parts[0] in {"payload", "filters", "ninja_pagination"}:
        parts = parts[1:]
    return ".".join(parts) or "request"


@api.exception_handler(ValidationError)
def on_validation_error(request: HttpRequest, exc: ValidationError) -> HttpResponse:
    fields: dict[str, list[str]] = {}
    for error in exc.errors:
        fields.setdefault(_field_name(error.get("loc", ())), []).append(str(error.get("msg")))
    return error_response(
        request,
        status=422,
        code="invalid_input",
        message=_("Some of what you sent is not valid."),
        fields=fields,
    )


@api.exception_handler(IntegrityError)
def on_integrity_error(request: HttpRequest, exc: IntegrityError) -> HttpResponse:
    # Services turn the constraints they expect into Conflict; this is only the safety net.
    logger.warning("IntegrityError reached the API: %s", type(exc).__name__)
    message = _("Someone else changed this first. Please reload and try again.")
    return error_response(request, status=409, code="conflict", message=message)


@api.exception_handler(Exception)
def on_unexpected_error(request: HttpRequest, exc: Exception) -> HttpResponse:
    logger.exception("Unexpected error in the API")
    message = _("Something went wrong on our side. Please try again later.")
    return error_response(request, status=500, code="server_error", message=message)


# --- Operations.


@api.get(
    "/health", auth=None, response={200: dict[str, bool]}, operation_id="health", tags=["meta"]
)
def health(request: HttpRequest) -> dict[str, bool]:
    """Unauthenticated liveness check."""
    return {"ok": True}


# Anything else under /api/v1/ is a JSON 404, not the HTML page. Added last so it only
# catches paths no operation matched.
fallback_router = Router()


@fallback_router.api_operation(
    ["GET", "POST", "PUT", "PATCH", "DELETE"], "/{path:rest}", auth=None, include_in_schema=False
)
def unknown_path(request: HttpRequest, rest: str) -> None:
    raise NotFound()


api.add_router("", networks_router)
api.add_router("", accounts_router)
api.add_router("", needs_router)
api.add_router("", governance_router)
api.add_router("", matching_router)
api.add_router("", pantry_router)
api.add_router("", fund_router)
api.add_router("", library_router)
api.add_router("", care_router)
api.add_router("", listening_router)
api.add_router("", care_teams_router)
api.add_router("", channels_router)
api.add_router("", relay_router)
api.add_router("", fallback_router)
