"""The notices about listening, as data: who hears of what, in which words.

Services send them with `notice_send("listening.taken", request.pk, side=...)` inside their
transaction. A notice says only that something is waiting and links to the page: never what a
request or a message says, never a pseudonym, never who asked.
"""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mutualaid.care.listening.models import ListenMessage, ListenRequest
from mutualaid.care.listening.selectors import is_listener, listeners_to_tell
from mutualaid.core.notice_kinds import Extra, NoticeKind, notice_kinds
from mutualaid.networks.models import Member


def _open_request(request_id: int) -> ListenRequest | None:
    return (
        ListenRequest.objects.select_related("network")
        .filter(pk=request_id, state=ListenRequest.State.OPEN)
        .first()
    )


def _request(request_id: int) -> ListenRequest | None:
    return (
        ListenRequest.objects.select_related(
            "network",
            "requester__user",
            "requester__network",
            "listener__user",
            "listener__network",
        )
        .filter(pk=request_id)
        .first()
    )


def _to_listeners(request: ListenRequest, extra: Extra) -> Iterable[Member | None]:
    return listeners_to_tell(request=request)


def _to_side(request: ListenRequest, extra: Extra) -> Iterable[Member | None]:
    """One side of the conversation (`extra["side"]`); a listener only while still one."""
    if extra["side"] == ListenMessage.Side.REQUESTER:
        return [request.requester]
    listener = request.listener
    return [listener if listener is not None and is_listener(listener) else None]


def _queue_path(request: ListenRequest) -> str:
    return reverse("care_listening:queue", kwargs={"slug": request.network.slug})


def _conversation_path(request: ListenRequest) -> str:
    return reverse(
        "care_listening:conversation",
        kwargs={"slug": request.network.slug, "request_id": request.pk},
    )


notice_kinds(
    NoticeKind(
        name="listening.requested",
        load=_open_request,
        to=_to_listeners,
        subject=_("Someone asked for a listening conversation"),
        body=_("A member asked to talk with a listener. You can see the request in the queue."),
        path=_queue_path,
    ),
    NoticeKind(
        name="listening.taken",
        load=_request,
        to=_to_side,
        subject=_("A listener took your request"),
        body=_("A trained listener took your request for a conversation. You can write to them."),
        path=_conversation_path,
    ),
    NoticeKind(
        name="listening.message",
        load=_request,
        to=_to_side,
        subject=_("A new message in your listening conversation"),
        body=_("There is a new message for you in a listening conversation."),
        path=_conversation_path,
    ),
    NoticeKind(
        name="listening.closed",
        load=_request,
        to=_to_side,
        subject=_("A listening conversation was closed"),
        body=_("A listening conversation you are part of was closed."),
        path=_conversation_path,
    ),
)
