"""What happens to a member's notifications when they leave a network (see membership)."""

from mutualaid.channels.models import Notification, Preference, QuietHours
from mutualaid.networks.models import Member


def channels_member_leaving(*, member: Member) -> None:
    """Their notifications (with every delivery), choices and quiet hours are deleted. Runs
    last: the steps before it may have told the leaver something on the way out."""
    Notification.objects.filter(recipient=member).delete()
    Preference.objects.filter(member=member).delete()
    QuietHours.objects.filter(member=member).delete()
