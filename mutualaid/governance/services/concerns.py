"""Fair conflict resolution: the writes of the concern process, once a concern has started.

How one starts is in `concern_start`; what members may read is in `governance.selectors`.
No other services module of governance imports this one (its removal of a member reaches
beyond governance).

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

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.channels.services import notice_send
from mutualaid.core.errors import (
    Conflict,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from mutualaid.core.history import history_record
from mutualaid.core.validation import clean_text
from mutualaid.governance import voting
from mutualaid.governance.models import (
    Concern,
    ConcernRound,
    ConcernVote,
)
from mutualaid.governance.selectors import (
    CONCERN_OPTIONS,
    concern_current_round,
    conflict_policy,
    is_concern_about,
    may_open_concern_votes,
    may_vote_on_concerns,
)
from mutualaid.membership.services import LeaveCause, member_leave
from mutualaid.networks.models import Member


@transaction.atomic
def concern_answer(*, actor: Member, concern: Concern, text: str) -> Concern:
    """The affected member answers, once, while the concern waits for an answer; the vote then
    opens at once."""
    if actor.network_id != concern.network_id:
        raise NotFound()
    if not is_concern_about(actor, concern):
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
        if not may_open_concern_votes(actor, concern):
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


@transaction.atomic
def concern_vote(*, actor: Member | None, concern: Concern, choice: str) -> ConcernVote:
    """Cast the actor's one ballot in the concern's current round, before its deadline."""
    if actor is None or actor.network_id != concern.network_id:
        raise NotFound()
    if actor.pk == concern.about_id:
        raise PermissionDenied(_("You cannot vote on a concern about yourself."))
    if not may_vote_on_concerns(actor, concern):
        raise PermissionDenied()
    if choice not in CONCERN_OPTIONS:
        raise InvalidInput(
            _("Choose one of: %(choices)s.") % {"choices": ", ".join(CONCERN_OPTIONS)}
        )
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
    return voting.count_score(ballots, options=list(CONCERN_OPTIONS), max_score=1)


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
    told: dict[str, object] = {}
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
            # After removal the concern no longer points at them: say who to tell.
            told = {"removed_user": member.user_id, "languages": list(member.languages or [])}
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
    notice_send("concern.decided", concern.pk, **told)
    return concern


def member_remove(*, member: Member, reason: str) -> None:
    """Remove a membership of one network by the network's decision: the member leaves as
    `membership.services.member_leave` says, for every app. A member who is already gone
    raises NotFound."""
    member_leave(member=member, cause=LeaveCause.REMOVED, reason=reason)


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
