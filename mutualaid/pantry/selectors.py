"""Every non-trivial read about the pantry, scoped to the asking member's network.

Nothing here returns who a household is: distributions are read per household only by
members with the pantry permission, and the public capacity signal and the CSV exports hold
counts only.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Final

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.core.errors import NotFound
from mutualaid.core.zones import zone_of
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import can
from mutualaid.pantry.models import (
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

PERIOD_LENGTH = {
    FairShareRule.Period.DAY: timedelta(days=1),
    FairShareRule.Period.WEEK: timedelta(days=7),
    FairShareRule.Period.MONTH: timedelta(days=30),
}
EXPIRING_WITHIN = timedelta(days=3)


# --- What a member may do: one rule for the pages, the API and the services ----------------


def may_manage(member: Member | None) -> bool:
    """The pantry permission: intake, distribution, counts, reservations, households."""
    return member is not None and can(member, "pantry.manage", member.network)


def _manages_its_network(member: Member, network_id: int) -> bool:
    return network_id == member.network_id and may_manage(member)


def may_edit_item(member: Member, item: Item) -> bool:
    return _manages_its_network(member, item.network_id)


def may_retire_item(member: Member, item: Item) -> bool:
    """Only an item still in use with nothing on hand: what is left is given out or counted
    to zero first."""
    return may_edit_item(member, item) and item.retired_at is None and item.on_hand == 0


def may_take_in_item(member: Member, item: Item) -> bool:
    return may_edit_item(member, item) and item.retired_at is None


def may_give_out_item(member: Member, item: Item) -> bool:
    """Giving out and holding for a match both need stock nobody else holds."""
    return may_edit_item(member, item) and item.available > 0


ITEM_ACTIONS: Final[dict[str, Callable[[Member, Item], bool]]] = {
    "edit": may_edit_item,
    "retire": may_retire_item,
    "take_in": may_take_in_item,
    "give_out": may_give_out_item,
    "reserve": may_give_out_item,
}


def item_actions(member: Member, item: Item) -> list[str]:
    return [name for name, allowed in ITEM_ACTIONS.items() if allowed(member, item)]


def may_settle_reservation(member: Member, reservation: Reservation) -> bool:
    """Release or give out held stock: only while it is still held."""
    return (
        _manages_its_network(member, reservation.network_id)
        and reservation.state == Reservation.State.HELD
    )


RESERVATION_ACTIONS: Final[dict[str, Callable[[Member, Reservation], bool]]] = {
    "release": may_settle_reservation,
    "fulfil": may_settle_reservation,
}


def reservation_actions(member: Member, reservation: Reservation) -> list[str]:
    return [name for name, allowed in RESERVATION_ACTIONS.items() if allowed(member, reservation)]


# --- Access: the same NotFound for missing and for another network's -----------------------


def access_item(member: Member, item_id: int) -> Item:
    item = Item.objects.filter(pk=item_id, network_id=member.network_id).first()
    if item is None:
        raise NotFound()
    return item


def access_lot(member: Member, lot_id: int) -> Lot:
    lot = (
        Lot.objects.select_related("item")
        .filter(pk=lot_id, item__network_id=member.network_id)
        .first()
    )
    if lot is None:
        raise NotFound()
    return lot


def access_household(member: Member, household_id: int) -> Household:
    """Households are seen only by members with the pantry permission."""
    household = None
    if may_manage(member):
        household = Household.objects.filter(pk=household_id, network_id=member.network_id).first()
    if household is None:
        raise NotFound()
    return household


def access_reservation(member: Member, reservation_id: int) -> Reservation:
    reservation = None
    if may_manage(member):
        reservation = (
            Reservation.objects.select_related("item", "match__need")
            .filter(pk=reservation_id, network_id=member.network_id)
            .first()
        )
    if reservation is None:
        raise NotFound()
    return reservation


# --- Stock ----------------------------------------------------------------------------------


def items_of(*, network: Network) -> QuerySet[Item]:
    return Item.objects.filter(network=network).annotate(
        lots_count=Count("lots", filter=Q(lots__quantity__gt=0)),
    )


def items_in_use(*, network: Network) -> QuerySet[Item]:
    """Items that may still be taken in and given out (not retired)."""
    return items_of(network=network).filter(retired_at__isnull=True)


def lots_in_stock(*, network: Network) -> QuerySet[Lot]:
    return (
        Lot.objects.filter(item__network=network, quantity__gt=0)
        .select_related("item")
        .order_by("item__name", F("expires_on").asc(nulls_last=True), "received_at", "pk")
    )


def items_low(*, network: Network) -> list[Item]:
    return [
        item
        for item in Item.objects.filter(network=network)
        if item.on_hand - item.reserved < item.low_stock_below
    ]


def lots_expiring_soon(*, network: Network, today: date | None = None) -> list[Lot]:
    today = today or timezone.localdate()
    return list(
        Lot.objects.filter(
            item__network=network,
            quantity__gt=0,
            expires_on__isnull=False,
            expires_on__lte=today + EXPIRING_WITHIN,
        ).select_related("item")
    )


def households_of(*, network: Network) -> QuerySet[Household]:
    return Household.objects.filter(network=network)


def reservations_held(*, network: Network) -> QuerySet[Reservation]:
    return Reservation.objects.filter(network=network, state=Reservation.State.HELD).select_related(
        "item", "match__need"
    )


def stock_rebuilt(*, item: Item) -> tuple[int, int]:
    """On hand and reserved, summed from the stock log alone."""
    totals = StockMovement.objects.filter(item=item).aggregate(
        on_hand=Sum("on_hand_change"), reserved=Sum("reserved_change")
    )
    return totals["on_hand"] or 0, totals["reserved"] or 0


def lot_rebuilt(*, lot: Lot) -> int:
    total = StockMovement.objects.filter(lot=lot).aggregate(n=Sum("on_hand_change"))["n"]
    return total or 0


# --- Fair share -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Allowance:
    """What one rule still lets a household take of an item, and why."""

    rule: FairShareRule
    subject: str  # the item's or category's name
    unit: str
    taken: int

    @property
    def remaining(self) -> int:
        return max(self.rule.quantity - self.taken, 0)

    def explain(self) -> str:
        return (
            _(
                "%(remaining)d more %(unit)s of %(subject)s: the rule is %(limit)d %(period)s per "
                "household, and %(taken)d were given in the last %(days)d days."
            )
            % self._params()
        )

    def explain_over(self, asked: int) -> str:
        return _(
            "%(asked)d %(unit)s of %(subject)s is more than the %(remaining)d left of this "
            "household's fair share (%(limit)d %(period)s)."
        ) % {**self._params(), "asked": asked}

    def _params(self) -> dict[str, Any]:
        return {
            "remaining": self.remaining,
            "unit": self.unit,
            "subject": self.subject,
            "limit": self.rule.quantity,
            "period": FairShareRule.Period(self.rule.period).label,
            "taken": self.taken,
            "days": PERIOD_LENGTH[FairShareRule.Period(self.rule.period)].days,
        }


def rules_for(item: Item) -> QuerySet[FairShareRule]:
    return FairShareRule.objects.filter(network_id=item.network_id).filter(
        Q(item=item) | Q(item__isnull=True, category=item.category)
    )


def allowances(*, household: Household, item: Item, now: datetime | None = None) -> list[Allowance]:
    """Each rule that applies to this item, with what the household took under it within
    the rule's period (counted back from now)."""
    now = now or timezone.now()
    result = []
    for rule in rules_for(item).select_related("item"):
        since = now - PERIOD_LENGTH[FairShareRule.Period(rule.period)]
        lines = DistributionLine.objects.filter(
            distribution__household=household, distribution__created_at__gt=since
        )
        if rule.item_id:
            lines = lines.filter(item_id=rule.item_id)
            subject = item.name
        else:
            lines = lines.filter(item__category=rule.category)
            subject = str(ItemCategory(rule.category).label)
        taken = lines.aggregate(n=Sum("quantity"))["n"] or 0
        result.append(
            Allowance(rule=rule, subject=subject, unit=str(Unit(item.unit).label), taken=taken)
        )
    return result


def rules_in_words(*, network: Network) -> list[str]:
    sentences = []
    for rule in FairShareRule.objects.filter(network=network).select_related("item"):
        if rule.item:
            subject = rule.item.name
            unit = str(Unit(rule.item.unit).label)
        else:
            subject = _("anything in “%(category)s”") % {
                "category": ItemCategory(rule.category).label
            }
            unit = _("units")
        sentences.append(
            _("Each household may take up to %(n)d %(unit)s of %(subject)s %(period)s.")
            % {
                "n": rule.quantity,
                "unit": unit,
                "subject": subject,
                "period": FairShareRule.Period(rule.period).label,
            }
        )
    return sentences


# --- The public capacity signal -------------------------------------------------------------


@dataclass(frozen=True)
class Capacity:
    open_now: bool
    low_on: list[str]
    slots_left: int | None


def week_start(network: Network, now: datetime) -> datetime:
    local = timezone.localtime(now, zone_of(network))
    monday = (local - timedelta(days=local.weekday())).replace(
        hour=0, minute=0, second=0, microsecond=0
    )
    return monday


def is_open(network: Network, now: datetime) -> bool:
    local = timezone.localtime(now, zone_of(network))
    return OpenHours.objects.filter(
        network=network, weekday=local.weekday(), opens__lte=local.time(), closes__gt=local.time()
    ).exists()


def capacity_signal(*, network: Network, now: datetime | None = None) -> Capacity:
    """Open now, what is low, household slots left this week. Counts only, no person."""
    now = now or timezone.now()
    settings = PantrySettings.objects.filter(network=network).first()
    slots_left = None
    if settings and settings.weekly_household_slots:
        served = (
            DistributionLine.objects.filter(
                distribution__network=network,
                distribution__created_at__gte=week_start(network, now),
            )
            .values("distribution__household")
            .distinct()
            .count()
        )
        slots_left = max(settings.weekly_household_slots - served, 0)
    return Capacity(
        open_now=is_open(network, now),
        low_on=[item.name for item in items_low(network=network)],
        slots_left=slots_left,
    )


# --- CSV exports: counts only ---------------------------------------------------------------


def stock_rows(*, network: Network) -> list[list[object]]:
    rows: list[list[object]] = []
    for item in items_of(network=network):
        next_expiry = (
            Lot.objects.filter(item=item, quantity__gt=0, expires_on__isnull=False)
            .order_by("expires_on")
            .values_list("expires_on", flat=True)
            .first()
        )
        rows.append(
            [
                item.name,
                item.category,
                item.unit,
                " ".join(item.dietary_tags),
                item.on_hand,
                item.reserved,
                item.on_hand - item.reserved,
                next_expiry.isoformat() if next_expiry else "",
            ]
        )
    return rows


def distribution_weeks(*, network: Network) -> list[list[object]]:
    """Per week and item: quantity given and how many households received it."""
    weeks = (
        DistributionLine.objects.filter(distribution__network=network)
        .annotate(week=TruncWeek("distribution__created_at"))
        .values("week", "item__name", "item__unit")
        .annotate(
            quantity=Sum("quantity"),
            households=Count("distribution__household", distinct=True),
        )
        .order_by("week", "item__name")
    )
    return [
        [
            row["week"].date().isoformat(),
            row["item__name"],
            row["item__unit"],
            row["quantity"],
            row["households"],
        ]
        for row in weeks
    ]


def pantry_data_export(*, member: Member) -> dict[str, object]:
    """The member's part of "download my data": the households linked to them (a code only)
    and what each was given. Who gave it out is left out: that is the giver's record."""
    households = (
        Household.objects.filter(member=member)
        .order_by("created_at")
        .prefetch_related("distributions__lines__item")
    )
    return {
        "pantry_households": [
            {
                "id": h.pk,
                "code": h.code,
                "created_at": h.created_at.isoformat(),
                "distributions": [
                    {
                        "id": d.pk,
                        "need": d.need_id,
                        "override_reason": d.override_reason,
                        "created_at": d.created_at.isoformat(),
                        "lines": [
                            {"item": line.item.name, "quantity": line.quantity}
                            for line in d.lines.all()
                        ],
                    }
                    for d in sorted(h.distributions.all(), key=lambda d: d.created_at)
                ],
            }
            for h in households
        ]
    }
