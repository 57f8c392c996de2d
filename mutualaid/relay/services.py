"""Every write of the contact relay.

A conversation opens with the match's acceptance (`relay_open`, called by
`needs.services.match_accept`) and closes with the match's end, whichever way it ends
(`relay_close`, called from every path that ends an accepted match; `relays_close_sweep`
catches any path that forgot). Posting and closing exclude each other in the database: a post
claims the open conversation with a conditional update (`closed_at IS NULL`) and a close sets
`closed_at` with another, so on PostgreSQL the later of the two waits for the earlier to
commit and then sees its outcome, and on SQLite the two cannot overlap at all. A post that
loses gets the polite "this conversation has ended" and tells nobody anything.
"""

import re
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.channels.models import ChannelPolicy
from mutualaid.channels.services import DEFAULT_RETENTION_DAYS, notice_send
from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mutualaid.core.history import history_record
from mutualaid.core.validation import clean_text
from mutualaid.governance.models import Concern
from mutualaid.governance.services.concern_start import concern_raise
from mutualaid.needs.models import OPEN_MATCH_STATES, Match
from mutualaid.networks.models import Member
from mutualaid.relay.models import MESSAGE_MAX_LENGTH, RelayMessage, RelayThread
from mutualaid.relay.selectors import (
    is_party,
    latest_closed_thread_of,
    may_report,
    open_threads_of,
    other_party,
    thread_of_member_by_code,
)

# Easy to read out and to type on a phone keypad: a letter and a digit, without the ones that
# look alike (I and 1, O and 0, L, S and 5, Z and 2). 21 x 7 = 147 two-character codes; a
# network with more open conversations than that gets a letter and two digits.
CODE_LETTERS = "ABCDEFGHJKMNPQRTUVWXY"
CODE_DIGITS = "3456789"
CODE_TRIES = 20
# "K7 on my way", "k7: on my way", "[K7] on my way", "K7, on my way", "K7" alone.
CODE_AT_START = re.compile(r"^\s*\[?\s*([A-Za-z][0-9]{1,2})\s*\]?(?:[\s:,.\-]+|$)(.*)$", re.S)
# After a conversation closes, a text without a code still gets "this conversation has ended"
# for this long, rather than "we did not understand".
RECENTLY_ENDED = timedelta(days=7)
REPORT_MAX_LENGTH = 1000
# Each message may cost the network a text message: one writer's messages in one conversation
# are capped per hour, far above what arranging help needs.
MESSAGES_PER_HOUR = getattr(settings, "MUTUALAID_RELAY_MESSAGES_PER_HOUR", 30)


def relay_ended_text() -> str:
    return _(
        "This conversation has ended, because the help it was about is over. "
        "Your message was not passed on."
    )


# --- Opening and closing ---------------------------------------------------------------------


def _codes() -> list[str]:
    return [letter + digit for letter in CODE_LETTERS for digit in CODE_DIGITS]


def _free_code(network_id: int) -> str:
    taken = set(
        RelayThread.objects.filter(network_id=network_id, closed_at__isnull=True).values_list(
            "code", flat=True
        )
    )
    free = [code for code in _codes() if code not in taken]
    if free:
        return secrets.choice(free)
    # The same letters, and two digits: 21 x 49 more.
    return secrets.choice(CODE_LETTERS) + "".join(secrets.choice(CODE_DIGITS) for _i in "ab")


def relay_open(*, match: Match) -> RelayThread:
    """Open the conversation of an accepted match, inside the acceptance's transaction. Opening
    twice gives the same conversation."""
    existing = RelayThread.objects.filter(match=match).first()
    if existing is not None:
        return existing
    network_id = match.need.network_id
    for _try in range(CODE_TRIES):
        try:
            with transaction.atomic():
                return RelayThread.objects.create(
                    match=match, network_id=network_id, code=_free_code(network_id)
                )
        except IntegrityError:
            # Another conversation took the code between the read and the insert; or, if it
            # is this match's own, a concurrent opening won and is returned next time round.
            existing = RelayThread.objects.filter(match=match).first()
            if existing is not None:
                return existing
    raise Conflict()


def relay_close(*, match_id: int, now: datetime | None = None) -> bool:
    """Close the match's conversation, inside the transaction that ends the match. Closing a
    closed one, or a match that never had one, does nothing. True if it closed now."""
    closed = RelayThread.objects.filter(match_id=match_id, closed_at__isnull=True).update(
        closed_at=now or timezone.now()
    )
    return bool(closed)


@transaction.atomic
def relays_close_sweep(*, now: datetime | None = None) -> int:
    """Close conversations whose match has ended by a path that did not close them. Safe to
    run at any time."""
    return (
        RelayThread.objects.filter(closed_at__isnull=True)
        .exclude(match__state__in=OPEN_MATCH_STATES)
        .update(closed_at=now or timezone.now())
    )


# --- Posting ---------------------------------------------------------------------------------


@transaction.atomic
def relay_post(
    *, member: Member, thread: RelayThread, text: str, via: str = RelayMessage.Via.WEB
) -> RelayMessage:
    """Pass a message to the other side of the conversation: kept for them to read, and sent
    as the `relay.message` notice. Only the two sides may post, and only while the
    conversation is open; a closed one refuses with the polite ended text (Conflict) and
    records and tells nothing."""
    if not is_party(member, thread):
        raise NotFound()
    if via not in RelayMessage.Via.values:
        raise InvalidInput(_("Choose one of the offered options."))
    text = clean_text(text, field="text", max_length=MESSAGE_MAX_LENGTH)
    now = timezone.now()
    # The claim: 0 rows means the conversation closed first (or is closing and has committed
    # by the time this update could take the row).
    claimed = RelayThread.objects.filter(pk=thread.pk, closed_at__isnull=True).update(
        last_message_at=now
    )
    if not claimed:
        raise Conflict(relay_ended_text())
    if other_party(member, thread) is None:
        raise Conflict(relay_ended_text())  # the other side left the network
    recent = RelayMessage.objects.filter(
        thread=thread, sender=member, created_at__gt=now - timedelta(hours=1)
    ).count()
    if recent >= MESSAGES_PER_HOUR:
        raise Conflict(_("You have sent many messages in the last hour. Please wait a little."))
    message = RelayMessage.objects.create(
        thread=thread, sender=member, body=text, via=via, created_at=now
    )
    # Not the words, nor who wrote to whom: the history log is read by the network.
    history_record(actor=None, network=thread.network, action="relay.post", target=thread)
    notice_send("relay.message", message.pk)
    return message


def relay_post_sms(*, member: Member, text: str) -> str:
    """A text from the member that is no command: pass it on to the conversation its leading
    code names ("K7 on my way", "[k7] on my way"), or to their only open one when it has none.
    Returns the reply to text back; "" when the member has no conversation the text could be
    for (the caller then says it did not understand)."""
    code, words = _split_code(text)
    open_threads = list(open_threads_of(member))
    if code:
        thread = thread_of_member_by_code(member, code)
        if thread is None:
            return _unknown_code_text(member, code, open_threads)
        if not thread.is_open:
            return relay_ended_text()
        return _post_by_text(member, thread, words)
    if len(open_threads) == 1:
        return _post_by_text(member, open_threads[0], text)
    if open_threads:
        return _which_one_text(member, open_threads)
    if latest_closed_thread_of(member, since=timezone.now() - RECENTLY_ENDED) is not None:
        return relay_ended_text()
    return ""


def _split_code(text: str) -> tuple[str, str]:
    found = CODE_AT_START.match(text or "")
    if found is None:
        return "", text
    return found.group(1).upper(), found.group(2).strip()


def _post_by_text(member: Member, thread: RelayThread, words: str) -> str:
    other = other_party(member, thread)
    if not words.strip():
        return _("Write your message after the code, e.g. %(code)s on my way.") % {
            "code": thread.code
        }
    try:
        relay_post(member=member, thread=thread, text=words, via=RelayMessage.Via.SMS)
    except Conflict as error:
        return error.message
    name = other.display_name if other is not None else ""
    return _("Sent to %(name)s.") % {"name": name}


def _listed(member: Member, threads: list[RelayThread]) -> str:
    """ "K7 (Hugo), B4 (Ana)": each code with the name of the other side (a display name, the
    same the pages show)."""
    names = []
    for thread in threads:
        other = other_party(member, thread)
        names.append(f"{thread.code} ({other.display_name if other else '-'})")
    return ", ".join(names)


def _which_one_text(member: Member, threads: list[RelayThread]) -> str:
    return _(
        "You have several conversations: %(list)s. Start your text with its code, "
        "e.g. %(code)s on my way."
    ) % {"list": _listed(member, threads), "code": threads[0].code}


def _unknown_code_text(member: Member, code: str, threads: list[RelayThread]) -> str:
    if not threads:
        return _("You have no conversation %(code)s, and none that is open.") % {"code": code}
    return _("You have no conversation %(code)s. Yours: %(list)s.") % {
        "code": code,
        "list": _listed(member, threads),
    }


# --- Reporting -------------------------------------------------------------------------------


@transaction.atomic
def relay_report(*, member: Member, message: RelayMessage, reason: str) -> Concern:
    """The side a message was written to reports it: it goes to the network's facilitators as
    a concern about its sender (`governance.concern_raise`, the network's one moderation
    path), quoting the message, because the concern is about those words and the sender may
    answer to them. A message is reported once."""
    if not is_party(member, message.thread):
        raise NotFound()
    if not may_report(member, message):
        if message.reported:
            raise Conflict(_("You have already reported this message."))
        raise PermissionDenied(_("You can report only messages written to you."))
    reason = clean_text(reason, field="reason", max_length=REPORT_MAX_LENGTH)
    if not RelayMessage.objects.filter(pk=message.pk, reported=False).update(reported=True):
        raise Conflict(_("You have already reported this message."))
    sender = message.sender
    text = _("Reported message in a conversation about a match, sent %(when)s:") % {
        "when": message.created_at.strftime("%Y-%m-%d %H:%M UTC")
    }
    concern = concern_raise(
        actor=member, about=sender, text=f"{reason}\n\n{text}\n“{message.body}”"
    )
    message.reported = True
    return concern


# --- Retention -------------------------------------------------------------------


@transaction.atomic
def relay_messages_expire(*, now: datetime | None = None) -> int:
    """Delete messages older than their network's retention for notifications (the same
    choice: how long what reached a member is kept), 90 days unless the network chose."""
    now = now or timezone.now()
    policies = dict(ChannelPolicy.objects.values_list("network_id", "notification_retention_days"))
    deleted = 0
    for days in sorted(set(policies.values()) | {DEFAULT_RETENTION_DAYS}):
        networks = [pk for pk, d in policies.items() if d == days]
        rows = RelayMessage.objects.filter(created_at__lt=now - timedelta(days=days))
        if days == DEFAULT_RETENTION_DAYS:
            rows = rows.filter(
                ~Q(thread__network_id__in=list(policies)) | Q(thread__network_id__in=networks)
            )
        else:
            rows = rows.filter(thread__network_id__in=networks)
        deleted += rows.delete()[1].get("relay.RelayMessage", 0)
    return deleted
