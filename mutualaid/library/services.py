"""Every write about the lending library: things, trainings, bookings and their loans.

Which booking step is legal from which state is read from BOOKING_TRANSITIONS in models.py and
settled by conditional updates. That two live bookings of a thing never overlap is a rule of
the database (see migration 0002); `booking_create` checks first for a clear message, and turns
the database's refusal, when it loses a race, into the same message.
"""

import secrets
from datetime import datetime, timedelta
from functools import partial

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.channels.services import notice_send
from mutualaid.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied
from mutualaid.core.history import history_record
from mutualaid.core.validation import clean_cell, clean_text
from mutualaid.library.models import (
    BOOKING_TRANSITIONS,
    NO_OVERLAP,
    ONE_OUT_PER_THING,
    Booking,
    LibraryFeed,
    Thing,
    Training,
)
from mutualaid.library.photos import photo_clean
from mutualaid.library.selectors import (
    bookings_overlapping,
    is_party_to,
    is_trained,
    is_trained_for,
    may_book_things,
    may_handle,
    may_train_others,
    next_booking_after,
    thing_is_bookable,
)
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import can, require

MAX_LOAN = timedelta(days=30)
MAX_AHEAD = timedelta(days=180)
EARLIEST_END = timedelta(minutes=1)  # a booking returned before it began still spans a minute


def _clean_kind(kind: str) -> str:
    kind = (kind or "").strip().lower()
    if len(kind) > 60 or (kind and not kind.replace("-", "").replace("_", "").isalnum()):
        message = _("Use one short word for the kind, e.g. chainsaw.")
        raise InvalidInput(message, fields={"kind": [message]})
    return kind


# --- Things ---------------------------------------------------------------------------------


@transaction.atomic
def thing_create(
    *,
    actor: Member,
    name: str,
    cell: str,
    kind: str = "",
    description: str = "",
    condition: str = Thing.Condition.GOOD,
    pickup_notes: str = "",
    needs_training: bool = False,
    photo: bytes | None = None,
) -> Thing:
    """Lend a thing to the network; the actor keeps it. Its photo is stored without metadata,
    and its pickup notes (encrypted) are shown only to borrowers with a confirmed booking."""
    require(actor, "library.lend", actor.network)
    if condition not in Thing.Condition.values:
        raise InvalidInput(_("Choose the thing's condition."), fields={"condition": []})
    kind = _clean_kind(kind)
    if needs_training and not kind:
        message = _("Give the kind of thing, so that members can be trained for it.")
        raise InvalidInput(message, fields={"kind": [message]})
    thing = Thing(
        network=actor.network,
        keeper=actor,
        name=clean_text(name, field="name", max_length=120),
        kind=kind,
        description=clean_text(description, field="description", max_length=1000, required=False),
        condition=condition,
        cell=clean_cell(cell),
        pickup_notes=clean_text(pickup_notes, field="pickup_notes", max_length=1000, required=False)
        or None,
        needs_training=needs_training,
    )
    if photo:
        clean = photo_clean(photo)
        thing.photo.save(clean.name or "photo", clean, save=False)
    thing.save()
    history_record(actor=actor, action="library.thing_create", target=thing)
    return thing


@transaction.atomic
def thing_set_photo(*, actor: Member, thing: Thing, photo: bytes) -> Thing:
    """Replace the thing's photo (keeper or organiser). The old file is removed."""
    if not may_handle(actor, thing):
        raise PermissionDenied()
    clean = photo_clean(photo)
    old = thing.photo.name
    thing.photo.save(clean.name or "photo", clean, save=False)
    Thing.objects.filter(pk=thing.pk).update(photo=thing.photo.name, updated_at=timezone.now())
    if old:
        transaction.on_commit(partial(thing.photo.storage.delete, old))
    history_record(actor=actor, action="library.thing_photo", target=thing)
    return thing


@transaction.atomic
def thing_update(*, actor: Member, thing: Thing, condition: str, is_active: bool) -> Thing:
    """The keeper (or an organiser) says how the thing is now, or takes it off or back on
    the shelf. Bookings already made stay; new ones wait until it can be booked again."""
    if not may_handle(actor, thing):
        raise PermissionDenied()
    if condition not in Thing.Condition.values:
        raise InvalidInput(_("Choose the thing's condition."), fields={"condition": []})
    Thing.objects.filter(pk=thing.pk).update(
        condition=condition, is_active=is_active, updated_at=timezone.now()
    )
    history_record(
        actor=actor,
        network=thing.network,
        action="library.thing_update",
        target=thing,
        condition=condition,
        is_active=is_active,
    )
    thing.refresh_from_db(fields=["condition", "is_active", "updated_at"])
    return thing


@transaction.atomic
def thing_keeper_assign(*, actor: Member, thing: Thing, keeper: Member) -> Thing:
    """Give a thing whose keeper left a new keeper (an organiser or a member with the library
    permission does this). The thing stays off the shelf until the new keeper puts it back,
    with their own pickup notes."""
    require(actor, "library.manage", thing.network)
    if keeper.network_id != thing.network_id:
        raise InvalidInput(_("Choose a member of this network."), fields={"keeper": []})
    if not can(keeper, "library.lend", thing.network):
        message = _("%(name)s cannot keep things in the library.") % {"name": keeper.display_name}
        raise InvalidInput(message, fields={"keeper": [message]})
    if not Thing.objects.filter(pk=thing.pk, keeper__isnull=True).update(
        keeper=keeper, updated_at=timezone.now()
    ):
        raise Conflict(_("This thing already has a keeper."))
    history_record(
        actor=actor,
        network=thing.network,
        action="library.thing_keeper",
        target=thing,
        keeper=keeper.pk,
    )
    thing.refresh_from_db()
    return thing


# --- Training -------------------------------------------------------------------------------


@transaction.atomic
def training_give(
    *, actor: Member, trainee: Member, thing: Thing | None = None, kind: str = ""
) -> Training:
    """Record that the actor trained `trainee` to use one thing, or every thing of a kind.

    Only the thing's keeper, or a member who is trained for it themself, may vouch."""
    require(actor, "library.book", actor.network)
    kind = "" if thing is not None else _clean_kind(kind)
    if thing is None and not kind:
        raise InvalidInput(_("Say which thing or kind of thing the training was for."))
    if trainee.network_id != actor.network_id or (
        thing is not None and thing.network_id != actor.network_id
    ):
        raise InvalidInput(_("You can only train members of this network."))
    if trainee.pk == actor.pk:
        raise InvalidInput(_("Someone else has to vouch for your training."))
    keeper_of_kind = (
        bool(kind)
        and Thing.objects.filter(network=actor.network_id, keeper=actor, kind=kind).exists()
    )
    allowed = (
        (thing is not None and may_train_others(actor, thing))
        or keeper_of_kind
        or (kind and is_trained(actor, kind=kind, network=actor.network))
    )
    if not allowed:
        raise PermissionDenied(
            _("Only the keeper, or a member trained to use it, can train others.")
        )
    existing = Training.objects.filter(trainee=trainee, thing=thing, kind=kind).first()
    if existing is not None:
        return existing
    training = Training.objects.create(
        network=actor.network, trainee=trainee, trainer=actor, thing=thing, kind=kind
    )
    history_record(actor=actor, action="library.training_give", target=training, trainee=trainee.pk)
    return training


# --- Bookings -------------------------------------------------------------------------------


def _overlap_error() -> Conflict:
    return Conflict(_("Someone has already booked this thing for part of that time."))


@transaction.atomic
def booking_create(
    *, actor: Member, thing: Thing, starts_at: datetime, ends_at: datetime
) -> Booking:
    """Book a thing from `starts_at` until `ends_at`. Refused with a clear message when the
    time is taken (even by a booking made in the same instant), when the thing needs training
    the actor has not had, or when the time makes no sense. Nothing is written then."""
    if not may_book_things(actor, thing):
        raise PermissionDenied()
    if not thing_is_bookable(thing):
        raise Conflict(_("This thing cannot be booked at the moment."))
    _check_range(starts_at, ends_at)
    if not is_trained_for(actor, thing):
        raise PermissionDenied(
            _(
                "This thing is only lent to members trained to use it. Ask its keeper, or a "
                "member who is trained, to show you how and record it."
            )
        )
    # Bookings of one thing are made one at a time: the update holds the thing's row until
    # commit, so a second booking waits, then sees the first. Without it, two overlapping
    # inserts on PostgreSQL can each wait on the other's exclusion check and one dies of a
    # deadlock instead of a clear refusal. The exclusion constraint still guarantees the rule.
    Thing.objects.filter(pk=thing.pk).update(updated_at=timezone.now())
    if bookings_overlapping(thing=thing, starts_at=starts_at, ends_at=ends_at).exists():
        raise _overlap_error()
    try:
        with transaction.atomic():
            booking = Booking.objects.create(
                thing=thing, borrower=actor, starts_at=starts_at, ends_at=ends_at
            )
    except IntegrityError as exc:
        if NO_OVERLAP in str(exc):
            raise _overlap_error() from None
        raise
    history_record(actor=actor, network=thing.network, action="library.book", target=booking)
    if thing.keeper_id and thing.keeper_id != actor.pk:
        notice_send("booking.booked", booking.pk)
    return booking


def _check_range(starts_at: datetime, ends_at: datetime) -> None:
    if starts_at.tzinfo is None or ends_at.tzinfo is None:
        raise InvalidInput(_("Give the times with a time zone."))
    if ends_at <= starts_at:
        message = _("The end of the booking must come after its start.")
        raise InvalidInput(message, fields={"ends_at": [message]})
    now = timezone.now()
    if ends_at <= now:
        message = _("This time has already passed.")
        raise InvalidInput(message, fields={"ends_at": [message]})
    if ends_at - starts_at > MAX_LOAN:
        message = _("A booking can last at most 30 days.")
        raise InvalidInput(message, fields={"ends_at": [message]})
    if starts_at - now > MAX_AHEAD:
        message = _("Book at most six months ahead.")
        raise InvalidInput(message, fields={"starts_at": [message]})


def _booking_move(booking: Booking, step: str, error: str, **changes: object) -> Booking:
    from_states, to_state = BOOKING_TRANSITIONS[step]
    moved = Booking.objects.filter(pk=booking.pk, state__in=from_states).update(
        state=to_state, updated_at=timezone.now(), **changes
    )
    if not moved:
        raise IllegalTransition(error)
    booking.refresh_from_db()
    return booking


@transaction.atomic
def booking_check_out(*, actor: Member, booking: Booking, condition_notes: str = "") -> Booking:
    """The keeper (or an organiser) hands the thing over, noting its condition."""
    if not may_handle(actor, booking.thing):
        raise PermissionDenied()
    notes = clean_text(condition_notes, field="condition_notes", max_length=500, required=False)
    still_out = _("This thing is still out with someone else. Take it back first.")
    others_out = Booking.objects.filter(thing=booking.thing_id, state=Booking.State.OUT)
    if others_out.exclude(pk=booking.pk).exists():
        raise Conflict(still_out)
    try:
        with transaction.atomic():
            booking = _booking_move(
                booking,
                "check_out",
                _(
                    "Only a booking that is not yet borrowed, returned or cancelled can be "
                    "checked out."
                ),
                condition_out=notes,
                checked_out_at=timezone.now(),
            )
    except IntegrityError as exc:  # another booking of it was checked out at the same moment
        if ONE_OUT_PER_THING in str(exc):
            raise Conflict(still_out) from None
        raise
    history_record(
        actor=actor, network=booking.thing.network, action="library.check_out", target=booking
    )
    return booking


@transaction.atomic
def booking_return(*, actor: Member, booking: Booking, condition_notes: str = "") -> Booking:
    """The keeper (or an organiser) takes the thing back, noting its condition; if it is back
    early, the rest of its booked time is freed. A thing that was never checked out cannot be
    returned, and nothing changes then."""
    if not may_handle(actor, booking.thing):
        raise PermissionDenied()
    notes = clean_text(condition_notes, field="condition_notes", max_length=500, required=False)
    now = timezone.now()
    # Back early: the rest of the booked time is free again for others.
    ends_at = max(min(booking.ends_at, now), booking.starts_at + EARLIEST_END)
    booking = _booking_move(
        booking,
        "return",
        _("This thing is not checked out, so it cannot be returned."),
        condition_in=notes,
        returned_at=now,
        ends_at=ends_at,
    )
    history_record(
        actor=actor, network=booking.thing.network, action="library.return", target=booking
    )
    return booking


@transaction.atomic
def booking_cancel(*, actor: Member, booking: Booking) -> Booking:
    """The borrower, the keeper or an organiser cancels a booking that has not started; its
    time is free again at once."""
    if not is_party_to(actor, booking):
        raise PermissionDenied()
    booking = _booking_move(
        booking, "cancel", _("Only a booking that has not been picked up can be cancelled.")
    )
    history_record(
        actor=actor, network=booking.thing.network, action="library.cancel", target=booking
    )
    other = "keeper" if booking.borrower_id == actor.pk else "borrower"
    notice_send(f"booking.cancelled_to_{other}", booking.pk)
    return booking


# --- Reminders ------------------------------------------------------------------------------


@transaction.atomic
def loans_remind_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Remind borrowers once before a loan is due, and once, kindly, when it is overdue.
    Run by the worker; safe to run twice (each reminder is claimed by a conditional update)."""
    now = now or timezone.now()
    ahead = timedelta(hours=settings.MUTUALAID.get("LIBRARY_REMIND_HOURS", 24))
    sent = {"due": 0, "overdue": 0}
    due = Booking.objects.filter(
        state=Booking.State.OUT, ends_at__gt=now, ends_at__lte=now + ahead, due_reminded_at=None
    )
    for pk in list(due.values_list("pk", flat=True)):
        if Booking.objects.filter(pk=pk, due_reminded_at=None).update(due_reminded_at=now):
            notice_send("booking.due_soon", pk)
            sent["due"] += 1
    overdue = Booking.objects.filter(
        state=Booking.State.OUT, ends_at__lte=now, overdue_reminded_at=None
    )
    for booking in list(overdue):
        if Booking.objects.filter(pk=booking.pk, overdue_reminded_at=None).update(
            overdue_reminded_at=now
        ):
            _overdue_notice(booking)
            sent["overdue"] += 1
    return sent


def _overdue_notice(booking: Booking) -> None:
    """A kind note, naming when the next borrower needs the thing if someone is waiting."""
    waiting = next_booking_after(booking=booking)
    if waiting is None:
        notice_send("booking.overdue", booking.pk)
    else:
        notice_send(
            "booking.overdue_someone_waits",
            booking.pk,
            next_starts_at=waiting.starts_at.isoformat(),
        )


# --- The calendar feed's secret ---------------------------------------------------------------


def library_feed_token(*, network: Network) -> str:
    """The network's feed secret, made the first time anyone asks for it."""
    feed = LibraryFeed.objects.filter(network=network).first()
    if feed is not None:
        return feed.token
    try:
        with transaction.atomic():
            feed = LibraryFeed.objects.create(network=network, token=secrets.token_urlsafe(32))
    except IntegrityError:  # made at the same moment by another request
        feed = LibraryFeed.objects.get(network=network)
    return feed.token


@transaction.atomic
def library_feed_rotate(*, actor: Member) -> str:
    """Replace the network's feed secret: every calendar subscribed with the old link stops
    receiving updates."""
    require(actor, "library.manage", actor.network)
    token = secrets.token_urlsafe(32)
    if not LibraryFeed.objects.filter(network=actor.network).update(token=token):
        LibraryFeed.objects.create(network=actor.network, token=token)
    history_record(actor=actor, action="library.feed_rotate")
    return token


def library_member_leaving(*, member: Member) -> None:
    """Before a member's account is deleted: the things they keep stay with the network
    without their pickup notes and photo (which may show their home), and cannot be booked
    until an organiser finds a new keeper; bookings not yet picked up are cancelled and their
    borrowers told. Their own bookings and trainings go with their membership."""
    things = Thing.objects.filter(keeper=member)
    for thing in things.exclude(photo=""):
        transaction.on_commit(partial(thing.photo.storage.delete, thing.photo.name or ""))
    things.update(pickup_notes=None, photo="", is_active=False, updated_at=timezone.now())
    pending = Booking.objects.filter(thing__keeper=member, state=Booking.State.BOOKED).exclude(
        borrower=member
    )
    for booking_id in list(pending.values_list("pk", flat=True)):
        if Booking.objects.filter(pk=booking_id, state=Booking.State.BOOKED).update(
            state=Booking.State.CANCELLED, updated_at=timezone.now()
        ):
            notice_send("booking.cancelled_to_borrower", booking_id)
