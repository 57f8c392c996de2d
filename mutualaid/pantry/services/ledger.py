"""The stock ledger's primitives, shared by every pantry operation.

Stock changes only through conditional `UPDATE … WHERE` statements: taking stock is
`UPDATE item SET on_hand = on_hand - n WHERE on_hand - reserved >= n`, and zero rows updated
means there was not enough. The first such update also locks the item's row until commit (on
PostgreSQL; SQLite's IMMEDIATE transactions serialise all writers), so everything that follows
for that item — picking lots first-expiring-first, checking the fair share — sees the latest
committed stock. Every change writes a `StockMovement` row in the same transaction.
"""

from datetime import date

from django.db.models import F, Q
from django.utils.translation import gettext as _

from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mutualaid.networks.models import Member
from mutualaid.pantry import selectors
from mutualaid.pantry.errors import NotEnoughStock
from mutualaid.pantry.models import (
    Household,
    Item,
    Lot,
    Reservation,
    StockMovement,
    Unit,
)

MAX_QUANTITY = 100_000
MANAGE = "pantry.manage"


def require_manager(actor: Member) -> None:
    """The pantry permission, asked the way the pages and the API ask it (`may_manage`)."""
    if not selectors.may_manage(actor):
        raise PermissionDenied()


def clean_quantity(value: object, *, field: str = "quantity") -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_QUANTITY:
        message = _("Give a quantity of at least 1 (and at most %(max)d).") % {"max": MAX_QUANTITY}
        raise InvalidInput(message, fields={field: [message]})
    return value


def check_same_network(actor: Member, *objects: Item | Household | Lot | Reservation) -> None:
    for obj in objects:
        network_id = obj.item.network_id if isinstance(obj, Lot) else obj.network_id
        if network_id != actor.network_id:
            raise NotFound()


def movement_log(
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


# --- Taking stock out -----------------------------------------------------------------------


def stock_take(item: Item, quantity: int, *, from_reserved: bool = False) -> None:
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


def lots_take_fefo(item: Item, quantity: int, *, today: date) -> list[tuple[Lot, int]]:
    """Take from the item's fresh lots, the one expiring first first. Runs after `stock_take`,
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
