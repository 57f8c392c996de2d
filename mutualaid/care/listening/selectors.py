"""Reads for listening, each limited to what the asking member may see.

A request opens to two people only: the member who asked, and the listener who took it while
they still hold `care.listen`. The queue shows open requests without anything that identifies
who asked. Everyone else, organisers included, gets the same NotFound as for a missing request.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Final

from django.db.models import Q, QuerySet
from django.utils import timezone

from mutualaid.care.listening.models import (
    DebriefCircle,
    ListenerSettings,
    ListenMessage,
    ListenNote,
    ListenRequest,
)
from mutualaid.care.models import Circle
from mutualaid.care.selectors import is_listener as is_listener  # one rule, for both apps
from mutualaid.core.errors import NotFound
from mutualaid.governance.selectors import holdings_current
from mutualaid.networks.models import Member, Network

State = ListenRequest.State
Side = ListenMessage.Side

# What a listener's queue may read of a request: never the requester or the pseudonym.
QUEUE_FIELDS = ("id", "network_id", "language", "preferred_time", "about", "created_at", "state")


@dataclass(frozen=True)
class Conversation:
    """A request opened by one of its two people, with the side they are on."""

    request: ListenRequest
    side: str

    @property
    def is_requester(self) -> bool:
        return self.side == Side.REQUESTER

    @property
    def is_listener(self) -> bool:
        return self.side == Side.LISTENER


def listener_settings_of(*, member: Member) -> ListenerSettings:
    """The listener's settings, or the defaults (unsaved) before they first set them."""
    found = ListenerSettings.objects.filter(member=member).first()
    return found or ListenerSettings(member=member, languages=list(member.languages or []))


def _unexpired(now: datetime | None = None) -> Q:
    return Q(expires_at__gt=now or timezone.now())


def requests_mine(*, member: Member) -> QuerySet[ListenRequest]:
    """The member's own requests, newest first, with the listener who took each."""
    return ListenRequest.objects.filter(requester=member).select_related("listener")


def access_own_request(member: Member | None, request_id: int) -> ListenRequest:
    """The member's own request (as the one who asked)."""
    if member is None:
        raise NotFound()
    found = ListenRequest.objects.filter(pk=request_id, requester=member).first()
    if found is None:
        raise NotFound()
    return found


def queue(*, member: Member) -> QuerySet[ListenRequest]:
    """Open requests a current listener may take: not their own, in the languages they
    listen in (all languages when they chose none), oldest first. Only what QUEUE_FIELDS
    lists is loaded."""
    if not is_listener(member):
        return ListenRequest.objects.none()
    requests = (
        ListenRequest.objects.filter(network_id=member.network_id, state=State.OPEN)
        .exclude(requester=member)
        .only(*QUEUE_FIELDS)
        .order_by("created_at", "pk")
    )
    languages = listener_settings_of(member=member).languages
    return requests.filter(language__in=languages) if languages else requests


def access_queue_request(member: Member | None, request_id: int) -> ListenRequest:
    """A request of the member's network (not their own) that they, a current listener, ask
    to take. It may have been taken or withdrawn meanwhile: the take then says so clearly."""
    if member is None or not is_listener(member):
        raise NotFound()
    found = (
        ListenRequest.objects.filter(pk=request_id, network_id=member.network_id)
        .exclude(requester=member)
        .only(*QUEUE_FIELDS)
        .first()
    )
    if found is None:
        raise NotFound()
    return found


def conversations_mine(*, member: Member) -> QuerySet[ListenRequest]:
    """The requests this current listener took, newest first."""
    if not is_listener(member):
        return ListenRequest.objects.none()
    return ListenRequest.objects.filter(
        listener=member, state__in=[State.TAKEN, State.CLOSED]
    ).order_by("-taken_at", "-pk")


def access_conversation(member: Member | None, request_id: int) -> Conversation:
    """The request, for the member who asked or for the listener who took it (while they
    are a listener). The same NotFound for everyone else."""
    if member is None:
        raise NotFound()
    found = (
        ListenRequest.objects.filter(pk=request_id, network_id=member.network_id)
        .filter(Q(requester=member) | Q(listener=member, state__in=[State.TAKEN, State.CLOSED]))
        .select_related("listener")
        .first()
    )
    side = side_of(member, found) if found is not None else None
    if found is None or side is None:
        raise NotFound()
    return Conversation(request=found, side=side)


# --- What a member may do with a request (the services' checks call the same predicates) ----


def asked_by(member: Member, request: ListenRequest) -> bool:
    """Whether the member is the one who asked. A queue item never loads who asked: for one,
    the database answers yes or no without handing the requester over."""
    if "requester_id" in request.get_deferred_fields():
        return ListenRequest.objects.filter(pk=request.pk, requester=member).exists()
    return request.requester_id == member.pk


def side_of(member: Member, request: ListenRequest) -> str | None:
    """The member's side of the request: the one who asked, or the listener who took it
    while they still are one; None for everyone else."""
    if asked_by(member, request):
        return str(Side.REQUESTER)
    took_it = request.listener_id == member.pk and request.state in (State.TAKEN, State.CLOSED)
    return str(Side.LISTENER) if took_it and is_listener(member) else None


def may_take_from_queue(member: Member, request: ListenRequest) -> bool:
    """A request of the member's network that someone else asked: what a listener's take may
    reach (whether it is still open is for the take itself to settle)."""
    return request.network_id == member.network_id and not asked_by(member, request)


def may_take_listen_request(member: Member, request: ListenRequest) -> bool:
    return (
        request.state == State.OPEN and is_listener(member) and may_take_from_queue(member, request)
    )


def may_withdraw_listen_request(member: Member, request: ListenRequest) -> bool:
    return request.state == State.OPEN and asked_by(member, request)


def may_write_in_conversation(member: Member, request: ListenRequest) -> bool:
    """Write, share one's email and close: either side, while the conversation is open."""
    return request.state == State.TAKEN and side_of(member, request) is not None


def may_set_notes_consent(member: Member, request: ListenRequest) -> bool:
    return asked_by(member, request)


def may_keep_notes(member: Member, request: ListenRequest) -> bool:
    """The listener, with the requester's consent, while the conversation is not gone."""
    return (
        request.state in (State.TAKEN, State.CLOSED)
        and request.notes_consent
        and side_of(member, request) == Side.LISTENER
    )


LISTEN_REQUEST_ACTIONS: Final[dict[str, Callable[[Member, ListenRequest], bool]]] = {
    "take": may_take_listen_request,
    "withdraw": may_withdraw_listen_request,
    "write": may_write_in_conversation,
    "share_email": may_write_in_conversation,
    "close": may_write_in_conversation,
    "set_notes_consent": may_set_notes_consent,
    "keep_note": may_keep_notes,
}


def listen_request_actions(member: Member, request: ListenRequest) -> list[str]:
    """What the member may do with the request now. Only ever about their own side: a
    listener's actions are the same whoever asked."""
    return [name for name, allowed in LISTEN_REQUEST_ACTIONS.items() if allowed(member, request)]


def requester_shown_as(request: ListenRequest) -> str:
    """How the listener sees the person who asked: the pseudonym, or their display name
    when they chose to be named."""
    if request.pseudonymous:
        return request.pseudonym
    return Member.objects.filter(pk=request.requester_id).values_list("display_name", flat=True)[0]


def listener_shown_as(request: ListenRequest) -> str:
    return request.listener.display_name if request.listener else ""


def messages_of(*, conversation: Conversation) -> QuerySet[ListenMessage]:
    """The thread, oldest first; messages past their retention are gone at once."""
    return ListenMessage.objects.filter(request=conversation.request).filter(_unexpired())


def notes_of(*, conversation: Conversation) -> QuerySet[ListenNote]:
    """Notes, seen by the listener who wrote them and by the requester, every one."""
    return ListenNote.objects.filter(request=conversation.request).filter(_unexpired())


def listeners_to_tell(*, request: ListenRequest) -> list[Member]:
    """Current listeners of the network who want to hear about new requests in this
    language (or in any), except the requester."""
    holdings = holdings_current(network=request.network).select_related("member__network", "role")
    members = {
        h.member_id: h.member
        for h in holdings
        if "care.listen" in (h.role.permissions or []) and h.member_id != request.requester_id
    }
    settings = {s.member_id: s for s in ListenerSettings.objects.filter(member_id__in=members)}
    told = []
    for member_id, member in members.items():
        own = settings.get(member_id)
        if own is not None and not own.available:
            continue
        if own is not None and own.languages and request.language not in own.languages:
            continue
        told.append(member)
    return told


# --- The listeners' debrief circle ----------------------------------------------------------


def debrief_circle_of(*, network: Network) -> Circle | None:
    found = DebriefCircle.objects.filter(network=network).select_related("circle").first()
    return found.circle if found else None


# --- Download my data -----------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment else None


def listening_data_export(*, member: Member) -> dict[str, object]:
    """The member's own requests with their threads and notes, and their listener settings.
    Conversations they took as a listener are the requester's data, not theirs: only how many
    is listed."""
    own = ListenerSettings.objects.filter(member=member).first()
    requests = ListenRequest.objects.filter(requester=member).prefetch_related("messages", "notes")
    return {
        "listening": {
            "requests": [
                {
                    "id": r.pk,
                    "pseudonymous": r.pseudonymous,
                    "pseudonym": r.pseudonym,
                    "language": r.language,
                    "preferred_time": r.preferred_time,
                    "about": r.about or "",
                    "retention_days": r.retention_days,
                    "state": r.state,
                    "notes_consent": r.notes_consent,
                    "created_at": _iso(r.created_at),
                    "taken_at": _iso(r.taken_at),
                    "closed_at": _iso(r.closed_at),
                    "delete_after": _iso(r.delete_after),
                    "messages": [
                        {
                            "side": m.side,
                            "kind": m.kind,
                            "body": m.body,
                            "created_at": _iso(m.created_at),
                            "expires_at": _iso(m.expires_at),
                        }
                        for m in r.messages.all()
                    ],
                    "notes": [
                        {
                            "body": n.body,
                            "created_at": _iso(n.created_at),
                            "expires_at": _iso(n.expires_at),
                        }
                        for n in r.notes.all()
                    ],
                }
                for r in requests
            ],
            "listener_settings": {}
            if own is None
            else {
                "weekly_cap": own.weekly_cap,
                "languages": own.languages,
                "available": own.available,
                "updated_at": _iso(own.updated_at),
            },
            "conversations_taken": ListenRequest.objects.filter(listener=member).count(),
        }
    }
