"""API: listeners on request. A member asks for a conversation, a trained listener takes it,
and the two talk in a private thread encrypted at rest that expires like a circle's posts.

Privacy: no schema a listener reads carries the requester's member id, account or (unless they
chose to be named) display name; the queue carries nothing about who asked at all. A request
opens only to the member who asked and to the listener who took it while they hold
`care.listen`; everyone else, organisers too, gets the same 404 as for a missing request.
"""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, JsonResponse
from ninja import Field, Router, Schema
from pydantic import StringConstraints

from mutualaid.care.listening import selectors, services
from mutualaid.care.listening.models import CAP_MAX, CAP_MIN, ListenMessage, ListenRequest
from mutualaid.core.api import (
    IdempotencyKey,
    InputSchema,
    PathId,
    PlainText,
    created_once,
    responses,
)
from mutualaid.core.errors import NotFound
from mutualaid.networks.models import Member
from mutualaid.networks.requests import api_member

router = Router(tags=["care"])

# Mirrors of the models' choices, spelled out so the OpenAPI document lists them.
RequestState = Literal["open", "taken", "closed", "withdrawn"]
Side = Literal["requester", "listener"]
MessageKind = Literal["text", "contact"]
Retention = Literal[7, 30, 90]
Language = Annotated[str, StringConstraints(min_length=2, max_length=8), PlainText]

ACTIONS_DESCRIPTION = (
    "What I may do with the request now, from my own side only (the same whoever asked): "
    "take, withdraw, write, share_email, close, set_notes_consent, keep_note."
)


class MyRequestOut(Schema):
    """A request as the member who asked sees it."""

    id: int
    state: RequestState
    pseudonymous: bool
    pseudonym: str
    language: str
    preferred_time: str
    about: str
    retention_days: Retention
    notes_consent: bool
    listener_name: str
    created_at: datetime
    taken_at: datetime | None
    actions: list[str] = Field(description=ACTIONS_DESCRIPTION)

    @staticmethod
    def resolve_about(obj: ListenRequest) -> str:
        return obj.about or ""

    @staticmethod
    def resolve_listener_name(obj: ListenRequest) -> str:
        return selectors.listener_shown_as(obj)

    @staticmethod
    def resolve_actions(obj: ListenRequest, context: dict[str, Any]) -> list[str]:
        return selectors.listen_request_actions(api_member(context["request"]), obj)


class QueueItemOut(Schema):
    """An open request as listeners see it: nothing about who asked."""

    id: int
    language: str
    preferred_time: str
    about: str
    created_at: datetime
    actions: list[str] = Field(description=ACTIONS_DESCRIPTION)

    @staticmethod
    def resolve_about(obj: ListenRequest) -> str:
        return obj.about or ""

    @staticmethod
    def resolve_actions(obj: ListenRequest, context: dict[str, Any]) -> list[str]:
        return selectors.listen_request_actions(api_member(context["request"]), obj)


class ConversationOut(Schema):
    """A conversation as either side sees it. `requester_shown_as` is the pseudonym, or the
    requester's display name only when they chose to be named."""

    id: int
    my_side: Side
    state: RequestState
    language: str
    preferred_time: str
    about: str
    retention_days: Retention
    notes_consent: bool
    requester_shown_as: str
    listener_name: str
    actions: list[str] = Field(description=ACTIONS_DESCRIPTION)


class MessageOut(Schema):
    id: int
    side: Side
    kind: MessageKind
    body: str
    created_at: datetime


class NoteOut(Schema):
    id: int
    body: str
    created_at: datetime


class ListenerSettingsOut(Schema):
    weekly_cap: int
    languages: list[str]
    available: bool


class RequestIn(InputSchema):
    language: Language
    preferred_time: Annotated[str, StringConstraints(min_length=1, max_length=120), PlainText]
    about: Annotated[str, StringConstraints(max_length=500), PlainText] = ""
    pseudonymous: bool = True
    retention_days: Retention = 30


class BodyIn(InputSchema):
    body: Annotated[str, StringConstraints(min_length=1, max_length=4000), PlainText]


class NoteIn(InputSchema):
    body: Annotated[str, StringConstraints(min_length=1, max_length=2000), PlainText]


class ConsentIn(InputSchema):
    consent: bool


class ListenerSettingsIn(InputSchema):
    weekly_cap: Annotated[int, Field(ge=CAP_MIN, le=CAP_MAX)]
    languages: Annotated[list[Language], Field(max_length=20)] = []
    available: bool = True


def _conversation_out(member: Member, conversation: selectors.Conversation) -> dict[str, Any]:
    request = conversation.request
    return {
        "id": request.pk,
        "my_side": conversation.side,
        "state": request.state,
        "language": request.language,
        "preferred_time": request.preferred_time,
        "about": request.about or "",
        "retention_days": request.retention_days,
        "notes_consent": request.notes_consent,
        "requester_shown_as": selectors.requester_shown_as(request),
        "listener_name": selectors.listener_shown_as(request),
        "actions": selectors.listen_request_actions(member, request),
    }


def _open(request: HttpRequest, request_id: int) -> selectors.Conversation:
    return selectors.access_conversation(api_member(request), request_id)


# --- Asking ---------------------------------------------------------------------------------


@router.get(
    "/care/listening/requests",
    response=responses(list[MyRequestOut]),
    operation_id="listening_requests",
)
def listening_requests(request: HttpRequest) -> Any:
    """My own requests for a conversation, newest first."""
    return list(selectors.requests_mine(member=api_member(request))[:100])


@router.post(
    "/care/listening/requests",
    response=responses(MyRequestOut, 201),
    operation_id="listening_request_create",
)
def listening_request_create(
    request: HttpRequest, payload: RequestIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """Ask for a conversation with a trained listener, under a pseudonym unless
    `pseudonymous` is false. Listeners are told a request waits, never what it says."""
    member = api_member(request)
    return created_once(
        request,
        key=idempotency_key,
        create=lambda: services.listen_request_create(actor=member, **payload.dict()),
        out=MyRequestOut,
    )


@router.post(
    "/care/listening/requests/{request_id}/withdraw",
    response=responses(MyRequestOut),
    operation_id="listening_request_withdraw",
)
def listening_request_withdraw(request: HttpRequest, request_id: PathId) -> Any:
    """Withdraw my request while nobody has taken it. 409 once a listener has."""
    member = api_member(request)
    own = selectors.access_own_request(member, request_id)
    return services.listen_request_withdraw(actor=member, request=own)


# --- Listeners ------------------------------------------------------------------------------


@router.get(
    "/care/listening/queue",
    response=responses(list[QueueItemOut]),
    operation_id="listening_queue",
)
def listening_queue(request: HttpRequest) -> Any:
    """Open requests a listener may take (404 for members who are not listeners)."""
    member = api_member(request)
    if not selectors.is_listener(member):
        raise NotFound()
    return list(selectors.queue(member=member)[:100])


@router.post(
    "/care/listening/queue/{request_id}/take",
    response=responses(ConversationOut),
    operation_id="listening_request_take",
)
def listening_request_take(request: HttpRequest, request_id: PathId) -> Any:
    """Take an open request. 409 `already_taken` when another listener was first, 409
    `weekly_cap_reached` over my weekly cap."""
    member = api_member(request)
    found = selectors.access_queue_request(member, request_id)
    services.listen_request_take(actor=member, request=found)
    return _conversation_out(api_member(request), selectors.access_conversation(member, request_id))


@router.get(
    "/care/listening/conversations",
    response=responses(list[ConversationOut]),
    operation_id="listening_conversations",
)
def listening_conversations(request: HttpRequest) -> Any:
    """The conversations I took as a listener, newest first."""
    member = api_member(request)
    return [
        _conversation_out(
            api_member(request), selectors.Conversation(request=r, side=ListenMessage.Side.LISTENER)
        )
        for r in selectors.conversations_mine(member=member).select_related("listener")[:100]
    ]


@router.get(
    "/care/listening/settings",
    response=responses(ListenerSettingsOut),
    operation_id="listening_settings",
)
def listening_settings(request: HttpRequest) -> Any:
    """My listener settings (404 for members who are not listeners)."""
    member = api_member(request)
    if not selectors.is_listener(member):
        raise NotFound()
    return selectors.listener_settings_of(member=member)


@router.put(
    "/care/listening/settings",
    response=responses(ListenerSettingsOut),
    operation_id="listening_settings_update",
)
def listening_settings_update(request: HttpRequest, payload: ListenerSettingsIn) -> Any:
    """Set my weekly cap (1 to 20), the languages I listen in (none: all) and whether I am
    told about new requests (404 for members who are not listeners)."""
    member = api_member(request)
    if not selectors.is_listener(member):
        raise NotFound()
    return services.listener_settings_update(actor=member, **payload.dict())


# --- One conversation -----------------------------------------------------------------------


@router.get(
    "/care/listening/requests/{request_id}",
    response=responses(ConversationOut),
    operation_id="listening_conversation",
)
def listening_conversation(request: HttpRequest, request_id: PathId) -> Any:
    """A conversation I am part of, as the one who asked or as its listener."""
    return _conversation_out(api_member(request), _open(request, request_id))


@router.get(
    "/care/listening/requests/{request_id}/messages",
    response=responses(list[MessageOut]),
    operation_id="listening_messages",
)
def listening_messages(request: HttpRequest, request_id: PathId) -> Any:
    """The thread, oldest first."""
    return list(selectors.messages_of(conversation=_open(request, request_id))[:500])


@router.post(
    "/care/listening/requests/{request_id}/messages",
    response=responses(MessageOut, 201),
    operation_id="listening_message_create",
)
def listening_message_create(
    request: HttpRequest,
    request_id: PathId,
    payload: BodyIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """Write in a conversation I am part of while it is open (409 once closed)."""
    member = api_member(request)
    found = _open(request, request_id).request
    return created_once(
        request,
        key=idempotency_key,
        create=lambda: services.listen_message_create(
            actor=member, request=found, body=payload.body
        ),
        out=MessageOut,
    )


@router.post(
    "/care/listening/requests/{request_id}/share-email",
    response=responses(MessageOut, 201),
    operation_id="listening_email_share",
)
def listening_email_share(
    request: HttpRequest, request_id: PathId, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """Show the other side my email address, as a message in the thread. Only by my choice."""
    member = api_member(request)
    found = _open(request, request_id).request
    return created_once(
        request,
        key=idempotency_key,
        create=lambda: services.listen_email_share(actor=member, request=found),
        out=MessageOut,
    )


@router.post(
    "/care/listening/requests/{request_id}/close",
    response=responses(ConversationOut),
    operation_id="listening_close",
)
def listening_close(request: HttpRequest, request_id: PathId) -> Any:
    """End the conversation (either side). 409 when it is not open."""
    member = api_member(request)
    services.listen_request_close(actor=member, request=_open(request, request_id).request)
    return _conversation_out(api_member(request), _open(request, request_id))


@router.post(
    "/care/listening/requests/{request_id}/consent",
    response=responses(ConversationOut),
    operation_id="listening_consent",
)
def listening_consent(request: HttpRequest, request_id: PathId, payload: ConsentIn) -> Any:
    """As the one who asked: let the listener keep notes, or take it back (which deletes
    them)."""
    member = api_member(request)
    services.listen_consent_set(
        actor=member, request=_open(request, request_id).request, consent=payload.consent
    )
    return _conversation_out(api_member(request), _open(request, request_id))


@router.get(
    "/care/listening/requests/{request_id}/notes",
    response=responses(list[NoteOut]),
    operation_id="listening_notes",
)
def listening_notes(request: HttpRequest, request_id: PathId) -> Any:
    """The listener's notes: the one who asked reads every one."""
    return list(selectors.notes_of(conversation=_open(request, request_id))[:500])


@router.post(
    "/care/listening/requests/{request_id}/notes",
    response=responses(NoteOut, 201),
    operation_id="listening_note_create",
)
def listening_note_create(
    request: HttpRequest,
    request_id: PathId,
    payload: NoteIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """As the listener, keep a note: 403 without the consent of the one who asked."""
    member = api_member(request)
    found = _open(request, request_id).request
    return created_once(
        request,
        key=idempotency_key,
        create=lambda: services.listen_note_create(actor=member, request=found, body=payload.body),
        out=NoteOut,
    )
