"""The one question every door asks: may this member do this here?

A member may do what every member may, plus what the roles they currently hold grant (roles are
earned by trust, see mutualaid.governance), plus the organiser's powers while they are still
the network's founding organiser. Callers never see where a permission came from.

What roles grant is read from the membership, where governance writes it whenever a member's
holdings or a role change: this module never imports governance (every import points down).
"""

from datetime import datetime
from typing import Final

from django.utils import timezone

from mutualaid.core.errors import PermissionDenied
from mutualaid.networks.models import Member, Network

MEMBER_PERMISSIONS: Final = frozenset(
    {
        "need.post",
        "need.browse",
        "offer.post",
        "match.offer_help",
        "application.review",
        "network.view_members",
        "trust.give",
        "proposal.open",
        "proposal.vote",
        "proposal.comment",
        "library.browse",  # see the lending library's things and their calendars
        "library.book",  # book a thing (its training rule still applies)
        "library.lend",  # add a thing to the library and keep it
        "fund.view",  # the fund's members' report, policy and queue
        "fund.request",  # ask the fund for money
        "fund.approve",  # approve another member's request (never one's own)
    }
)
ORGANISER_PERMISSIONS: Final = MEMBER_PERMISSIONS | {
    "network.manage",
    "network.moderate",
    "library.manage",  # any thing's bookings, check-outs and returns; the feed's secret
    "pantry.manage",  # intake, distribution, stock counts, reservations, overrides
    "fund.manage",  # record income and fees, send payouts, corrections, reconciliation
}
PERMISSIONS_BY_ROLE: Final = {
    Member.Role.MEMBER: MEMBER_PERMISSIONS,
    Member.Role.FOUNDING_ORGANISER: ORGANISER_PERMISSIONS,
}
# Held only through a role: being an organiser does not make one a trained listener.
ROLE_ONLY_PERMISSIONS: Final = frozenset(
    {
        "care.listen",  # take listening requests, keep notes, join the listeners' debrief
    }
)
ALL_PERMISSIONS: Final = ORGANISER_PERMISSIONS | ROLE_ONLY_PERMISSIONS


def can(member: Member | None, permission: str, network: Network) -> bool:
    if permission not in ALL_PERMISSIONS:
        raise ValueError(f"unknown permission {permission!r}")
    if member is None or member.network_id != network.pk:
        return False
    if permission in PERMISSIONS_BY_ROLE.get(Member.Role(member.role), frozenset()):
        return True  # what every member (or the founding organiser) may do
    return _granted_by_role(member, permission)


def _granted_by_role(member: Member, permission: str) -> bool:
    """What the member's current roles grant, as governance wrote it on the membership (see
    `Member.role_permissions`): no query, and a term that ended stops granting at once."""
    granted: dict[str, str | None] = member.role_permissions or {}
    if permission not in granted:
        return False
    until = granted[permission]
    return until is None or datetime.fromisoformat(until) > timezone.now()


def require(member: Member | None, permission: str, network: Network) -> None:
    if not can(member, permission, network):
        raise PermissionDenied()
