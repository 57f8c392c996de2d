"""Who may change what a network decides: a member who may manage it, or a passed proposal.

Each decision's target (a role, an agreement, disaster mode) takes either an acting member
(checked with `require`) or the passed proposal that decided it: a decision of the network
needs no one's personal permission.
"""

import calendar
from datetime import datetime
from typing import Any

from mutualaid.core.errors import (
    PermissionDenied,
)
from mutualaid.governance.models import (
    Proposal,
)
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import (
    require,
)


def authorise_change(*, actor: Member | None, proposal: Proposal | None, network: Network) -> None:
    """A passed proposal of this network decides; otherwise the actor must manage it."""
    if proposal is not None:
        if proposal.network_id != network.pk or proposal.status != Proposal.Status.PASSED:
            raise PermissionDenied()
        return
    require(actor, "network.manage", network)


def change_reason(proposal: Proposal | None, reason: str) -> dict[str, Any]:
    """What the history records of why: the proposal (if any) and the reason given."""
    return {"proposal": proposal.pk if proposal else None, "reason": reason}


def add_months(moment: datetime, months: int) -> datetime:
    month_index = moment.month - 1 + months
    year, month = moment.year + month_index // 12, month_index % 12 + 1
    day = min(moment.day, calendar.monthrange(year, month)[1])
    return moment.replace(year=year, month=month, day=day)
