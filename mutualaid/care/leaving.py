"""What happens to care when a member leaves a network (see membership)."""

from datetime import timedelta

from django.utils import timezone

from mutualaid.care.listening.models import ListenMessage, ListenRequest
from mutualaid.care.teams.models import CareTeam, Slot
from mutualaid.care.teams.services import team_close
from mutualaid.channels.services import notice_send
from mutualaid.networks.models import Member


def care_member_leaving(*, member: Member) -> None:
    """Conversations they were listening in close as if they had closed them (the person who
    asked is told and may ask again) and go a retention period later. Teams they set up for
    someone without an account, whose controls they hold, close (their address, door code and
    notes are deleted at once). Slots still to come that they took open again, so the team is
    told if nobody takes them. Their circle posts, their own listening requests and the care
    teams around them go with the membership."""
    now = timezone.now()
    for team in CareTeam.objects.filter(created_by=member, recipient__isnull=True).exclude(
        state=CareTeam.State.CLOSED
    ):
        team_close(actor=member, team=team)
    Slot.objects.filter(volunteer=member, starts_at__gt=now).update(
        volunteer=None, signed_up_at=None, reminded_at=None, flagged_empty_at=None
    )
    held = ListenRequest.objects.filter(listener=member, state=ListenRequest.State.TAKEN)
    for request in held:
        if ListenRequest.objects.filter(pk=request.pk, state=ListenRequest.State.TAKEN).update(
            state=ListenRequest.State.CLOSED,
            closed_at=now,
            delete_after=now + timedelta(days=request.retention_days),
        ):
            notice_send("listening.closed", request.pk, side=ListenMessage.Side.REQUESTER.value)
