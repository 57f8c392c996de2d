"""Background work for care teams: day-before reminders, empty slots flagged to the team,
teams closing on their date, and closed teams deleted after their retention.

Notices never carry an address, a door code, notes or a slot's details: they say that
something needs attention and link to the page where a signed-in member of the team sees the
rest.
"""

import zoneinfo

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mutualaid.core.notify import email_member

SUBJECTS = {
    "proposed": _("A care team was set up around you"),
    "accepted": _("%(team)s is now active"),
    "declined": _("A care team you set up was declined"),
    "invited": _("You are invited to the care team %(team)s"),
    "slot_cancelled": _("A slot you signed up for in %(team)s was cancelled"),
}
BODIES = {
    "proposed": _(
        "A neighbour set up the care team %(team)s to support you. Nothing happens until you "
        "accept: you can accept or decline on its page."
    ),
    "accepted": _("The person at the centre accepted %(team)s. You can invite people now."),
    "declined": _(
        "The person you set up a care team for declined it, and it has been deleted. Thank "
        "you for caring."
    ),
    "invited": _("You are invited to help in %(team)s. You can join or decline on its page."),
    "slot_cancelled": _("A slot you took in %(team)s was cancelled. See the team's calendar."),
}


def _when(slot: object, network: object) -> str:
    try:
        zone = zoneinfo.ZoneInfo(network.timezone)  # type: ignore[attr-defined]
    except (zoneinfo.ZoneInfoNotFoundError, ValueError):
        zone = zoneinfo.ZoneInfo("UTC")
    starts = timezone.localtime(slot.starts_at, zone)  # type: ignore[attr-defined]
    return formats.date_format(starts, "DATETIME_FORMAT")


@db_task(retries=3, retry_delay=60)
def notify_member(event: str, team_id: int | None, member_id: int) -> None:
    from mutualaid.care.teams.models import CareTeam
    from mutualaid.networks.models import Member

    member = Member.objects.select_related("user", "network").filter(pk=member_id).first()
    if member is None or event not in SUBJECTS:
        return
    if team_id is None:
        path, name = reverse("care_teams:team_list", kwargs={"slug": member.network.slug}), ""
    else:
        team = CareTeam.objects.filter(pk=team_id).only("pk", "name").first()
        if team is None:
            return
        path = reverse(
            "care_teams:team_detail", kwargs={"slug": member.network.slug, "team_id": team.pk}
        )
        name = team.name
    email_member(
        member, subject=SUBJECTS[event], body=BODIES[event], params={"team": name}, path=path
    )


@db_task(retries=3, retry_delay=60)
def notify_slot(event: str, slot_id: int, member_id: int) -> None:
    """A reminder to the volunteer, or an empty slot flagged to one member of the team. Sent
    only while the team is active and the member still on it."""
    from mutualaid.care.teams.models import CareTeam, Slot, TeamMembership

    slot = (
        Slot.objects.select_related("team__network")
        .defer("address", "details")
        .filter(pk=slot_id, cancelled=False, team__state=CareTeam.State.ACTIVE)
        .first()
    )
    membership = (
        TeamMembership.objects.select_related("member__user", "member__network")
        .filter(team_id=slot.team_id if slot else 0, member_id=member_id, state="active")
        .first()
    )
    if slot is None or membership is None:
        return
    if event == "reminder" and slot.volunteer_id != member_id:
        return
    network = slot.team.network
    path = reverse(
        "care_teams:slot_detail",
        kwargs={"slug": network.slug, "team_id": slot.team_id, "slot_id": slot.pk},
    )
    params = {"team": slot.team.name, "kind": slot.get_kind_display(), "when": _when(slot, network)}
    if event == "reminder":
        # Subjects stay general: a mailbox list shows them to anyone looking at the screen.
        subject = _("Reminder: your care team slot is coming up")
        body = _(
            "Thank you for taking the %(kind)s slot with %(team)s on %(when)s. See the slot in "
            "the app for the details."
        )
    else:
        subject = _("A care team slot still needs someone")
        body = _(
            "The %(kind)s slot with %(team)s on %(when)s still needs someone. See the slot in "
            "the app if you can take it."
        )
    email_member(membership.member, subject=subject, body=body, params=params, path=path)


@db_periodic_task(crontab(minute="15"))
def remind_volunteers() -> int:
    from mutualaid.care.teams.services import slots_remind_sweep

    return slots_remind_sweep()


@db_periodic_task(crontab(minute="45"))
def flag_empty_slots() -> int:
    from mutualaid.care.teams.services import slots_flag_empty_sweep

    return slots_flag_empty_sweep()


@db_periodic_task(crontab(hour="3", minute="20"))
def close_due_teams() -> int:
    from mutualaid.care.teams.services import teams_close_due_sweep, teams_delete_closed_sweep

    return teams_close_due_sweep() + teams_delete_closed_sweep()
