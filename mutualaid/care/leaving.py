"""What happens to care when a member leaves a network (see membership)."""

from datetime import timedelta

from django.utils import timezone

from mutualaid.care.listening.models import ListenMessage, ListenRequest
from mutualaid.core.notices import notice_send
from mutualaid.networks.models import Member


def care_member_leaving(*, member: Member) -> None:
    """Conversations they were listening in close as if they had closed them (the person who
    asked is told and may ask again) and go a retention period later. Their circle posts,
    their own listening requests and care teams around them go with the membership; slots they
    took on other teams open again."""
    now = timezone.now()
    held = ListenRequest.objects.filter(listener=member, state=ListenRequest.State.TAKEN)
    for request in held:
        if ListenRequest.objects.filter(pk=request.pk, state=ListenRequest.State.TAKEN).update(
            state=ListenRequest.State.CLOSED,
            closed_at=now,
            delete_after=now + timedelta(days=request.retention_days),
        ):
            notice_send("listening.closed", request.pk, side=ListenMessage.Side.REQUESTER.value)
