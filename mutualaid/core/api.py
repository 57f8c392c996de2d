"""Building blocks every API router shares: the error shape, bounded input types, pagination,
and idempotent creation (the authenticated member is
`mutualaid.networks.requests.api_member`).

The NinjaAPI object itself, its auth and its error handlers live in `mutualaid/api.py`, which
imports the routers; the routers import from here, so there is no import cycle.
"""

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Annotated, Any

from django.conf import settings
from django.db.models import Model, QuerySet
from django.http import HttpRequest, JsonResponse
from ninja import Field, Header, Path, Schema
from ninja.pagination import PaginationBase
from pydantic import AfterValidator, AwareDatetime, StringConstraints, model_validator

from mutualaid.core.idempotency import idempotent_write, request_fingerprint

# The largest id a database column holds; a bigger one can only be "not found".
MAX_ID = 2**63 - 1


class ErrorOut(Schema):
    """Every error the API returns has this shape."""

    code: str = Field(description="Stable machine-readable code, e.g. `conflict`, `not_found`.")
    message: str = Field(description="A sentence a member can read.")
    fields: dict[str, list[str]] = Field(
        default_factory=dict, description="Problems with particular input fields, if any."
    )


# Every authenticated operation documents these; each is returned in the ErrorOut shape.
ERROR_STATUSES = (400, 401, 403, 404, 409, 422)


def responses(ok: Any, status: int = 200) -> dict[int, Any]:
    """The `response=` mapping for an operation: its success schema plus the error shape."""
    return {status: ok, **dict.fromkeys(ERROR_STATUSES, ErrorOut)}


def _api_member(request: HttpRequest) -> Model:
    """The member row the API's token resolved (core knows it only as a row; the apps use
    `mutualaid.networks.requests.api_member`, which says it is a Member)."""
    member = getattr(request, "auth", None)
    if not isinstance(member, Model):
        raise TypeError("API views run only for authenticated members")
    return member


class InputSchema(Schema):
    """Base of every request body: a JSON object, never a list, string or number (ninja's
    Schema would otherwise read attributes off any value and fall back to defaults)."""

    @model_validator(mode="before")
    @classmethod
    def _a_json_object(cls, value: Any) -> Any:
        inner = getattr(value, "_obj", value)  # ninja wraps the input in a DjangoGetter
        if not isinstance(inner, dict):
            raise ValueError("Send a JSON object.")
        return value


# --- Bounded input types. Every string and number has limits the OpenAPI document states.


def _plain_text(value: str) -> str:
    """Refuse characters no database column should hold (NUL, lone surrogates)."""
    if "\x00" in value:
        raise ValueError("Text may not contain NUL characters.")
    try:
        value.encode("utf-8")
    except UnicodeEncodeError:
        raise ValueError("Text must be valid Unicode.") from None
    return value


PlainText = AfterValidator(_plain_text)
Id = Annotated[int, Field(ge=1, le=MAX_ID)]
PathId = Annotated[int, Path(ge=1, le=MAX_ID)]
Slug = Annotated[str, StringConstraints(max_length=60), PlainText]
Cell = Annotated[str, StringConstraints(max_length=16), PlainText]


def _bounded_instant(value: datetime) -> datetime:
    """A datetime with a UTC offset (so never guessed) that the database can store, in UTC."""
    try:
        value = value.astimezone(UTC)
    except OverflowError:
        raise ValueError("Give a date between the years 2000 and 2999.") from None
    if not 2000 <= value.year <= 2999:
        raise ValueError("Give a date between the years 2000 and 2999.")
    return value


Instant = Annotated[AwareDatetime, AfterValidator(_bounded_instant)]


# --- Pagination: page numbers, at most 100 items a page.


class PageNumbers(PaginationBase):
    class Input(Schema):
        page: int = Field(1, ge=1, le=10_000)
        page_size: int = Field(settings.MUTUALAID["API_PAGE_SIZE"], ge=1, le=100)

    class Output(Schema):
        items: list[Any]
        count: int
        page: int
        page_size: int

    def paginate_queryset(
        self, queryset: QuerySet[Any], pagination: Input, request: HttpRequest, **params: Any
    ) -> dict[str, Any]:
        offset = (pagination.page - 1) * pagination.page_size
        return {
            "items": queryset[offset : offset + pagination.page_size],
            "count": queryset.count(),
            "page": pagination.page,
            "page_size": pagination.page_size,
        }


# --- Idempotent creation.

IDEMPOTENCY_KEY_DESCRIPTION = (
    "Optional. Send a unique key (e.g. a UUID) to make this request safe to retry: a retry "
    "with the same key returns the first response and writes nothing; the same key with a "
    "different request is refused with 422 `idempotency_key_reused`."
)
IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key",
        min_length=1,
        max_length=128,
        description=IDEMPOTENCY_KEY_DESCRIPTION,
    ),
]


def created_once(
    request: HttpRequest,
    *,
    key: str | None,
    create: Callable[[], object],
    out: type[Schema],
    status: int = 201,
) -> JsonResponse:
    """Run `create` (one service call) and render its result with `out`, at most once per
    Idempotency-Key: a retry with the same key gets the stored response.

    The body is rendered here, once, because it is what gets stored; the response goes out
    as it is (ninja does not validate it a second time)."""

    def write() -> tuple[int, Any]:
        result = create()
        body = out.model_validate(result, context={"request": request}).model_dump(mode="json")
        return status, body

    stored_status, body = idempotent_write(
        member=_api_member(request),
        key=key,
        fingerprint=request_fingerprint(request.method or "", request.path, request.body),
        write=write,
    )
    return JsonResponse(body, status=stored_status, safe=False)
