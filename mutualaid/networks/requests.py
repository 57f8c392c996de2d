"""What a page's request carries once `network_page` / `member_page` has read the URL.

Annotate a view's request with these instead of ignoring attribute errors:
`def need_detail(request: MemberRequest, need_id: int)`.
"""

from django.http import HttpRequest

from mutualaid.networks.models import Member, Network


class NetworkRequest(HttpRequest):
    """A page of one network: `member` is None for visitors and non-members."""

    network: Network
    member: Member | None


class MemberRequest(HttpRequest):
    """A page only members reach (`member_page` sent everyone else away)."""

    network: Network
    member: Member
