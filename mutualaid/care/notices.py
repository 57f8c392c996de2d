"""The notices about circles, as data: who hears of what, in which words.

Services send them with `notice_send("circle.flagged", facilitator_membership.pk)` inside their
transaction. A notice says only that something needs a facilitator's eye, or about the
recipient's own place in a circle, and links to the circle: never a post's text, a pseudonym
or who flagged.
"""

from collections.abc import Callable, Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mutualaid.care.models import CircleMembership
from mutualaid.core.notice_kinds import Extra, NoticeKind, notice_kinds
from mutualaid.networks.models import Member

State = CircleMembership.State


def _membership_in(state: str) -> Callable[[int], CircleMembership | None]:
    """Load the membership while it is still in `state`: a place declined, left or removed
    since has nothing left to hear."""

    def load(membership_id: int) -> CircleMembership | None:
        return (
            CircleMembership.objects.select_related("circle__network", "member__user")
            .filter(pk=membership_id, state=state)
            .first()
        )

    return load


def _to_them(membership: CircleMembership, extra: Extra) -> Iterable[Member | None]:
    return [membership.member]


def _circle_name(membership: CircleMembership, extra: Extra) -> dict[str, object]:
    return {"circle": membership.circle.name}


def _circle_path(membership: CircleMembership) -> str:
    circle = membership.circle
    return reverse(
        "care:circle_detail", kwargs={"slug": circle.network.slug, "circle_id": circle.pk}
    )


_facilitator = _membership_in(State.ACTIVE)

notice_kinds(
    # To one current facilitator (a membership of theirs), each.
    NoticeKind(
        name="circle.flagged",
        load=_facilitator,
        to=_to_them,
        subject=_("A post in %(circle)s was flagged"),
        body=_("A member flagged a post in %(circle)s. Please look at it when you can."),
        params=_circle_name,
        path=_circle_path,
    ),
    NoticeKind(
        name="circle.join_requested",
        load=_facilitator,
        to=_to_them,
        subject=_("Someone asked to join %(circle)s"),
        body=_("Someone asked to join %(circle)s. You can welcome them on its page."),
        params=_circle_name,
        path=_circle_path,
    ),
    NoticeKind(
        name="circle.someone_invited",
        load=_facilitator,
        to=_to_them,
        subject=_("Someone was invited to join %(circle)s"),
        body=_("A member invited someone to %(circle)s. You can welcome them on its page."),
        params=_circle_name,
        path=_circle_path,
    ),
    NoticeKind(
        name="circle.facilitator_rotated",
        load=_facilitator,
        to=_to_them,
        subject=_("You are now a facilitator of %(circle)s"),
        body=_("The facilitator role of %(circle)s has been handed on to you. Thank you."),
        params=_circle_name,
        path=_circle_path,
    ),
    # To a person about their own place. The subject stays general: a mailbox list shows it
    # to anyone looking at the screen.
    NoticeKind(
        name="circle.invited",
        load=_membership_in(State.INVITED),
        to=_to_them,
        subject=_("You were invited to a peer-support circle"),
        body=_(
            "A member invited you to %(circle)s. Its facilitators will welcome you; if you "
            "would rather not join, you can decline on its page."
        ),
        params=_circle_name,
        path=_circle_path,
    ),
    NoticeKind(
        name="circle.welcomed",
        load=_membership_in(State.ACTIVE),
        to=_to_them,
        subject=_("You were welcomed into a peer-support circle"),
        body=_(
            "You are now a member of %(circle)s. Read and accept its agreement on its page "
            "before you share anything; you can leave at any time."
        ),
        params=_circle_name,
        path=_circle_path,
    ),
)
