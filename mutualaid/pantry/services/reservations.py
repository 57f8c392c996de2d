"""Stock held for a live match on a groceries need, then given out or released."""

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.core.errors import Conflict, InvalidInput, NotFound
from mutualaid.core.history import history_record
from mutualaid.needs.models import LIVE_STATES, Match
from mutualaid.networks.models import Member
from mutualaid.pantry.errors import NotEnoughStock
from mutualaid.pantry.models import (
    Distribution,
    DistributionLine,
    Household,
    Item,
    Reservation,
    StockMovement,
    Unit,
)
from mutualaid.pantry.services.ledger import (
    check_same_network,
    clean_quantity,
    lots_take_fefo,
    movement_log,
    require_manager,
    stock_take,
)

ENDED_MATCH_STATES = tuple(s for s in Match.State.values if s not in LIVE_STATES)
GROCERIES = "groceries"


@transaction.atomic
def reservation_create(*, actor: Member, match: Match, item: Item, quantity: int) -> Reservation:
    """Hold stock for a live match on a groceries need (a helper will bring groceries). Held
    stock is no longer available to anyone else until it is given out or released."""
    require_manager(actor)
    check_same_network(actor, item)
    if match.need.network_id != actor.network_id:
        raise NotFound()
    quantity = clean_quantity(quantity)
    if match.need.category.slug != GROCERIES:
        message = _("Pantry stock can be reserved only for a match on a groceries need.")
        raise InvalidInput(message, fields={"match": [message]})
    if match.state not in LIVE_STATES:
        raise Conflict(_("This match has ended, so nothing can be reserved for it."))
    held = Item.objects.filter(pk=item.pk, on_hand__gte=F("reserved") + quantity).update(
        reserved=F("reserved") + quantity
    )
    if not held:
        item.refresh_from_db(fields=["on_hand", "reserved"])
        raise NotEnoughStock(
            _("Not enough stock of %(item)s to reserve: %(left)d %(unit)s free.")
            % {"item": item.name, "left": item.available, "unit": Unit(item.unit).label}
        )
    try:
        with transaction.atomic():
            reservation = Reservation.objects.create(
                network=actor.network, item=item, match=match, quantity=quantity
            )
    except IntegrityError:
        raise Conflict(_("Something is already reserved of this item for this match.")) from None
    movement_log(
        item,
        StockMovement.Kind.RESERVATION,
        actor=actor,
        reserved=quantity,
        reservation=reservation,
    )
    history_record(actor=actor, action="pantry.reserve", target=reservation)
    return reservation


def _release(reservation: Reservation, *, actor: Member | None, reason: str) -> bool:
    if not Reservation.objects.filter(pk=reservation.pk, state=Reservation.State.HELD).update(
        state=Reservation.State.RELEASED, updated_at=timezone.now()
    ):
        return False
    Item.objects.filter(pk=reservation.item_id).update(
        reserved=F("reserved") - reservation.quantity
    )
    movement_log(
        reservation.item,
        StockMovement.Kind.RELEASE,
        actor=actor,
        reserved=-reservation.quantity,
        reservation=reservation,
    )
    history_record(
        actor=actor,
        network=reservation.item.network,
        action="pantry.release",
        target=reservation,
        reason=reason,
    )
    return True


@transaction.atomic
def reservation_release(*, actor: Member, reservation: Reservation) -> Reservation:
    """Give held stock back to everyone."""
    require_manager(actor)
    check_same_network(actor, reservation)
    if not _release(reservation, actor=actor, reason="by hand"):
        raise Conflict(_("This reservation is no longer held."))
    reservation.refresh_from_db()
    return reservation


@transaction.atomic
def reservation_fulfil(
    *, actor: Member, reservation: Reservation, household: Household
) -> Distribution:
    """Give out held stock to the household of the match's need. Fair-share rules were
    checked by people when the stock was reserved; this does not check them again."""
    require_manager(actor)
    check_same_network(actor, reservation, household)
    if not Reservation.objects.filter(pk=reservation.pk, state=Reservation.State.HELD).update(
        state=Reservation.State.FULFILLED, updated_at=timezone.now()
    ):
        raise Conflict(_("This reservation is no longer held."))
    item = reservation.item
    stock_take(item, reservation.quantity, from_reserved=True)
    need = reservation.match.need if reservation.match else None
    distribution = Distribution.objects.create(
        network=actor.network, household=household, need=need, given_by=actor
    )
    DistributionLine.objects.create(
        distribution=distribution, item=item, quantity=reservation.quantity
    )
    movement_log(
        item,
        StockMovement.Kind.RELEASE,
        actor=actor,
        reserved=-reservation.quantity,
        reservation=reservation,
    )
    for lot, take in lots_take_fefo(item, reservation.quantity, today=timezone.localdate()):
        movement_log(
            item,
            StockMovement.Kind.DISTRIBUTION,
            actor=actor,
            on_hand=-take,
            lot=lot,
            distribution=distribution,
            reservation=reservation,
        )
    history_record(actor=actor, action="pantry.distribute", target=distribution)
    return distribution


def reservations_release_sweep() -> int:
    """Release stock held for matches that ended without help (cancelled, released, declined
    …) or whose match is gone. Run by the worker every few minutes; safe to run twice."""
    stale = Reservation.objects.filter(state=Reservation.State.HELD).filter(
        Q(match__isnull=True) | Q(match__state__in=ENDED_MATCH_STATES)
    )
    released = 0
    for reservation in stale.select_related("item__network"):
        with transaction.atomic():
            released += _release(reservation, actor=None, reason="match ended")
    return released
