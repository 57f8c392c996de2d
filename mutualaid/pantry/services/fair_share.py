"""Fair-share rules: the group decides them (a passed proposal calls `fair_share_set`)."""

from django.db import transaction
from django.utils.translation import gettext as _

from mutualaid.core.errors import InvalidInput
from mutualaid.core.history import history_record
from mutualaid.networks.models import Network
from mutualaid.pantry.models import (
    FairShareRule,
    Item,
    ItemCategory,
)


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
