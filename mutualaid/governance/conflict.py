"""Fair conflict resolution: writes and reads for the concern process.

Any member can raise a concern about another member of their network, and the network can
start one by a decision (a passed `concern_start` proposal). The affected member is told and
can answer. A time-boxed vote follows (when they answer, when someone with
`network.moderate` or the affected member opens it, or by itself once the answer window has
passed): talk more, no change, or remove from the network. Most votes win; a tie (or no votes)
opens another round with a new deadline, up to the network's `max_rounds`, after which nothing
changes. "Remove" removes the membership through `member_remove`, once, all or nothing.

Every step is written to the history log, targeting the concern. The raiser is recorded as the
actor only when the network chooses to show raisers; in an anonymous vote, neither who voted
nor how is recorded (only that a member voted, and each round's tally). The concern's text and
answer are encrypted and never in history. Members read a concern once its vote opens; before,
only the raiser, the affected member and members who may moderate (`concerns_visible`).
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Final

from django.db import IntegrityError, transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mutualaid.core.history import history_record
from mutualaid.core.models import HistoryEntry
from mutualaid.core.notices import notice_send
from mutualaid.core.validation import clean_text
from mutualaid.governance import voting
from mutualaid.governance.models import (
    Concern,
    ConcernRound,
    ConcernVote,
    ConflictPolicy,
    Proposal,
)
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import can, require

OPTIONS: Final = tuple(Concern.Outcome.values)  # talk, no_change, remove


def conflict_policy(network: Network) -> ConflictPolicy:
    """The network's choices, or the defaults (unsaved) when it has made none."""
    policy = ConflictPolicy.objects.filter(network=network).first()
    return policy or ConflictPolicy(network=network)


# --- writes -----------------------------------------------------------------------------------


@transaction.atomic
def concern_raise(*, actor: Member, about: Member, text: str) -> Concern:
    """Raise a concern about another member's conduct; the affected member is told by email."""
    if about.network_id != actor.network_id:
        raise NotFound()  # another network's members are not visible at all
    if about.pk == actor.pk:
        raise InvalidInput(_("You cannot raise a concern about yourself."))
    return _concern_create(network=actor.network, about=about, text=text, raiser=actor)


@transaction.atomic
def concern_start_by_decision(*, proposal: Proposal, about: Member, text: str) -> Concern:
    """Start the process because the network decided so (a passed proposal). The network is
    the raiser, so the proposal is shown as where it came from; refuses a member who left."""
    if proposal.status != Proposal.Status.PASSED or about.network_id != proposal.network_id:
        raise PermissionDenied()
    if not Member.objects.filter(pk=about.pk, network_id=proposal.network_id).exists():
        raise NotFound(_("This member has already left the network."))
    return _concern_create(network=proposal.network, about=about, text=text, proposal=proposal)


def _concern_create(
    *,
    network: Network,
    about: Member,
    text: str,
    raiser: Member | None = None,
    proposal: Proposal | None = None,
) -> Concern:
    text = clean_text(text, field="text", max_length=4000)
    policy = conflict_policy(network)
    concern = Concern.objects.create(
        network=network,
        raised_by=raiser,
        raised_by_proposal=proposal,
        about=about,
        text=text,
        answer_deadline=timezone.now() + timedelta(days=policy.answer_days),
        show_raiser=policy.show_raiser or proposal is not None,
        anonymous=policy.anonymous_votes,
    )
    hidden = raiser is not None and not concern.show_raiser
    history_record(
        actor=None if hidden else raiser,
        network=network,
        action="concern.raise",
        target=concern,
        status=concern.status,
        **({"anonymous": True} if hidden else {}),
        **({"proposal": proposal.pk, "reason": f"proposal {proposal.pk}"} if proposal else {}),
    )
    notice_send("concern.raised", concern.pk)
    return concern


@transaction.atomic
def concern_answer(*, actor: Member, concern: Concern, text: str) -> Concern:
    """The affected member answers, once, while the concern waits for an answer; the vote then
    opens at once."""
    if actor.network_id != concern.network_id:
        raise NotFound()
    if concern.about_id != actor.pk:
        raise PermissionDenied(_("Only the member the concern is about can answer it."))
    text = clean_text(text, field="text", max_length=4000)
    now = timezone.now()
    answered = Concern.objects.filter(
        pk=concern.pk, status=Concern.Status.ANSWERING, answered_at__isnull=True
    ).update(answered_at=now, updated_at=now)
    if not answered:
        raise Conflict(_("This concern can no longer be answered."))
    concern.refresh_from_db()
    concern.answer = text
    concern.save(update_fields=["answer"])
    history_record(actor=actor, action="concern.answer", target=concern)
    return _open_round(concern=concern, number=1, now=now, actor=actor)


@transaction.atomic
def concern_open_vote(
    *, actor: Member | None, concern: Concern, now: datetime | None = None
) -> Concern:
    """Open the vote before the answer window ends: the affected member (who chooses not to
    answer) or a member who may moderate. `actor=None` is the sweep, once the window passed."""
    now = now or timezone.now()
    if actor is None:
        if concern.answer_deadline > now:
            raise Conflict(_("The answer window has not ended yet."))
    else:
        if actor.network_id != concern.network_id:
            raise NotFound()
        if actor.pk != concern.about_id and not can(actor, "network.moderate", concern.network):
            raise PermissionDenied()
    return _open_round(concern=concern, number=1, now=now, actor=actor)


def _open_round(*, concern: Concern, number: int, now: datetime, actor: Member | None) -> Concern:
    """Start round `number`. The concern must be answering (round 1) or voting (later rounds);
    the state change is a conditional write, so two openers never both succeed."""
    expected = Concern.Status.ANSWERING if number == 1 else Concern.Status.VOTING
    moved = Concern.objects.filter(pk=concern.pk, status=expected).update(
        status=Concern.Status.VOTING, updated_at=now
    )
    if not moved:
        raise Conflict(_("The vote on this concern has already opened."))
    policy = conflict_policy(concern.network)
    round_ = ConcernRound.objects.create(
        concern=concern,
        number=number,
        opens_at=now,
        deadline=now + timedelta(days=policy.vote_days),
    )
    history_record(
        actor=actor,
        network=concern.network,
        action="concern.round_open",
        target=concern,
        status=Concern.Status.VOTING,
        round=number,
        deadline=round_.deadline.isoformat(),
    )
    notice_send("concern.vote_opened", concern.pk)
    notice_send("concern.vote_opened_about_you", concern.pk)
    concern.refresh_from_db()
    return concern


def concern_current_round(concern: Concern) -> ConcernRound | None:
    return concern.rounds.filter(closed_at__isnull=True).order_by("-number").first()


@transaction.atomic
def concern_vote(*, actor: Member | None, concern: Concern, choice: str) -> ConcernVote:
    """Cast the actor's one ballot in the concern's current round, before its deadline."""
    if actor is None or actor.network_id != concern.network_id:
        raise NotFound()
    if actor.pk == concern.about_id:
        raise PermissionDenied(_("You cannot vote on a concern about yourself."))
    require(actor, "proposal.vote", concern.network)
    if choice not in OPTIONS:
        raise InvalidInput(_("Choose one of: %(choices)s.") % {"choices": ", ".join(OPTIONS)})
    round_ = concern_current_round(concern)
    now = timezone.now()
    # Like proposals: the vote and the closer both write the round; the closer's claim and
    # this check queue behind each other, so a vote either counts or is refused. The filter
    # names only the round's own columns: PostgreSQL re-checks those after waiting on the
    # closer's lock, but not a join's (which turns the update into a subquery on an old
    # snapshot). A closed round is all that matters: a decided concern has closed its round.
    still_open = (
        ConcernRound.objects.filter(pk=round_.pk, closed_at__isnull=True, deadline__gt=now).update(
            tally=F("tally")
        )
        if round_ is not None
        else 0
    )
    if not still_open or round_ is None:
        raise Conflict(_("Voting on this concern is not open."))
    try:
        with transaction.atomic():
            vote = ConcernVote.objects.create(round=round_, voter=actor, choice=choice)
    except IntegrityError:
        raise Conflict(_("You have already voted in this round.")) from None
    # In an anonymous vote the log says that a member voted, never who: with a round's tally
    # published, the voter of an entry could be paired with a choice (a round with one voter
    # gives it away). The ballot row itself only stops double votes and is never shown.
    if concern.anonymous:
        history_record(
            actor=None,
            network=concern.network,
            action="concern.vote",
            target=concern,
            round=round_.number,
            anonymous=True,
        )
    else:
        history_record(
            actor=actor, action="concern.vote", target=concern, round=round_.number, decision=choice
        )
    return vote


def _count(round_: ConcernRound) -> voting.Outcome:
    """Plurality, counted as a score vote where each ballot gives its one choice 1 point: the
    most points wins, a shared top is a tie."""
    ballots = [{choice: 1} for choice in round_.votes.values_list("choice", flat=True)]
    return voting.count_score(ballots, options=list(OPTIONS), max_score=1)


@transaction.atomic
def concern_close_round(*, concern: Concern, now: datetime) -> Concern:
    """Count the current round once its deadline has passed. A winner decides the concern; a
    tie or no votes opens another round, until the network's last round, which ends in no
    change. Only one closer wins the claim."""
    round_ = concern_current_round(concern)
    claimed = (
        ConcernRound.objects.filter(pk=round_.pk, closed_at__isnull=True, deadline__lte=now).update(
            closed_at=now
        )
        if round_ is not None
        else 0
    )
    if not claimed or round_ is None:
        raise Conflict(_("This vote is not open, or its deadline has not passed."))
    round_.refresh_from_db()
    outcome = _count(round_)
    round_.tally = outcome.tally
    round_.result = outcome.winner or str(outcome.reason)
    round_.save(update_fields=["tally", "result"])
    history_record(
        actor=None,
        network=concern.network,
        action="concern.round_close",
        target=concern,
        round=round_.number,
        decision=round_.result,
        tally=outcome.tally,
    )
    concern.refresh_from_db()
    if outcome.winner is None:
        if round_.number < conflict_policy(concern.network).max_rounds:
            return _open_round(concern=concern, number=round_.number + 1, now=now, actor=None)
        return _decide(
            concern=concern,
            outcome=Concern.Outcome.NO_CHANGE,
            now=now,
            reason=_("No option won after the last round."),
        )
    return _decide(concern=concern, outcome=outcome.winner, now=now, reason="")


def _decide(*, concern: Concern, outcome: str, now: datetime, reason: str) -> Concern:
    """Record the decision and apply it, exactly once: the status change is conditional."""
    decided = Concern.objects.filter(pk=concern.pk, status=Concern.Status.VOTING).update(
        status=Concern.Status.DECIDED, outcome=outcome, updated_at=now
    )
    if not decided:
        raise Conflict(_("This concern has already been decided."))
    concern.refresh_from_db()
    note = reason
    if outcome == Concern.Outcome.REMOVE:
        about = concern.about_id
        member = (
            None
            if about is None
            else Member.objects.filter(pk=about, network_id=concern.network_id).first()
        )
        try:
            if member is None:
                raise NotFound()
            with transaction.atomic():
                member_remove(member=member, reason=f"concern {concern.pk}")
        except NotFound:
            note = _("The member had already left the network; nothing else changed.")
        else:
            concern.applied_at = now
    concern.outcome_note = str(note)[:200]
    concern.save(update_fields=["outcome_note", "applied_at"])
    history_record(
        actor=None,
        network=concern.network,
        action="concern.decide",
        target=concern,
        status=concern.status,
        decision=outcome,
        reason=concern.outcome_note,
    )
    notice_send("concern.decided", concern.pk)
    return concern


@transaction.atomic
def member_remove(*, member: Member, reason: str) -> None:
    """Remove a membership of one network, as account deletion does for each network: live
    matches as a helper are cancelled (their needs reopen), words on matches are dropped,
    anonymous counts are kept, and the member's own needs, offers, trust and roles go with
    the membership, and everyone's roles are recounted without their trust. All of it or
    none of it; a member who is already gone raises NotFound."""
    from mutualaid.accounts.services import _step_back_from_live_matches, _tally
    from mutualaid.needs.models import Match

    locked = Member.objects.select_for_update().filter(pk=member.pk).select_related("network")
    current = locked.first()
    if current is None:
        raise NotFound(_("This member has already left the network."))
    _tally(current)
    _step_back_from_live_matches(current)
    Match.objects.filter(helper=current).update(message="", release_reason="", cancel_reason="")
    history_record(
        actor=None,
        network=current.network,
        action="member.remove",
        target=current,
        reason=reason,
    )
    network = current.network
    current.delete()
    # The trust they gave is gone and the network is smaller: everyone's roles are recounted.
    from mutualaid.governance.services import roles_recompute

    for remaining in Member.objects.filter(network=network).select_related("network"):
        roles_recompute(member=remaining, reason="member.remove")


def concerns_sweep(*, now: datetime) -> int:
    """Open the votes whose answer window has passed and close the rounds that are due, each
    in its own transaction; returns how many steps this call took."""
    steps = 0
    waiting = Concern.objects.filter(status=Concern.Status.ANSWERING, answer_deadline__lte=now)
    for concern in waiting.select_related("network").order_by("answer_deadline", "pk"):
        try:
            concern_open_vote(actor=None, concern=concern, now=now)
        except Conflict:
            continue
        steps += 1
    due = ConcernRound.objects.filter(closed_at__isnull=True, deadline__lte=now)
    for concern_id in due.order_by("deadline", "pk").values_list("concern_id", flat=True):
        concern = Concern.objects.select_related("network").get(pk=concern_id)
        try:
            concern_close_round(concern=concern, now=now)
        except Conflict:
            continue
        steps += 1
    return steps


# --- reads ------------------------------------------------------------------------------------


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
    can_answer: bool
    can_open_vote: bool
    can_vote: bool
    steps: list[ConcernStep]


def concern_view(member: Member, concern: Concern, *, now: datetime | None = None) -> ConcernView:
    now = now or timezone.now()
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
    current = next((r for r in rounds if not r.closed), None)
    voted = (
        current is not None
        and ConcernVote.objects.filter(
            round__concern=concern, round__number=current.number, voter=member
        ).exists()
    )
    is_about_me = concern.about_id == member.pk
    answering = concern.status == Concern.Status.ANSWERING
    about = concern.about
    return ConcernView(
        concern=concern,
        about_name=about.display_name if about else _("A former member"),
        raiser_name=_raiser_name(member, concern),
        raised_by_proposal_id=concern.raised_by_proposal_id,
        is_about_me=is_about_me,
        raised_by_me=concern.raised_by_id == member.pk,
        rounds=rounds,
        current_round=current,
        voted_in_current_round=voted,
        can_answer=is_about_me and answering and concern.answered_at is None,
        can_open_vote=answering
        and (is_about_me or can(member, "network.moderate", concern.network)),
        can_vote=current is not None
        and current.deadline > now
        and not voted
        and not is_about_me
        and can(member, "proposal.vote", concern.network),
        steps=concern_steps_visible(member, concern),
    )


def _raiser_name(member: Member, concern: Concern) -> str:
    if concern.raised_by_proposal_id is not None:
        return _("the network's decision")
    if not _shows_raiser(member, concern):
        return ""
    if concern.raised_by is None:
        return _("A former member")
    return concern.raised_by.display_name
