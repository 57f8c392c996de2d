"""The notice of the relay: a new message in a conversation.

The email, push and in-app words say only *that* the other side wrote and link to the
conversation; they never carry the message. A message is a person's own words to one other
person and may well hold an address or a door code ("flat 3, ring twice"), and email and push
pass through other companies' servers and sit in inboxes long after the conversation is
deleted. The text message carries the words themselves, prefixed with the conversation's
code so a reply finds its way back: relaying them to a phone is what the relay is for, and the
recipient's phone is the only place they go (docs/decisions/0011-contact-relay.md).
"""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mutualaid.core.notice_kinds import Extra, NoticeKind, notice_kinds
from mutualaid.networks.models import Member
from mutualaid.relay.models import RelayMessage


def _message(message_id: int) -> RelayMessage | None:
    # A message deleted on retention, or whose sender left, tells nobody anything any more.
    return (
        RelayMessage.objects.select_related(
            "sender",
            "thread__network",
            "thread__match__need__requester__user",
            "thread__match__need__category",
            "thread__match__helper__user",
        )
        .defer("thread__match__need__address", "thread__match__need__phone")
        .filter(pk=message_id)
        .first()
    )


def _still_open(message: RelayMessage) -> bool:
    # Checked when a delivery leaves, not when the bell lists it: a message still waiting
    # (quiet hours, a retry) when the conversation closes is never sent, since once the match
    # is over the two sides are no longer in touch; what was already read stays listed.
    return message.thread.closed_at is None


def _to_the_other_side(message: RelayMessage, extra: Extra) -> Iterable[Member | None]:
    match = message.thread.match
    return [match.helper if message.sender_id == match.need.requester_id else match.need.requester]


def _words(message: RelayMessage, extra: Extra) -> dict[str, object]:
    return {
        "name": message.sender.display_name,
        "what": message.thread.match.need.category.label_lazy,
        "code": message.thread.code,
        "text": message.body,
    }


def _conversation_path(message: RelayMessage) -> str:
    thread = message.thread
    return reverse(
        "relay:conversation", kwargs={"slug": thread.network.slug, "match_id": thread.match_id}
    )


notice_kinds(
    NoticeKind(
        name="relay.message",
        load=_message,
        to=_to_the_other_side,
        # The name and the kind of help only: never the words (see the module's docstring).
        subject=_("%(name)s sent you a message"),
        body=_("%(name)s wrote to you about the help (%(what)s). Read it and answer here:"),
        params=_words,
        path=_conversation_path,
        # A message waits for an answer: at once on every channel the member has. SMS goes
        # only to a verified number that has not texted STOP, so it costs the network a text
        # only for members who chose texts (docs/decisions/0011-contact-relay.md).
        defaults={"email": "instant", "sms": "instant", "push": "instant"},
        sms_body=_("[%(code)s] %(name)s: %(text)s"),
        sendable=_still_open,
    ),
)
