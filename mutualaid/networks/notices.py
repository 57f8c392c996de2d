"""The notices about networks and memberships, as data: who hears of what, in which words.

Services send them with `notice_send("application.approved", application.pk)` inside their
transaction.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass

from django.contrib.auth.models import User
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mutualaid.core.notice_kinds import Extra, NoticeKind, notice_kinds
from mutualaid.core.notify import Recipient
from mutualaid.networks.models import Application, Member, Network
from mutualaid.networks.selectors import still_here_token


@dataclass(frozen=True)
class Outsider:
    """Someone told of a decision who is not a member: an applicant who was not let in, or a
    member a decision removed. They have no notifications page and no choices, so they are
    told by email alone, in `languages` when known (a removed member's), else the site's."""

    pk: int
    user: User
    network: Network
    languages: Sequence[str] | None = None


def _application(application_id: int) -> Application | None:
    return Application.objects.select_related("network", "user").filter(pk=application_id).first()


def _member(member_id: int) -> Member | None:
    return Member.objects.select_related("network", "user").filter(pk=member_id).first()


def _to_new_member(application: Application, extra: Extra) -> Iterable[Member | None]:
    return [Member.objects.filter(network=application.network, user=application.user).first()]


def _to_applicant(application: Application, extra: Extra) -> Iterable[Recipient | None]:
    return [Outsider(pk=application.pk, user=application.user, network=application.network)]


def _to_warned(member: Member, extra: Extra) -> Iterable[Member | None]:
    """Only while the question is still open: activity since the sweep answered it."""
    return [member] if member.inactivity_warned_at is not None else []


def _network_name(application: Application, extra: Extra) -> dict[str, object]:
    return {"network": application.network.name}


def _dashboard(application: Application) -> str:
    return reverse("networks:dashboard", kwargs={"slug": application.network.slug})


def _still_here_link(member: Member) -> str:
    return reverse(
        "networks:still_here",
        kwargs={"slug": member.network.slug, "token": still_here_token(member)},
    )


notice_kinds(
    NoticeKind(
        name="application.approved",
        load=_application,
        to=_to_new_member,
        subject=_("Welcome to %(network)s"),
        body=_("Members approved your application. Welcome!"),
        params=_network_name,
        path=_dashboard,
    ),
    NoticeKind(
        name="application.declined",
        load=_application,
        to=_to_applicant,
        subject=_("About your application"),
        body=_("Members of %(network)s did not approve your application this time."),
        params=_network_name,
    ),
    # One link answers, without signing in.
    NoticeKind(
        name="member.inactivity_warning",
        load=_member,
        to=_to_warned,
        subject=_("Are you still with %(network)s?"),
        body=_(
            "We have not seen you in %(network)s for a while. If you are still here, open the "
            "link below and press “I'm still here”; signing in does the same. If we hear "
            "nothing in %(days)s days, you will be shown as inactive: you stay a member and "
            "can come back at any time."
        ),
        params=lambda member, extra: {
            "network": member.network.name,
            "days": member.network.inactive_grace_days,
        },
        path=_still_here_link,
        mandatory=True,
    ),
)
