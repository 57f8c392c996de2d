"""API: the network's roles, its members with their roles and trust, giving and taking back
trust, the history log, proposals (with votes and discussion) and agreements."""

from datetime import date, datetime
from typing import Annotated, Any, Literal, get_args

from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate
from ninja.responses import Status
from pydantic import StringConstraints

from mutualaid.core.api import (
    Cell,
    Id,
    IdempotencyKey,
    InputSchema,
    Instant,
    PageNumbers,
    PathId,
    PlainText,
    Slug,
    created_once,
)
from mutualaid.core.api import responses as _responses
from mutualaid.core.models import HistoryEntry
from mutualaid.core.selectors import (
    HISTORY_KINDS,
    history_actor_name,
    history_safe_data,
    history_visible,
)
from mutualaid.governance import selectors
from mutualaid.governance.models import AgreementVersion, Concern, Proposal, ProposalComment
from mutualaid.governance.selectors import (
    Person,
    access_member,
    agreements_current,
    people_of,
    person_of,
    proposal_actions,
    proposal_comments,
    proposal_votes_visible,
)
from mutualaid.governance.services import concern_start, concerns, proposals, trust
from mutualaid.governance.views import (
    RoleView,
    action_words,
    proposal_of,
    proposals_in_order,
    roles_described,
)
from mutualaid.networks.models import Member
from mutualaid.networks.requests import api_member

router = Router()

# The kinds of history entry one can filter by; tests check they match HISTORY_KINDS.
HistoryKind = Literal[
    "need",
    "offer",
    "match",
    "application",
    "member",
    "trust",
    "role",
    "founder",
    "proposal",
    "agreement",
    "conflict",
    "network",
]
assert sorted(HISTORY_KINDS) == sorted(get_args(HistoryKind))  # noqa: S101


class HolderOut(Schema):
    member_id: int
    display_name: str
    granted_at: datetime
    expires_at: datetime | None


class RoleOut(Schema):
    slug: str
    name: str
    permissions: list[str]
    permission_descriptions: list[str]
    threshold_fraction: float
    threshold_min: int
    threshold_cap: int
    trust_needed_now: int
    threshold_description: str
    term_months: int | None
    term_description: str
    holders: list[HolderOut]


class MemberGovernanceOut(Schema):
    id: int
    display_name: str
    roles: list[str]
    trusted_by: int
    trusted_by_me: bool
    inactive_since: datetime | None = Field(
        description="When the member was moved to inactive after a long silence; null if active."
    )


class HistoryFilters(Schema):
    kind: HistoryKind | None = None
    member_id: Id | None = None


HistoryValue = str | int | float | bool


class HistoryEntryOut(Schema):
    id: int
    action: str
    actor_name: str
    target_type: str
    target_id: int | None
    data: dict[str, HistoryValue]
    created_at: datetime

    @staticmethod
    def resolve_actor_name(obj: HistoryEntry) -> str:
        return history_actor_name(obj)

    @staticmethod
    def resolve_data(obj: HistoryEntry) -> dict[str, Any]:
        return history_safe_data(obj)


def _role_out(view: RoleView) -> dict[str, Any]:
    role = view.role
    return {
        "slug": role.slug,
        "name": role.name,
        "permissions": list(role.permissions or []),
        "permission_descriptions": view.permissions,
        "threshold_fraction": float(role.threshold_fraction),
        "threshold_min": role.threshold_min,
        "threshold_cap": role.threshold_cap,
        "trust_needed_now": view.needed,
        "threshold_description": view.threshold,
        "term_months": role.term_months,
        "term_description": view.term,
        "holders": [
            {
                "member_id": h.member_id,
                "display_name": h.member.display_name,
                "granted_at": h.granted_at,
                "expires_at": h.expires_at,
            }
            for h in view.holders
        ],
    }


def _person_out(person: Person) -> dict[str, Any]:
    return {
        "id": person.member.pk,
        "display_name": person.member.display_name,
        "roles": person.roles,
        "trusted_by": person.trusted_by,
        "trusted_by_me": person.trusted_by_me,
        "inactive_since": person.member.inactive_since,
    }


@router.get(
    "/governance/roles",
    response=_responses(list[RoleOut]),
    operation_id="governance_roles_list",
    tags=["governance"],
)
def governance_roles_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The network's roles: what each allows, how much trust it needs now, its term and who
    holds it."""
    return [_role_out(view) for view in roles_described(network=api_member(request).network)]


@router.get(
    "/governance/members",
    response=_responses(list[MemberGovernanceOut]),
    operation_id="governance_members_list",
    tags=["governance"],
)
def governance_members_list(request: HttpRequest) -> list[dict[str, Any]]:
    """Every member of my network with their current roles and how many members trust them."""
    return [_person_out(person) for person in people_of(member=api_member(request))]


@router.post(
    "/governance/trust/{member_id}",
    response=_responses(MemberGovernanceOut),
    operation_id="governance_trust_give",
    tags=["governance"],
)
def governance_trust_give(request: HttpRequest, member_id: PathId) -> dict[str, Any]:
    """Give my trust to a member of my network. They may gain roles at once."""
    member = api_member(request)
    other = access_member(member, member_id)
    trust.trust_give(actor=member, receiver=other)
    return _person_out(person_of(member=member, other=other))


@router.delete(
    "/governance/trust/{member_id}",
    response=_responses(MemberGovernanceOut),
    operation_id="governance_trust_revoke",
    tags=["governance"],
)
def governance_trust_revoke(request: HttpRequest, member_id: PathId) -> dict[str, Any]:
    """Take back my trust in a member. They may lose roles at once."""
    member = api_member(request)
    other = access_member(member, member_id)
    trust.trust_revoke(actor=member, receiver=other)
    return _person_out(person_of(member=member, other=other))


@router.get(
    "/history",
    response=_responses(list[HistoryEntryOut]),
    operation_id="history_list",
    tags=["governance"],
)
@paginate(PageNumbers)
def history_list(request: HttpRequest, filters: Query[HistoryFilters]) -> Any:
    """My network's history log, newest first, without private details. Filter by kind of
    entry and by the member who acted."""
    return history_visible(
        member=api_member(request), kind=filters.kind or "", actor_id=filters.member_id
    )


# --- proposals and agreements ---------------------------------------------------------------

Method = Literal["consent", "consensus", "majority", "ranked", "score"]
ActionType = Literal[
    "admit_member",
    "role_create",
    "role_change_threshold",
    "role_renew",
    "role_grant",
    "role_remove",
    "agreement_adopt",
    "disaster_mode",
    "concern_start",
    "matching_policy_change",
    "fair_share_change",
    "fund_policy_change",
]
Title = Annotated[str, StringConstraints(max_length=120), PlainText]
Option = Annotated[str, StringConstraints(max_length=120), PlainText]
LongText = Annotated[str, StringConstraints(max_length=4000), PlainText]
AgreementText = Annotated[str, StringConstraints(max_length=20000), PlainText]
ParamValue = (
    bool | int | float | Annotated[str, StringConstraints(max_length=20000), PlainText] | None
)
ParamList = Annotated[list[Slug], Field(max_length=50)]


class ActionIn(InputSchema):
    type: ActionType
    params: Annotated[dict[Slug, ParamValue | ParamList], Field(max_length=20)] = Field(
        default_factory=dict
    )


class ProposalIn(InputSchema):
    title: Title
    body: LongText = ""
    method: Method
    options: Annotated[list[Option], Field(max_length=20)] = Field(default_factory=list)
    deadline: Instant
    quorum: Annotated[int, Field(ge=1, le=100_000)] | None = None
    anonymous: bool = False
    review_on: date | None = None
    action: ActionIn | None = None


class BallotIn(InputSchema):
    choice: Cell = ""
    ranking: Annotated[list[Option], Field(max_length=20)] = Field(default_factory=list)
    scores: Annotated[dict[Option, Annotated[int, Field(ge=0, le=100)]], Field(max_length=20)] = (
        Field(default_factory=dict)
    )
    reason: Annotated[str, StringConstraints(max_length=1000), PlainText] = ""


class CommentIn(InputSchema):
    body: Annotated[str, StringConstraints(min_length=1, max_length=4000), PlainText]


class ProposalOut(Schema):
    id: int
    title: str
    method: str
    status: str
    deadline: datetime
    quorum: int | None
    anonymous: bool
    vote_count: int
    author_name: str
    actions: list[str] = Field(
        description="What I may do with this proposal now: any of `vote`, `comment` and "
        "`withdraw`; the same rule the service applies when I try."
    )

    @staticmethod
    def resolve_author_name(obj: Any) -> str:
        if isinstance(obj, dict):
            return str(obj["author_name"])
        return obj.author.display_name if obj.author else ""

    @staticmethod
    def resolve_actions(obj: Any, context: dict[str, Any]) -> list[str]:
        if isinstance(obj, dict):
            return list(obj["actions"])
        return proposal_actions(api_member(context["request"]), obj)


class RoundOut(Schema):
    tally: dict[str, int]
    exhausted: int
    eliminated: list[str]


class OutcomeOut(Schema):
    passed: bool | None
    reason: str
    tally: dict[str, int]
    winner: str | None
    rounds: list[RoundOut]


class BallotOut(Schema):
    voter_id: int | None
    voter_name: str | None
    choice: str
    ranking: list[str]
    scores: dict[str, int]
    reason: str


class CommentOut(Schema):
    id: int
    author_name: str
    body: str
    created_at: datetime


class ProposalDetailOut(ProposalOut):
    body: str
    options: list[str]
    action_type: str
    action_params: dict[str, Any]
    action_description: str
    opens_at: datetime
    outcome: OutcomeOut | None
    apply_error: str
    review_on: date | None
    votes: list[BallotOut]
    comments: list[CommentOut]


class AgreementOut(Schema):
    slug: str
    title: str
    version: int
    text: str
    adopted_at: datetime
    review_on: date | None


def _proposal_out(member: Member, proposal: Proposal) -> dict[str, Any]:
    return {
        "actions": proposal_actions(member, proposal),
        "id": proposal.pk,
        "title": proposal.title,
        "method": proposal.method,
        "status": proposal.status,
        "deadline": proposal.deadline,
        "quorum": proposal.quorum,
        "anonymous": proposal.anonymous,
        "vote_count": getattr(proposal, "vote_count", None) or proposal.votes.count(),
        "author_name": proposal.author.display_name if proposal.author else "",
    }


def _comment_out(comment: ProposalComment) -> dict[str, Any]:
    return {
        "id": comment.pk,
        "author_name": comment.author.display_name if comment.author else "",
        "body": comment.body,
        "created_at": comment.created_at,
    }


def _detail_out(member: Member, proposal: Proposal) -> dict[str, Any]:
    outcome = proposal.outcome or None
    action = proposal.action or {}
    return {
        **_proposal_out(member, proposal),
        "body": proposal.body,
        "options": list(proposal.options),
        "action_type": action.get("type", ""),
        "action_params": action.get("params", {}),
        "action_description": action_words(action),
        "opens_at": proposal.opens_at,
        "outcome": outcome,
        "apply_error": proposal.apply_error,
        "review_on": proposal.review_on,
        "votes": [
            {
                "voter_id": vote["voter"].pk if vote["voter"] else None,
                "voter_name": vote["voter"].display_name if vote["voter"] else None,
                "choice": vote["choice"],
                "ranking": vote["ranking"],
                "scores": vote["scores"],
                "reason": vote["reason"],
            }
            for vote in proposal_votes_visible(member, proposal)
        ],
        "comments": [_comment_out(c) for c in proposal_comments(member, proposal)],
    }


@router.get(
    "/governance/proposals",
    response=_responses(list[ProposalOut]),
    operation_id="governance_proposals_list",
    tags=["governance"],
)
@paginate(PageNumbers)
def governance_proposals_list(request: HttpRequest) -> Any:
    """My network's proposals: open ones first (soonest deadline first), then decided ones,
    newest first."""
    return proposals_in_order(api_member(request))


@router.post(
    "/governance/proposals",
    response=_responses(ProposalDetailOut, 201),
    operation_id="governance_proposals_open",
    tags=["governance"],
)
def governance_proposals_open(request: HttpRequest, payload: ProposalIn) -> Any:
    """Put a question to my network. Ranked and score votes take 2 to 20 options; an action
    (consent, consensus or majority only) is applied if the proposal passes."""
    member = api_member(request)
    proposal = proposals.proposal_open(
        actor=member,
        title=payload.title,
        body=payload.body,
        method=payload.method,
        deadline=payload.deadline,
        options=payload.options,
        action=payload.action.dict() if payload.action else None,
        quorum=payload.quorum,
        anonymous=payload.anonymous,
        review_on=payload.review_on,
    )
    return Status(201, _detail_out(member, proposal_of(member, proposal.pk)))


@router.get(
    "/governance/proposals/{proposal_id}",
    response=_responses(ProposalDetailOut),
    operation_id="governance_proposals_get",
    tags=["governance"],
)
def governance_proposals_get(request: HttpRequest, proposal_id: PathId) -> dict[str, Any]:
    """One proposal: its action in plain words, the ballots as I may see them (never who
    voted how on an anonymous proposal), the discussion and, once decided, the outcome with
    every ranked-choice round."""
    member = api_member(request)
    return _detail_out(member, proposal_of(member, proposal_id))


@router.post(
    "/governance/proposals/{proposal_id}/votes",
    response=_responses(ProposalDetailOut, 201),
    operation_id="governance_proposals_vote",
    tags=["governance"],
)
def governance_proposals_vote(request: HttpRequest, proposal_id: PathId, payload: BallotIn) -> Any:
    """Cast my one ballot: `choice` for consent, consensus and majority; `ranking` (best
    first) for ranked choice; `scores` (0 to 5) for score. Voting twice or after the
    deadline is refused with 409."""
    member = api_member(request)
    proposal = proposal_of(member, proposal_id)
    proposals.proposal_vote(
        actor=member,
        proposal=proposal,
        choice=payload.choice,
        ranking=payload.ranking,
        scores=payload.scores,
        reason=payload.reason,
    )
    return Status(201, _detail_out(member, proposal_of(member, proposal_id)))


@router.post(
    "/governance/proposals/{proposal_id}/comments",
    response=_responses(CommentOut, 201),
    operation_id="governance_proposals_comment",
    tags=["governance"],
)
def governance_proposals_comment(
    request: HttpRequest, proposal_id: PathId, payload: CommentIn
) -> Any:
    """Add to a proposal's discussion."""
    member = api_member(request)
    proposal = proposal_of(member, proposal_id)
    comment = proposals.proposal_comment(actor=member, proposal=proposal, body=payload.body)
    return Status(201, _comment_out(comment))


@router.get(
    "/governance/agreements",
    response=_responses(list[AgreementOut]),
    operation_id="governance_agreements_list",
    tags=["governance"],
)
def governance_agreements_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The current version of each of my network's agreements, with its review date."""
    return [_agreement_out(v) for v in agreements_current(api_member(request).network)]


def _agreement_out(version: AgreementVersion) -> dict[str, Any]:
    return {
        "slug": version.agreement.slug,
        "title": version.agreement.title,
        "version": version.number,
        "text": version.text,
        "adopted_at": version.adopted_at,
        "review_on": version.review_on,
    }


# --- conflict resolution --------------------------------------------------------------------

ConcernChoice = Literal["talk", "no_change", "remove"]
ConcernText = Annotated[str, StringConstraints(min_length=1, max_length=4000), PlainText]


class ConcernIn(InputSchema):
    about_member_id: Id
    text: ConcernText


class ConcernAnswerIn(InputSchema):
    text: ConcernText


class ConcernBallotIn(InputSchema):
    choice: ConcernChoice


class ConcernRoundOut(Schema):
    number: int
    deadline: datetime
    closed: bool
    tally: dict[str, int] = Field(description="The count of each choice, once the round closed.")
    result: str


class ConcernStepOut(Schema):
    action: str
    at: datetime
    actor_name: str = Field(
        description="Empty when hidden: a raiser the network does not show, any anonymous voter."
    )
    round: int | None
    decision: str
    tally: dict[str, int] | None


class ConcernOut(Schema):
    id: int
    status: str
    about_member_id: int | None
    about_name: str
    raised_by_name: str = Field(description="Empty unless the network shows who raised it.")
    raised_by_proposal_id: int | None
    text: str
    answer: str
    answer_deadline: datetime
    created_at: datetime
    outcome: str
    outcome_note: str
    is_about_me: bool
    rounds: list[ConcernRoundOut]
    voted_in_current_round: bool
    actions: list[str] = Field(
        description="What I may do with this concern now: any of `answer`, `open_vote` and "
        "`vote`; the same rule the service applies when I try."
    )
    can_answer: bool
    can_open_vote: bool
    can_vote: bool
    steps: list[ConcernStepOut]


def _concern_out(member: Member, concern: Concern) -> dict[str, Any]:
    view = selectors.concern_view(member, concern)
    return {
        "id": concern.pk,
        "status": concern.status,
        "about_member_id": concern.about_id,
        "about_name": view.about_name,
        "raised_by_name": view.raiser_name,
        "raised_by_proposal_id": view.raised_by_proposal_id,
        "text": concern.text,
        "answer": concern.answer or "",
        "answer_deadline": concern.answer_deadline,
        "created_at": concern.created_at,
        "outcome": concern.outcome,
        "outcome_note": concern.outcome_note,
        "is_about_me": view.is_about_me,
        "rounds": [vars(r) for r in view.rounds],
        "voted_in_current_round": view.voted_in_current_round,
        "actions": view.actions,
        "can_answer": view.can_answer,
        "can_open_vote": view.can_open_vote,
        "can_vote": view.can_vote,
        "steps": [
            {
                "action": s.action,
                "at": s.at,
                "actor_name": s.actor_name,
                "round": s.round,
                "decision": s.decision,
                "tally": s.tally,
            }
            for s in view.steps
        ],
    }


def _fresh_concern(member: Member, concern_id: int) -> dict[str, Any]:
    return _concern_out(member, selectors.access_concern(member, concern_id))


@router.get(
    "/governance/concerns",
    response=_responses(list[ConcernOut]),
    operation_id="governance_concerns_list",
    tags=["governance"],
)
def governance_concerns_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The concerns I may read, newest first: those I raised or that are about me, and every
    concern of my network whose vote has opened (all of them if I may moderate)."""
    member = api_member(request)
    return [_concern_out(member, c) for c in selectors.concerns_visible(member)[:200]]


@router.post(
    "/governance/concerns",
    response=_responses(ConcernOut, 201),
    operation_id="governance_concerns_raise",
    tags=["governance"],
)
def governance_concerns_raise(
    request: HttpRequest, payload: ConcernIn, idempotency_key: IdempotencyKey = None
) -> Any:
    """Raise a concern about a member's conduct. They are told and can answer; then my
    network votes. Whether my name is shown is the network's choice."""
    member = api_member(request)

    def create() -> dict[str, Any]:
        about = access_member(member, payload.about_member_id)
        concern = concern_start.concern_raise(actor=member, about=about, text=payload.text)
        return _fresh_concern(member, concern.pk)

    return created_once(request, key=idempotency_key, create=create, out=ConcernOut)


@router.get(
    "/governance/concerns/{concern_id}",
    response=_responses(ConcernOut),
    operation_id="governance_concerns_get",
    tags=["governance"],
)
def governance_concerns_get(request: HttpRequest, concern_id: PathId) -> dict[str, Any]:
    """One concern with every step of its process: each closed round's count, never who
    voted how in an anonymous vote."""
    return _fresh_concern(api_member(request), concern_id)


@router.post(
    "/governance/concerns/{concern_id}/answer",
    response=_responses(ConcernOut),
    operation_id="governance_concerns_answer",
    tags=["governance"],
)
def governance_concerns_answer(
    request: HttpRequest, concern_id: PathId, payload: ConcernAnswerIn
) -> dict[str, Any]:
    """Answer a concern about me, once; the vote opens at once."""
    member = api_member(request)
    concern = selectors.access_concern(member, concern_id)
    concerns.concern_answer(actor=member, concern=concern, text=payload.text)
    return _fresh_concern(member, concern_id)


@router.post(
    "/governance/concerns/{concern_id}/open-vote",
    response=_responses(ConcernOut),
    operation_id="governance_concerns_open_vote",
    tags=["governance"],
)
def governance_concerns_open_vote(request: HttpRequest, concern_id: PathId) -> dict[str, Any]:
    """Open the vote before the answer window ends: the member it is about, or a member who
    may moderate."""
    member = api_member(request)
    concerns.concern_open_vote(actor=member, concern=selectors.access_concern(member, concern_id))
    return _fresh_concern(member, concern_id)


@router.post(
    "/governance/concerns/{concern_id}/votes",
    response=_responses(ConcernOut, 201),
    operation_id="governance_concerns_vote",
    tags=["governance"],
)
def governance_concerns_vote(
    request: HttpRequest, concern_id: PathId, payload: ConcernBallotIn
) -> Any:
    """Cast my one vote in the current round: talk more, no change, or remove. Voting twice,
    before the vote opens or after its deadline is refused with 409."""
    member = api_member(request)
    concern = selectors.access_concern(member, concern_id)
    concerns.concern_vote(actor=member, concern=concern, choice=payload.choice)
    return Status(201, _fresh_concern(member, concern_id))
