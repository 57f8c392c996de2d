"""A member leaving a network, for whatever reason, in one place.

Being removed by the network's decision and deleting one's account both run
`member_leave`, which runs every app's leaving step from one ordered list, then deletes the
membership (the rows that belong to it go with it) and counts everyone's roles again. An app
that holds rows about a member adds its step to `LEAVING_STEPS`; a test fails for an app that
holds such rows and has no step. What each step keeps and deletes is in docs/privacy.md.
"""

import enum
from collections.abc import Callable
from dataclasses import dataclass
from typing import Final

from django.contrib.admin.models import LogEntry
from django.contrib.contenttypes.models import ContentType
from django.db import models, transaction
from django.utils.translation import gettext as _

from mutualaid.care.leaving import care_member_leaving
from mutualaid.core.errors import NotFound
from mutualaid.core.history import history_record
from mutualaid.fund.services import fund_member_leaving
from mutualaid.governance.leaving import governance_member_leaving
from mutualaid.governance.services.roles import roles_recount_network
from mutualaid.library.services import library_member_leaving
from mutualaid.needs.leaving import needs_member_leaving
from mutualaid.needs.models import Need, Offer
from mutualaid.networks.models import Member
from mutualaid.pantry.leaving import pantry_member_leaving


class LeaveCause(enum.StrEnum):
    REMOVED = "removed"  # by the network's decision (a concern vote)
    ACCOUNT_DELETED = "account_deleted"


# What the history log says happened. A deleted account's entry names nobody.
HISTORY_ACTIONS: Final = {
    LeaveCause.REMOVED: "member.remove",
    LeaveCause.ACCOUNT_DELETED: "member.delete_account",
}


@dataclass(frozen=True)
class LeavingStep:
    """One app's part of a member leaving. `apps` names the app labels whose rows about a
    member the step takes care of."""

    apps: tuple[str, ...]
    run: Callable[..., None]


# In this order: help first (requesters of live matches hear at once), then things held for
# others, money, decisions and care. Each step sees the member still there; their membership
# is deleted after the last one.
LEAVING_STEPS: Final = (
    LeavingStep(apps=("needs",), run=needs_member_leaving),
    LeavingStep(apps=("pantry",), run=pantry_member_leaving),
    LeavingStep(apps=("library",), run=library_member_leaving),
    LeavingStep(apps=("fund",), run=fund_member_leaving),
    LeavingStep(apps=("governance",), run=governance_member_leaving),
    LeavingStep(apps=("care", "care_listening", "care_teams"), run=care_member_leaving),
)


def forget_admin_log(model: type[models.Model], pks: list[int]) -> None:
    """Drop the admin log's entries about these rows: they repeat names and words."""
    LogEntry.objects.filter(
        content_type=ContentType.objects.get_for_model(model),
        object_id__in=[str(pk) for pk in pks],
    ).delete()


@transaction.atomic
def member_leave(*, member: Member, cause: LeaveCause, reason: str = "") -> None:
    """The member leaves their network: every app's leaving step runs, the membership and
    what belongs to it go, the history log says so (naming nobody for a deleted account), and
    everyone's roles are counted again without their trust. All of it or none of it; a member
    who is already gone raises NotFound."""
    current = (
        Member.objects.select_for_update().filter(pk=member.pk).select_related("network").first()
    )
    if current is None:
        raise NotFound(_("This member has already left the network."))
    for step in LEAVING_STEPS:
        step.run(member=current)
    forget_admin_log(Member, [current.pk])
    forget_admin_log(
        Need, list(Need.objects.filter(requester=current).values_list("pk", flat=True))
    )
    forget_admin_log(Offer, list(Offer.objects.filter(helper=current).values_list("pk", flat=True)))
    network = current.network
    if cause == LeaveCause.ACCOUNT_DELETED:
        history_record(actor=None, network=network, action=HISTORY_ACTIONS[cause])
    else:
        history_record(
            actor=None,
            network=network,
            action=HISTORY_ACTIONS[cause],
            target=current,
            reason=reason,
        )
    current.delete()
    roles_recount_network(network=network, reason=HISTORY_ACTIONS[cause])
