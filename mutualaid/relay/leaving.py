"""What happens to a member's conversations when they leave a network (see membership)."""

from django.db.models import Q
from django.utils import timezone

from mutualaid.networks.models import Member
from mutualaid.relay.models import RelayMessage, RelayThread


def relay_member_leaving(*, member: Member) -> None:
    """Their open conversations close, and every message they wrote is deleted. Messages
    written to them stay with their writers' record until the retention deletes them, or go
    with the match when the leaver was its requester."""
    RelayThread.objects.filter(
        Q(match__helper=member) | Q(match__need__requester=member), closed_at__isnull=True
    ).update(closed_at=timezone.now())
    RelayMessage.objects.filter(sender=member).delete()
