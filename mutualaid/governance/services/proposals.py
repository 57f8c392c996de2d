"""Proposals and votes: a question put to the network, its ballots, its count, and (once it
passes) its decision applied through `decisions`.
"""

from collections.abc import Sequence
from dataclasses import asdict
from datetime import date, datetime, timedelta
from typing import Any, Final

from django.core.exceptions import ObjectDoesNotExist
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutualaid.channels.services import notice_send
from mutualaid.core.errors import (
    Conflict,
    DomainError,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from mutualaid.core.history import history_record
from mutualaid.core.validation import clean_text
from mutualaid.governance import voting
from mutualaid.governance.models import (
    Proposal,
    ProposalComment,
    Vote,
)
from mutualaid.governance.notices import outcome_kind
from mutualaid.governance.selectors import (
    is_proposal_author,
    may_comment_on_proposals,
    may_vote_on_proposals,
)
from mutualaid.governance.services.decisions import action_apply, action_clean
from mutualaid.networks.models import Member
from mutualaid.networks.permissions import (
    require,
)

BALLOT_CHOICES: Final[dict[str, frozenset[str]]] = {
    Proposal.Method.CONSENT: frozenset(voting.ConsentChoice),
    Proposal.Method.CONSENSUS: frozenset(voting.ConsensusChoice),
    Proposal.Method.MAJORITY: frozenset(voting.MajorityChoice),
}

MAX_SCORE: Final = 5

CLOSED = gettext_lazy("Voting has closed on this proposal.")


def _clean_options(method: str, options: Sequence[str]) -> list[str]:
    if method not in (Proposal.Method.RANKED, Proposal.Method.SCORE):
        if options:
            raise InvalidInput(_("Only ranked and score votes have options."))
        return []
    cleaned = [clean_text(option, field="options", max_length=120) for option in options]
    if len(cleaned) < 2 or len(set(cleaned)) != len(cleaned) or len(cleaned) > 20:
        raise InvalidInput(_("Give between 2 and 20 different options."))
    return cleaned


@transaction.atomic
def proposal_open(
    *,
    actor: Member,
    title: str,
    body: str,
    method: str,
    deadline: datetime,
    options: Sequence[str] = (),
    action: dict[str, Any] | None = None,
    quorum: int | None = None,
    anonymous: bool = False,
    review_on: date | None = None,
    opens_at: datetime | None = None,
) -> Proposal:
    """Put a question to the actor's network. An action is checked now (and again when it is
    applied); members are told once the proposal is saved."""
    network = actor.network
    require(actor, "proposal.open", network)
    if method not in Proposal.Method.values:
        raise InvalidInput(_("Choose how the network decides."))
    opens_at = opens_at or timezone.now()
    if deadline <= opens_at:
        raise InvalidInput(_("The deadline must be after the proposal opens."))
    if quorum is not None and quorum < 1:
        raise InvalidInput(_("A quorum must be at least 1 vote."))
    cleaned_action = action_clean(network=network, action=action or {})
    if cleaned_action and method in (Proposal.Method.RANKED, Proposal.Method.SCORE):
        raise InvalidInput(_("A proposal with an action is decided by consent, consensus or vote."))
    proposal = Proposal.objects.create(
        network=network,
        author=actor,
        title=clean_text(title, field="title", max_length=120),
        body=clean_text(body, field="body", max_length=4000, required=False),
        method=method,
        options=_clean_options(method, options),
        action=cleaned_action,
        opens_at=opens_at,
        deadline=deadline,
        quorum=quorum,
        anonymous=anonymous,
        review_on=review_on,
    )
    history_record(
        actor=actor,
        action="proposal.open",
        target=proposal,
        method=method,
        action_type=cleaned_action.get("type", ""),
    )
    notice_send("proposal.opened", proposal.pk)
    return proposal


def _clean_ballot(
    proposal: Proposal, choice: str, ranking: Sequence[str] | None, scores: dict[str, int] | None
) -> dict[str, Any]:
    method = proposal.method
    if method in BALLOT_CHOICES:
        if choice not in BALLOT_CHOICES[method]:
            raise InvalidInput(
                _("Choose one of: %(choices)s.")
                % {"choices": ", ".join(sorted(BALLOT_CHOICES[method]))}
            )
        return {"choice": choice}
    options = set(proposal.options)
    if method == Proposal.Method.RANKED:
        ranked = list(ranking or [])
        if not ranked or len(set(ranked)) != len(ranked) or not set(ranked) <= options:
            raise InvalidInput(_("Rank some of the options, each once."))
        return {"ranking": ranked}
    given = dict(scores or {})
    valid = all(
        isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= MAX_SCORE
        for value in given.values()
    )
    if not given or not set(given) <= options or not valid:
        raise InvalidInput(
            _("Score the options with whole numbers from 0 to %(max)s.") % {"max": MAX_SCORE}
        )
    return {"scores": given}


@transaction.atomic
def proposal_vote(
    *,
    actor: Member | None,
    proposal: Proposal,
    choice: str = "",
    ranking: Sequence[str] | None = None,
    scores: dict[str, int] | None = None,
    reason: str = "",
) -> Vote:
    """Cast the actor's one ballot while voting is open.

    Whether voting is still open is decided in the database, by a conditional write on the
    proposal that the closer's own conditional write queues behind: a vote either counts or
    is refused with "voting has closed", never both."""
    if actor is None or actor.network_id != proposal.network_id:
        raise NotFound()  # the same answer for a missing proposal and another network's
    if not may_vote_on_proposals(actor, proposal):
        raise PermissionDenied()
    ballot = _clean_ballot(proposal, choice, ranking, scores)
    reason = clean_text(reason, field="reason", max_length=1000, required=False)
    now = timezone.now()
    still_open = Proposal.objects.filter(
        pk=proposal.pk, status=Proposal.Status.OPEN, opens_at__lte=now, deadline__gt=now
    ).update(updated_at=now)
    if not still_open:
        if Proposal.objects.filter(pk=proposal.pk, opens_at__gt=now).exists():
            raise Conflict(_("Voting on this proposal has not opened yet."))
        raise Conflict(CLOSED)
    try:
        with transaction.atomic():
            vote = Vote.objects.create(proposal=proposal, voter=actor, reason=reason, **ballot)
    except IntegrityError:
        raise Conflict(_("You have already voted on this proposal.")) from None
    # An anonymous proposal's history says that a member voted, never who nor how: with the
    # tally published, a voter named beside the entry could be paired with a choice.
    if proposal.anonymous:
        history_record(
            actor=None,
            network=proposal.network,
            action="proposal.vote",
            target=proposal,
            anonymous=True,
        )
    else:
        history_record(actor=actor, action="proposal.vote", target=proposal, **ballot)
    return vote


@transaction.atomic
def proposal_comment(*, actor: Member, proposal: Proposal, body: str) -> ProposalComment:
    """Add to the proposal's discussion."""
    if actor.network_id != proposal.network_id:
        raise NotFound()
    if not may_comment_on_proposals(actor, proposal):
        raise PermissionDenied()
    comment = ProposalComment.objects.create(
        proposal=proposal,
        author=actor,
        body=clean_text(body, field="body", max_length=4000),
    )
    history_record(actor=actor, action="proposal.comment", target=proposal)
    return comment


@transaction.atomic
def proposal_withdraw(*, actor: Member, proposal: Proposal, reason: str = "") -> Proposal:
    """The author takes their proposal back, while nobody has voted on it yet."""
    if actor.network_id != proposal.network_id:
        raise NotFound()
    if not is_proposal_author(actor, proposal):
        raise PermissionDenied(_("Only the author can withdraw a proposal."))
    withdrawn = (
        Proposal.objects.filter(pk=proposal.pk, status=Proposal.Status.OPEN)
        .exclude(Exists(Vote.objects.filter(proposal=OuterRef("pk"))))
        .update(status=Proposal.Status.WITHDRAWN, updated_at=timezone.now())
    )
    if not withdrawn:
        raise Conflict(_("A proposal can be withdrawn only while it is open and has no votes."))
    history_record(actor=actor, action="proposal.withdraw", target=proposal, reason=reason)
    proposal.refresh_from_db()
    return proposal


def _count(proposal: Proposal) -> voting.Outcome:
    votes = list(proposal.votes.all())
    method, quorum = proposal.method, proposal.quorum
    if method == Proposal.Method.CONSENT:
        return voting.count_consent([v.choice for v in votes], quorum=quorum)
    if method == Proposal.Method.CONSENSUS:
        return voting.count_consensus([v.choice for v in votes], quorum=quorum)
    if method == Proposal.Method.MAJORITY:
        return voting.count_majority([v.choice for v in votes], quorum=quorum)
    if method == Proposal.Method.RANKED:
        return voting.count_ranked_choice(
            [v.ranking for v in votes], options=proposal.options, quorum=quorum
        )
    return voting.count_score(
        [v.scores for v in votes], options=proposal.options, max_score=MAX_SCORE, quorum=quorum
    )


def _status_for(outcome: voting.Outcome) -> str:
    if outcome.passed is None:
        return Proposal.Status.UNDECIDED
    return Proposal.Status.PASSED if outcome.passed else Proposal.Status.REJECTED


@transaction.atomic
def proposal_close(*, proposal: Proposal, now: datetime) -> Proposal:
    """Count a proposal whose deadline has passed and record the outcome; apply its action if
    it passed. Only one closer wins; an action that cannot apply any more leaves nothing
    changed and the proposal `apply_failed` with the reason."""
    # Claim the proposal first: this write queues behind any vote still being written, and
    # any vote after it finds the proposal closed. Counting comes after, so it sees them all.
    claimed = Proposal.objects.filter(
        pk=proposal.pk, status=Proposal.Status.OPEN, deadline__lte=now
    ).update(status=Proposal.Status.UNDECIDED, updated_at=now)
    if not claimed:
        raise Conflict(_("This proposal is not open, or its deadline has not passed."))
    proposal.refresh_from_db()
    outcome = _count(proposal)
    proposal.status = _status_for(outcome)
    proposal.outcome = asdict(outcome)
    if proposal.status == Proposal.Status.PASSED and proposal.action:
        _apply_action(proposal=proposal, now=now)
    proposal.save(update_fields=["status", "outcome", "apply_error", "applied_at", "updated_at"])
    history_record(
        actor=None,
        network=proposal.network,
        action="proposal.close",
        target=proposal,
        status=proposal.status,
        reason=str(outcome.reason),
        apply_error=proposal.apply_error,
    )
    kind = outcome_kind(proposal.status)
    if kind is not None:
        notice_send(kind, proposal.pk)
    return proposal


def _apply_action(*, proposal: Proposal, now: datetime) -> None:
    """Apply inside a savepoint: all of it, or (on any refusal) none of it."""
    try:
        with transaction.atomic():
            action_apply(proposal=proposal)
    except DomainError as error:
        proposal.status = Proposal.Status.APPLY_FAILED
        proposal.apply_error = error.message
    except ObjectDoesNotExist:
        proposal.status = Proposal.Status.APPLY_FAILED
        proposal.apply_error = str(_("What this proposal would change no longer exists."))
    else:
        proposal.applied_at = now


CLOSING_SOON: Final = timedelta(hours=24)


@transaction.atomic
def proposals_remind_closing(*, now: datetime) -> int:
    """Tell members who have not voted yet, once, that a proposal closes within a day."""
    soon = Proposal.objects.filter(
        status=Proposal.Status.OPEN,
        closing_reminded_at__isnull=True,
        deadline__gt=now,
        deadline__lte=now + CLOSING_SOON,
    ).select_related("network")
    reminded = 0
    for proposal in soon:
        if not Proposal.objects.filter(pk=proposal.pk, closing_reminded_at__isnull=True).update(
            closing_reminded_at=now
        ):
            continue
        history_record(
            actor=None, network=proposal.network, action="proposal.closing_soon", target=proposal
        )
        notice_send("proposal.closing", proposal.pk)
        reminded += 1
    return reminded


def proposals_close_due(*, now: datetime) -> int:
    """Close every open proposal past its deadline, each in its own transaction; returns how
    many this call closed (another closer may win some)."""
    closed = 0
    due = Proposal.objects.filter(status=Proposal.Status.OPEN, deadline__lte=now)
    for proposal in due.select_related("network").order_by("deadline", "pk"):
        try:
            proposal_close(proposal=proposal, now=now)
        except Conflict:
            continue
        closed += 1
    return closed
