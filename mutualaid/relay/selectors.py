"""Reading conversations: only their two sides ever see one, and the same NotFound answers
"missing" and "not yours"."""

from datetime import datetime

from django.db.models import Q, QuerySet

from mutualaid.core.errors import NotFound
from mutualaid.needs.models import Match
from mutualaid.networks.models import Member
from mutualaid.relay.models import RelayMessage, RelayThread


def _threads() -> QuerySet[RelayThread]:
    return RelayThread.objects.select_related(
        "match__need__requester", "match__need__category", "match__helper", "network"
    ).defer("match__need__address", "match__need__phone")


def _sides_of(member: Member) -> Q:
    return Q(match__helper=member) | Q(match__need__requester=member)


def is_party(member: Member, thread: RelayThread) -> bool:
    """Whether the member is one of the conversation's two sides."""
    match = thread.match
    return member.pk in {match.helper_id, match.need.requester_id}


def other_party(member: Member, thread: RelayThread) -> Member | None:
    """The side the member writes to; None once a helper has left the network."""
    match = thread.match
    return match.helper if match.need.requester_id == member.pk else match.need.requester


def access_conversation(member: Member | None, match_id: int) -> RelayThread:
    """The conversation of a match the member is a side of, or NotFound (also before the
    match was accepted: there is no conversation then)."""
    if member is None:
        raise NotFound()
    thread = (
        _threads()
        .filter(match_id=match_id, network_id=member.network_id)
        .filter(_sides_of(member))
        .first()
    )
    if thread is None:
        raise NotFound()
    return thread


def access_relay_message(member: Member | None, message_id: int) -> RelayMessage:
    """A message of a conversation the member is a side of, or NotFound."""
    if member is None:
        raise NotFound()
    message = (
        RelayMessage.objects.select_related(
            "sender", "thread__match__need__requester", "thread__match__helper"
        )
        .defer("thread__match__need__address", "thread__match__need__phone")
        .filter(pk=message_id, thread__network_id=member.network_id)
        .filter(Q(thread__match__helper=member) | Q(thread__match__need__requester=member))
        .first()
    )
    if message is None:
        raise NotFound()
    return message


def open_threads_of(member: Member) -> QuerySet[RelayThread]:
    """The member's open conversations, oldest first (the order a list of codes is read in)."""
    return _threads().filter(_sides_of(member), closed_at__isnull=True).order_by("opened_at", "pk")


def thread_of_member_by_code(member: Member, code: str) -> RelayThread | None:
    """The member's conversation with this code: an open one, else the latest closed one (a
    closed conversation's code may since have gone to someone else's, never to theirs while
    it is open)."""
    threads = _threads().filter(_sides_of(member), code__iexact=code)
    return (
        threads.filter(closed_at__isnull=True).first()
        or threads.filter(closed_at__isnull=False).order_by("-closed_at").first()
    )


def latest_closed_thread_of(member: Member, *, since: datetime) -> RelayThread | None:
    return _threads().filter(_sides_of(member), closed_at__gte=since).order_by("-closed_at").first()


def messages_of(thread: RelayThread) -> QuerySet[RelayMessage]:
    return RelayMessage.objects.filter(thread=thread).select_related("sender")


def may_post(member: Member, thread: RelayThread) -> bool:
    return thread.is_open and is_party(member, thread) and other_party(member, thread) is not None


def may_report(member: Member, message: RelayMessage) -> bool:
    """The side a message was written to may report it, once."""
    return (
        is_party(member, message.thread)
        and message.sender_id is not None
        and message.sender_id != member.pk
        and not message.reported
    )


def conversation_actions(member: Member, thread: RelayThread) -> list[str]:
    return ["post"] if may_post(member, thread) else []


def message_actions(member: Member, message: RelayMessage) -> list[str]:
    return ["report"] if may_report(member, message) else []


def match_has_conversation(member: Member, match: Match) -> bool:
    """Whether the match card links to a conversation for this member."""
    return RelayThread.objects.filter(match=match).filter(_sides_of(member)).exists()


def relay_data_export(*, member: Member) -> dict[str, object]:
    """The conversations the member was a side of, with the messages still kept: their own
    words and the words written to them (which they already received)."""
    threads = (
        RelayThread.objects.filter(_sides_of(member))
        .prefetch_related("messages")
        .order_by("opened_at", "pk")
    )
    return {
        "conversations": [
            {
                "match": thread.match_id,
                "code": thread.code,
                "opened_at": thread.opened_at.isoformat(),
                "closed_at": thread.closed_at.isoformat() if thread.closed_at else None,
                "messages": [
                    {
                        "id": message.pk,
                        "mine": message.sender_id == member.pk,
                        "body": message.body,
                        "created_at": message.created_at.isoformat(),
                        "via": message.via,
                        # Only their own reports: whether the other side reported a message
                        # of theirs is the concern's to tell, as the concern process says.
                        "reported": message.reported and message.sender_id != member.pk,
                    }
                    for message in thread.messages.all()
                ],
            }
            for thread in threads
        ]
    }
