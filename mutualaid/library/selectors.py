"""Every read about the lending library, already limited to what the member may see.

Privacy lives here: querysets of things defer the encrypted pickup notes, and the only way to
read them is `thing_pickup_notes`, which returns them to the keeper and to a borrower whose
booking is confirmed (booked or borrowed). Bookings are seen by their borrower, the thing's
keeper and organisers; everyone else sees only that a time is taken.
"""

from collections.abc import Callable
from datetime import datetime, timedelta
from typing import Final

from django.db.models import Q, QuerySet
from django.utils import timezone

from mutualaid.core.errors import NotFound
from mutualaid.library.models import (
    BOOKING_TRANSITIONS,
    LIVE_BOOKING_STATES,
    Booking,
    LibraryFeed,
    Thing,
    Training,
)
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import can

PRIVATE_THING_FIELDS = ("pickup_notes",)


def _things_base(network_id: int) -> QuerySet[Thing]:
    return (
        Thing.objects.filter(network=network_id)
        .select_related("keeper")
        .defer(*PRIVATE_THING_FIELDS)
    )


def things_browse(
    *,
    member: Member,
    query: str = "",
    kind: str = "",
    condition: str = "",
    free_now: bool = False,
    mine: bool = False,
) -> QuerySet[Thing]:
    """Things in the member's network that can be booked, by name, filtered as asked.

    `free_now` keeps things nobody has booked or borrowed at this moment."""
    if not can(member, "library.browse", member.network):
        return Thing.objects.none()
    things = _things_base(member.network_id)
    things = things.filter(keeper=member) if mine else things.filter(is_active=True)
    if query:
        things = things.filter(Q(name__icontains=query) | Q(description__icontains=query))
    if kind:
        things = things.filter(kind=kind)
    if condition:
        things = things.filter(condition=condition)
    if free_now:
        now = timezone.now()
        busy = Booking.objects.filter(
            state__in=LIVE_BOOKING_STATES, starts_at__lte=now, ends_at__gt=now
        ).values("thing_id")
        things = things.exclude(pk__in=busy).exclude(
            bookings__state=Booking.State.OUT
        )  # an overdue loan is still out
    return things.order_by("name").distinct()


def thing_kinds(*, member: Member) -> list[str]:
    return sorted(
        set(
            Thing.objects.filter(network=member.network_id, is_active=True)
            .exclude(kind="")
            .values_list("kind", flat=True)
        )
    )


def access_thing(member: Member | None, thing_id: int) -> Thing:
    """A thing in the member's network, or NotFound (also for other networks' things)."""
    if member is None or not can(member, "library.browse", member.network):
        raise NotFound()
    thing = _things_base(member.network_id).filter(pk=thing_id).first()
    if thing is None:
        raise NotFound()
    return thing


def may_handle(member: Member, thing: Thing) -> bool:
    """Whether the member hands the thing over and takes it back: its keeper, or an organiser."""
    return thing.keeper_id == member.pk or can(member, "library.manage", thing.network)


# --- Who may do what: the predicates the services check and the actions the doors show -------


def may_book_things(member: Member, thing: Thing) -> bool:
    return can(member, "library.book", thing.network)


def thing_is_bookable(thing: Thing) -> bool:
    """On the shelf: its keeper (or an organiser) has not taken it off."""
    return thing.is_active


def is_trained_for(member: Member, thing: Thing) -> bool:
    """Whether the thing's training rule lets the member book it."""
    return not thing.needs_training or thing.keeper_id == member.pk or is_trained(member, thing)


def may_train_others(member: Member, thing: Thing) -> bool:
    """Its keeper, or a member trained for it, may vouch that someone else can use it."""
    return thing.keeper_id == member.pk or is_trained(member, thing)


def may_book(member: Member, thing: Thing) -> bool:
    return (
        may_book_things(member, thing)
        and thing_is_bookable(thing)
        and is_trained_for(member, thing)
    )


def may_train(member: Member, thing: Thing) -> bool:
    return may_book_things(member, thing) and may_train_others(member, thing)


def may_assign_keeper(member: Member, thing: Thing) -> bool:
    """An organiser finds a new keeper for a thing whose keeper left."""
    return thing.keeper_id is None and can(member, "library.manage", thing.network)


THING_ACTIONS: Final[dict[str, Callable[[Member, Thing], bool]]] = {
    "book": may_book,
    "update": may_handle,
    "set_photo": may_handle,
    "train": may_train,
    "assign_keeper": may_assign_keeper,
}


def thing_actions(member: Member, thing: Thing) -> list[str]:
    """What the member may do with the thing now, by name (see THING_ACTIONS)."""
    return [name for name, allowed in THING_ACTIONS.items() if allowed(member, thing)]


def is_party_to(member: Member, booking: Booking) -> bool:
    """Its borrower, the thing's keeper or an organiser."""
    return booking.borrower_id == member.pk or may_handle(member, booking.thing)


def booking_can_move(booking: Booking, step: str) -> bool:
    """Whether the booking's state allows the step (see BOOKING_TRANSITIONS)."""
    return booking.state in BOOKING_TRANSITIONS[step][0]


def may_check_out(member: Member, booking: Booking) -> bool:
    return may_handle(member, booking.thing) and booking_can_move(booking, "check_out")


def may_return(member: Member, booking: Booking) -> bool:
    return may_handle(member, booking.thing) and booking_can_move(booking, "return")


def may_cancel(member: Member, booking: Booking) -> bool:
    return is_party_to(member, booking) and booking_can_move(booking, "cancel")


BOOKING_ACTIONS: Final[dict[str, Callable[[Member, Booking], bool]]] = {
    "check_out": may_check_out,
    "return": may_return,
    "cancel": may_cancel,
}


def booking_actions(member: Member, booking: Booking) -> list[str]:
    """What the member may do with the booking now, by name (see BOOKING_ACTIONS)."""
    return [name for name, allowed in BOOKING_ACTIONS.items() if allowed(member, booking)]


def thing_pickup_notes(*, member: Member, thing: Thing) -> str:
    """Where exactly to pick the thing up: for the keeper, organisers and a borrower with a
    confirmed booking. Empty for everyone else."""
    confirmed = Booking.objects.filter(
        thing=thing, borrower=member, state__in=LIVE_BOOKING_STATES
    ).exists()
    if not (confirmed or may_handle(member, thing)):
        return ""
    notes = Thing.objects.filter(pk=thing.pk).values_list("pickup_notes", flat=True).first()
    return notes or ""


def is_trained(
    member: Member, thing: Thing | None = None, *, kind: str = "", network: Network | None = None
) -> bool:
    """Whether a member vouched that this member can use the thing (or its kind)."""
    if thing is not None:
        condition, kind, network_id = Q(thing=thing), thing.kind, thing.network_id
    else:
        condition, network_id = Q(pk__in=[]), (network.pk if network else member.network_id)
    if kind:
        condition |= Q(thing__isnull=True, kind=kind)
    return Training.objects.filter(condition, network=network_id, trainee=member).exists()


def trainings_for(*, thing: Thing) -> QuerySet[Training]:
    """Who is trained for this thing, by whom (shown to members: it is a record of trust)."""
    by_kind = Q(thing__isnull=True, kind=thing.kind) if thing.kind else Q(pk__in=[])
    return (
        Training.objects.filter(Q(thing=thing) | by_kind, network=thing.network_id)
        .select_related("trainee", "trainer")
        .order_by("trainee__display_name")
    )


def bookings_overlapping(
    *, thing: Thing, starts_at: datetime, ends_at: datetime
) -> QuerySet[Booking]:
    """Live bookings of the thing whose time meets [starts_at, ends_at) (ends may touch)."""
    return Booking.objects.filter(
        thing=thing, starts_at__lt=ends_at, ends_at__gt=starts_at
    ).exclude(state=Booking.State.CANCELLED)


def bookings_calendar(*, thing: Thing, since: datetime | None = None) -> QuerySet[Booking]:
    """Bookings of a thing that are not cancelled and not long over, earliest first."""
    since = since or timezone.now()
    return (
        Booking.objects.filter(thing=thing, ends_at__gt=since)
        .exclude(state__in=[Booking.State.CANCELLED, Booking.State.RETURNED])
        .select_related("borrower")
        .order_by("starts_at")
    )


def next_booking_after(*, booking: Booking) -> Booking | None:
    """Who is waiting for the thing after this loan, if anyone."""
    return (
        Booking.objects.filter(
            thing=booking.thing_id, state=Booking.State.BOOKED, starts_at__gte=booking.starts_at
        )
        .exclude(pk=booking.pk)
        .order_by("starts_at")
        .first()
    )


def bookings_of_member(*, member: Member) -> QuerySet[Booking]:
    """The member's own bookings and loans, newest first."""
    return (
        Booking.objects.filter(borrower=member)
        .select_related("thing", "thing__keeper")
        .defer(*(f"thing__{f}" for f in PRIVATE_THING_FIELDS))
        .order_by("-starts_at")
    )


def bookings_to_handle(*, member: Member) -> QuerySet[Booking]:
    """Live bookings of the things the member keeps: what they hand over and take back."""
    return (
        Booking.objects.filter(thing__keeper=member, state__in=LIVE_BOOKING_STATES)
        .select_related("thing", "borrower")
        .defer(*(f"thing__{f}" for f in PRIVATE_THING_FIELDS))
        .order_by("starts_at")
    )


def access_booking(member: Member | None, booking_id: int) -> Booking:
    """A booking the member is part of (borrower, keeper, organiser), or NotFound."""
    if member is None:
        raise NotFound()
    booking = (
        Booking.objects.filter(pk=booking_id, thing__network=member.network_id)
        .select_related("thing", "thing__network", "borrower")
        .defer(*(f"thing__{f}" for f in PRIVATE_THING_FIELDS))
        .first()
    )
    if booking is None or not is_party_to(member, booking):
        raise NotFound()
    return booking


def feed_network(*, slug: str, token: str) -> Network:
    """The network whose feed secret this is, or NotFound (the same for a wrong slug)."""
    feed = LibraryFeed.objects.filter(token=token, network__slug=slug).select_related("network")
    found = feed.first() if token else None
    if found is None:
        raise NotFound()
    return found.network


def feed_bookings(*, network: Network, thing_id: int) -> tuple[Thing, QuerySet[Booking]]:
    thing = _things_base(network.pk).filter(pk=thing_id).first()
    if thing is None:
        raise NotFound()
    since = timezone.now() - timedelta(days=30)
    bookings = (
        Booking.objects.filter(thing=thing, ends_at__gt=since)
        .exclude(state=Booking.State.CANCELLED)
        .only("pk", "starts_at", "ends_at", "created_at", "updated_at", "state")
        .order_by("starts_at")
    )
    return thing, bookings


def _iso(value: datetime | None) -> str | None:
    return value.isoformat() if value else None


def library_data_export(*, member: Member) -> dict[str, object]:
    """The member's part of "download my data": things they keep (with their own pickup
    notes), their bookings and loans, and the trainings they received and gave."""
    things = Thing.objects.filter(keeper=member).order_by("created_at")
    bookings = Booking.objects.filter(borrower=member).select_related("thing")
    received = Training.objects.filter(trainee=member).order_by("created_at")
    given = Training.objects.filter(trainer=member).order_by("created_at")
    return {
        "library_things": [
            {
                "id": t.pk,
                "name": t.name,
                "kind": t.kind,
                "description": t.description,
                "condition": t.condition,
                "photo": t.photo.name or "",
                "cell": t.cell,
                "pickup_notes": t.pickup_notes or "",
                "needs_training": t.needs_training,
                "is_active": t.is_active,
                "created_at": _iso(t.created_at),
                "updated_at": _iso(t.updated_at),
            }
            for t in things
        ],
        "library_bookings": [
            {
                "id": b.pk,
                "thing": b.thing.name,
                "starts_at": _iso(b.starts_at),
                "ends_at": _iso(b.ends_at),
                "state": b.state,
                "condition_out": b.condition_out,
                "condition_in": b.condition_in,
                "checked_out_at": _iso(b.checked_out_at),
                "returned_at": _iso(b.returned_at),
                "due_reminded_at": _iso(b.due_reminded_at),
                "overdue_reminded_at": _iso(b.overdue_reminded_at),
                "created_at": _iso(b.created_at),
                "updated_at": _iso(b.updated_at),
            }
            for b in bookings.order_by("starts_at")
        ],
        "library_trainings": [
            {
                "thing": t.thing_id,
                "kind": t.kind,
                "trainer": t.trainer_id,
                "created_at": _iso(t.created_at),
            }
            for t in received
        ],
        "library_trainings_given": [
            {"trainee": t.trainee_id, "thing": t.thing_id, "kind": t.kind} for t in given
        ],
    }
