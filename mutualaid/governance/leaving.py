"""What happens to governance records when a member leaves a network (see membership)."""

from mutualaid.governance.models import ProposalComment
from mutualaid.networks.models import Member


def governance_member_leaving(*, member: Member) -> None:
    """Their comments on proposals go (they are their words); proposals and concerns they
    raised stay as the network's record without a link to them; their trust, roles and votes
    go with the membership. Everyone's roles are counted again once they are gone (membership
    does that after the last step)."""
    ProposalComment.objects.filter(author=member).delete()
