"""Writing to the history log. Services call `history_record` inside their transaction, so an
entry exists exactly when the change it describes does. Because every write to a network
records history, this is also where the network's cached pages are marked stale."""

from typing import TYPE_CHECKING, Any

from django.db import models, transaction

from mutualaid.core.models import HistoryEntry
from mutualaid.core.pagecache import network_data_changed

if TYPE_CHECKING:
    from mutualaid.networks.models import Member, Network


def history_record(
    *,
    actor: "Member | None",
    action: str,
    target: models.Model | None = None,
    network: "Network | None" = None,
    **data: Any,
) -> HistoryEntry:
    if network is None and actor is not None:
        network = actor.network
    if network is not None:
        # Cached pages about this network are stale once this write commits.
        network_slug = network.slug
        transaction.on_commit(lambda: network_data_changed(network_slug))
    return HistoryEntry.objects.create(
        network=network,
        actor=actor,
        action=action,
        target_type=target._meta.model_name or "" if target is not None else "",
        target_id=target.pk if target is not None else None,
        data=data,
    )
