"""Every write about the pantry: intake, distribution, reservations, stock counts, fair-share
rules, open hours and alert subscriptions.

Stock changes only through conditional `UPDATE … WHERE` statements: taking stock is
`UPDATE item SET on_hand = on_hand - n WHERE on_hand - reserved >= n`, and zero rows updated
means there was not enough. The first such update also locks the item's row until commit (on
PostgreSQL; SQLite's IMMEDIATE transactions serialise all writers), so everything that follows
for that item — picking lots first-expiring-first, checking the fair share — sees the latest
committed stock. Every change writes a `StockMovement` row in the same transaction.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.core.errors import Conflict, InvalidInput, NotFound
from mutualaid.core.history import history_record
from mutualaid.core.validation import clean_choices, clean_text
from mutualaid.needs.models import LIVE_STATES, Match, Need
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import require
from mutualaid.pantry import selectors
from mutualaid.pantry.errors import FairShareExceeded, NotEnoughStock
from mutualaid.pantry.models import (
    AlertSubscription,
    DietaryTag,
    Distribution,
    DistributionLine,
    FairShareRule,
    Household,
    Item,
    ItemCategory,
    Lot,
    OpenHours,
    PantrySettings,
    Reservation,
    StockMovement,
    Unit,
)

MAX_QUANTITY = 100_000
MANAGE = "pantry.manage"


@dataclass(frozen=True)
class IntakeLine:
    item: Item
    quantity: int
    unit: str
    expires_on: date | None = None
    location: str = ""


def _quantity(value: object, *, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        message = _("Give a quantity of at least 1 (and at most %(max)d).") % {"max": MAX_QUANTITY}
        raise InvalidInput(message, fields={field: [message]})
    return value


def _same_network(actor: Member, *objects: Item | Household | Lot | Reservation) -> None:
    for obj in objects:
        network_id = obj.item.network_id if isinstance(obj, Lot) else obj.network_id
        if network_id != actor.network_id:
            raise NotFound()


def _log(
    item: Item,
    kind: str,
    *,
    actor: Member | None,
    on_hand: int = 0,
    reserved: int = 0,
    **links: object,
) -> None:
    StockMovement.objects.create(
        network_id=item.network_id,
        item=item,
        kind=kind,
        on_hand_change=on_hand,
        reserved_change=reserved,
        actor=actor,
        **links,
    )


# --- Items and intake -----------------------------------------------------------------------


@transaction.atomic
def item_create(
    *,
    actor: Member,
    name: str,
    unit: str,
    category: str,
    dietary_tags: Iterable[str] = (),
    low_stock_below: int = 5,
) -> Item:
    """Add an item the pantry stocks, with no stock yet."""
    require(actor, MANAGE, actor.network)
    name = clean_text(name, field="name", max_length=80)
    if unit not in Unit.values:
        raise InvalidInput(_("Choose a unit from the list."), fields={"unit": []})
    if category not in ItemCategory.values:
        raise InvalidInput(_("Choose a category from the list."), fields={"category": []})
    tags = clean_choices(dietary_tags, allowed=DietaryTag.values, field="dietary_tags")
    if Item.objects.filter(network=actor.network, name__iexact=name).exists():
        message = _("The pantry already has an item called %(name)s.") % {"name": name}
        raise InvalidInput(message, fields={"name": [message]})
    item = Item.objects.create(
        network=actor.network,
        name=name,
        unit=unit,
        category=category,
        dietary_tags=tags,
        low_stock_below=low_stock_below,
    )
    history_record(actor=actor, action="pantry.item_create", target=item)
    return item


@transaction.atomic
def item_update(
    *,
    actor: Member,
    item: Item,
    name: str,
    unit: str,
    category: str,
    dietary_tags: Iterable[str] = (),
    low_stock_below: int = 5,
) -> Item:
    """Change an item's name, category, tags or low-stock line. The unit can change only
    while the item has never had stock: its lots and log are counted in the old unit."""
    require(actor, MANAGE, actor.network)
    _same_network(actor, item)
    name = clean_text(name, field="name", max_length=80)
    if unit not in Unit.values:
        raise InvalidInput(_("Choose a unit from the list."), fields={"unit": []})
    if category not in ItemCategory.values:
        raise InvalidInput(_("Choose a category from the list."), fields={"category": []})
    tags = clean_choices(dietary_tags, allowed=DietaryTag.values, field="dietary_tags")
    if isinstance(low_stock_below, bool) or not 0 <= low_stock_below <= MAX_QUANTITY:
        message = _("Give a number from 0 to %(max)d.") % {"max": MAX_QUANTITY}
        raise InvalidInput(message, fields={"low_stock_below": [message]})
    if Item.objects.filter(network=actor.network, name__iexact=name).exclude(pk=item.pk).exists():
        message = _("The pantry already has an item called %(name)s.") % {"name": name}
        raise InvalidInput(message, fields={"name": [message]})
    changes: dict[str, object] = {
        "name": name,
        "category": category,
        "dietary_tags": tags,
        "low_stock_below": low_stock_below,
    }
    rows = Item.objects.filter(pk=item.pk)
    if unit != item.unit:
        # Only an item that never held stock may change its unit: no lot, nothing on hand.
        rows = rows.filter(on_hand=0, reserved=0).exclude(
            Exists(Lot.objects.filter(item=OuterRef("pk")))
        )
        changes["unit"] = unit
    try:
        with transaction.atomic():
            updated = rows.update(**changes)
    except IntegrityError:
        message = _("The pantry already has an item called %(name)s.") % {"name": name}
        raise InvalidInput(message, fields={"name": [message]}) from None
    if not updated:
        message = _(
            "The unit cannot change once the item has had stock: its lots and log are "
            "counted in %(unit)s. Add a new item for the new unit instead."
        ) % {"unit": Unit(item.unit).label}
        raise InvalidInput(message, fields={"unit": [message]})
    history_record(actor=actor, action="pantry.item_update", target=item)
    item.refresh_from_db()
    return item


@transaction.atomic
def item_retire(*, actor: Member, item: Item) -> Item:
    """Stop taking in and giving out an item. Its lots, log and distributions stay. Only an
    item with nothing on hand can be retired: count or give out what is left first."""
    require(actor, MANAGE, actor.network)
    _same_network(actor, item)
    if not Item.objects.filter(pk=item.pk, retired_at__isnull=True, on_hand=0).update(
        retired_at=timezone.now()
    ):
        item.refresh_from_db(fields=["retired_at", "on_hand"])
        if item.retired_at is not None:
            raise Conflict(_("This item is already retired."))
        raise Conflict(
            _("%(item)s still has %(n)d on hand. Give it out or count it to zero first.")
            % {"item": item.name, "n": item.on_hand}
        )
    history_record(actor=actor, action="pantry.item_retire", target=item)
    item.refresh_from_db()
    return item


@transaction.atomic
def intake_record(
    *,
    actor: Member,
    lines: Sequence[IntakeLine],
    source: str,
    donor: str = "",
    today: date | None = None,
) -> list[Lot]:
    """Record a delivery of several items at once, each as a new lot. The donor is optional
    (empty means anonymous). Refused as a whole, with nothing recorded, if any line is wrong:
    a quantity below 1, a unit the item is not counted in, or an expiry date already past."""
    require(actor, MANAGE, actor.network)
    if source not in Lot.Source.values:
        raise InvalidInput(_("Say where this came from."), fields={"source": []})
    if not lines:
        raise InvalidInput(_("Add at least one item."))
    today = today or timezone.localdate()
    donor = clean_text(donor, field="donor", max_length=120, required=False)
    lots = []
    for line in lines:
        _same_network(actor, line.item)
        quantity = _quantity(line.quantity)
        if line.item.retired_at is not None:
            message = _("%(item)s is retired and no longer taken in.") % {"item": line.item.name}
            raise InvalidInput(message, fields={"item": [message]})
        if line.unit != line.item.unit:
            message = _("%(item)s is counted in %(unit)s, not %(given)s.") % {
                "item": line.item.name,
                "unit": Unit(line.item.unit).label,
                "given": Unit(line.unit).label if line.unit in Unit.values else line.unit,
            }
            raise InvalidInput(message, fields={"unit": [message]})
        if line.expires_on is not None and line.expires_on < today:
            message = _(
                "%(item)s expired on %(date)s. Expired food cannot be taken in as fresh."
            ) % {"item": line.item.name, "date": line.expires_on.isoformat()}
            raise InvalidInput(message, fields={"expires_on": [message]})
        location = clean_text(line.location, field="location", max_length=80, required=False)
        # Conditional on the unit and on the item not being retired, so an edit of the item
        # in the same instant cannot slip between the check above and this update.
        if not Item.objects.filter(pk=line.item.pk, unit=line.unit, retired_at__isnull=True).update(
            on_hand=F("on_hand") + quantity
        ):
            message = _("%(item)s is retired or was changed; reload the page and try again.") % {
                "item": line.item.name
            }
            raise InvalidInput(message, fields={"item": [message]})
        lot = Lot.objects.create(
            item=line.item,
            quantity=quantity,
            expires_on=line.expires_on,
            source=source,
            location=location,
            donor=donor,
        )
        _log(line.item, StockMovement.Kind.INTAKE, actor=actor, on_hand=quantity, lot=lot)
        lots.append(lot)
    history_record(actor=actor, action="pantry.intake", lots=len(lots), source=source)
    return lots


# --- Households -----------------------------------------------------------------------------


@transaction.atomic
def household_create(*, actor: Member, code: str, member: Member | None = None) -> Household:
    """Register a household by a code only (a card number, "Blue 14"), optionally linked to
    the member who collects for it."""
    require(actor, MANAGE, actor.network)
    code = clean_text(code, field="code", max_length=40)
    if member is not None and member.network_id != actor.network_id:
        raise NotFound()
    try:
        with transaction.atomic():
            household = Household.objects.create(network=actor.network, code=code, member=member)
    except IntegrityError:
        message = _("A household with this code already exists.")
        raise InvalidInput(message, fields={"code": [message]}) from None
    history_record(actor=actor, action="pantry.household_create", target=household)
    return household


@transaction.atomic
def household_link(*, actor: Member, household: Household, member: Member | None) -> Household:
    """Link a household to the member who collects for it, or unlink it (member None). The
    member then finds the household and what it was given in their own data download."""
    require(actor, MANAGE, actor.network)
    _same_network(actor, household)
    if member is not None and member.network_id != actor.network_id:
        raise NotFound()
    member_id = member.pk if member is not None else None
    if not Household.objects.filter(pk=household.pk, network_id=actor.network_id).update(
        member_id=member_id
    ):
        raise NotFound()
    history_record(
        actor=actor,
        action="pantry.household_link" if member is not None else "pantry.household_unlink",
        target=household,
    )
    household.refresh_from_db()
    return household


# --- Taking stock out -----------------------------------------------------------------------


def _take(item: Item, quantity: int, *, from_reserved: bool = False) -> None:
    """Take `quantity` off the item's totals, or raise NotEnoughStock. Locks the item row."""
    if from_reserved:
        taken = Item.objects.filter(pk=item.pk, reserved__gte=quantity).update(
            on_hand=F("on_hand") - quantity, reserved=F("reserved") - quantity
        )
    else:
        taken = Item.objects.filter(pk=item.pk, on_hand__gte=F("reserved") + quantity).update(
            on_hand=F("on_hand") - quantity
        )
    if not taken:
        item.refresh_from_db(fields=["on_hand", "reserved"])
        raise NotEnoughStock(
            _("Not enough stock of %(item)s: %(left)d %(unit)s left, %(asked)d asked.")
            % {
                "item": item.name,
                "left": max(item.available, 0),
                "unit": Unit(item.unit).label,
                "asked": quantity,
            }
        )


def _take_lots_fefo(item: Item, quantity: int, *, today: date) -> list[tuple[Lot, int]]:
    """Take from the item's fresh lots, the one expiring first first. Runs after `_take`,
    so the item row is locked and the lots read here are the latest."""
    fresh = Lot.objects.filter(item=item, quantity__gt=0).filter(
        Q(expires_on__isnull=True) | Q(expires_on__gte=today)
    )
    taken: list[tuple[Lot, int]] = []
    left = quantity
    for lot in fresh.order_by(F("expires_on").asc(nulls_last=True), "received_at", "pk"):
        if not left:
            break
        take = min(lot.quantity, left)
        if not Lot.objects.filter(pk=lot.pk, quantity__gte=take).update(
            quantity=F("quantity") - take
        ):
            raise Conflict()
        taken.append((lot, take))
        left -= take
    if left:
        raise NotEnoughStock(
            _(
                "Not enough fresh %(item)s: %(left)d %(unit)s on hand are past their expiry "
                "date. Count them as spoiled first."
            )
            % {"item": item.name, "left": left, "unit": Unit(item.unit).label}
        )
    return taken


def _merge_lines(lines: Sequence[tuple[Item, int]]) -> dict[Item, int]:
    merged: dict[Item, int] = defaultdict(int)
    for item, quantity in lines:
        merged[item] += _quantity(quantity)
    if not merged:
        raise InvalidInput(_("Add at least one item."))
    return dict(sorted(merged.items(), key=lambda pair: pair[0].pk))  # one lock order


def _check_fair_share(
    household: Household, wanted: dict[Item, int], *, override_reason: str, now: datetime
) -> list[str]:
    """The fair-share rules each line breaks, in words; raises unless overridden."""
    broken = []
    for item, quantity in wanted.items():
        for allowance in selectors.allowances(household=household, item=item, now=now):
            if quantity > allowance.remaining:
                broken.append(allowance.explain_over(quantity))
    if broken and not override_reason:
        message = " ".join(broken) + " " + _("An organiser may override this with a reason.")
        raise FairShareExceeded(message, fields={"override_reason": [message]})
    return broken


@transaction.atomic
def distribution_create(
    *,
    actor: Member,
    household: Household,
    lines: Sequence[tuple[Item, int]],
    need: Need | None = None,
    override_reason: str = "",
    now: datetime | None = None,
) -> Distribution:
    """Give items to a household, first-expiring lots first, within the network's fair-share
    rules. A member with the pantry permission may go over a rule by giving a reason; the
    override is kept in the history log. All or nothing: if one line cannot be given, none is."""
    require(actor, MANAGE, actor.network)
    _same_network(actor, household)
    if need is not None and need.network_id != actor.network_id:
        raise NotFound()
    now = now or timezone.now()
    override_reason = clean_text(
        override_reason, field="override_reason", max_length=500, required=False
    )
    wanted = _merge_lines(lines)
    # A no-op update locks the household's row (PostgreSQL) until commit, so two tables
    # serving the same household at once are counted against its fair share one after the
    # other, whichever items they give. Lock order everywhere: household, items, lots.
    Household.objects.filter(pk=household.pk).update(code=F("code"))
    for item in wanted:
        _same_network(actor, item)
        _take(item, wanted[item])
    broken = _check_fair_share(household, wanted, override_reason=override_reason, now=now)
    distribution = Distribution.objects.create(
        network=actor.network,
        household=household,
        need=need,
        given_by=actor,
        override_reason=override_reason if broken else "",
    )
    today = timezone.localdate(now)
    for item, quantity in wanted.items():
        DistributionLine.objects.create(distribution=distribution, item=item, quantity=quantity)
        for lot, take in _take_lots_fefo(item, quantity, today=today):
            _log(
                item,
                StockMovement.Kind.DISTRIBUTION,
                actor=actor,
                on_hand=-take,
                lot=lot,
                distribution=distribution,
            )
    history_record(actor=actor, action="pantry.distribute", target=distribution)
    if broken:
        history_record(
            actor=actor,
            action="pantry.fair_share_override",
            target=distribution,
            reason=override_reason,
        )
    return distribution


# --- Reservations for matches ---------------------------------------------------------------

ENDED_MATCH_STATES = tuple(s for s in Match.State.values if s not in LIVE_STATES)
GROCERIES = "groceries"


@transaction.atomic
def reservation_create(*, actor: Member, match: Match, item: Item, quantity: int) -> Reservation:
    """Hold stock for a live match on a groceries need (a helper will bring groceries). Held
    stock is no longer available to anyone else until it is given out or released."""
    require(actor, MANAGE, actor.network)
    _same_network(actor, item)
    if match.need.network_id != actor.network_id:
        raise NotFound()
    quantity = _quantity(quantity)
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
    _log(
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
    _log(
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
    require(actor, MANAGE, actor.network)
    _same_network(actor, reservation)
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
    require(actor, MANAGE, actor.network)
    _same_network(actor, reservation, household)
    if not Reservation.objects.filter(pk=reservation.pk, state=Reservation.State.HELD).update(
        state=Reservation.State.FULFILLED, updated_at=timezone.now()
    ):
        raise Conflict(_("This reservation is no longer held."))
    item = reservation.item
    _take(item, reservation.quantity, from_reserved=True)
    need = reservation.match.need if reservation.match else None
    distribution = Distribution.objects.create(
        network=actor.network, household=household, need=need, given_by=actor
    )
    DistributionLine.objects.create(
        distribution=distribution, item=item, quantity=reservation.quantity
    )
    _log(
        item,
        StockMovement.Kind.RELEASE,
        actor=actor,
        reserved=-reservation.quantity,
        reservation=reservation,
    )
    for lot, take in _take_lots_fefo(item, reservation.quantity, today=timezone.localdate()):
        _log(
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


# --- Stock counts and adjustments -----------------------------------------------------------


@transaction.atomic
def stock_adjust(*, actor: Member, lot: Lot, change: int, reason: str, note: str = "") -> Lot:
    """Correct a lot's quantity up or down, with a reason (spoiled, miscounted, damaged).
    A correction never takes away stock that is reserved or already gone."""
    require(actor, MANAGE, actor.network)
    _same_network(actor, lot)
    if reason not in StockMovement.Reason.values or not reason:
        raise InvalidInput(_("Say why: spoiled, miscounted or damaged."), fields={"reason": []})
    if isinstance(change, bool) or not isinstance(change, int) or change == 0:
        message = _("Give a change other than zero.")
        raise InvalidInput(message, fields={"change": [message]})
    if abs(change) > MAX_QUANTITY:
        _quantity(abs(change), field="change")
    if reason in (StockMovement.Reason.SPOILED, StockMovement.Reason.DAMAGED) and change > 0:
        message = _("Spoiled or damaged stock can only go down.")
        raise InvalidInput(message, fields={"change": [message]})
    note = clean_text(note, field="note", max_length=200, required=False)
    item = lot.item
    if change < 0:
        lot.refresh_from_db(fields=["quantity"])
        if lot.quantity < -change:
            raise InvalidInput(
                _("This lot holds only %(n)d.") % {"n": lot.quantity}, fields={"change": []}
            )
        # The item first, as in a distribution: one lock order, so no deadlock.
        if not Item.objects.filter(pk=item.pk, on_hand__gte=F("reserved") - change).update(
            on_hand=F("on_hand") + change
        ):
            raise NotEnoughStock(
                _("That would take away stock that is reserved for a match. Release it first.")
            )
        if not Lot.objects.filter(pk=lot.pk, quantity__gte=-change).update(
            quantity=F("quantity") + change
        ):
            raise InvalidInput(
                _("This lot holds fewer than %(n)d.") % {"n": -change}, fields={"change": []}
            )
    else:
        Item.objects.filter(pk=item.pk).update(on_hand=F("on_hand") + change)
        Lot.objects.filter(pk=lot.pk).update(quantity=F("quantity") + change)
    StockMovement.objects.create(
        network_id=item.network_id,
        item=item,
        lot=lot,
        kind=StockMovement.Kind.ADJUSTMENT,
        on_hand_change=change,
        reason=reason,
        note=note,
        actor=actor,
    )
    history_record(actor=actor, action="pantry.adjust", target=lot, change=change, reason=reason)
    lot.refresh_from_db()
    return lot


@transaction.atomic
def stock_count(*, actor: Member, lot: Lot, counted: int, note: str = "") -> Lot:
    """Record what a count found on the shelf; the difference is logged as miscounted."""
    if isinstance(counted, bool) or not isinstance(counted, int) or counted < 0:
        message = _("Give the number counted, zero or more.")
        raise InvalidInput(message, fields={"counted": [message]})
    lot.refresh_from_db()
    if counted == lot.quantity:
        require(actor, MANAGE, actor.network)
        return lot
    return stock_adjust(
        actor=actor,
        lot=lot,
        change=counted - lot.quantity,
        reason=StockMovement.Reason.MISCOUNTED,
        note=note,
    )


# --- Rules, hours, settings, alerts ---------------------------------------------------------


def fair_share_clean(
    *, network: Network, item_name: str, category: str, quantity: int, period: str
) -> tuple[Item | None, str, int, str]:
    """Check a fair-share rule's terms; shared by the service and the proposal action."""
    if bool(item_name) == bool(category):
        raise InvalidInput(_("Give either an item or a category, not both."))
    item = None
    if item_name:
        item = Item.objects.filter(network=network, name__iexact=item_name).first()
        if item is None:
            raise InvalidInput(_("The pantry has no item called %(name)s.") % {"name": item_name})
    elif category not in ItemCategory.values:
        raise InvalidInput(_("Choose a category from the list."))
    if isinstance(quantity, bool) or not isinstance(quantity, int) or not 0 <= quantity <= 1000:
        raise InvalidInput(_("Give a quantity from 0 (no rule) to 1000."))
    if period not in FairShareRule.Period.values:
        raise InvalidInput(_("Choose a period: a day, a week or a month."))
    return item, category, quantity, period


@transaction.atomic
def fair_share_set(
    *,
    network: Network,
    item_name: str = "",
    category: str = "",
    quantity: int,
    period: str,
    reason: str,
) -> FairShareRule | None:
    """Set (or, with quantity 0, remove) the fair-share rule for an item or a category.
    Fair shares are the group's decision: this is called by a passed proposal."""
    item, category, quantity, period = fair_share_clean(
        network=network, item_name=item_name, category=category, quantity=quantity, period=period
    )
    lookup = {"item": item} if item else {"item__isnull": True, "category": category}
    FairShareRule.objects.filter(network=network, **lookup).delete()
    rule = None
    if quantity:
        rule = FairShareRule.objects.create(
            network=network,
            item=item,
            category="" if item else category,
            quantity=quantity,
            period=period,
        )
    history_record(
        actor=None,
        network=network,
        action="pantry.fair_share_set",
        target=rule,
        item=item.name if item else "",
        category=category,
        quantity=quantity,
        period=period,
        reason=reason,
    )
    return rule


@transaction.atomic
def open_hours_set(*, actor: Member, hours: Sequence[tuple[int, time, time]]) -> list[OpenHours]:
    """Replace the pantry's weekly open hours."""
    require(actor, MANAGE, actor.network)
    for weekday, opens, closes in hours:
        if not 0 <= weekday <= 6 or closes <= opens:
            raise InvalidInput(_("Each opening needs a weekday and must close after it opens."))
    OpenHours.objects.filter(network=actor.network).delete()
    rows = [
        OpenHours.objects.create(network=actor.network, weekday=d, opens=o, closes=c)
        for d, o, c in hours
    ]
    history_record(actor=actor, action="pantry.open_hours_set", openings=len(rows))
    return rows


@transaction.atomic
def pantry_settings_set(*, actor: Member, weekly_household_slots: int) -> PantrySettings:
    require(actor, MANAGE, actor.network)
    if not isinstance(weekly_household_slots, int) or not 0 <= weekly_household_slots <= 100_000:
        raise InvalidInput(_("Give a number of household slots from 0 to 100000."))
    settings, _created = PantrySettings.objects.update_or_create(
        network=actor.network, defaults={"weekly_household_slots": weekly_household_slots}
    )
    history_record(actor=actor, action="pantry.settings_set", slots=weekly_household_slots)
    return settings


@transaction.atomic
def alerts_subscribe(*, actor: Member, on: bool) -> bool:
    """Opt in or out of low-stock and expiring-soon emails (members with the pantry
    permission only: they are the ones who can act on them)."""
    require(actor, MANAGE, actor.network)
    if on:
        AlertSubscription.objects.get_or_create(member=actor)
    else:
        AlertSubscription.objects.filter(member=actor).delete()
    return on


def alerts_send(*, network: Network, today: date | None = None) -> int:
    """Email opted-in members what is low and what expires soon. Returns emails sent."""
    from mutualaid.pantry import tasks

    low = selectors.items_low(network=network)
    expiring = selectors.lots_expiring_soon(network=network, today=today)
    if not low and not expiring:
        return 0
    sent = 0
    for subscription in AlertSubscription.objects.filter(member__network=network):
        member = subscription.member
        if not selectors.may_manage(member):
            continue
        tasks.email_alert(member, low=[i.name for i in low], expiring=len(expiring))
        sent += 1
    return sent
