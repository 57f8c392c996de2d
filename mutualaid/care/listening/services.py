"""Every write about listening. Each checks who may do it first, inside one transaction.

Taking a request is settled by a conditional update (state open, no listener yet), so of two
listeners taking it at once exactly one wins. The weekly cap is counted after locking the
listener's settings row (SQLite's IMMEDIATE transactions already run writers one at a time;
on PostgreSQL the row lock does), so one listener's two takes at once never pass it together.
Nothing here writes to the network-wide history: who asked for a listener is nobody's business.
"""

import hashlib
import hmac
from datetime import datetime, timedelta
from typing import Final

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mutualaid.care import services as care_services
from mutualaid.care.listening.models import (
    CAP_MAX,
    CAP_MIN,
    DebriefCircle,
    ListenerSettings,
    ListenMessage,
    ListenNote,
    ListenRequest,
)
from mutualaid.care.listening.selectors import (
    Conversation,
    access_conversation,
    asked_by,
    debrief_circle_of,
    is_listener,
    may_set_notes_consent,
    may_take_from_queue,
)
from mutualaid.care.models import Circle, CircleMembership
from mutualaid.care.pseudonyms import ADJECTIVES, ANIMALS
from mutualaid.channels.services import notice_send
from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mutualaid.core.languages import LANGUAGE_CODES
from mutualaid.core.validation import clean_int, clean_languages, clean_text
from mutualaid.networks.models import Member
from mutualaid.networks.permissions import require

State = ListenRequest.State
Side = ListenMessage.Side
WEEK: Final = timedelta(days=7)
MESSAGE_MAX: Final = 4000
NOTE_MAX: Final = 2000
ABOUT_MAX: Final = 500
TIME_MAX: Final = 120
OPEN_REQUESTS_MAX: Final = 3

DEBRIEF_AGREEMENT: Final = gettext_lazy(
    "This circle is for listeners to debrief after conversations.\n"
    "We never name or describe anyone we listened to in a way that could identify them.\n"
    "What is shared here stays here.\n"
    "If a conversation left you worried for someone's safety, follow the network's "
    "safeguarding steps and the crisis lines; this circle is not a substitute for them."
)


class CapReached(Conflict):
    code = "weekly_cap_reached"
    default_message = gettext_lazy(
        "You have reached your cap of conversations for this week. Take care of yourself; "
        "you can raise the cap in your listener settings."
    )


class TakenAlready(Conflict):
    code = "already_taken"
    default_message = gettext_lazy("Another listener took this request first, or it was withdrawn.")


def listen_pseudonym(*, request_id: int, member_id: int) -> str:
    """A name for the person who asked, for this one request: an HMAC of (request, member)
    under settings.PSEUDONYM_KEY, in its own space ("listen:"), so it cannot be worked out
    from the member's circle names (with 1,600 names, it matches one only by chance, as it
    may match anyone else's)."""
    key = str(settings.PSEUDONYM_KEY).encode()
    digest = hmac.new(key, f"listen:{request_id}:{member_id}".encode(), hashlib.sha256).digest()
    return f"{ADJECTIVES[digest[0] % len(ADJECTIVES)]} {ANIMALS[digest[1] % len(ANIMALS)]}"


def _conversation(actor: Member, request: ListenRequest) -> Conversation:
    """The actor's side of the request, checked again now: a listener who lost the role, or
    anyone else, gets NotFound."""
    return access_conversation(actor, request.pk)


# --- Asking ---------------------------------------------------------------------------------


@transaction.atomic
def listen_request_create(
    *,
    actor: Member,
    language: str,
    preferred_time: str,
    about: str = "",
    pseudonymous: bool = True,
    retention_days: int = ListenRequest.Retention.MONTH,
) -> ListenRequest:
    """Ask for a conversation with a trained listener. Listeners are told that a request is
    waiting, with nothing about it or who asked. An unanswered request is deleted after its
    retention."""
    require(actor, "network.view_members", actor.network)
    if language not in LANGUAGE_CODES:
        message = _("Choose a language from the list.")
        raise InvalidInput(message, fields={"language": [message]})
    if retention_days not in ListenRequest.Retention.values:
        message = _("Choose how long messages are kept.")
        raise InvalidInput(message, fields={"retention_days": [message]})
    # Each request emails every available listener: a few waiting at once is the most one
    # person needs. The member's row is locked so two requests at once count each other.
    Member.objects.select_for_update().filter(pk=actor.pk).values_list("pk").first()
    waiting = ListenRequest.objects.filter(requester=actor, state=State.OPEN).count()
    if waiting >= OPEN_REQUESTS_MAX:
        raise Conflict(
            _("You already have %(n)s requests waiting for a listener. Withdraw one first.")
            % {"n": waiting}
        )
    now = timezone.now()
    request = ListenRequest.objects.create(
        network=actor.network,
        requester=actor,
        pseudonymous=bool(pseudonymous),
        pseudonym="",
        language=language,
        preferred_time=clean_text(preferred_time, field="preferred_time", max_length=TIME_MAX),
        about=clean_text(about, field="about", max_length=ABOUT_MAX, required=False),
        retention_days=retention_days,
        delete_after=now + timedelta(days=retention_days),
    )
    request.pseudonym = listen_pseudonym(request_id=request.pk, member_id=actor.pk)
    ListenRequest.objects.filter(pk=request.pk).update(pseudonym=request.pseudonym)
    notice_send("listening.requested", request.pk)
    return request


@transaction.atomic
def listen_request_withdraw(*, actor: Member, request: ListenRequest) -> ListenRequest:
    """The requester takes back a request nobody has taken yet."""
    if not asked_by(actor, request):
        raise NotFound()
    now = timezone.now()
    updated = ListenRequest.objects.filter(pk=request.pk, state=State.OPEN).update(
        state=State.WITHDRAWN,
        closed_at=now,
        delete_after=now + timedelta(days=request.retention_days),
    )
    if not updated:
        raise Conflict(_("A listener has already taken this request; you can close it instead."))
    request.refresh_from_db()
    return request


# --- Taking ---------------------------------------------------------------------------------


def _settings_locked(actor: Member) -> ListenerSettings:
    ListenerSettings.objects.get_or_create(
        member=actor, defaults={"languages": list(actor.languages or [])}
    )
    return ListenerSettings.objects.select_for_update().get(member=actor)


@transaction.atomic
def listen_request_take(*, actor: Member, request: ListenRequest) -> ListenRequest:
    """A current listener takes an open request, within their weekly cap (conversations
    taken in the last seven days). Exactly one of two listeners taking it at once wins; the
    other reads that someone was first."""
    require(actor, "care.listen", actor.network)
    if not may_take_from_queue(actor, request):
        raise NotFound()
    own = _settings_locked(actor)
    now = timezone.now()
    taken_this_week = ListenRequest.objects.filter(listener=actor, taken_at__gt=now - WEEK)
    if taken_this_week.count() >= own.weekly_cap:
        raise CapReached()
    updated = ListenRequest.objects.filter(
        pk=request.pk, state=State.OPEN, listener__isnull=True
    ).update(state=State.TAKEN, listener=actor, taken_at=now, delete_after=None)
    if not updated:
        raise TakenAlready()
    notice_send("listening.taken", request.pk, side=Side.REQUESTER.value)
    return ListenRequest.objects.select_related("listener").get(pk=request.pk)


@transaction.atomic
def listen_request_close(*, actor: Member, request: ListenRequest) -> ListenRequest:
    """Either of the two ends the conversation. The thread stays readable to both until its
    messages expire; the request goes once its retention has passed."""
    conversation = _conversation(actor, request)
    now = timezone.now()
    updated = ListenRequest.objects.filter(pk=request.pk, state=State.TAKEN).update(
        state=State.CLOSED,
        closed_at=now,
        delete_after=now + timedelta(days=request.retention_days),
    )
    if not updated:
        raise Conflict(_("This conversation is not open."))
    other = Side.LISTENER if conversation.is_requester else Side.REQUESTER
    notice_send("listening.closed", request.pk, side=other.value)
    request.refresh_from_db()
    return request


# --- The thread -----------------------------------------------------------------------------


def _write(conversation: Conversation, *, body: str, kind: str) -> ListenMessage:
    request = conversation.request
    if request.state != State.TAKEN:
        raise Conflict(_("This conversation is not open: messages can no longer be written."))
    message = ListenMessage.objects.create(
        request=request,
        side=conversation.side,
        kind=kind,
        body=body,
        expires_at=timezone.now() + timedelta(days=request.retention_days),
    )
    other = Side.LISTENER if conversation.is_requester else Side.REQUESTER
    notice_send("listening.message", request.pk, side=other.value)
    return message


@transaction.atomic
def listen_message_create(*, actor: Member, request: ListenRequest, body: str) -> ListenMessage:
    """Write in a taken conversation one is part of. The other side is told that there is a
    new message, never what it says."""
    conversation = _conversation(actor, request)
    return _write(
        conversation,
        body=clean_text(body, field="body", max_length=MESSAGE_MAX),
        kind=ListenMessage.Kind.TEXT,
    )


@transaction.atomic
def listen_email_share(*, actor: Member, request: ListenRequest) -> ListenMessage:
    """By the actor's explicit choice, show the other side the actor's email address, as a
    message in the thread. Nothing else ever reveals contact details."""
    conversation = _conversation(actor, request)
    email = (actor.user.email or "").strip()
    if not email:
        raise InvalidInput(_("Your account has no email address to share."))
    return _write(conversation, body=email, kind=ListenMessage.Kind.CONTACT)


# --- Notes and consent ----------------------------------------------------------------------


@transaction.atomic
def listen_consent_set(*, actor: Member, request: ListenRequest, consent: bool) -> ListenRequest:
    """The requester lets the listener keep notes, or takes it back: taking it back deletes
    every note on the request for real."""
    conversation = _conversation(actor, request)
    if not may_set_notes_consent(actor, conversation.request):
        raise PermissionDenied(_("Only the person who asked can decide about notes."))
    ListenRequest.objects.filter(pk=request.pk).update(notes_consent=bool(consent))
    if not consent:
        ListenNote.objects.filter(request=request).delete()
    request.refresh_from_db()
    return request


@transaction.atomic
def listen_note_create(*, actor: Member, request: ListenRequest, body: str) -> ListenNote:
    """The listener keeps a short note, only with the requester's consent; the requester
    reads every note."""
    conversation = _conversation(actor, request)
    if not conversation.is_listener:
        raise PermissionDenied(_("Only the listener keeps notes."))
    body = clean_text(body, field="body", max_length=NOTE_MAX)
    # A conditional update, not a read: it locks the request row, so a consent being taken
    # back at this moment either waits for this note (and deletes it) or is seen here.
    consented = ListenRequest.objects.filter(
        pk=request.pk, notes_consent=True, state__in=[State.TAKEN, State.CLOSED]
    ).update(notes_consent=True)
    if not consented:
        raise PermissionDenied(_("Notes need the consent of the person who asked."))
    return ListenNote.objects.create(
        request=request,
        body=body,
        expires_at=timezone.now() + timedelta(days=request.retention_days),
    )


# --- Listener settings ----------------------------------------------------------------------


@transaction.atomic
def listener_settings_update(
    *, actor: Member, weekly_cap: int, languages: list[str], available: bool
) -> ListenerSettings:
    """A listener sets their own weekly cap (1 to 20), the languages they listen in (none
    means all) and whether they are told about new requests."""
    require(actor, "care.listen", actor.network)
    values = {
        "weekly_cap": clean_int(weekly_cap, field="weekly_cap", low=CAP_MIN, high=CAP_MAX),
        "languages": clean_languages(languages),
        "available": bool(available),
    }
    own, _created = ListenerSettings.objects.update_or_create(member=actor, defaults=values)
    return own


# --- The listeners' debrief circle ----------------------------------------------------------


def _debrief_create(actor: Member) -> Circle | None:
    """Start the network's debrief circle with the actor as its first facilitator; None when
    another listener started it at the same moment."""
    try:
        with transaction.atomic():
            circle = care_services.circle_create(
                actor=actor,
                name=_("Listeners' debrief"),
                description=_("For trained listeners to debrief after conversations."),
                agreement=str(DEBRIEF_AGREEMENT),
                retention_days=Circle.Retention.MONTH,
            )
            DebriefCircle.objects.create(network=actor.network, circle=circle)
    except IntegrityError:
        return None
    return circle


@transaction.atomic
def debrief_join(*, actor: Member) -> Circle:
    """A current listener joins the network's debrief circle directly (starting it if there
    is none yet). Like any circle, they accept its agreement before posting. A place that a
    facilitator paused stays paused, and one a facilitator removed stays removed."""
    require(actor, "care.listen", actor.network)
    circle = debrief_circle_of(network=actor.network)
    if circle is None:
        circle = _debrief_create(actor)
        if circle is not None:
            return circle
        circle = debrief_circle_of(network=actor.network)
        if circle is None:
            raise Conflict()
    membership = CircleMembership.objects.filter(circle=circle, member=actor).first()
    if membership is None:
        care_services.membership_admit(circle=circle, member=actor)
    elif membership.state == CircleMembership.State.PAUSED:
        raise Conflict(_("A facilitator has paused your place in the debrief circle."))
    elif membership.removed_by_facilitator:
        raise Conflict(_("A facilitator removed you from the debrief circle."))
    elif membership.state != CircleMembership.State.ACTIVE:
        # Left by themselves, or tidied away while they were not a listener: back in.
        CircleMembership.objects.filter(pk=membership.pk, removed_by_facilitator=False).update(
            state=CircleMembership.State.ACTIVE, updated_at=timezone.now()
        )
    return circle


def debrief_prune(*, network_id: int | None = None) -> int:
    """Members of a debrief circle who no longer hold `care.listen` leave it (as if they had
    left themselves). Access already ends at once through care's `circle_opens_to`; this
    tidies the roster. Returns how many left."""
    memberships = (
        CircleMembership.objects.filter(circle__debrief__isnull=False)
        .exclude(state=CircleMembership.State.REMOVED)
        .select_related("member__network", "circle")
    )
    if network_id is not None:
        memberships = memberships.filter(circle__network_id=network_id)
    left = 0
    for membership in memberships:
        if is_listener(membership.member):
            continue
        try:
            care_services.membership_remove(actor=membership.member, membership=membership)
        except Conflict:
            continue
        left += 1
    return left


# --- Retention ------------------------------------------------------------------------------


def _close_quiet_conversations(now: datetime) -> int:
    """A conversation nobody wrote in for its whole retention period is over: it closes as if
    one of the two had closed it, and goes a retention period later with "what it's about"
    (otherwise a taken request nobody closed would stay for ever)."""
    closed = 0
    for days in ListenRequest.Retention.values:
        cutoff = now - timedelta(days=days)
        recent = ListenMessage.objects.filter(request=OuterRef("pk"), created_at__gt=cutoff)
        closed += (
            ListenRequest.objects.filter(
                state=State.TAKEN, retention_days=days, taken_at__lte=cutoff
            )
            .exclude(Exists(recent))
            .update(state=State.CLOSED, closed_at=now, delete_after=now + timedelta(days=days))
        )
    return closed


def listening_expire_sweep(*, now: datetime | None = None) -> int:
    """Delete, for real, messages and notes past their retention and requests whose time is
    up (closed, withdrawn, or never taken). Returns how many rows were deleted."""
    now = now or timezone.now()
    with transaction.atomic():
        _close_quiet_conversations(now)
        messages, _m = ListenMessage.objects.filter(expires_at__lte=now).delete()
        notes, _n = ListenNote.objects.filter(expires_at__lte=now).delete()
        requests, _r = ListenRequest.objects.filter(delete_after__lte=now).delete()
    return messages + notes + requests
