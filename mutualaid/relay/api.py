"""API: the conversation of a match, for its two sides only. Another member gets the same
404 as for a match that does not exist. Nothing here carries a number or an email."""

from datetime import datetime
from typing import Annotated, Any, Literal

from django.http import HttpRequest, JsonResponse
from ninja import Field, Router, Schema
from pydantic import StringConstraints

from mutualaid.core.api import (
    IdempotencyKey,
    InputSchema,
    PathId,
    PlainText,
    created_once,
    responses,
)
from mutualaid.networks.requests import api_member
from mutualaid.relay.models import MESSAGE_MAX_LENGTH, RelayMessage, RelayThread
from mutualaid.relay.selectors import (
    access_conversation,
    access_relay_message,
    conversation_actions,
    message_actions,
    messages_of,
    other_party,
)
from mutualaid.relay.services import REPORT_MAX_LENGTH, relay_post, relay_report

router = Router(tags=["conversations"])

Via = Literal["web", "sms"]
MessageAction = Literal["report"]
ConversationAction = Literal["post"]
Text = Annotated[str, StringConstraints(min_length=1, max_length=MESSAGE_MAX_LENGTH), PlainText]
Reason = Annotated[str, StringConstraints(min_length=1, max_length=REPORT_MAX_LENGTH), PlainText]


class RelayMessageOut(Schema):
    id: int
    mine: bool = Field(description="True when I wrote it.")
    sender_name: str = Field(description="The writer's display name.")
    body: str
    via: Via
    created_at: datetime
    reported: bool = Field(description="True when I reported it (only for messages to me).")
    actions: list[MessageAction] = Field(description="What I may do with it now.")

    @staticmethod
    def resolve_mine(obj: RelayMessage, context: dict[str, Any]) -> bool:
        return obj.sender_id == api_member(context["request"]).pk

    @staticmethod
    def resolve_sender_name(obj: RelayMessage, context: dict[str, Any]) -> str:
        return obj.sender.display_name

    @staticmethod
    def resolve_reported(obj: RelayMessage, context: dict[str, Any]) -> bool:
        # Whether the other side reported one's own message is the concern's to tell.
        return obj.reported and obj.sender_id != api_member(context["request"]).pk

    @staticmethod
    def resolve_actions(obj: RelayMessage, context: dict[str, Any]) -> list[str]:
        return message_actions(api_member(context["request"]), obj)


class RelayConversationOut(Schema):
    match_id: int
    code: str = Field(description="The code to start a text message with, e.g. `K7`.")
    open: bool = Field(description="False once the match has ended: no more messages.")
    opened_at: datetime
    closed_at: datetime | None
    with_name: str | None = Field(description="The other side's display name.")
    messages: list[RelayMessageOut] = Field(description="Oldest first.")
    actions: list[ConversationAction] = Field(description="What I may do with it now.")

    @staticmethod
    def resolve_open(obj: RelayThread, context: dict[str, Any]) -> bool:
        return obj.is_open

    @staticmethod
    def resolve_with_name(obj: RelayThread, context: dict[str, Any]) -> str | None:
        other = other_party(api_member(context["request"]), obj)
        return other.display_name if other is not None else None

    @staticmethod
    def resolve_messages(obj: RelayThread, context: dict[str, Any]) -> list[RelayMessage]:
        return list(messages_of(obj))

    @staticmethod
    def resolve_actions(obj: RelayThread, context: dict[str, Any]) -> list[str]:
        return conversation_actions(api_member(context["request"]), obj)


class RelayMessageIn(InputSchema):
    text: Text


class RelayReportIn(InputSchema):
    reason: Reason = Field(description="What is wrong with the message.")


@router.get(
    "/matches/{match_id}/messages",
    response=responses(RelayConversationOut),
    operation_id="conversations_get",
)
def conversations_get(request: HttpRequest, match_id: PathId) -> RelayThread:
    """The conversation of a match I am a side of, once it was accepted."""
    return access_conversation(api_member(request), match_id)


@router.post(
    "/matches/{match_id}/messages",
    response=responses(RelayMessageOut, 201),
    operation_id="conversations_post",
)
def conversations_post(
    request: HttpRequest,
    match_id: PathId,
    payload: RelayMessageIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """Write to the other side. Refused with 409 once the match has ended."""
    member = api_member(request)
    thread = access_conversation(member, match_id)

    def create() -> RelayMessage:
        return relay_post(member=member, thread=thread, text=payload.text)

    return created_once(request, key=idempotency_key, create=create, out=RelayMessageOut)


@router.post(
    "/messages/{message_id}/report",
    response=responses(RelayMessageOut),
    operation_id="messages_report",
)
def messages_report(
    request: HttpRequest, message_id: PathId, payload: RelayReportIn
) -> RelayMessage:
    """Report a message written to me: it goes to the network's facilitators as a concern
    about its writer, quoting it."""
    member = api_member(request)
    message = access_relay_message(member, message_id)
    relay_report(member=member, message=message, reason=payload.reason)
    return message
