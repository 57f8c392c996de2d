"""The relay by text message: a text that is no command goes to the member's conversation,
named by its code when they have several; given members who text, when they write, then the
message is passed on (or not) and the reply says what happened."""

import pytest

from mutualaid.channels.models import Notification
from mutualaid.core import sms as core_sms
from mutualaid.needs import services as needs
from mutualaid.relay.models import RelayMessage
from mutualaid.sms.models import NetworkSmsNumber, SmsPhone
from tests.factories import MemberFactory
from tests.relay.conftest import accepted_match, thread_of
from tests.sms.conftest import (  # noqa: F401 - fixtures
    HELPER_NUMBER,
    REQUESTER_NUMBER,
    _sms_settings,
    categories,
    text,
    texters,
    verified_phone,
)

pytestmark = pytest.mark.usefixtures("_sms_settings", "texters")

ENDED = "This conversation has ended"


@pytest.fixture
def thread(requester, helper):
    return thread_of(accepted_match(requester, helper))


@pytest.fixture
def two_threads(requester, helper, network):
    """The helper (Hugo) helps Rosa and Ana: two open conversations."""
    ana = MemberFactory(network=network, display_name="Ana")
    return thread_of(accepted_match(requester, helper)), thread_of(accepted_match(ana, helper))


def bodies():
    return list(RelayMessage.objects.values_list("body", flat=True))


def test_with_one_conversation_the_code_is_not_needed(thread, requester):
    # when Hugo texts plain words
    reply = text(HELPER_NUMBER, "I'm outside")
    # then Rosa gets them, and Hugo is told so
    assert reply == "Sent to Rosa."
    message = RelayMessage.objects.get()
    assert message.body == "I'm outside"
    assert message.via == RelayMessage.Via.SMS
    assert Notification.objects.get(kind="relay.message").recipient_id == requester.pk


@pytest.mark.parametrize("form", ["{code} on my way", "{lower}: on my way", "[{code}] on my way"])
def test_the_code_may_be_written_in_several_ways(thread, form):
    body = form.format(code=thread.code, lower=thread.code.lower())
    assert text(REQUESTER_NUMBER, body) == "Sent to Hugo."
    assert bodies() == ["on my way"]


def test_with_several_conversations_the_code_picks_one(two_threads):
    rosa, ana = two_threads
    assert text(HELPER_NUMBER, f"{ana.code} ten minutes") == "Sent to Ana."
    assert RelayMessage.objects.get().thread_id == ana.pk


def test_with_several_conversations_and_no_code_the_reply_lists_them(two_threads):
    rosa, ana = two_threads
    # when Hugo forgets the code
    reply = text(HELPER_NUMBER, "ten minutes")
    # then nothing is passed on and he is told which codes are his
    assert not RelayMessage.objects.exists()
    assert f"{rosa.code} (Rosa)" in reply
    assert f"{ana.code} (Ana)" in reply


def test_a_wrong_code_is_not_passed_on(thread):
    wrong = "A3" if thread.code != "A3" else "B4"
    reply = text(HELPER_NUMBER, f"{wrong} hello")
    assert f"no conversation {wrong}" in reply
    assert f"{thread.code} (Rosa)" in reply
    assert not RelayMessage.objects.exists()


def test_a_text_after_the_match_ended_gets_the_ended_text(thread, requester):
    # given Rosa cancelled the match
    needs.match_cancel(actor=requester, match=thread.match)
    # when Hugo texts, with the code or without
    for body in (f"{thread.code} where are you?", "where are you?"):
        # then he is told politely that it ended, and nothing is passed on
        assert ENDED in text(HELPER_NUMBER, body)
    assert not RelayMessage.objects.exists()
    assert not Notification.objects.filter(kind="relay.message").exists()


def test_a_member_without_conversations_gets_the_help_text(requester):
    assert "did not understand" in text(REQUESTER_NUMBER, "thanks so much!!")


def test_the_other_side_is_texted_the_words_with_the_code(
    thread, requester, django_capture_on_commit_callbacks
):
    # given Rosa has a verified number (fixture) / when Hugo texts
    core_sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        text(HELPER_NUMBER, "I'm outside")
    # then Rosa's phone gets "[K7] Hugo: I'm outside", and nobody's number is in it
    sent = [m for m in core_sms.outbox if m.to == REQUESTER_NUMBER]
    assert [m.body for m in sent] == [f"[{thread.code}] Hugo: I'm outside"]


def test_a_relayed_text_comes_from_the_networks_own_number(
    thread, requester, network, django_capture_on_commit_callbacks
):
    # given the network has its own number, and the server a different one
    NetworkSmsNumber.objects.create(network=network, number="+15105550100")
    core_sms.outbox.clear()
    # when Hugo texts the network's number
    with django_capture_on_commit_callbacks(execute=True):
        text(HELPER_NUMBER, "I'm outside", to="+15105550100")
    # then Rosa gets it from that number, so her reply reaches the network, and the thread
    [sent] = [m for m in core_sms.outbox if m.to == REQUESTER_NUMBER]
    assert sent.sender == "+15105550100"
    # and her answer, to that number, reaches Hugo
    core_sms.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        text(REQUESTER_NUMBER, "coming down", to=sent.sender)
    assert [m.body for m in core_sms.outbox if m.to == HELPER_NUMBER] == [
        f"[{thread.code}] Rosa: coming down"
    ]


@pytest.mark.parametrize("words", ["stop by later if you can", "yes see you at 5", "done soon"])
def test_command_words_with_more_after_them_go_to_the_other_side(thread, words):
    # when Hugo, in a conversation, texts words that start like a command
    reply = text(HELPER_NUMBER, words)
    # then they reach Rosa, and Hugo is neither opted out nor answering an ask
    assert reply == "Sent to Rosa."
    assert bodies() == [words]


def test_a_bare_stop_still_opts_out_during_a_conversation(thread, helper):
    # when Hugo texts STOP alone, as carriers require
    text(HELPER_NUMBER, "STOP")
    # then he is opted out, and nothing was passed on
    assert SmsPhone.objects.get(member=helper).opted_out_at is not None
    assert bodies() == []


def test_without_a_conversation_command_words_keep_their_forgiving_reading(requester):
    # given Rosa has no conversation: "stop now please" is still a STOP
    text(REQUESTER_NUMBER, "stop now please")
    assert SmsPhone.objects.get(member=requester).opted_out_at is not None
