"""API: needs, offers and matches, the core mutual aid loop.

Privacy: a need's address and phone appear only under `private` in the need detail, which
`need_private_details` fills for the requester and the accepted helper of an open match.
No other schema here has a field for them.
"""

from collections.abc import Callable
from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, JsonResponse
from django.utils.translation import gettext as _
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StringConstraints

from mutualaid.core.api import (
    Cell,
    Id,
    IdempotencyKey,
    InputSchema,
    Instant,
    PageNumbers,
    PathId,
    PlainText,
    Slug,
    created_once,
    responses,
)
from mutualaid.core.errors import InvalidInput
from mutualaid.needs import selectors, services
from mutualaid.needs.explanations import explanation_phrases
from mutualaid.needs.models import Block, Match, Need, Offer
from mutualaid.networks.api import AvailabilitySlot, CategoryOut, LanguageCode
from mutualaid.networks.models import Category, Member
from mutualaid.networks.requests import api_member
from mutualaid.networks.selectors import categories_active, neighbourhoods_of

router = Router()

# Mirrors of the models' choices, spelled out so the OpenAPI document lists them;
# tests/api/test_schema.py checks that they match the models.
Urgency = Literal["today", "week", "flexible"]
NeedStatus = Literal["open", "matched", "done", "closed", "expired"]
OfferKind = Literal["skill", "time", "item", "space"]
OfferStatus = Literal["active", "paused", "withdrawn"]
MatchState = Literal[
    "suggested",
    "proposed",
    "accepted",
    "in_progress",
    "done",
    "declined",
    "released",
    "cancelled",
    "passed",
    "expired",
]
MatchOrigin = Literal["helper", "engine", "asked"]
Side = Literal["requester", "helper"]
# The names `need_actions`, `offer_actions` and `match_actions` return (needs/selectors.py).
NeedAction = Literal["offer_help", "answer_still_needed", "close"]
OfferAction = Literal["pause", "resume", "withdraw", "block"]
MatchAction = Literal[
    "agree", "pass", "accept", "decline", "start", "confirm_done", "release", "cancel", "block"
]


Description = Annotated[str, StringConstraints(min_length=1, max_length=500), PlainText]
Title = Annotated[str, StringConstraints(min_length=1, max_length=120), PlainText]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=500), PlainText]
Note = Annotated[str, StringConstraints(max_length=500), PlainText]
Details = Annotated[str, StringConstraints(max_length=1000), PlainText]
Phone = Annotated[str, StringConstraints(max_length=40), PlainText]
CategorySlug = Annotated[str, StringConstraints(min_length=1, max_length=60), PlainText]


# --- Output schemas


class MemberRef(Schema):
    id: int
    display_name: str


def _neighbourhood_names(request: HttpRequest) -> dict[str, str]:
    """Cell → neighbourhood name for the member's network, read once per request."""
    names: dict[str, str] | None = getattr(request, "_mutualaid_neighbourhoods", None)
    if names is None:
        names = {}
        for hood in neighbourhoods_of(network=api_member(request).network):
            names.setdefault(hood.cell, hood.name)
        request._mutualaid_neighbourhoods = names  # type: ignore[attr-defined]  # per-request cache
    return names


class NeedOut(Schema):
    """A need as any member of the network sees it. Never the address or phone."""

    id: int
    category: CategoryOut
    description: str
    urgency: Urgency
    window_start: datetime
    window_end: datetime
    cell: str = Field(description="H3 cell (resolution 8) of the need's area.")
    neighbourhood: str | None = Field(description="Name of the area, if the network has one.")
    distance_km: float | None = Field(description="From my area to the need's, cell to cell.")
    languages: list[str]
    status: NeedStatus
    created_at: datetime
    for_someone_else: bool
    mine: bool = Field(description="True when I asked for this.")
    actions: list[NeedAction] = Field(
        description="What I may do with this need now (the same rules the operations check)."
    )

    @staticmethod
    def resolve_actions(obj: Need, context: dict[str, Any]) -> list[str]:
        return selectors.need_actions(api_member(context["request"]), obj)

    @staticmethod
    def resolve_neighbourhood(obj: Need, context: dict[str, Any]) -> str | None:
        return _neighbourhood_names(context["request"]).get(obj.cell)

    @staticmethod
    def resolve_distance_km(obj: Need, context: dict[str, Any]) -> float | None:
        return selectors.need_distance_km(member=api_member(context["request"]), need=obj)

    @staticmethod
    def resolve_mine(obj: Need, context: dict[str, Any]) -> bool:
        return obj.requester_id == api_member(context["request"]).pk


class NeedRef(Schema):
    id: int
    category: CategoryOut
    description: str
    status: NeedStatus


class MatchOut(Schema):
    """One helper's offer to help with one need. Seen only by its two sides."""

    id: int
    need: NeedRef
    helper: MemberRef | None
    offer_id: int | None
    state: MatchState
    origin: MatchOrigin = Field(
        description="How it began: the helper offered, matching suggested it, or a member asked."
    )
    explanation: list[str] = Field(
        description="For the helper of a suggestion: why they were asked, in plain words."
    )
    expires_at: datetime | None = Field(description="When an unanswered suggestion lapses.")
    offered_at: datetime | None = Field(description="When the requester was offered this help.")
    my_side: Side | None
    message: str
    release_reason: str
    cancel_reason: str
    cancelled_by: Side | Literal[""]
    requester_confirmed_done: bool
    helper_confirmed_done: bool
    created_at: datetime
    updated_at: datetime
    accepted_at: datetime | None
    done_at: datetime | None
    actions: list[MatchAction] = Field(
        description="The steps I may take on this match now, and `block` (the other side)."
    )

    @staticmethod
    def resolve_actions(obj: Match, context: dict[str, Any]) -> list[str]:
        return selectors.match_actions(api_member(context["request"]), obj)

    @staticmethod
    def resolve_explanation(obj: Match, context: dict[str, Any]) -> list[str]:
        if not obj.explanation or obj.helper_id != api_member(context["request"]).pk:
            return []
        return explanation_phrases(obj.explanation)

    @staticmethod
    def resolve_my_side(obj: Match, context: dict[str, Any]) -> str | None:
        member = api_member(context["request"])
        if obj.helper_id == member.pk:
            return Match.Side.HELPER
        if obj.need.requester_id == member.pk:
            return Match.Side.REQUESTER
        return None


class PrivateDetailsOut(Schema):
    address: str
    phone: str
    contact_email: str
    contact_phone: str
    contact_preference: str


class NeedDetailOut(NeedOut):
    private: PrivateDetailsOut | None = Field(
        description="Address and contact: only for the requester and for the accepted helper "
        "while the match is open; otherwise null."
    )
    matches: list[MatchOut] = Field(
        description="Offers of help I may see: all of them if I asked, else only my own."
    )

    @staticmethod
    def resolve_private(obj: Need, context: dict[str, Any]) -> Any:
        return selectors.need_private_details(member=api_member(context["request"]), need=obj)

    @staticmethod
    def resolve_matches(obj: Need, context: dict[str, Any]) -> list[Match]:
        member = api_member(context["request"])
        matches = selectors.matches_on_need(member=member, need=obj)
        return list(matches.select_related("need__category").defer("need__address", "need__phone"))


class OfferOut(Schema):
    id: int
    kind: OfferKind
    category: CategoryOut | None
    title: str
    description: str
    capacity: int
    availability: list[str]
    radius_km: int
    cell: str
    status: OfferStatus
    helper: MemberRef
    created_at: datetime
    mine: bool
    actions: list[OfferAction] = Field(
        description="What I may do with this offer now: its helper changes it, others may block."
    )

    @staticmethod
    def resolve_actions(obj: Offer, context: dict[str, Any]) -> list[str]:
        return selectors.offer_actions(api_member(context["request"]), obj)

    @staticmethod
    def resolve_mine(obj: Offer, context: dict[str, Any]) -> bool:
        return obj.helper_id == api_member(context["request"]).pk


# --- Input schemas


class NeedIn(InputSchema):
    category: CategorySlug = Field(
        description="Slug of one of the network's categories (see GET /categories)."
    )
    description: Description
    urgency: Urgency = "week"
    window_start: Instant
    window_end: Instant
    cell: Cell = Field(description="H3 cell (resolution 8); see GET /neighbourhoods.")
    languages: Annotated[list[LanguageCode], Field(max_length=16)] = []
    address: Note = Field("", description="Shown only to the helper you accept.")
    phone: Phone = Field("", description="Shown only to the helper you accept.")
    for_someone_else: bool = False


class NeedFilters(InputSchema):
    category: Slug | None = Field(None, description="Category slug.")
    urgency: Urgency | None = None
    language: LanguageCode | None = None
    nearby: bool = Field(False, description="Only needs within my travel radius.")


class StillNeededIn(InputSchema):
    still_needed: bool


class OfferHelpIn(InputSchema):
    message: Note = ""
    offer_id: Id | None = Field(None, description="One of my active offers, if this help is one.")


class OfferIn(InputSchema):
    kind: OfferKind
    title: Title
    category: Slug | None = Field(None, description="Category slug, if the offer has one.")
    description: Details = ""
    capacity: Annotated[int, Field(ge=1, le=100)] = 1
    availability: Annotated[list[AvailabilitySlot], Field(max_length=21)] = []
    radius_km: Annotated[int, Field(ge=0, le=200)] = 3
    cell: Cell = Field("", description="H3 cell (resolution 8); my own area if left out.")


class OfferFilters(InputSchema):
    category: Slug | None = Field(None, description="Category slug.")
    kind: OfferKind | None = None
    mine: bool = Field(False, description="Only my own offers, in every status.")


class OfferStatusIn(InputSchema):
    status: OfferStatus


class MatchFilters(InputSchema):
    live_only: bool = Field(
        False, description="Only live matches: suggested, offered, accepted or in progress."
    )


class ReleaseIn(InputSchema):
    reason: Reason


class CancelIn(InputSchema):
    reason: Note = ""


def _required_category(member: Member, slug: str) -> Category:
    category = categories_active(network=member.network).filter(slug=slug).first()
    if category is None:
        message = _("Choose a category from this network's list.")
        raise InvalidInput(message, fields={"category": [message]})
    return category


def _category(member: Member, slug: str | None) -> Category | None:
    return _required_category(member, slug) if slug else None


# --- Needs


@router.get("/needs", response=responses(list[NeedOut]), operation_id="needs_list", tags=["needs"])
@paginate(PageNumbers)
def needs_list(request: HttpRequest, filters: Query[NeedFilters]) -> Any:
    """Open needs in my network, most urgent and newest first."""
    return selectors.needs_browse(
        member=api_member(request),
        category_slug=filters.category or "",
        urgency=filters.urgency or "",
        language=filters.language or "",
        nearby=filters.nearby,
    )


@router.post(
    "/needs", response=responses(NeedDetailOut, 201), operation_id="needs_create", tags=["needs"]
)
def needs_create(
    request: HttpRequest, payload: NeedIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """Ask for help. The address and phone are stored encrypted and shown only to the
    helper I accept, while that match is open."""
    member = api_member(request)

    def create() -> Need:
        return services.need_create(
            actor=member,
            category=_required_category(member, payload.category),
            description=payload.description,
            urgency=payload.urgency,
            window_start=payload.window_start,
            window_end=payload.window_end,
            cell=payload.cell,
            languages=payload.languages,
            address=payload.address,
            phone=payload.phone,
            for_someone_else=payload.for_someone_else,
        )

    return created_once(request, key=idempotency_key, create=create, out=NeedDetailOut)


@router.get(
    "/needs/{need_id}", response=responses(NeedDetailOut), operation_id="needs_get", tags=["needs"]
)
def needs_get(request: HttpRequest, need_id: PathId) -> Need:
    """One need, with the offers of help I may see and, if I may, its private details."""
    return selectors.access_need(api_member(request), need_id)


@router.post(
    "/needs/{need_id}/close",
    response=responses(NeedDetailOut),
    operation_id="needs_close",
    tags=["needs"],
)
def needs_close(request: HttpRequest, need_id: PathId) -> Need:
    """Close my need; any live offer of help on it is cancelled."""
    member = api_member(request)
    return services.need_close(actor=member, need=selectors.access_need(member, need_id))


@router.post(
    "/needs/{need_id}/still-needed",
    response=responses(NeedDetailOut),
    operation_id="needs_still_needed",
    tags=["needs"],
)
def needs_still_needed(request: HttpRequest, need_id: PathId, payload: StillNeededIn) -> Need:
    """Answer "still need help?": yes keeps it open a week longer, no closes it."""
    member = api_member(request)
    need = selectors.access_need(member, need_id)
    return services.need_answer_still_needed(
        actor=member, need=need, still_needed=payload.still_needed
    )


@router.post(
    "/needs/{need_id}/offers-of-help",
    response=responses(MatchOut, 201),
    operation_id="needs_offer_help",
    tags=["needs", "matches"],
)
def needs_offer_help(
    request: HttpRequest,
    need_id: PathId,
    payload: OfferHelpIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """Offer to help with a need. The requester then accepts or declines."""
    member = api_member(request)
    need = selectors.access_need(member, need_id)
    offer = selectors.access_offer(member, payload.offer_id) if payload.offer_id else None

    def create() -> Match:
        return services.match_propose(actor=member, need=need, offer=offer, message=payload.message)

    return created_once(request, key=idempotency_key, create=create, out=MatchOut)


# --- Offers


@router.get(
    "/offers", response=responses(list[OfferOut]), operation_id="offers_list", tags=["offers"]
)
@paginate(PageNumbers)
def offers_list(request: HttpRequest, filters: Query[OfferFilters]) -> Any:
    """Active offers in my network (or all of my own, with `mine`), newest first."""
    member = api_member(request)
    if not filters.mine:
        return selectors.offers_browse(
            member=member, category_slug=filters.category or "", kind=filters.kind or ""
        )
    offers = selectors.offers_of_member(member=member).select_related("helper")
    if filters.category:
        offers = offers.filter(category__slug=filters.category)
    if filters.kind:
        offers = offers.filter(kind=filters.kind)
    return offers


@router.post(
    "/offers", response=responses(OfferOut, 201), operation_id="offers_create", tags=["offers"]
)
def offers_create(
    request: HttpRequest, payload: OfferIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """Offer a skill, time, an item or a space."""
    member = api_member(request)

    def create() -> Offer:
        return services.offer_create(
            actor=member,
            kind=payload.kind,
            title=payload.title,
            category=_category(member, payload.category),
            description=payload.description,
            capacity=payload.capacity,
            availability=payload.availability,
            radius_km=payload.radius_km,
            cell=payload.cell,
        )

    return created_once(request, key=idempotency_key, create=create, out=OfferOut)


@router.patch(
    "/offers/{offer_id}/status",
    response=responses(OfferOut),
    operation_id="offers_set_status",
    tags=["offers"],
)
def offers_set_status(request: HttpRequest, offer_id: PathId, payload: OfferStatusIn) -> Offer:
    """Pause, resume or withdraw one of my offers."""
    member = api_member(request)
    offer = selectors.access_offer(member, offer_id)
    return services.offer_set_status(actor=member, offer=offer, status=payload.status)


# --- Matches


@router.get(
    "/matches", response=responses(list[MatchOut]), operation_id="matches_list", tags=["matches"]
)
@paginate(PageNumbers)
def matches_list(request: HttpRequest, filters: Query[MatchFilters]) -> Any:
    """Matches where I help or am helped, most recently changed first."""
    return selectors.matches_of_member(member=api_member(request), live_only=filters.live_only)


@router.get(
    "/matches/{match_id}",
    response=responses(MatchOut),
    operation_id="matches_get",
    tags=["matches"],
)
def matches_get(request: HttpRequest, match_id: PathId) -> Match:
    return selectors.access_match(api_member(request), match_id)


MatchStep = Callable[..., Match]


def _match_step(path: str, operation_id: str) -> Callable[[MatchStep], MatchStep]:
    """One step of a match's life, posted to /matches/{id}/<path>."""
    return router.post(
        f"/matches/{{match_id}}/{path}",
        response=responses(MatchOut),
        operation_id=operation_id,
        tags=["matches"],
    )


@_match_step("agree", "matches_agree")
def matches_agree(request: HttpRequest, match_id: PathId) -> Match:
    """The helper says yes to a suggestion; the requester is then offered the help."""
    member = api_member(request)
    return services.match_agree(actor=member, match=selectors.access_match(member, match_id))


@_match_step("pass", "matches_pass")
def matches_pass(request: HttpRequest, match_id: PathId) -> Match:
    """The helper says "not this time" to a suggestion. The requester is never told."""
    member = api_member(request)
    return services.match_pass(actor=member, match=selectors.access_match(member, match_id))


@_match_step("accept", "matches_accept")
def matches_accept(request: HttpRequest, match_id: PathId) -> Match:
    """The requester accepts this helper; the need is then matched."""
    member = api_member(request)
    return services.match_accept(actor=member, match=selectors.access_match(member, match_id))


@_match_step("decline", "matches_decline")
def matches_decline(request: HttpRequest, match_id: PathId) -> Match:
    """The requester declines this offer of help."""
    member = api_member(request)
    return services.match_decline(actor=member, match=selectors.access_match(member, match_id))


@_match_step("start", "matches_start")
def matches_start(request: HttpRequest, match_id: PathId) -> Match:
    """Either side marks an accepted match as under way."""
    member = api_member(request)
    return services.match_start(actor=member, match=selectors.access_match(member, match_id))


@_match_step("confirm-done", "matches_confirm_done")
def matches_confirm_done(request: HttpRequest, match_id: PathId) -> Match:
    """One side confirms the help happened; done once both have."""
    member = api_member(request)
    match = selectors.access_match(member, match_id)
    return services.match_confirm_done(actor=member, match=match)


@_match_step("release", "matches_release")
def matches_release(request: HttpRequest, match_id: PathId, payload: ReleaseIn) -> Match:
    """The helper steps back, saying why; the need opens again."""
    member = api_member(request)
    match = selectors.access_match(member, match_id)
    return services.match_release(actor=member, match=match, reason=payload.reason)


@_match_step("cancel", "matches_cancel")
def matches_cancel(request: HttpRequest, match_id: PathId, payload: CancelIn) -> Match:
    """Either side calls the match off."""
    member = api_member(request)
    match = selectors.access_match(member, match_id)
    return services.match_cancel(actor=member, match=match, reason=payload.reason)


# --- Blocks


class BlockOut(Schema):
    id: int
    member: MemberRef = Field(description="The person I blocked.")
    created_at: datetime

    @staticmethod
    def resolve_member(obj: Block, context: dict[str, Any]) -> Member:
        return obj.blocked


class BlockIn(InputSchema):
    member_id: Id = Field(description="A member of my network.")


@router.get(
    "/blocks", response=responses(list[BlockOut]), operation_id="blocks_list", tags=["blocks"]
)
def blocks_list(request: HttpRequest) -> Any:
    """People I blocked. Only I see this list."""
    return list(selectors.blocks_of_member(member=api_member(request)))


@router.post(
    "/blocks", response=responses(BlockOut, 201), operation_id="blocks_create", tags=["blocks"]
)
def blocks_create(
    request: HttpRequest, payload: BlockIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """Never be matched with this member, either way round. Live matches between us end.
    Blocking twice is the same as once."""
    member = api_member(request)
    other = selectors.access_member(member, payload.member_id)

    def create() -> Block:
        return services.block_create(actor=member, member=other)

    return created_once(request, key=idempotency_key, create=create, out=BlockOut)


@router.delete(
    "/blocks/{block_id}",
    response=responses(None, 204),
    operation_id="blocks_remove",
    tags=["blocks"],
)
def blocks_remove(request: HttpRequest, block_id: PathId) -> Any:
    """Lift one of my blocks."""
    member = api_member(request)
    services.block_remove(actor=member, block=selectors.access_block(member, block_id))
    return Status(204, None)
