"""API: the pantry. Stock, intake, distribution with fair shares, reservations for matches,
stock corrections, and the public capacity signal.

No schema here names a person: a household is its code, and only members with the pantry
permission see households at all.
"""

from datetime import date, datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, JsonResponse
from ninja import Field, Router, Schema
from pydantic import StringConstraints

from mutualaid.core.api import (
    Id,
    IdempotencyKey,
    InputSchema,
    PathId,
    PlainText,
    Slug,
    created_once,
    responses,
)
from mutualaid.core.errors import NotFound
from mutualaid.needs.models import Match, Need
from mutualaid.networks.models import Member
from mutualaid.networks.requests import api_member
from mutualaid.networks.selectors import network_by_slug
from mutualaid.pantry import selectors, services
from mutualaid.pantry.models import Distribution, Household, Item, Lot, Reservation
from mutualaid.pantry.services import MAX_QUANTITY, IntakeLine

router = Router(tags=["pantry"])

# Mirrors of the models' choices, so the OpenAPI document lists them;
# tests/pantry/test_api.py checks that they match the models.
UnitName = Literal["piece", "kg", "litre", "can", "pack", "box"]
CategoryName = Literal["grains", "beans", "canned", "fresh", "dairy", "baby", "hygiene", "other"]
Tag = Literal["halal", "kosher", "vegetarian", "gluten_free", "baby", "hygiene"]
Source = Literal["donation", "purchase", "food_rescue"]
AdjustReason = Literal["spoiled", "miscounted", "damaged"]
ReservationState = Literal["held", "fulfilled", "released"]

# Quantities may be anything an int holds on the way in: the services give the readable
# refusal for zero, negative and too large.
Quantity = Annotated[int, Field(ge=-MAX_QUANTITY, le=MAX_QUANTITY)]
Name = Annotated[str, StringConstraints(min_length=1, max_length=80), PlainText]
Code = Annotated[str, StringConstraints(min_length=1, max_length=40), PlainText]
Short = Annotated[str, StringConstraints(max_length=80), PlainText]
Donor = Annotated[str, StringConstraints(max_length=120), PlainText]
Note = Annotated[str, StringConstraints(max_length=200), PlainText]
Reason = Annotated[str, StringConstraints(max_length=500), PlainText]


class ItemOut(Schema):
    id: int
    name: str
    unit: UnitName
    category: CategoryName
    dietary_tags: list[str]
    on_hand: int
    reserved: int
    available: int
    low_stock_below: int
    retired_at: datetime | None = Field(
        description="When the item was retired; a retired item is not taken in or given out."
    )
    actions: list[str] = Field(
        description="What you may do with the item now: `edit`, `retire` (nothing on hand), "
        "`take_in`, `give_out` and `reserve` (some stock free)."
    )

    @staticmethod
    def resolve_actions(obj: Item, context: dict[str, Any]) -> list[str]:
        return selectors.item_actions(api_member(context["request"]), obj)


class LotOut(Schema):
    id: int
    item_id: int
    quantity: int
    expires_on: date | None
    source: Source
    location: str


class HouseholdOut(Schema):
    id: int
    code: str
    member_id: int | None = Field(description="The member who collects for the household.")


class AllowanceOut(Schema):
    item_id: int
    remaining: int
    why: str = Field(description="The rule and what was taken, in words.")


class LineOut(Schema):
    item_id: int
    quantity: int


class DistributionOut(Schema):
    id: int
    household_id: int
    need_id: int | None
    override_reason: str
    created_at: datetime
    lines: list[LineOut]

    @staticmethod
    def resolve_lines(obj: Distribution) -> list[dict[str, int]]:
        return [{"item_id": line.item_id, "quantity": line.quantity} for line in obj.lines.all()]


class ReservationOut(Schema):
    id: int
    item_id: int
    match_id: int | None
    quantity: int
    state: ReservationState
    actions: list[str] = Field(
        description="What you may do with the reservation now: `release`, `fulfil` (while held)."
    )

    @staticmethod
    def resolve_actions(obj: Reservation, context: dict[str, Any]) -> list[str]:
        return selectors.reservation_actions(api_member(context["request"]), obj)


class RulesOut(Schema):
    rules: list[str] = Field(description="Each fair-share rule in plain words.")


class CapacityOut(Schema):
    open_now: bool
    low_on: list[str] = Field(description="Names of items running low.")
    household_slots_left: int | None = Field(
        description="Household slots left this week, if the pantry counts them."
    )


class ItemIn(InputSchema):
    name: Name
    unit: UnitName
    category: CategoryName
    dietary_tags: list[Tag] = Field(default_factory=list, max_length=6)
    low_stock_below: int = Field(5, ge=0, le=MAX_QUANTITY)


class IntakeLineIn(InputSchema):
    item: Id
    quantity: Quantity
    unit: UnitName
    expires_on: date | None = None
    location: Short = ""


class IntakeIn(InputSchema):
    source: Source
    donor: Donor = Field("", description="Optional; empty keeps the donor anonymous.")
    lines: list[IntakeLineIn] = Field(min_length=1, max_length=50)


class IntakeOut(Schema):
    lots: list[LotOut]


class HouseholdIn(InputSchema):
    code: Code


class LineIn(InputSchema):
    item: Id
    quantity: Quantity


class DistributionIn(InputSchema):
    household: Id
    lines: list[LineIn] = Field(min_length=1, max_length=50)
    need: Id | None = None
    override_reason: Reason = Field(
        "", description="Needed to go over a fair-share rule; kept in the history log."
    )


class ReservationIn(InputSchema):
    match: Id
    item: Id
    quantity: Quantity


class AdjustIn(InputSchema):
    change: Quantity
    reason: AdjustReason
    note: Note = ""


def _item(member: Member, item_id: int) -> Item:
    return selectors.access_item(member, item_id)


@router.get("/pantry/items", response=responses(list[ItemOut]), operation_id="pantry_items")
def pantry_items(request: HttpRequest) -> list[Item]:
    """Every item the pantry stocks, with what is on hand, reserved and available."""
    return list(selectors.items_of(network=api_member(request).network))


@router.post("/pantry/items", response=responses(ItemOut, 201), operation_id="pantry_items_create")
def pantry_items_create(
    request: HttpRequest, payload: ItemIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    member = api_member(request)

    def create() -> Item:
        return services.item_create(actor=member, **payload.model_dump())

    return created_once(request, key=idempotency_key, create=create, out=ItemOut)


class ItemPatchIn(InputSchema):
    name: Name | None = None
    unit: UnitName | None = None
    category: CategoryName | None = None
    dietary_tags: list[Tag] | None = Field(None, max_length=6)
    low_stock_below: int | None = Field(None, ge=0, le=MAX_QUANTITY)


@router.patch(
    "/pantry/items/{item_id}", response=responses(ItemOut), operation_id="pantry_items_update"
)
def pantry_items_update(request: HttpRequest, item_id: PathId, payload: ItemPatchIn) -> Item:
    """Change an item; fields left out stay as they are. The unit can change only while the
    item has never had stock."""
    member = api_member(request)
    item = _item(member, item_id)
    current = {
        "name": item.name,
        "unit": item.unit,
        "category": item.category,
        "dietary_tags": item.dietary_tags,
        "low_stock_below": item.low_stock_below,
    }
    changes = {k: v for k, v in payload.model_dump().items() if v is not None}
    return services.item_update(actor=member, item=item, **(current | changes))


@router.post(
    "/pantry/items/{item_id}/retire",
    response=responses(ItemOut),
    operation_id="pantry_items_retire",
)
def pantry_items_retire(request: HttpRequest, item_id: PathId) -> Item:
    """Stop taking in and giving out an item with nothing on hand; its history is kept."""
    member = api_member(request)
    item = _item(member, item_id)
    return services.item_retire(actor=member, item=item)


@router.get("/pantry/lots", response=responses(list[LotOut]), operation_id="pantry_lots")
def pantry_lots(request: HttpRequest) -> list[Lot]:
    """Lots in stock, first to expire first."""
    return list(selectors.lots_in_stock(network=api_member(request).network))


@router.post("/pantry/intake", response=responses(IntakeOut, 201), operation_id="pantry_intake")
def pantry_intake(
    request: HttpRequest, payload: IntakeIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """Record a delivery of several items at once. All lines or none."""
    member = api_member(request)

    def create() -> dict[str, list[Lot]]:
        lines = [
            IntakeLine(
                item=_item(member, line.item),
                quantity=line.quantity,
                unit=line.unit,
                expires_on=line.expires_on,
                location=line.location,
            )
            for line in payload.lines
        ]
        lots = services.intake_record(
            actor=member, lines=lines, source=payload.source, donor=payload.donor
        )
        return {"lots": lots}

    return created_once(request, key=idempotency_key, create=create, out=IntakeOut)


@router.post(
    "/pantry/households",
    response=responses(HouseholdOut, 201),
    operation_id="pantry_households_create",
)
def pantry_households_create(
    request: HttpRequest, payload: HouseholdIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    member = api_member(request)

    def create() -> Household:
        return services.household_create(actor=member, code=payload.code)

    return created_once(request, key=idempotency_key, create=create, out=HouseholdOut)


class HouseholdLinkIn(InputSchema):
    member: Id | None = Field(description="The member who collects; null unlinks.")


@router.post(
    "/pantry/households/{household_id}/member",
    response=responses(HouseholdOut),
    operation_id="pantry_households_link",
)
def pantry_households_link(
    request: HttpRequest, household_id: PathId, payload: HouseholdLinkIn
) -> Household:
    """Link a household to the member who collects for it, or unlink it."""
    member = api_member(request)
    household = selectors.access_household(member, household_id)
    linked = None
    if payload.member is not None:
        linked = Member.objects.filter(pk=payload.member, network_id=member.network_id).first()
        if linked is None:
            raise NotFound()
    return services.household_link(actor=member, household=household, member=linked)


@router.get(
    "/pantry/households/{household_id}/allowances",
    response=responses(list[AllowanceOut]),
    operation_id="pantry_household_allowances",
)
def pantry_household_allowances(
    request: HttpRequest, household_id: PathId
) -> list[dict[str, object]]:
    """What the household may still take under each fair-share rule, and why."""
    member = api_member(request)
    household = selectors.access_household(member, household_id)
    return [
        {"item_id": item.pk, "remaining": allowance.remaining, "why": allowance.explain()}
        for item in selectors.items_of(network=member.network)
        for allowance in selectors.allowances(household=household, item=item)
    ]


@router.post(
    "/pantry/distributions",
    response=responses(DistributionOut, 201),
    operation_id="pantry_distributions_create",
)
def pantry_distributions_create(
    request: HttpRequest, payload: DistributionIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """Give items to a household, first-expiring lots first, within the fair-share rules
    (409 `not_enough_stock`, 400 `fair_share_exceeded`)."""
    member = api_member(request)

    def create() -> Distribution:
        need = None
        if payload.need is not None:
            need = Need.objects.filter(pk=payload.need, network=member.network).first()
            if need is None:
                raise NotFound()
        return services.distribution_create(
            actor=member,
            household=selectors.access_household(member, payload.household),
            lines=[(_item(member, line.item), line.quantity) for line in payload.lines],
            need=need,
            override_reason=payload.override_reason,
        )

    return created_once(request, key=idempotency_key, create=create, out=DistributionOut)


@router.post(
    "/pantry/reservations",
    response=responses(ReservationOut, 201),
    operation_id="pantry_reservations_create",
)
def pantry_reservations_create(
    request: HttpRequest, payload: ReservationIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """Hold stock for a live match; released by itself when the match ends without help."""
    member = api_member(request)

    def create() -> Reservation:
        match = (
            Match.objects.filter(pk=payload.match, need__network=member.network)
            .select_related("need")
            .first()
        )
        if match is None:
            raise NotFound()
        return services.reservation_create(
            actor=member, match=match, item=_item(member, payload.item), quantity=payload.quantity
        )

    return created_once(request, key=idempotency_key, create=create, out=ReservationOut)


@router.post(
    "/pantry/reservations/{reservation_id}/release",
    response=responses(ReservationOut),
    operation_id="pantry_reservations_release",
)
def pantry_reservations_release(request: HttpRequest, reservation_id: PathId) -> Reservation:
    member = api_member(request)
    reservation = selectors.access_reservation(member, reservation_id)
    return services.reservation_release(actor=member, reservation=reservation)


class FulfilIn(InputSchema):
    household: Id


@router.post(
    "/pantry/reservations/{reservation_id}/fulfil",
    response=responses(DistributionOut, 201),
    operation_id="pantry_reservations_fulfil",
)
def pantry_reservations_fulfil(
    request: HttpRequest,
    reservation_id: PathId,
    payload: FulfilIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """Give the held stock out to the household of the match's need."""
    member = api_member(request)

    def create() -> Distribution:
        reservation = selectors.access_reservation(member, reservation_id)
        household = selectors.access_household(member, payload.household)
        return services.reservation_fulfil(
            actor=member, reservation=reservation, household=household
        )

    return created_once(request, key=idempotency_key, create=create, out=DistributionOut)


@router.post(
    "/pantry/lots/{lot_id}/adjust", response=responses(LotOut), operation_id="pantry_lots_adjust"
)
def pantry_lots_adjust(request: HttpRequest, lot_id: PathId, payload: AdjustIn) -> Lot:
    """Correct a lot's count with a reason; the change is kept in the stock log."""
    member = api_member(request)
    lot = selectors.access_lot(member, lot_id)
    return services.stock_adjust(
        actor=member, lot=lot, change=payload.change, reason=payload.reason, note=payload.note
    )


@router.get("/pantry/rules", response=responses(RulesOut), operation_id="pantry_rules")
def pantry_rules(request: HttpRequest) -> dict[str, list[str]]:
    return {"rules": selectors.rules_in_words(network=api_member(request).network)}


@router.get(
    "/networks/{slug}/pantry/capacity",
    auth=None,
    response=responses(CapacityOut),
    operation_id="pantry_capacity",
)
def pantry_capacity(request: HttpRequest, slug: Slug) -> dict[str, object]:
    """Public, no sign-in: open now, what is low, household slots left this week."""
    signal = selectors.capacity_signal(network=network_by_slug(slug))
    return {
        "open_now": signal.open_now,
        "low_on": signal.low_on,
        "household_slots_left": signal.slots_left,
    }
