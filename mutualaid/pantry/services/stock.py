"""Stock counts and corrections, each with its reason in the log."""

from django.db import transaction
from django.db.models import F
from django.utils.translation import gettext as _

from mutualaid.core.errors import InvalidInput
from mutualaid.core.history import history_record
from mutualaid.core.validation import clean_text
from mutualaid.networks.models import Member
from mutualaid.pantry.errors import NotEnoughStock
from mutualaid.pantry.models import (
    Item,
    Lot,
    StockMovement,
)
from mutualaid.pantry.services.ledger import (
    MAX_QUANTITY,
    check_same_network,
    clean_quantity,
    require_manager,
)


@transaction.atomic
def stock_adjust(*, actor: Member, lot: Lot, change: int, reason: str, note: str = "") -> Lot:
    """Correct a lot's quantity up or down, with a reason (spoiled, miscounted, damaged).
    A correction never takes away stock that is reserved or already gone."""
    require_manager(actor)
    check_same_network(actor, lot)
    if reason not in StockMovement.Reason.values or not reason:
        raise InvalidInput(_("Say why: spoiled, miscounted or damaged."), fields={"reason": []})
    if isinstance(change, bool) or not isinstance(change, int) or change == 0:
        message = _("Give a change other than zero.")
        raise InvalidInput(message, fields={"change": [message]})
    if abs(change) > MAX_QUANTITY:
        clean_quantity(abs(change), field="change")
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
        require_manager(actor)
        return lot
    return stock_adjust(
        actor=actor,
        lot=lot,
        change=counted - lot.quantity,
        reason=StockMovement.Reason.MISCOUNTED,
        note=note,
    )
