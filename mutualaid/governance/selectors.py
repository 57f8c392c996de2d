"""Reads about trust and roles. Who trusts whom is visible to members of the same network."""

from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Final, TypedDict

from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.core.errors import NotFound
from mutualaid.core.models import HistoryEntry
from mutualaid.governance.models import (
    AgreementVersion,
    Concern,
    ConcernRound,
    ConflictPolicy,
    Proposal,
    ProposalComment,
    Role,
    RoleHolding,
    Trust,
    Vote,
)
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import can
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


# --- what a member may do with a proposal: one rule for the pages, the API and the services ---


def proposal_voting_open(proposal: Proposal, now: datetime | None = None) -> bool:
    """Open and between its opening and its deadline. The vote itself re-checks this with a
    conditional write, so a ballot racing the closer either counts or is refused."""
    now = now or timezone.now()
    return proposal.status == Proposal.Status.OPEN and proposal.opens_at <= now < proposal.deadline


def may_vote_on_proposals(member: Member, proposal: Proposal) -> bool:
    """The permission to vote, in the proposal's own network (`proposal_vote` checks this)."""
    return member.network_id == proposal.network_id and can(
        member, "proposal.vote", proposal.network
    )


def may_comment_on_proposals(member: Member, proposal: Proposal) -> bool:
    """The permission to join the discussion (`proposal_comment` checks this)."""
    return member.network_id == proposal.network_id and can(
        member, "proposal.comment", proposal.network
    )


def is_proposal_author(member: Member, proposal: Proposal) -> bool:
    """Only the author may withdraw (`proposal_withdraw` checks this)."""
    return proposal.author_id == member.pk


def may_vote_proposal(member: Member, proposal: Proposal) -> bool:
    return (
        may_vote_on_proposals(member, proposal)
        and proposal_voting_open(proposal)
        and not Vote.objects.filter(proposal=proposal, voter=member).exists()
    )


def may_withdraw_proposal(member: Member, proposal: Proposal) -> bool:
    """The author, while it is open and nobody has voted on it."""
    return (
        is_proposal_author(member, proposal)
        and proposal.status == Proposal.Status.OPEN
        and not Vote.objects.filter(proposal=proposal).exists()
    )


PROPOSAL_ACTIONS: Final[dict[str, Callable[[Member, Proposal], bool]]] = {
    "vote": may_vote_proposal,
    "comment": may_comment_on_proposals,
    "withdraw": may_withdraw_proposal,
}


def proposal_actions(member: Member, proposal: Proposal) -> list[str]:
    """What the member may do with the proposal now, for the pages and the API alike."""
    return [name for name, allowed in PROPOSAL_ACTIONS.items() if allowed(member, proposal)]


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
            trusted_by=m.trusted_count,
            trusted_by_me=m.pk in mine,
            is_me=m.pk == member.pk,
            roles=sorted(roles.get(m.pk, [])),
        )
        for m in rows
    ]


def person_of(*, member: Member, other: Member) -> Person:
    return next(p for p in people_of(member=member) if p.member.pk == other.pk)


# --- concerns: what each member may read of the conflict-resolution process ---------------


CONCERN_OPTIONS: Final = tuple(Concern.Outcome.values)  # talk, no_change, remove


def conflict_policy(network: Network) -> ConflictPolicy:
    """The network's choices, or the defaults (unsaved) when it has made none."""
    policy = ConflictPolicy.objects.filter(network=network).first()
    return policy or ConflictPolicy(network=network)


def concern_current_round(concern: Concern) -> ConcernRound | None:
    return concern.rounds.filter(closed_at__isnull=True).order_by("-number").first()


def concerns_visible(member: Member) -> QuerySet[Concern]:
    """The concerns the member may read, newest first: their own (raised by them or about
    them) at every step; every concern of their network once its vote has opened (members
    vote on it); and every one to members who may moderate (they may open the vote early)."""
    concerns = Concern.objects.filter(network_id=member.network_id)
    if not can(member, "network.moderate", member.network):
        concerns = concerns.filter(
            Q(status__in=(Concern.Status.VOTING, Concern.Status.DECIDED))
            | Q(raised_by=member)
            | Q(about=member)
        )
    return (
        concerns.select_related("about", "raised_by")
        .defer(
            "about__phone",
            "about__accessibility_needs",
            "raised_by__phone",
            "raised_by__accessibility_needs",
        )
        .order_by("-created_at", "-pk")
    )


def access_concern(member: Member, concern_id: int) -> Concern:
    """A concern the member may read, or NotFound: the same for missing and not theirs."""
    concern = concerns_visible(member).filter(pk=concern_id).first()
    if concern is None:
        raise NotFound()
    return concern


@dataclass(frozen=True)
class ConcernStep:
    """One step of a concern's process, holding only what the viewer may see."""

    action: str
    at: datetime
    actor_name: str = ""
    round: int | None = None
    decision: str = ""
    tally: dict[str, int] | None = None
    deadline: str = ""
    reason: str = ""


def _shows_raiser(viewer: Member, concern: Concern) -> bool:
    return concern.show_raiser or viewer.pk == concern.raised_by_id


def concern_steps_visible(member: Member, concern: Concern) -> list[ConcernStep]:
    """Every step of the concern, oldest first, for a member of its network: the affected
    member sees their whole process. Who raised it is shown only if the network chose so (or to
    the raiser); in an anonymous vote, nobody is shown voting, only the round's tally."""
    if member.network_id != concern.network_id:
        raise NotFound()
    entries = HistoryEntry.objects.filter(
        target_type="concern", target_id=concern.pk, network_id=concern.network_id
    ).select_related("actor")
    steps = []
    for entry in entries.order_by("created_at", "pk"):
        data = entry.data if isinstance(entry.data, dict) else {}
        name = entry.actor.display_name if entry.actor else ""
        if entry.action == "concern.raise" and not _shows_raiser(member, concern):
            name = ""
        if entry.action == "concern.vote" and concern.anonymous:
            continue  # neither who nor how; the round's tally says how many
        steps.append(
            ConcernStep(
                action=entry.action,
                at=entry.created_at,
                actor_name=name,
                round=data.get("round"),
                decision=str(data.get("decision", "")),
                tally=data.get("tally"),
                deadline=str(data.get("deadline", "")),
                reason=str(data.get("reason", "")),
            )
        )
    return steps


def concerns_about(member: Member) -> list[Concern]:
    """The member's own processes, newest first."""
    return list(Concern.objects.filter(about=member))


@dataclass(frozen=True)
class RoundView:
    number: int
    deadline: datetime
    closed: bool
    tally: dict[str, int]
    result: str


@dataclass(frozen=True)
class ConcernView:
    """A concern as one member may see it. Who raised it is given only when the network shows
    raisers (or to the raiser); who voted how, never: only each closed round's tally."""

    concern: Concern
    about_name: str
    raiser_name: str
    raised_by_proposal_id: int | None
    is_about_me: bool
    raised_by_me: bool
    rounds: list[RoundView]
    current_round: RoundView | None
    voted_in_current_round: bool
    actions: list[str]
    can_answer: bool
    can_open_vote: bool
    can_vote: bool
    steps: list[ConcernStep]


def concern_view(member: Member, concern: Concern, *, now: datetime | None = None) -> ConcernView:
    rounds = [
        RoundView(
            number=r.number,
            deadline=r.deadline,
            closed=r.closed_at is not None,
            tally=dict(r.tally) if r.closed_at is not None else {},
            result=r.result,
        )
        for r in concern.rounds.order_by("number")
    ]
    actions = concern_actions(member, concern, now=now)
    about = concern.about
    return ConcernView(
        concern=concern,
        about_name=about.display_name if about else _("A former member"),
        raiser_name=_raiser_name(member, concern),
        raised_by_proposal_id=concern.raised_by_proposal_id,
        is_about_me=is_concern_about(member, concern),
        raised_by_me=concern.raised_by_id == member.pk,
        rounds=rounds,
        current_round=next((r for r in rounds if not r.closed), None),
        voted_in_current_round=concern_voted_in_current_round(member, concern),
        actions=actions,
        can_answer="answer" in actions,
        can_open_vote="open_vote" in actions,
        can_vote="vote" in actions,
        steps=concern_steps_visible(member, concern),
    )


# --- what a member may do with a concern: one rule for the pages, the API and the services ----


def is_concern_about(member: Member, concern: Concern) -> bool:
    """Only the member a concern is about answers it (`concern_answer` checks this)."""
    return concern.about_id == member.pk


def may_open_concern_votes(member: Member, concern: Concern) -> bool:
    """Who may open the vote before the answer window ends: the member it is about, or a
    member who may moderate (`concern_open_vote` checks this)."""
    return is_concern_about(member, concern) or can(member, "network.moderate", concern.network)


def may_vote_on_concerns(member: Member, concern: Concern) -> bool:
    """The permission to vote on a concern of one's network (`concern_vote` checks this, after
    refusing the member it is about with its own message)."""
    return (
        member.network_id == concern.network_id
        and not is_concern_about(member, concern)
        and can(member, "proposal.vote", concern.network)
    )


def concern_voted_in_current_round(member: Member, concern: Concern) -> bool:
    current = concern_current_round(concern)
    return current is not None and current.votes.filter(voter=member).exists()


def may_answer_concern(member: Member, concern: Concern, now: datetime) -> bool:
    return (
        is_concern_about(member, concern)
        and concern.status == Concern.Status.ANSWERING
        and concern.answered_at is None
    )


def may_open_concern_vote(member: Member, concern: Concern, now: datetime) -> bool:
    return concern.status == Concern.Status.ANSWERING and may_open_concern_votes(member, concern)


def may_vote_concern(member: Member, concern: Concern, now: datetime) -> bool:
    current = concern_current_round(concern)
    return (
        current is not None
        and current.deadline > now
        and may_vote_on_concerns(member, concern)
        and not current.votes.filter(voter=member).exists()
    )


CONCERN_ACTIONS: Final[dict[str, Callable[[Member, Concern, datetime], bool]]] = {
    "answer": may_answer_concern,
    "open_vote": may_open_concern_vote,
    "vote": may_vote_concern,
}


def concern_actions(member: Member, concern: Concern, *, now: datetime | None = None) -> list[str]:
    """What the member may do with the concern now, for the pages and the API alike."""
    now = now or timezone.now()
    return [name for name, allowed in CONCERN_ACTIONS.items() if allowed(member, concern, now)]


def _raiser_name(member: Member, concern: Concern) -> str:
    if concern.raised_by_proposal_id is not None:
        return _("the network's decision")
    if not _shows_raiser(member, concern):
        return ""
    if concern.raised_by is None:
        return _("A former member")
    return concern.raised_by.display_name
