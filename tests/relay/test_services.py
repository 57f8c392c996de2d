"""The contact relay through its services: a conversation lives exactly as long as its match
is accepted or in progress, only its two sides write in it, and a message tells the other
side without ever giving either one's contact details."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from mutualaid.channels.models import ChannelPolicy, Delivery, Notification
from mutualaid.channels.services import delivery_send, notification_render
from mutualaid.core import sms
from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mutualaid.governance.models import Concern
from mutualaid.governance.selectors import concerns_visible
from mutualaid.membership import services as membership
from mutualaid.needs import services as needs
from mutualaid.needs.models import Match
from mutualaid.networks.models import Member
from mutualaid.relay import services as relay
from mutualaid.relay.models import MESSAGE_MAX_LENGTH, RelayMessage, RelayThread
from mutualaid.relay.services import relay_ended_text, relay_post
from tests.channels.conftest import verified_phone
from tests.conftest import SECRET_ADDRESS, SECRET_PHONE
from tests.factories import MemberFactory, NeedFactory
from tests.relay.conftest import accepted_match, thread_of

ENDED = "This conversation has ended"


def relay_notices():
    return Notification.objects.filter(kind="relay.message")


# --- Opening


def test_accepting_a_match_opens_its_conversation_with_a_short_code(match):
    # given an accepted match (fixture) / then its conversation is open with a keypad code
    thread = RelayThread.objects.get(match=match)
    assert thread.is_open
    assert len(thread.code) == 2
    assert thread.code[0].isalpha()
    assert thread.code[1].isdigit()
    assert thread.network_id == match.need.network_id


def test_an_offer_not_yet_accepted_has_no_conversation(requester, helper):
    # given an offer of help waiting for the requester's answer
    need = NeedFactory(requester=requester)
    match = needs.match_propose(actor=helper, need=need)
    # then there is nothing to write in yet
    assert not RelayThread.objects.filter(match=match).exists()


def test_open_conversations_of_a_network_never_share_a_code(network, requester):
    # given many accepted matches in one network at once
    threads = []
    for _ in range(30):
        helper = MemberFactory(network=network)
        threads.append(thread_of(accepted_match(requester, helper)))
    # then each open conversation has its own code
    codes = [t.code for t in threads]
    assert len(set(codes)) == len(codes)


def test_opening_twice_gives_the_same_conversation(match, thread):
    assert relay.relay_open(match=match).pk == thread.pk
    assert RelayThread.objects.filter(match=match).count() == 1


# --- Closing with the match, every way it closes


def _done(match, requester, helper):
    needs.match_start(actor=requester, match=match)
    needs.match_confirm_done(actor=requester, match=match)
    needs.match_confirm_done(actor=helper, match=Match.objects.get(pk=match.pk))


def _released(match, requester, helper):
    needs.match_release(actor=helper, match=match, reason="I broke my leg")


def _cancelled_by_requester(match, requester, helper):
    needs.match_cancel(actor=requester, match=match)


def _cancelled_by_helper(match, requester, helper):
    needs.match_cancel(actor=helper, match=match, reason="sorry")


def _need_closed(match, requester, helper):
    needs.need_close(actor=requester, need=match.need)


def _blocked(match, requester, helper):
    needs.block_create(actor=requester, member=helper)


def _helper_left(match, requester, helper):
    membership.member_leave_by_choice(actor=helper)


def _swept(match, requester, helper):
    # a path that ends the match without telling the relay: the sweep closes it
    Match.objects.filter(pk=match.pk).update(state=Match.State.CANCELLED)
    assert relay.relays_close_sweep() == 1


@pytest.mark.parametrize(
    "end",
    [
        _done,
        _released,
        _cancelled_by_requester,
        _cancelled_by_helper,
        _need_closed,
        _blocked,
        _helper_left,
        _swept,
    ],
)
def test_the_conversation_closes_when_the_match_ends(match, thread, requester, helper, end):
    # given an open conversation / when the match ends this way
    end(match, requester, helper)
    # then the conversation is closed and a new message is refused with the ended text
    thread.refresh_from_db()
    assert thread.closed_at is not None
    with pytest.raises(Conflict, match=ENDED):
        relay_post(member=requester, thread=thread, text="are you still coming?")


def test_starting_the_help_keeps_the_conversation_open(match, thread, requester):
    needs.match_start(actor=requester, match=match)
    thread.refresh_from_db()
    assert thread.is_open
    assert relay_post(member=requester, thread=thread, text="thanks!").pk


def test_the_sweep_leaves_open_matches_alone(thread):
    assert relay.relays_close_sweep() == 0
    thread.refresh_from_db()
    assert thread.is_open


# --- Posting


def test_a_message_reaches_the_other_side_as_a_notice(thread, requester, helper):
    # when the helper writes
    message = relay_post(member=helper, thread=thread, text="I'm outside")
    # then it is kept and the requester, only, is told
    assert RelayMessage.objects.get().body == "I'm outside"
    assert message.via == RelayMessage.Via.WEB
    notices = relay_notices()
    assert [n.recipient_id for n in notices] == [requester.pk]
    assert notices[0].about_id == message.pk
    assert notices[0].extra == {}  # the words are not copied into the notification


def test_a_message_after_the_match_ended_is_not_kept_or_passed_on(
    match, thread, requester, django_capture_on_commit_callbacks
):
    # given a match the requester cancelled
    needs.match_cancel(actor=requester, match=match)
    mail.outbox.clear()
    # when the helper writes anyway
    with django_capture_on_commit_callbacks(execute=True), pytest.raises(Conflict) as refused:
        relay_post(member=match.helper, thread=thread, text="where are you?")
    # then they are told politely, and nothing is kept or sent
    assert refused.value.message == relay_ended_text()
    assert not RelayMessage.objects.exists()
    assert not relay_notices().exists()
    assert mail.outbox == []


def test_only_the_two_sides_may_write(thread, bystander, outsider):
    for stranger in (bystander, outsider):
        with pytest.raises(NotFound):
            relay_post(member=stranger, thread=thread, text="hello")
    assert not RelayMessage.objects.exists()


def test_one_writer_sends_a_bounded_number_of_messages_an_hour(thread, helper, monkeypatch):
    # given a cap of three an hour (each message may cost the network a text)
    monkeypatch.setattr(relay, "MESSAGES_PER_HOUR", 3)
    for n in range(3):
        relay_post(member=helper, thread=thread, text=f"message {n}")
    # when the helper writes a fourth within the hour / then it is refused, and not sent
    with pytest.raises(Conflict, match="many messages"):
        relay_post(member=helper, thread=thread, text="message 4")
    assert RelayMessage.objects.count() == 3
    assert relay_notices().count() == 3


def test_an_empty_or_overlong_message_is_refused(thread, requester):
    with pytest.raises(InvalidInput):
        relay_post(member=requester, thread=thread, text="   ")
    with pytest.raises(InvalidInput):
        relay_post(member=requester, thread=thread, text="x" * (MESSAGE_MAX_LENGTH + 1))
    assert not RelayMessage.objects.exists()


def test_the_email_says_who_wrote_but_never_the_words_or_the_address(
    thread, requester, helper, django_capture_on_commit_callbacks
):
    # given the requester writes their address to the helper
    with django_capture_on_commit_callbacks(execute=True):
        relay_post(member=requester, thread=thread, text=f"I'm at {SECRET_ADDRESS}")
    # then the helper's email names the sender and links the conversation, nothing more
    email = mail.outbox[-1]
    assert email.to == [helper.user.email]
    assert "Rosa" in email.subject
    for text in (email.subject, email.body):
        assert SECRET_ADDRESS not in text
        assert SECRET_PHONE not in text
    assert f"/conversations/{thread.match_id}/" in email.body


def test_the_text_message_carries_the_words_after_the_code(thread, requester, helper):
    # when the helper writes
    relay_post(member=helper, thread=thread, text="I'm outside")
    # then the SMS the requester would get reads "[K7] Hugo: I'm outside"
    rendered = notification_render(relay_notices().get())
    assert rendered is not None
    assert rendered.sms == f"[{thread.code}] Hugo: I'm outside"
    assert "I'm outside" not in rendered.subject + rendered.body


# --- Reporting


def test_a_report_goes_to_the_network_as_a_concern_about_the_sender(thread, requester, helper):
    # given a message from the helper
    message = relay_post(member=helper, thread=thread, text="rude words")
    # when the requester reports it
    concern = relay.relay_report(member=requester, message=message, reason="That was rude.")
    # then a concern about the helper is raised by the requester, quoting the message
    assert concern.about_id == helper.pk
    assert concern.raised_by_id == requester.pk
    assert "That was rude." in concern.text
    assert "rude words" in concern.text
    assert RelayMessage.objects.get().reported
    assert Notification.objects.filter(kind="concern.raised", recipient=helper).exists()


def test_the_networks_moderators_see_the_report_and_other_members_do_not(
    thread, requester, helper, bystander, network
):
    # given a founding organiser (who may moderate) and a message reported by the requester
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    message = relay_post(member=helper, thread=thread, text="rude words")
    concern = relay.relay_report(member=requester, message=message, reason="That was rude.")
    # then the organiser can read the concern, and a bystander cannot while it is answered
    assert concern in concerns_visible(organiser)
    assert concern not in concerns_visible(bystander)


def test_a_message_is_reported_once_and_never_by_its_writer(thread, requester, helper):
    message = relay_post(member=helper, thread=thread, text="rude words")
    with pytest.raises(PermissionDenied):
        relay.relay_report(member=helper, message=message, reason="myself")
    relay.relay_report(member=requester, message=message, reason="rude")
    message.refresh_from_db()
    with pytest.raises(Conflict):
        relay.relay_report(member=requester, message=message, reason="again")
    assert Concern.objects.count() == 1


def test_a_stranger_cannot_report(thread, helper, bystander):
    message = relay_post(member=helper, thread=thread, text="hi")
    with pytest.raises(NotFound):
        relay.relay_report(member=bystander, message=message, reason="nosy")
    assert not Concern.objects.exists()


# --- Retention and leaving


def test_messages_are_deleted_after_the_networks_retention(thread, requester, helper, network):
    # given a network that keeps things 30 days, an old message and a recent one
    ChannelPolicy.objects.create(network=network, notification_retention_days=30)
    old = relay_post(member=requester, thread=thread, text="old")
    RelayMessage.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))
    relay_post(member=helper, thread=thread, text="new")
    # when the daily sweep runs
    deleted = relay.relay_messages_expire()
    # then only the old one is gone
    assert deleted == 1
    assert list(RelayMessage.objects.values_list("body", flat=True)) == ["new"]


def test_other_networks_keep_the_default_ninety_days(thread, requester):
    message = relay_post(member=requester, thread=thread, text="kept")
    RelayMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(days=60)
    )
    assert relay.relay_messages_expire() == 0
    RelayMessage.objects.filter(pk=message.pk).update(
        created_at=timezone.now() - timedelta(days=91)
    )
    assert relay.relay_messages_expire() == 1


def test_a_leaving_helper_takes_their_words_with_them(thread, requester, helper):
    # given messages both ways
    relay_post(member=requester, thread=thread, text="from Rosa")
    relay_post(member=helper, thread=thread, text="from Hugo")
    # when the helper leaves the network
    membership.member_leave_by_choice(actor=helper)
    # then their words are gone, the requester's stay in a closed conversation
    assert list(RelayMessage.objects.values_list("body", flat=True)) == ["from Rosa"]
    thread.refresh_from_db()
    assert thread.closed_at is not None


def test_a_leaving_requester_takes_the_whole_conversation(thread, requester, helper):
    relay_post(member=helper, thread=thread, text="from Hugo")
    membership.member_leave_by_choice(actor=requester)
    assert not RelayThread.objects.exists()
    assert not RelayMessage.objects.exists()


def test_a_message_still_waiting_when_the_match_ends_is_never_delivered(
    match, thread, requester, helper
):
    # given a message from the helper that has not gone out yet (held by quiet hours, or
    # waiting for a retry), to a requester who takes texts
    verified_phone(requester)
    relay_post(member=helper, thread=thread, text="ring twice, flat 3")
    waiting = list(Delivery.objects.filter(notification__kind="relay.message"))
    assert {d.status for d in waiting} == {Delivery.Status.PENDING}
    # when the match ends before it goes
    needs.match_cancel(actor=requester, match=match)
    mail.outbox.clear()
    sms.outbox.clear()
    # then trying it now sends nothing anywhere, and the words never leave
    assert {delivery_send(d.pk) for d in waiting} == {Delivery.Status.SKIPPED}
    assert mail.outbox == []
    assert sms.outbox == []


def test_a_message_already_told_stays_listed_after_the_conversation_closes(
    match, thread, requester, helper
):
    # given a message the requester was told of
    relay_post(member=helper, thread=thread, text="on my way")
    [notice] = relay_notices()
    # when the match ends
    _done(match, requester, helper)
    thread.refresh_from_db()
    assert thread.closed_at is not None
    # then the bell still says who wrote (the words were never in it)
    rendered = notification_render(notice)
    assert rendered is not None
    assert helper.display_name in rendered.subject
