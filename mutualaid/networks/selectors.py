"""Reads about networks, members and applications, limited to what the asker may see."""

import secrets
from collections.abc import Callable
from datetime import timedelta
from typing import Final

from django.contrib.auth.models import AnonymousUser, User
from django.core import signing
from django.db.models import QuerySet

from mutualaid.core.errors import NotFound
from mutualaid.needs.models import Need
from mutualaid.networks.models import (
    ApiToken,
    Application,
    Category,
    Member,
    Neighbourhood,
    Network,
    Skill,
)
from mutualaid.networks.permissions import can


def network_by_slug(slug: str) -> Network:
    network = Network.objects.filter(slug=slug).first()
    if network is None:
        raise NotFound()
    return network


def member_of(user: User | AnonymousUser, network: Network) -> Member | None:
    if not user.is_authenticated:
        return None
    # The encrypted profile fields load (and decrypt) only on the pages that show them.
    return (
        Member.objects.select_related("network", "user")
        .defer("phone", "accessibility_needs")
        .filter(network=network, user_id=user.pk)
        .first()
    )


def memberships_of(user: User) -> QuerySet[Member]:
    return Member.objects.filter(user_id=user.pk).select_related("network")


def members_active(*, network: Network) -> QuerySet[Member]:
    """The network's active members: everyone not moved to inactive. This is the one
    definition every count of "active members" uses (role thresholds, application approvals,
    matching)."""
    return Member.objects.filter(network=network, inactive_since__isnull=True)


def approvals_needed_now(network: Network) -> int:
    """How many answers decide an application: the network's number, but never more than it
    has active members, so that members stepping back never leave applicants waiting forever."""
    return max(1, min(network.approvals_needed, members_active(network=network).count()))


def categories_active(*, network: Network) -> QuerySet[Category]:
    return Category.objects.filter(network=network, is_active=True)


def neighbourhoods_of(*, network: Network) -> QuerySet[Neighbourhood]:
    return Neighbourhood.objects.filter(network=network)


def networks_public() -> QuerySet[Network]:
    return Network.objects.all()


# --- What a member may do with an application: one rule for pages, API and services -------


def may_review_applications(member: Member | None) -> bool:
    return member is not None and can(member, "application.review", member.network)


def is_own_application(member: Member, application: Application) -> bool:
    return application.user_id == member.user_id


def may_answer_application(member: Member, application: Application) -> bool:
    """Approve or decline: a reviewer of the application's network, not the applicant, once,
    while it waits."""
    return (
        application.network_id == member.network_id
        and may_review_applications(member)
        and not is_own_application(member, application)
        and application.status == Application.Status.PENDING
        and not any(vote.voter_id == member.pk for vote in application.votes.all())
    )


APPLICATION_ACTIONS: Final[dict[str, Callable[[Member, Application], bool]]] = {
    "approve": may_answer_application,
    "decline": may_answer_application,
}


def application_actions(member: Member, application: Application) -> list[str]:
    return [name for name, allowed in APPLICATION_ACTIONS.items() if allowed(member, application)]


def applications_pending(*, member: Member) -> QuerySet[Application]:
    """Pending applications the member may answer (not their own)."""
    if not may_review_applications(member):
        return Application.objects.none()
    return (
        Application.objects.filter(network=member.network_id, status=Application.Status.PENDING)
        .exclude(user_id=member.user_id)
        .prefetch_related("votes")
        .order_by("created_at")
    )


def access_application(member: Member | None, application_id: int) -> Application:
    if member is None or not may_review_applications(member):
        raise NotFound()
    application = (
        Application.objects.filter(pk=application_id, network=member.network_id)
        .select_related("network", "user")
        .first()
    )
    if application is None:
        raise NotFound()
    return application


def application_of(user: User, network: Network) -> Application | None:
    if not user.is_authenticated:
        return None
    return (
        Application.objects.filter(network=network, user_id=user.pk).order_by("-created_at").first()
    )


def network_public_counts(*, network: Network) -> dict[str, int]:
    """Anonymous counts anyone may see on the network's public page."""
    return {
        "members": Member.objects.filter(network=network).count(),
        "open_needs": Need.objects.filter(network=network, status=Need.Status.OPEN).count(),
    }


def invitation_is_current(*, network: Network, code: str) -> bool:
    """Whether `code` is the network's current invitation code (compared in constant time)."""
    return secrets.compare_digest(code.encode(), network.invite_code.encode())


def skills_of(*, network: Network) -> QuerySet[Skill]:
    return Skill.objects.filter(network=network)


def api_tokens_of(*, member: Member) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(member=member).order_by("-created_at")


def access_api_token(member: Member | None, token_id: int) -> ApiToken:
    """One of the member's own tokens, or NotFound (also for anyone else's)."""
    token = None if member is None else api_tokens_of(member=member).filter(pk=token_id).first()
    if token is None:
        raise NotFound()
    return token


STILL_HERE_SALT = "mutualaid.networks.still-here"
STILL_HERE_MAX_AGE = timedelta(days=60)


def still_here_token(member: Member) -> str:
    """A signed token for the one-click "I'm still here" link in the warning email."""
    return signing.dumps({"member": member.pk}, salt=STILL_HERE_SALT, compress=True)
