"""Items and intake: what the pantry stocks, and deliveries taken in as lots."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import Exists, F, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.core.errors import Conflict, InvalidInput
from mutualaid.core.history import history_record
from mutualaid.core.validation import clean_choices, clean_text
from mutualaid.networks.models import Member
from mutualaid.pantry.models import (
    DietaryTag,
    Item,
    ItemCategory,
    Lot,
    StockMovement,
    Unit,
)
from mutualaid.pantry.services.ledger import (
    MAX_QUANTITY,
    check_same_network,
    clean_quantity,
    movement_log,
    require_manager,
)


@dataclass(frozen=True)
class IntakeLine:
    item: Item
    quantity: int
    unit: str
    expires_on: date | None = None
    location: str = ""


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
    require_manager(actor)
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
    require_manager(actor)
    check_same_network(actor, item)
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
    require_manager(actor)
    check_same_network(actor, item)
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
    require_manager(actor)
    if source not in Lot.Source.values:
        raise InvalidInput(_("Say where this came from."), fields={"source": []})
    if not lines:
        raise InvalidInput(_("Add at least one item."))
    today = today or timezone.localdate()
    donor = clean_text(donor, field="donor", max_length=120, required=False)
    lots = []
    for line in lines:
        check_same_network(actor, line.item)
        quantity = clean_quantity(line.quantity)
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
        movement_log(line.item, StockMovement.Kind.INTAKE, actor=actor, on_hand=quantity, lot=lot)
        lots.append(lot)
    history_record(actor=actor, action="pantry.intake", lots=len(lots), source=source)
    return lots
