"""What happens to the pantry's records when a member leaves a network (see membership)."""

from mutualaid.networks.models import Member
from mutualaid.pantry.models import AlertSubscription, Household


def pantry_member_leaving(*, member: Member) -> None:
    """Households they collected for stay with the pantry (what they received counts for fair
    shares) without the link to them; their stock alerts stop."""
    Household.objects.filter(member=member).update(member=None)
    AlertSubscription.objects.filter(member=member).delete()
