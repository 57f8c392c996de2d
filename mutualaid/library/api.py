"""API: the lending library. Things, their booked times, my bookings, and the loan's steps.

Privacy: a thing's pickup notes appear only in the thing detail, filled by
`thing_pickup_notes` for its keeper, organisers and a borrower with a confirmed booking. Booked
times of a thing say who booked only to the keeper and organisers, and "mine" to the borrower.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, JsonResponse
from django.utils import timezone
from ninja import Field, Query, Router, Schema, UploadedFile
from ninja import File as NinjaFile
from ninja.pagination import paginate
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
    created_once,
    responses,
)
from mutualaid.core.errors import InvalidInput
from mutualaid.library import selectors, services
from mutualaid.library.models import Booking, Thing, Training
from mutualaid.networks.models import Member
from mutualaid.networks.requests import api_member

router = Router(tags=["library"])

# Mirrors of the models' choices, spelled out so the OpenAPI document lists them;
# tests/library/test_api.py checks that they match the models.
Condition = Literal["new", "good", "worn", "repair"]
BookingState = Literal["booked", "out", "returned", "cancelled"]
ThingAction = Literal["book", "update", "set_photo", "train", "assign_keeper"]
BookingAction = Literal["check_out", "return", "cancel"]
BOOKING_ACTIONS_DOC = (
    "What I may do with this booking now: hand the thing over or take it back (its keeper, "
    "organisers), or cancel it before it is picked up (also its borrower)."
)

Name = Annotated[str, StringConstraints(min_length=1, max_length=120), PlainText]
Kind = Annotated[str, StringConstraints(max_length=60, pattern=r"^[a-z0-9_-]*$"), PlainText]
Details = Annotated[str, StringConstraints(max_length=1000), PlainText]
Notes = Annotated[str, StringConstraints(max_length=500), PlainText]
Search = Annotated[str, StringConstraints(max_length=100), PlainText]


class MemberRef(Schema):
    id: int
    display_name: str


class ThingOut(Schema):
    id: int
    name: str
    kind: str
    description: str
    condition: Condition
    cell: str = Field(description="H3 cell (resolution 8) of the thing's area.")
    needs_training: bool = Field(description="Only members trained by a member may book it.")
    is_active: bool
    keeper: MemberRef | None
    has_photo: bool
    actions: list[ThingAction] = Field(
        description="What I may do with it now: book it, update its condition or shelf state, "
        "set its photo (keeper, organisers), train others for it, or give it a new keeper "
        "(organisers, once its keeper left)."
    )

    @staticmethod
    def resolve_has_photo(obj: Thing) -> bool:
        return bool(obj.photo)

    @staticmethod
    def resolve_actions(obj: Thing, context: dict[str, Any]) -> list[str]:
        return selectors.thing_actions(api_member(context["request"]), obj)


class ThingDetailOut(ThingOut):
    pickup_notes: str = Field(
        description="Where exactly to pick it up: only for its keeper, organisers and a "
        "borrower with a confirmed booking; empty for everyone else."
    )
    trained: bool = Field(description="True when I may book it under its training rule.")

    @staticmethod
    def resolve_pickup_notes(obj: Thing, context: dict[str, Any]) -> str:
        return selectors.thing_pickup_notes(member=api_member(context["request"]), thing=obj)

    @staticmethod
    def resolve_trained(obj: Thing, context: dict[str, Any]) -> bool:
        return selectors.is_trained_for(api_member(context["request"]), obj)


class BookedTimeOut(Schema):
    """A booked time of a thing, as any member sees it."""

    id: int
    starts_at: datetime
    ends_at: datetime
    state: BookingState
    mine: bool
    borrower: MemberRef | None = Field(
        description="Who booked: only shown to the thing's keeper and organisers."
    )
    actions: list[BookingAction] = Field(description=BOOKING_ACTIONS_DOC)

    @staticmethod
    def resolve_actions(obj: Booking, context: dict[str, Any]) -> list[str]:
        return selectors.booking_actions(api_member(context["request"]), obj)

    @staticmethod
    def resolve_mine(obj: Booking, context: dict[str, Any]) -> bool:
        return obj.borrower_id == api_member(context["request"]).pk

    @staticmethod
    def resolve_borrower(obj: Booking, context: dict[str, Any]) -> Member | None:
        member = api_member(context["request"])
        return obj.borrower if selectors.may_handle(member, obj.thing) else None


class BookingOut(Schema):
    """A booking I made or handle."""

    id: int
    thing_id: int
    thing_name: str
    starts_at: datetime
    ends_at: datetime
    state: BookingState
    condition_out: str
    condition_in: str
    checked_out_at: datetime | None
    returned_at: datetime | None
    overdue: bool
    actions: list[BookingAction] = Field(description=BOOKING_ACTIONS_DOC)

    @staticmethod
    def resolve_actions(obj: Booking, context: dict[str, Any]) -> list[str]:
        return selectors.booking_actions(api_member(context["request"]), obj)

    @staticmethod
    def resolve_thing_name(obj: Booking) -> str:
        return obj.thing.name

    @staticmethod
    def resolve_overdue(obj: Booking) -> bool:
        return obj.state == Booking.State.OUT and obj.ends_at <= timezone.now()


class TrainingOut(Schema):
    id: int
    trainee: MemberRef
    trainer: MemberRef | None
    thing_id: int | None
    kind: str
    created_at: datetime


class ThingIn(InputSchema):
    name: Name
    cell: Cell
    kind: Kind = ""
    description: Details = ""
    condition: Condition = "good"
    pickup_notes: Details = ""
    needs_training: bool = False


class BookingIn(InputSchema):
    starts_at: Instant
    ends_at: Instant


class StepIn(InputSchema):
    condition_notes: Notes = ""


class TrainingIn(InputSchema):
    trainee: Id
    whole_kind: bool = Field(False, description="For every thing of this kind.")


class ThingFilters(Schema):
    q: Search | None = None
    kind: Kind | None = None
    condition: Condition | None = None
    free_now: bool = False
    mine: bool = Field(False, description="Only the things I keep (active or not).")


@router.get("/library/things", response=responses(list[ThingOut]), operation_id="library_things")
@paginate(PageNumbers)
def library_things(request: HttpRequest, filters: Query[ThingFilters]) -> Any:
    """Things in my network's library, by name."""
    return selectors.things_browse(
        member=api_member(request),
        query=filters.q or "",
        kind=filters.kind or "",
        condition=filters.condition or "",
        free_now=filters.free_now,
        mine=filters.mine,
    )


@router.post(
    "/library/things",
    response=responses(ThingDetailOut, 201),
    operation_id="library_things_create",
)
def library_things_create(
    request: HttpRequest, payload: ThingIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """Lend a thing to the network; I keep it. (Photos are added on the thing's web page.)"""
    member = api_member(request)

    def create() -> Thing:
        return services.thing_create(actor=member, **payload.dict())

    return created_once(request, key=idempotency_key, create=create, out=ThingDetailOut)


@router.get(
    "/library/things/{thing_id}",
    response=responses(ThingDetailOut),
    operation_id="library_things_get",
)
def library_things_get(request: HttpRequest, thing_id: PathId) -> Thing:
    return selectors.access_thing(api_member(request), thing_id)


@router.post(
    "/library/things/{thing_id}/photo",
    response=responses(ThingDetailOut),
    operation_id="library_things_photo_set",
)
def library_things_photo_set(
    request: HttpRequest,
    thing_id: PathId,
    photo: UploadedFile = NinjaFile(...),  # type: ignore[type-arg]  # noqa: B008 - ninja reads it at run time
) -> Thing:
    """Set or replace the thing's photo (its keeper or an organiser): JPEG, PNG or WebP, at
    most 5 MB. It is re-encoded without metadata (no location). Setting the same photo twice
    leaves one photo, so a retry is safe without an Idempotency-Key."""
    member = api_member(request)
    thing = selectors.access_thing(member, thing_id)
    return services.thing_set_photo(actor=member, thing=thing, photo=photo.read())


@router.get(
    "/library/things/{thing_id}/bookings",
    response=responses(list[BookedTimeOut]),
    operation_id="library_thing_bookings",
)
def library_thing_bookings(request: HttpRequest, thing_id: PathId) -> Any:
    """The thing's upcoming booked times, earliest first."""
    thing = selectors.access_thing(api_member(request), thing_id)
    return list(selectors.bookings_calendar(thing=thing)[:500])


@router.post(
    "/library/things/{thing_id}/bookings",
    response=responses(BookingOut, 201),
    operation_id="library_bookings_create",
)
def library_bookings_create(
    request: HttpRequest,
    thing_id: PathId,
    payload: BookingIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """Book a thing. 409 `conflict` when part of the time is already booked."""
    member = api_member(request)
    thing = selectors.access_thing(member, thing_id)

    def create() -> Booking:
        return services.booking_create(
            actor=member, thing=thing, starts_at=payload.starts_at, ends_at=payload.ends_at
        )

    return created_once(request, key=idempotency_key, create=create, out=BookingOut)


@router.post(
    "/library/things/{thing_id}/trainings",
    response=responses(TrainingOut, 201),
    operation_id="library_trainings_create",
)
def library_trainings_create(
    request: HttpRequest,
    thing_id: PathId,
    payload: TrainingIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """Record that I trained a member to use this thing (or every thing of its kind)."""
    member = api_member(request)
    thing = selectors.access_thing(member, thing_id)
    trainee = _member_in_network(member, payload.trainee)

    def create() -> Training:
        return services.training_give(
            actor=member,
            trainee=trainee,
            thing=None if payload.whole_kind else thing,
            kind=thing.kind if payload.whole_kind else "",
        )

    return created_once(request, key=idempotency_key, create=create, out=TrainingOut)


def _member_in_network(member: Member, member_id: int) -> Member:
    found = Member.objects.filter(network=member.network_id, pk=member_id).first()
    if found is None:
        raise InvalidInput(
            "No member of this network has that id.", fields={"trainee": ["Not found."]}
        )
    return found


@router.get(
    "/library/bookings", response=responses(list[BookingOut]), operation_id="library_bookings"
)
@paginate(PageNumbers)
def library_bookings(request: HttpRequest) -> Any:
    """My bookings and loans, newest first."""
    return selectors.bookings_of_member(member=api_member(request))


def _step(request: HttpRequest, booking_id: int, step: str, notes: str = "") -> Booking:
    member = api_member(request)
    booking = selectors.access_booking(member, booking_id)
    if step == "cancel":
        return services.booking_cancel(actor=member, booking=booking)
    if step == "check_out":
        return services.booking_check_out(actor=member, booking=booking, condition_notes=notes)
    return services.booking_return(actor=member, booking=booking, condition_notes=notes)


@router.post(
    "/library/bookings/{booking_id}/check-out",
    response=responses(BookingOut),
    operation_id="library_bookings_check_out",
)
def library_bookings_check_out(request: HttpRequest, booking_id: PathId, payload: StepIn) -> Any:
    """Hand the thing over (its keeper or an organiser), noting its condition."""
    return _step(request, booking_id, "check_out", payload.condition_notes)


@router.post(
    "/library/bookings/{booking_id}/return",
    response=responses(BookingOut),
    operation_id="library_bookings_return",
)
def library_bookings_return(request: HttpRequest, booking_id: PathId, payload: StepIn) -> Any:
    """Take the thing back, noting its condition. 409 when it is not checked out."""
    return _step(request, booking_id, "return", payload.condition_notes)


@router.post(
    "/library/bookings/{booking_id}/cancel",
    response=responses(BookingOut),
    operation_id="library_bookings_cancel",
)
def library_bookings_cancel(request: HttpRequest, booking_id: PathId) -> Any:
    """Cancel a booking that has not been picked up; its time is free again."""
    return _step(request, booking_id, "cancel")
