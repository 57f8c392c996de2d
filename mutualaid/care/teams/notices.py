"""The notices about care teams, as data: who hears of what, in which words.

Services send them with `notice_send("team.invited", team.pk, member_id=...)` inside their
transaction. Notices never carry an address, a door code, notes or a slot's details: they say
that something needs attention and link to the page where a signed-in member of the team sees
the rest.
"""

from collections.abc import Iterable

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _

from mutualaid.care.teams.models import CareTeam, Slot, TeamMembership
from mutualaid.core.notice_kinds import Extra, NoticeKind, notice_kinds
from mutualaid.core.zones import zone_of
from mutualaid.networks.models import Member


def _team(team_id: int) -> CareTeam | None:
    return CareTeam.objects.select_related("network").filter(pk=team_id).first()


def _member(member_id: int) -> Member | None:
    return Member.objects.select_related("user", "network").filter(pk=member_id).first()


def _to_member(team: CareTeam, extra: Extra) -> Iterable[Member | None]:
    """The member named in `extra["member_id"]`, whatever their place now."""
    return [_member(extra["member_id"])]


def _team_name(team: CareTeam, extra: Extra) -> dict[str, object]:
    return {"team": team.name}


def _team_path(team: CareTeam) -> str:
    return reverse("care_teams:team_detail", kwargs={"slug": team.network.slug, "team_id": team.pk})


def _team_list_path(member: Member) -> str:
    return reverse("care_teams:team_list", kwargs={"slug": member.network.slug})


def _slot(slot_id: int) -> Slot | None:
    """A slot still on the calendar of an active team (never its address or details)."""
    return (
        Slot.objects.select_related("team__network")
        .defer("address", "details")
        .filter(pk=slot_id, cancelled=False, team__state=CareTeam.State.ACTIVE)
        .first()
    )


def _to_team_member(slot: Slot, extra: Extra) -> Iterable[Member | None]:
    """The member named in `extra["member_id"]`, while still active on the slot's team."""
    membership = (
        TeamMembership.objects.select_related("member__user", "member__network")
        .filter(
            team_id=slot.team_id,
            member_id=extra["member_id"],
            state=TeamMembership.State.ACTIVE,
        )
        .first()
    )
    return [membership.member if membership else None]


def _to_volunteer(slot: Slot, extra: Extra) -> Iterable[Member | None]:
    """The volunteer named in `extra["member_id"]`, while the slot is still theirs."""
    if slot.volunteer_id != extra["member_id"]:
        return []
    return _to_team_member(slot, extra)


def _slot_params(slot: Slot, extra: Extra) -> dict[str, object]:
    starts = timezone.localtime(slot.starts_at, zone_of(slot.team.network))
    return {
        "team": slot.team.name,
        "kind": slot.get_kind_display(),
        "when": formats.date_format(starts, "DATETIME_FORMAT"),
    }


def _slot_path(slot: Slot) -> str:
    return reverse(
        "care_teams:slot_detail",
        kwargs={"slug": slot.team.network.slug, "team_id": slot.team_id, "slot_id": slot.pk},
    )


notice_kinds(
    NoticeKind(
        name="team.proposed",
        load=_team,
        to=_to_member,
        subject=_("A care team was set up around you"),
        body=_(
            "A neighbour set up the care team %(team)s to support you. Nothing happens until "
            "you accept: you can accept or decline on its page."
        ),
        params=_team_name,
        path=_team_path,
    ),
    NoticeKind(
        name="team.accepted",
        load=_team,
        to=_to_member,
        subject=_("%(team)s is now active"),
        body=_("The person at the centre accepted %(team)s. You can invite people now."),
        params=_team_name,
        path=_team_path,
    ),
    # The team is deleted by then: the notice is about the member who set it up.
    NoticeKind(
        name="team.declined",
        load=_member,
        to=lambda member, extra: [member],
        subject=_("A care team you set up was declined"),
        body=_(
            "The person you set up a care team for declined it, and it has been deleted. Thank "
            "you for caring."
        ),
        params=lambda member, extra: {"team": ""},
        path=_team_list_path,
    ),
    NoticeKind(
        name="team.invited",
        load=_team,
        to=_to_member,
        subject=_("You are invited to the care team %(team)s"),
        body=_("You are invited to help in %(team)s. You can join or decline on its page."),
        params=_team_name,
        path=_team_path,
    ),
    NoticeKind(
        name="team.slot_cancelled",
        load=_team,
        to=_to_member,
        subject=_("A slot you signed up for in %(team)s was cancelled"),
        body=_("A slot you took in %(team)s was cancelled. See the team's calendar."),
        params=_team_name,
        path=_team_path,
    ),
    # Subjects stay general: a mailbox list shows them to anyone looking at the screen.
    NoticeKind(
        name="team.slot_reminder",
        load=_slot,
        to=_to_volunteer,
        subject=_("Reminder: your care team slot is coming up"),
        body=_(
            "Thank you for taking the %(kind)s slot with %(team)s on %(when)s. See the slot in "
            "the app for the details."
        ),
        params=_slot_params,
        path=_slot_path,
    ),
    NoticeKind(
        name="team.slot_empty",
        load=_slot,
        to=_to_team_member,
        subject=_("A care team slot still needs someone"),
        body=_(
            "The %(kind)s slot with %(team)s on %(when)s still needs someone. See the slot in "
            "the app if you can take it."
        ),
        params=_slot_params,
        path=_slot_path,
    ),
)
