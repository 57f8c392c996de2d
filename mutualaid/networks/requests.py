"""What a page's request carries once `network_page` / `member_page` has read the URL.

Annotate a view's request with these instead of ignoring attribute errors:
`def need_detail(request: MemberRequest, need_id: int)`. API views get their member with
`api_member(request)`.
"""

from django.contrib.auth.models import User
from django.http import HttpRequest

from mutualaid.networks.models import Member, Network


class NetworkRequest(HttpRequest):
    """A page of one network: `member` is None for visitors and non-members."""

    network: Network
    member: Member | None


def api_member(request: HttpRequest) -> Member:
    """The member whose API token authenticated this request (`request.auth`)."""
    member = getattr(request, "auth", None)
    if not isinstance(member, Member):
        raise TypeError("API views run only for authenticated members")
    return member


class MemberRequest(HttpRequest):
    """A page only members reach (`member_page` sent everyone else away)."""

    network: Network
    member: Member


class SignedInRequest(HttpRequest):
    """A page behind `login_required`: the user is signed in."""

    user: User
