"""What happens to a member's text-message data when they leave a network (see membership)."""

from mutualaid.networks.models import Member
from mutualaid.sms.models import SmsConversation, SmsInbound, SmsPhone


def sms_member_leaving(*, member: Member) -> None:
    """Their number, any question waiting by text and every text they sent are deleted."""
    SmsConversation.objects.filter(member=member).delete()
    SmsInbound.objects.filter(member=member).delete()
    SmsPhone.objects.filter(member=member).delete()
