"""Every write about needs, offers and matches.

Each match step is one function. Which step is legal from which state, and for which side,
is read from MATCH_TRANSITIONS in models.py; races are settled by conditional updates and
the unique constraints on Match, so the outcome is the same on SQLite and PostgreSQL.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, models, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.channels.services import notice_send
from mutualaid.core.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from mutualaid.core.history import history_record
from mutualaid.core.validation import (
    clean_cell,
    clean_choices,
    clean_int,
    clean_languages,
    clean_text,
)
from mutualaid.needs.models import (
    MATCH_TRANSITIONS,
    NEED_TRANSITIONS,
    OFFERED_LIVE_STATES,
    Block,
    Match,
    Need,
    Offer,
)
from mutualaid.needs.selectors import (
    blocked_between,
    is_offer_helper,
    is_requester,
    match_side,
    may_block_other_side,
    may_manage_need,
    offer_may_change,
    offer_was_declined,
    step_is_for,
    step_is_possible,
)
from mutualaid.networks.models import AVAILABILITY_SLOTS, Category, Member
from mutualaid.networks.permissions import require
from mutualaid.relay.services import relay_close, relay_open

# How far ahead a need's window may reach, and how long "yes, still needed" extends it.
MAX_WINDOW = timedelta(days=90)
STILL_NEEDED_EXTENSION = timedelta(days=7)


def _check_category(actor: Member, category: Category | None) -> None:
    if category is not None and (category.network_id != actor.network_id or not category.is_active):
        raise InvalidInput(
            _("Choose a category from this network's list."), fields={"category": []}
        )


@transaction.atomic
def need_create(
    *,
    actor: Member,
    category: Category,
    description: str,
    urgency: str,
    window_start: datetime,
    window_end: datetime,
    cell: str,
    languages: Iterable[str] = (),
    address: str = "",
    phone: str = "",
    for_someone_else: bool = False,
) -> Need:
    """Post a need. The address and phone are stored encrypted and shown to nobody but the
    helper the requester accepts, while that match is open."""
    require(actor, "need.post", actor.network)
    _check_category(actor, category)
    if urgency not in Need.Urgency.values:
        raise InvalidInput(_("Choose how urgent this is."), fields={"urgency": []})
    if window_start.tzinfo is None or window_end.tzinfo is None:
        raise InvalidInput(_("Give the time window with a time zone."))
    if window_end <= window_start:
        message = _("The end of the time window must come after its start.")
        raise InvalidInput(message, fields={"window_end": [message]})
    now = timezone.now()
    if window_end <= now:
        message = _("The time window has already passed.")
        raise InvalidInput(message, fields={"window_end": [message]})
    if window_end - now > MAX_WINDOW:
        message = _("Choose a time window within the next 90 days.")
        raise InvalidInput(message, fields={"window_end": [message]})
    need = Need.objects.create(
        network=actor.network,
        requester=actor,
        category=category,
        description=clean_text(description, field="description", max_length=500),
        urgency=urgency,
        window_start=window_start,
        window_end=window_end,
        cell=clean_cell(cell),
        languages=clean_languages(languages),
        address=clean_text(address, field="address", max_length=500, required=False) or None,
        phone=clean_text(phone, field="phone", max_length=40, required=False) or None,
        for_someone_else=for_someone_else,
    )
    history_record(actor=actor, action="need.create", target=need, category=category.slug)
    return need


# Once a need is over, nobody may see its address or phone again, so they are not kept.
FINISHED_NEED_STATUSES = frozenset({Need.Status.DONE, Need.Status.CLOSED, Need.Status.EXPIRED})


def _need_move(need: Need, action: str, **changes: object) -> bool:
    """Move a need along NEED_TRANSITIONS if it is still in a start state. False if not.
    A need that ends loses its exact address and phone in the same update."""
    from_states, to_state = NEED_TRANSITIONS[action]
    if to_state in FINISHED_NEED_STATUSES:
        changes = {"address": None, "phone": None, **changes}
    moved = Need.objects.filter(pk=need.pk, status__in=from_states).update(
        status=to_state, updated_at=timezone.now(), **changes
    )
    return bool(moved)


@transaction.atomic
def need_close(*, actor: Member, need: Need) -> Need:
    """The requester (or a moderator) closes a need that is no longer wanted. Any live match
    on it is cancelled and its helper told."""
    if not may_manage_need(actor, need):
        raise PermissionDenied()
    if not _need_move(need, "close"):
        raise IllegalTransition(_("This need is already finished."))
    _cancel_live_matches(need, actor=actor)
    history_record(actor=actor, action="need.close", target=need)
    need.refresh_from_db()
    return need


def _withdraw_suggestions(matches: "models.QuerySet[Match]", *, actor: Member | None) -> None:
    """Quietly end suggestions nobody may act on any more (the need was met or ended, or a
    block stands between the two). The helper sees it on their card; no email."""
    from_states, to_state, _sides = MATCH_TRANSITIONS["withdraw"]
    for match in matches.filter(state__in=from_states).select_related("need__network"):
        if Match.objects.filter(pk=match.pk, state__in=from_states).update(
            state=to_state, updated_at=timezone.now()
        ):
            history_record(
                actor=actor, network=match.need.network, action="matching.withdraw", target=match
            )


def _cancel_live_matches(need: Need, *, actor: Member | None) -> None:
    """Cancel, on the requester's side, every live match on a need that has just finished."""
    _withdraw_suggestions(need.matches.all(), actor=actor)
    for match in need.matches.filter(state__in=MATCH_TRANSITIONS["cancel"][0]):
        if Match.objects.filter(pk=match.pk, state=match.state).update(
            state=Match.State.CANCELLED,
            cancelled_by=Match.Side.REQUESTER,
            updated_at=timezone.now(),
        ):
            relay_close(match_id=match.pk)
            history_record(actor=actor, network=need.network, action="match.cancel", target=match)
            notice_send("match.cancelled", match.pk)


@transaction.atomic
def need_answer_still_needed(*, actor: Member, need: Need, still_needed: bool) -> Need:
    """The requester answers "still need help?": yes extends the window a week, no closes."""
    if not is_requester(actor, need):
        raise PermissionDenied()
    if not still_needed:
        return need_close(actor=actor, need=need)
    new_end = max(need.window_end, timezone.now()) + STILL_NEEDED_EXTENSION
    updated = Need.objects.filter(pk=need.pk, status=Need.Status.OPEN).update(
        window_end=new_end, still_needed_asked_at=None, updated_at=timezone.now()
    )
    if not updated:
        raise IllegalTransition(_("This need is no longer open."))
    history_record(actor=actor, action="need.still_needed", target=need)
    need.refresh_from_db()
    return need


@transaction.atomic
def needs_expire_sweep(*, now: datetime | None = None) -> dict[str, int]:
    """Ask "still need help?" of open needs past their window; expire those left unanswered
    for the grace period. Run by the worker every few minutes; safe to run twice."""
    now = now or timezone.now()
    grace = timedelta(hours=settings.MUTUALAID["STILL_NEEDED_GRACE_HOURS"])
    to_ask = list(
        Need.objects.filter(
            status=Need.Status.OPEN, window_end__lte=now, still_needed_asked_at__isnull=True
        ).values_list("pk", flat=True)
    )
    asked = 0
    for need_id in to_ask:
        if Need.objects.filter(
            pk=need_id, status=Need.Status.OPEN, still_needed_asked_at__isnull=True
        ).update(still_needed_asked_at=now):
            asked += 1
            notice_send("need.still_needed", need_id)
    expired = 0
    for need in Need.objects.filter(
        status=Need.Status.OPEN, still_needed_asked_at__lte=now - grace
    ).select_related("network"):
        if _need_move(need, "expire"):
            expired += 1
            history_record(actor=None, network=need.network, action="need.expire", target=need)
            _cancel_live_matches(need, actor=None)
    return {"asked": asked, "expired": expired}


@transaction.atomic
def offer_create(
    *,
    actor: Member,
    kind: str,
    title: str,
    category: Category | None = None,
    description: str = "",
    capacity: int = 1,
    availability: Iterable[str] = (),
    radius_km: int = 3,
    cell: str = "",
) -> Offer:
    """Post what a member can give: a skill, time, an item or a space."""
    require(actor, "offer.post", actor.network)
    _check_category(actor, category)
    if kind not in Offer.Kind.values:
        raise InvalidInput(_("Choose what kind of offer this is."), fields={"kind": []})
    offer = Offer.objects.create(
        network=actor.network,
        helper=actor,
        kind=kind,
        category=category,
        title=clean_text(title, field="title", max_length=120),
        description=clean_text(description, field="description", max_length=1000, required=False),
        capacity=clean_int(capacity, field="capacity", low=1, high=100),
        availability=clean_choices(availability, allowed=AVAILABILITY_SLOTS, field="availability"),
        radius_km=clean_int(radius_km, field="radius_km", low=0, high=200),
        cell=clean_cell(cell or actor.cell),
    )
    history_record(actor=actor, action="offer.create", target=offer)
    return offer


@transaction.atomic
def offer_set_status(*, actor: Member, offer: Offer, status: str) -> Offer:
    """Pause, resume or withdraw one's own offer."""
    if not is_offer_helper(actor, offer):
        raise PermissionDenied()
    if status not in Offer.Status.values:
        raise InvalidInput(_("Choose active, paused or withdrawn."))
    if not offer_may_change(offer):
        raise IllegalTransition(_("This offer was withdrawn."))
    Offer.objects.filter(pk=offer.pk).update(status=status, updated_at=timezone.now())
    history_record(actor=actor, action="offer.set_status", target=offer, status=status)
    offer.refresh_from_db()
    return offer


@transaction.atomic
def match_propose(
    *, actor: Member, need: Need, offer: Offer | None = None, message: str = ""
) -> Match:
    """A member offers to help with a need. The requester then accepts or declines."""
    require(actor, "match.offer_help", need.network)
    if is_requester(actor, need):
        raise InvalidInput(_("You cannot offer to help with your own need."))
    if need.status != Need.Status.OPEN:
        raise _need_not_open(need.status)
    if offer is not None and (offer.helper_id != actor.pk or offer.status != Offer.Status.ACTIVE):
        raise InvalidInput(_("Choose one of your own active offers."), fields={"offer": []})
    if offer_was_declined(actor, need):
        raise Conflict(_("The requester has already answered your offer for this need."))
    if blocked_between(actor.pk, need.requester_id):
        raise _blocked_error()
    message = clean_text(message, field="message", max_length=500, required=False)
    suggestion = need.matches.filter(helper=actor, state=Match.State.SUGGESTED).first()
    if suggestion is not None:
        # They were asked already: offering to help is saying yes to that.
        return match_agree(actor=actor, match=suggestion, message=message, offer=offer)
    try:
        with transaction.atomic():
            match = Match.objects.create(
                need=need,
                helper=actor,
                offer=offer,
                message=message,
                offered_at=timezone.now(),
            )
    except IntegrityError:
        raise Conflict(_("You have already offered to help with this need.")) from None
    history_record(actor=actor, action="match.propose", target=match, need=need.pk)
    notice_send("match.offered", match.pk)
    return match


def _blocked_error() -> Conflict:
    # The same words whichever of the two blocked the other, so nobody learns who did.
    return Conflict(_("You and the person asking cannot be matched with each other."))


def _need_not_open(status: str) -> Conflict:
    if status == Need.Status.MATCHED:
        return Conflict(_("Someone else is already helping with this need."))
    return Conflict(_("This need is no longer open."))


def _check_step(actor: Member, match: Match, action: str) -> str:
    """Permission and legality of one step, from the transition table. Returns the actor's side."""
    side = match_side(actor, match)
    if side is None or not step_is_for(side, action):
        raise PermissionDenied()
    if not step_is_possible(match, action):
        raise IllegalTransition(
            _("This cannot be done now: the match is %(state)s.")
            % {"state": Match.State(match.state).label}
        )
    return side


def _match_move(match: Match, action: str, **changes: object) -> None:
    from_states, to_state, _sides = MATCH_TRANSITIONS[action]
    moved = Match.objects.filter(pk=match.pk, state__in=from_states).update(
        state=to_state, updated_at=timezone.now(), **changes
    )
    if not moved:
        raise Conflict(_("Someone else changed this match first. Please reload."))


@transaction.atomic
def match_accept(*, actor: Member, match: Match) -> Match:
    """The requester accepts a helper. Only one helper can be accepted per need: the first
    acceptance to commit wins, and later ones are refused with a clear message."""
    _check_step(actor, match, "accept")
    # Accepting a helper answers any "still need help?" question; ask afresh if it reopens.
    if not _need_move(match.need, "match", still_needed_asked_at=None):
        raise _need_not_open(Need.objects.values_list("status", flat=True).get(pk=match.need_id))
    try:
        with transaction.atomic():
            _match_move(match, "accept", accepted_at=timezone.now())
    except IntegrityError:
        raise Conflict(_("Someone else is already helping with this need.")) from None
    _withdraw_suggestions(match.need.matches.all(), actor=None)
    relay_open(match=match)  # the two of them can write to each other from now on
    history_record(actor=actor, action="match.accept", target=match)
    notice_send("match.accepted", match.pk)
    match.refresh_from_db()
    return match


@transaction.atomic
def match_decline(*, actor: Member, match: Match) -> Match:
    """The requester declines an offer of help. Only the two of them ever see it."""
    _check_step(actor, match, "decline")
    _match_move(match, "decline")
    history_record(actor=actor, action="match.decline", target=match)
    match.refresh_from_db()
    return match


@transaction.atomic
def match_start(*, actor: Member, match: Match) -> Match:
    _check_step(actor, match, "start")
    _match_move(match, "start")
    history_record(actor=actor, action="match.start", target=match)
    match.refresh_from_db()
    return match


@transaction.atomic
def match_confirm_done(*, actor: Member, match: Match) -> Match:
    """One side confirms the help happened. The match is done when both have confirmed."""
    side = _check_step(actor, match, "confirm_done")
    flag = f"{side}_confirmed_done"
    marked = Match.objects.filter(pk=match.pk, state=Match.State.IN_PROGRESS, **{flag: False})
    if not marked.update(**{flag: True, "updated_at": timezone.now()}):
        match.refresh_from_db()
        _check_step(actor, match, "confirm_done")  # raises if the match has moved on
        raise Conflict(_("You have already confirmed that this is done."))
    history_record(actor=actor, action="match.confirm_done", target=match, side=side)
    now = timezone.now()
    finished = Match.objects.filter(
        pk=match.pk,
        state=Match.State.IN_PROGRESS,
        requester_confirmed_done=True,
        helper_confirmed_done=True,
    ).update(state=Match.State.DONE, done_at=now, updated_at=now)
    if finished:
        _need_move(match.need, "complete")
        relay_close(match_id=match.pk, now=now)
        # Offers still waiting on a need that is now met are quietly not taken up.
        Match.objects.filter(need=match.need, state=Match.State.PROPOSED).update(
            state=Match.State.DECLINED, updated_at=now
        )
        history_record(actor=actor, action="match.done", target=match)
        notice_send("match.done", match.pk)
    match.refresh_from_db()
    return match


@transaction.atomic
def match_release(*, actor: Member, match: Match, reason: str) -> Match:
    """The helper steps back, saying why. The need opens again for others."""
    _check_step(actor, match, "release")
    reason = clean_text(reason, field="reason", max_length=500)
    _match_move(match, "release", release_reason=reason)
    _need_move(match.need, "reopen")
    relay_close(match_id=match.pk)
    history_record(actor=actor, action="match.release", target=match)
    notice_send("match.released", match.pk)
    match.refresh_from_db()
    return match


@transaction.atomic
def match_cancel(*, actor: Member, match: Match, reason: str = "") -> Match:
    """Either side calls the match off. An accepted need opens again."""
    side = _check_step(actor, match, "cancel")
    reason = clean_text(reason, field="reason", max_length=500, required=False)
    was_open = match.state in MATCH_TRANSITIONS["release"][0]
    _match_move(match, "cancel", cancelled_by=side, cancel_reason=reason)
    if was_open:
        _need_move(match.need, "reopen")
    relay_close(match_id=match.pk)
    history_record(actor=actor, action="match.cancel", target=match, side=side)
    notice_send("match.cancelled", match.pk)
    match.refresh_from_db()
    return match


# --- Suggestions: the helper's yes or no, and the sweep ------------------------------------


@transaction.atomic
def match_agree(
    *, actor: Member, match: Match, message: str = "", offer: Offer | None = None
) -> Match:
    """The helper says yes to a suggestion. The requester is then offered the help, exactly as
    if the helper had offered it, and accepts or declines as usual."""
    _check_step(actor, match, "agree")
    need = Need.objects.defer("address", "phone").get(pk=match.need_id)
    if need.status != Need.Status.OPEN:
        raise _need_not_open(need.status)
    if blocked_between(actor.pk, need.requester_id):
        raise _blocked_error()
    if offer is not None and (offer.helper_id != actor.pk or offer.status != Offer.Status.ACTIVE):
        raise InvalidInput(_("Choose one of your own active offers."), fields={"offer": []})
    changes: dict[str, object] = {"offered_at": timezone.now()}
    if message:
        changes["message"] = clean_text(message, field="message", max_length=500)
    if offer is not None:
        changes["offer"] = offer
    _match_move(match, "agree", **changes)
    history_record(actor=actor, action="match.agree", target=match, origin=match.origin)
    notice_send("match.offered", match.pk)
    match.refresh_from_db()
    return match


@transaction.atomic
def match_pass(*, actor: Member, match: Match) -> Match:
    """The helper says "not this time". The requester never hears of it, and matching never
    suggests this need to this helper again."""
    _check_step(actor, match, "pass")
    _match_move(match, "pass")
    # Under "matching.", which the network's history page does not show: nobody learns of a no.
    history_record(actor=actor, action="matching.pass", target=match)
    match.refresh_from_db()
    return match


@transaction.atomic
def match_suggestions_lapse(*, now: datetime | None = None) -> int:
    """Suggestions left unanswered past their time lapse. Run by the worker; safe to repeat."""
    now = now or timezone.now()
    from_states, to_state, _sides = MATCH_TRANSITIONS["lapse"]
    lapsed = 0
    due = Match.objects.filter(state__in=from_states, expires_at__lte=now).select_related(
        "need__network"
    )
    for match in due:
        if Match.objects.filter(pk=match.pk, state__in=from_states).update(
            state=to_state, updated_at=now
        ):
            lapsed += 1
            history_record(
                actor=None, network=match.need.network, action="matching.lapse", target=match
            )
    return lapsed


# --- Blocks ---------------------------------------------------------------------------------


@transaction.atomic
def match_block(*, actor: Member, match: Match) -> Block:
    """Block the other side of a match, from its card. A helper who was only suggested does
    not know who asked, and cannot block them (NotFound, as for a match they cannot see)."""
    if not may_block_other_side(actor, match):
        raise NotFound()
    other = match.need.requester if match.helper_id == actor.pk else match.helper
    if other is None:
        raise NotFound()
    return block_create(actor=actor, member=other)


@transaction.atomic
def block_create(*, actor: Member, member: Member) -> Block:
    """The actor will never be matched with `member`, either way round. Live matches between
    the two end now; the other person is told only that a match was cancelled. Blocking twice
    is the same as blocking once."""
    if member.network_id != actor.network_id:
        raise NotFound()
    if member.pk == actor.pk:
        raise InvalidInput(_("You cannot block yourself."))
    block, created = Block.objects.get_or_create(
        blocker=actor, blocked=member, defaults={"network_id": actor.network_id}
    )
    if not created:
        return block
    between = Match.objects.filter(
        models.Q(helper=actor, need__requester=member)
        | models.Q(helper=member, need__requester=actor)
    )
    _withdraw_suggestions(between, actor=None)
    for match in between.filter(state__in=OFFERED_LIVE_STATES).select_related("need"):
        side = Match.Side.HELPER if match.helper_id == actor.pk else Match.Side.REQUESTER
        if Match.objects.filter(pk=match.pk, state=match.state).update(
            state=Match.State.CANCELLED, cancelled_by=side, updated_at=timezone.now()
        ):
            if match.state in MATCH_TRANSITIONS["release"][0]:
                _need_move(match.need, "reopen")
            relay_close(match_id=match.pk)
            history_record(actor=actor, action="match.cancel", target=match, side=side)
            notice_send("match.cancelled", match.pk)
    # Not the blocked person's id: the history log is visible to the network.
    history_record(actor=actor, action="block.create")
    return block


@transaction.atomic
def block_remove(*, actor: Member, block: Block) -> None:
    """Lift one's own block. Nothing that ended because of it comes back."""
    if block.blocker_id != actor.pk:
        raise NotFound()
    Block.objects.filter(pk=block.pk).delete()
    history_record(actor=actor, action="block.remove")
