"""Reads about trust and roles. Who trusts whom is visible to members of the same network."""

from dataclasses import dataclass, field
from datetime import datetime
from typing import TypedDict

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.core.errors import NotFound
from mutualaid.governance.models import (
    AgreementVersion,
    Proposal,
    ProposalComment,
    Role,
    RoleHolding,
    Trust,
)
from mutualaid.networks.models import Member, Network
from mutualaid.networks.selectors import members_active


def _current(now: datetime | None = None) -> Q:
    """Holdings that give their permissions right now."""
    now = now or timezone.now()
    return Q(lapsed_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def holdings_current(*, network: Network, now: datetime | None = None) -> QuerySet[RoleHolding]:
    return RoleHolding.objects.filter(_current(now), role__network=network)


def roles_of(member: Member) -> QuerySet[Role]:
    """The roles the member holds now, in their network."""
    holdings = RoleHolding.objects.filter(_current(), member=member)
    return Role.objects.filter(network_id=member.network_id, holdings__in=holdings).distinct()


def trust_given_by(member: Member) -> QuerySet[Trust]:
    return Trust.objects.filter(giver=member).select_related("receiver").order_by("-created_at")


def trust_received_count(member: Member) -> int:
    return Trust.objects.filter(receiver=member).count()


def active_member_count(network: Network) -> int:
    """Members who count towards trust thresholds: those not moved to inactive."""
    return members_active(network=network).count()


def proposals_for(member: Member) -> QuerySet[Proposal]:
    """The proposals of the member's network, newest first."""
    return (
        Proposal.objects.filter(network_id=member.network_id)
        .select_related("author")
        .annotate(vote_count=Count("votes"))
        .order_by("-created_at")
    )


def proposal_comments(member: Member, proposal: Proposal) -> QuerySet[ProposalComment]:
    if member.network_id != proposal.network_id:
        raise NotFound()
    return proposal.comments.select_related("author").order_by("created_at")


class VisibleVote(TypedDict):
    voter: Member | None
    choice: str
    ranking: list[str]
    scores: dict[str, int]
    reason: str


def proposal_votes_visible(member: Member, proposal: Proposal) -> list[VisibleVote]:
    """The ballots on a proposal as the member may see them: with who voted, unless the
    proposal is anonymous, in which case no voter is given and the order says nothing."""
    if member.network_id != proposal.network_id:
        raise NotFound()
    votes = proposal.votes.select_related("voter").order_by("created_at", "pk")
    visible = [
        VisibleVote(
            voter=None if proposal.anonymous else vote.voter,
            choice=vote.choice,
            ranking=list(vote.ranking),
            scores=dict(vote.scores),
            reason=vote.reason,
        )
        for vote in votes
    ]
    if proposal.anonymous:
        # Sorted by content alone: any order that follows time (the database's included)
        # could pair ballots with who was seen around when, or with the voter's own memory.
        visible.sort(
            key=lambda v: (v["choice"], v["ranking"], sorted(v["scores"].items()), v["reason"])
        )
    return visible


def agreements_current(network: Network) -> QuerySet[AgreementVersion]:
    """The latest version of each of the network's agreements."""
    latest = AgreementVersion.objects.filter(agreement=OuterRef("agreement")).order_by("-number")
    return (
        AgreementVersion.objects.filter(agreement__network=network)
        .filter(pk=Subquery(latest.values("pk")[:1]))
        .select_related("agreement")
        .order_by("agreement__title")
    )


# --- People, as the governance pages and API show them ---------------------------------


def access_member(member: Member, member_id: int) -> Member:
    """A member of the asker's network; the same 404 for unknown ids and other networks."""
    found = (
        Member.objects.filter(pk=member_id, network_id=member.network_id)
        .select_related("network")
        .defer("phone", "accessibility_needs")
        .first()
    )
    if found is None:
        raise NotFound(_("There is no member with that number in your network."))
    return found


@dataclass
class Person:
    member: Member
    trusted_by: int
    trusted_by_me: bool
    is_me: bool
    roles: list[str] = field(default_factory=list)


def people_of(*, member: Member) -> list[Person]:
    """Every member of the asker's network with their current roles and how many trust them."""
    network_id = member.network_id
    roles: dict[int, list[str]] = {}
    for holding in holdings_current(network=member.network).select_related("role"):
        roles.setdefault(holding.member_id, []).append(holding.role.name)
    mine = set(trust_given_by(member).values_list("receiver_id", flat=True))
    rows = (
        Member.objects.filter(network_id=network_id)
        .defer("phone", "accessibility_needs")
        .annotate(trusted_count=Count("trust_received", distinct=True))
        .order_by("display_name", "pk")
    )
    return [
        Person(
            member=m,
            trusted_by=m.trusted_count,  # type: ignore[attr-defined]
            trusted_by_me=m.pk in mine,
            is_me=m.pk == member.pk,
            roles=sorted(roles.get(m.pk, [])),
        )
        for m in rows
    ]


def person_of(*, member: Member, other: Member) -> Person:
    return next(p for p in people_of(member=member) if p.member.pk == other.pk)
