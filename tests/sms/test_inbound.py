"""Incoming texts through the webhook: signatures, replays, rate limits, strangers, STOP."""

from datetime import timedelta

import pytest
from click.testing import CliRunner
from django.test import Client
from django.utils import timezone

from mutualaid.cli import main
from mutualaid.core.errors import InvalidInput
from mutualaid.membership.services import LeaveCause, member_leave
from mutualaid.needs.models import Need
from mutualaid.networks.models import Member
from mutualaid.sms.models import NetworkSmsNumber, SmsConversation, SmsInbound, SmsPhone
from mutualaid.sms.selectors import sms_number_for
from mutualaid.sms.services.inbound import sms_expire_sweep
from mutualaid.sms.services.phones import network_sms_number_set
from tests.factories import MemberFactory
from tests.sms.conftest import (
    HELPER_NUMBER,
    REQUESTER_NUMBER,
    STRANGER_NUMBER,
    signed_post,
    text,
)

URL = "/sms/inbound"


def _params(body, *, sid="SM-web-1", number=REQUESTER_NUMBER):
    return {"From": number, "To": "+15105550100", "Body": body, "MessageSid": sid}


# --- The webhook


def test_a_signed_text_gets_a_twiml_reply(texters):
    response = signed_post(Client(), URL, _params("STATUS"))
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/xml")
    assert b"<Response><Message>You have no open needs" in response.content


def test_a_missing_signature_is_refused_and_nothing_is_stored(texters):
    response = Client().post(URL, _params("STATUS"))
    assert response.status_code == 403
    assert not SmsInbound.objects.exists()


def test_a_bad_signature_is_refused(texters):
    response = signed_post(Client(), URL, _params("STATUS"), token="someone-elses-token")
    assert response.status_code == 403
    assert not SmsInbound.objects.exists()


def test_a_signature_over_other_parameters_is_refused(texters):
    client = Client()
    signed_for = _params("STATUS")
    from twilio.request_validator import RequestValidator  # the test signs like Twilio

    signature = RequestValidator("test-auth-token").compute_signature(
        "http://127.0.0.1:8000" + URL, signed_for
    )
    response = client.post(URL, _params("CANCEL 1"), HTTP_X_TWILIO_SIGNATURE=signature)
    assert response.status_code == 403


def test_the_skip_setting_accepts_unsigned_texts_for_development(texters, settings):
    settings.MUTUALAID_SMS_SKIP_SIGNATURE = True
    assert Client().post(URL, _params("STATUS")).status_code == 200


def test_a_get_is_not_allowed():
    assert Client().get(URL).status_code == 405


def test_a_replayed_message_sid_is_processed_once(texters, requester):
    first = signed_post(Client(), URL, _params("NEED groceries tomorrow", sid="SM-replay"))
    again = signed_post(Client(), URL, _params("NEED groceries tomorrow", sid="SM-replay"))
    assert Need.objects.filter(requester=requester).count() == 1
    assert SmsInbound.objects.filter(message_sid="SM-replay").count() == 1
    assert first.content == again.content
    assert b"Posted as need" in again.content


# --- Who is texting


def test_an_unknown_number_is_told_how_to_join_and_nothing_is_stored(texters, network):
    NetworkSmsNumber.objects.create(network=network, number="+15105550100")
    reply = text(STRANGER_NUMBER, "NEED groceries", to="+15105550100")
    assert "join" in reply
    assert f"/n/{network.slug}/" in reply
    assert not SmsInbound.objects.exists()
    assert not SmsConversation.objects.exists()
    assert not Need.objects.exists()


def test_an_unknown_number_texting_in_spanish_is_answered_in_spanish(texters):
    assert "únete" in text(STRANGER_NUMBER, "necesito comida").lower()


def test_an_unverified_number_is_a_stranger(texters, requester):
    SmsPhone.objects.filter(member=requester).update(verified_at=None)
    assert "join" in text(REQUESTER_NUMBER, "STATUS")
    assert not SmsInbound.objects.exists()


def test_texts_to_a_networks_number_belong_to_that_network(texters, requester, outsider):
    NetworkSmsNumber.objects.create(network=outsider.network, number="+15105550111")
    # The requester is verified in their own network only: to the other one, a stranger.
    assert "join" in text(REQUESTER_NUMBER, "STATUS", to="+15105550111")


def test_over_the_rate_limit_the_answer_is_silence(texters, settings):
    settings.MUTUALAID_SMS_RATE_PER_HOUR = 3
    replies = [text(REQUESTER_NUMBER, "STATUS") for _ in range(5)]
    assert all(replies[:3])
    assert replies[3:] == ["", ""]
    assert SmsInbound.objects.count() == 3


# --- STOP and START


def test_stop_confirms_and_then_nothing_is_answered_or_sent(texters, requester):
    reply = text(REQUESTER_NUMBER, "STOP")
    assert "no more texts" in reply
    assert sms_number_for(requester) is None
    assert text(REQUESTER_NUMBER, "STATUS") == ""
    reply = text(REQUESTER_NUMBER, "START")
    assert "on again" in reply
    assert sms_number_for(requester) == REQUESTER_NUMBER


def test_spanish_stop_and_start(texters, requester):
    assert "START" in text(REQUESTER_NUMBER, "ALTO") or "INICIO" in text(REQUESTER_NUMBER, "ALTO")
    assert sms_number_for(requester) is None
    text(REQUESTER_NUMBER, "inicio")
    assert sms_number_for(requester) == REQUESTER_NUMBER


# --- Retention, leaving, the command line


def test_the_sweep_deletes_texts_past_their_retention(texters, settings):
    settings.MUTUALAID_SMS_RETENTION_DAYS = 30
    text(REQUESTER_NUMBER, "STATUS", sid="SM-old")
    text(REQUESTER_NUMBER, "STATUS", sid="SM-new")
    SmsInbound.objects.filter(message_sid="SM-old").update(
        received_at=timezone.now() - timedelta(days=31)
    )
    assert sms_expire_sweep() == 1
    assert list(SmsInbound.objects.values_list("message_sid", flat=True)) == ["SM-new"]


def test_leaving_deletes_the_number_the_texts_and_the_question_waiting(texters, requester, helper):
    text(REQUESTER_NUMBER, "NEED")  # asks "what do you need?"
    assert SmsConversation.objects.filter(member=requester).exists()
    member_leave(member=requester, cause=LeaveCause.LEFT)
    assert not SmsPhone.objects.filter(number_hash=texters["requester"].number_hash).exists()
    assert not SmsInbound.objects.filter(member_id=requester.pk).exists()
    assert not SmsConversation.objects.exists()
    assert SmsPhone.objects.filter(member=helper).exists()


def test_the_cli_runs_the_same_path_and_prints_the_reply(texters, requester):
    result = CliRunner().invoke(
        main, ["sms", "simulate", "--from", REQUESTER_NUMBER, "NEED groceries tomorrow"]
    )
    assert result.exit_code == 0, result.output
    assert "Posted as need #" in result.output
    assert Need.objects.filter(requester=requester, category__slug="groceries").count() == 1
    assert SmsInbound.objects.filter(member=requester).count() == 1


def test_the_cli_tells_a_stranger_how_to_join(texters):
    result = CliRunner().invoke(main, ["sms", "simulate", "--from", HELPER_NUMBER[:-1] + "9", "hi"])
    assert "join" in result.output


def test_a_network_that_chose_a_shorter_retention_loses_its_texts_sooner(
    texters, network, settings
):
    # given the server keeps texts 30 days and this network chose 7 for its number
    settings.MUTUALAID_SMS_RETENTION_DAYS = 30
    NetworkSmsNumber.objects.create(network=network, number="+15105550100", retention_days=7)
    text(REQUESTER_NUMBER, "STATUS", sid="SM-week-old")
    text(REQUESTER_NUMBER, "STATUS", sid="SM-today")
    SmsInbound.objects.filter(message_sid="SM-week-old").update(
        received_at=timezone.now() - timedelta(days=8)
    )

    # when the sweep runs, then the eight-day-old text is gone and today's stays
    assert sms_expire_sweep() == 1
    assert list(SmsInbound.objects.values_list("message_sid", flat=True)) == ["SM-today"]


def test_the_retention_an_organiser_sets_must_be_a_sensible_number_of_days(network):
    organiser = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    with pytest.raises(InvalidInput):
        network_sms_number_set(
            actor=organiser, network=network, number="+15105550100", retention_days=0
        )
    row = network_sms_number_set(
        actor=organiser, network=network, number="+15105550100", retention_days=14
    )
    assert row.retention_days == 14
