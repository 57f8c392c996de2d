"""Disaster mode: switched on or off by a member who may manage the network, or by a decision."""

from django.db import transaction
from django.utils.translation import gettext as _

from mutualaid.core.errors import (
    Conflict,
)
from mutualaid.core.history import history_record
from mutualaid.governance.models import (
    Proposal,
)
from mutualaid.governance.services.authority import authorise_change, change_reason
from mutualaid.networks.models import Member, Network


@transaction.atomic
def network_disaster_mode_set(
    *,
    network: Network,
    on: bool,
    actor: Member | None = None,
    proposal: Proposal | None = None,
    reason: str = "",
) -> Network:
    """Switch the network into disaster mode, or back."""
    authorise_change(actor=actor, proposal=proposal, network=network)
    if not Network.objects.filter(pk=network.pk, disaster_mode=not on).update(disaster_mode=on):
        raise Conflict(
            _("The network is already in disaster mode.")
            if on
            else _("The network is not in disaster mode.")
        )
    network.disaster_mode = on
    history_record(
        actor=actor,
        network=network,
        action="network.disaster_mode",
        target=network,
        on=on,
        **change_reason(proposal, reason),
    )
    return network
