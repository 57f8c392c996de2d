"""Low-stock and expiring-soon alerts to the keepers who opted in."""

from datetime import date

from django.db import transaction

from mutualaid.channels.services import notice_send
from mutualaid.networks.models import Member, Network
from mutualaid.pantry import selectors
from mutualaid.pantry.models import (
    AlertSubscription,
    Item,
)
from mutualaid.pantry.services.ledger import (
    require_manager,
)


@transaction.atomic
def alerts_subscribe(*, actor: Member, on: bool) -> bool:
    """Opt in or out of low-stock and expiring-soon emails (members with the pantry
    permission only: they are the ones who can act on them)."""
    require_manager(actor)
    if on:
        AlertSubscription.objects.get_or_create(member=actor)
    else:
        AlertSubscription.objects.filter(member=actor).delete()
    return on


@transaction.atomic
def alerts_send(*, network: Network, today: date | None = None) -> int:
    """Email opted-in members what is low and what expires soon, once this commits. Returns
    how many emails were queued."""
    low = selectors.items_low(network=network)
    expiring = selectors.lots_expiring_soon(network=network, today=today)
    if not low and not expiring:
        return 0
    sent = 0
    for subscription in AlertSubscription.objects.filter(member__network=network):
        member = subscription.member
        if not selectors.may_manage(member):
            continue
        notice_send("pantry.alert", member.pk, low=[i.name for i in low], expiring=len(expiring))
        sent += 1
    return sent


def alerts_send_all(*, today: date | None = None) -> int:
    """Send `alerts_send` for every network that has a pantry. Returns emails sent."""
    networks = Network.objects.filter(pk__in=Item.objects.values("network"))
    return sum(alerts_send(network=network, today=today) for network in networks)
