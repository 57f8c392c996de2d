"""mutualaid.core.sms: segments, sending through each backend, signatures, TwiML."""

import io
import json
from urllib.error import HTTPError, URLError

import pytest
from twilio.request_validator import RequestValidator

from mutualaid.core import sms
from mutualaid.core.sms import (
    SmsRefused,
    SmsUnavailable,
    sms_segments,
    sms_send,
    sms_signature_valid,
    twiml_reply,
)


@pytest.fixture(autouse=True)
def _empty_outbox():
    sms.outbox.clear()


# --- Segments


def test_a_gsm7_text_of_160_characters_is_one_segment():
    assert sms_segments("a" * 160) == ["a" * 160]


def test_a_gsm7_text_of_161_characters_is_two_parts_of_at_most_153():
    segments = sms_segments("a" * 161)
    assert [len(s) for s in segments] == [153, 8]


def test_extension_characters_cost_two_septets():
    # 80 euro signs are 160 septets: one segment; 81 are not.
    assert len(sms_segments("€" * 80)) == 1
    assert len(sms_segments("€" * 81)) == 2


def test_one_character_outside_gsm7_makes_the_whole_text_ucs2():
    assert len(sms_segments("ñ" * 100)) == 1  # ñ is GSM-7
    assert sms_segments("í" + "a" * 69) == ["í" + "a" * 69]  # í is not: 70 units fit
    segments = sms_segments("í" + "a" * 70)
    assert [len(s) for s in segments] == [67, 4]


def test_an_emoji_takes_two_units_and_is_never_cut_in_half():
    segments = sms_segments("😀" * 40)
    assert "".join(segments) == "😀" * 40
    assert all(len(s.encode("utf-16-le")) // 2 <= 67 for s in segments)


def test_parts_break_between_words():
    words = " ".join(f"word{n:03d}" for n in range(60))
    segments = sms_segments(words)
    assert len(segments) > 1
    assert " ".join(segments) == words
    assert all(len(s) <= 153 for s in segments)


def test_an_empty_text_has_no_segments():
    assert sms_segments("") == []


# --- Sending


def test_the_console_backend_puts_each_segment_in_the_outbox(settings, capsys):
    settings.MUTUALAID_SMS_BACKEND = "console"
    ids = sms_send("+15105550123", "a" * 200, key="n1")
    assert ids == ["console-n1-1", "console-n1-2"]
    assert [(m.to, m.key) for m in sms.outbox] == [
        ("+15105550123", "n1-1"),
        ("+15105550123", "n1-2"),
    ]
    assert "a" * 153 in capsys.readouterr().out


def test_a_number_that_is_not_e164_is_refused():
    with pytest.raises(SmsRefused):
        sms_send("510 555 0123", "hi", key="k")


class _Answer(io.BytesIO):
    def __enter__(self):
        return self

    def __exit__(self, *args):
        return False


@pytest.fixture
def http(settings, monkeypatch):
    settings.MUTUALAID_SMS_BACKEND = "http"
    settings.MUTUALAID_SMS_API_URL = "https://gateway.example/2010-04-01"
    settings.MUTUALAID_SMS_ACCOUNT_SID = "AC123"
    settings.MUTUALAID_SMS_AUTH_TOKEN = "token"
    settings.MUTUALAID_SMS_FROM = "+15105550100"
    sent = []

    def answer_with(result):
        def fake_urlopen(request, timeout):
            sent.append(request)
            if isinstance(result, Exception):
                raise result
            return _Answer(json.dumps({"sid": f"SM{len(sent)}"}).encode())

        monkeypatch.setattr(sms, "urlopen", fake_urlopen)
        return sent

    return answer_with


def test_the_http_backend_posts_each_segment_with_an_idempotency_key(http):
    sent = http(None)
    assert sms_send("+15105550123", "b" * 200, key="notice-7") == ["SM1", "SM2"]
    assert sent[0].full_url == "https://gateway.example/2010-04-01/Accounts/AC123/Messages.json"
    assert sent[0].get_header("I-twilio-idempotency-token") == "notice-7-1"
    assert sent[1].get_header("Idempotency-key") == "notice-7-2"
    assert b"From=%2B15105550100" in sent[0].data


@pytest.mark.parametrize(
    ("error", "raised"),
    [
        (HTTPError("u", 400, "bad number", {}, None), SmsRefused),
        (HTTPError("u", 404, "unsubscribed", {}, None), SmsRefused),
        (HTTPError("u", 429, "slow down", {}, None), SmsUnavailable),
        (HTTPError("u", 503, "down", {}, None), SmsUnavailable),
        (URLError("no route"), SmsUnavailable),
        (TimeoutError(), SmsUnavailable),
    ],
)
def test_gateway_failures_are_permanent_or_transient(http, error, raised):
    http(error)
    with pytest.raises(raised):
        sms_send("+15105550123", "hi", key="k")


# --- Signatures and TwiML


def test_a_signature_made_with_our_token_is_valid_and_any_other_is_not(settings):
    settings.MUTUALAID_SMS_AUTH_TOKEN = "secret-token"
    url, params = "https://example.org/sms/inbound", {"From": "+15105550123", "Body": "hi"}
    good = RequestValidator("secret-token").compute_signature(url, params)
    assert sms_signature_valid(url, params, good)
    assert not sms_signature_valid(url, {**params, "Body": "changed"}, good)
    assert not sms_signature_valid(
        url, params, RequestValidator("other").compute_signature(url, params)
    )
    assert not sms_signature_valid(url, params, "")


def test_without_a_token_no_signature_is_valid(settings):
    settings.MUTUALAID_SMS_AUTH_TOKEN = ""
    assert not sms_signature_valid("https://x/sms/inbound", {}, "anything")


def test_twiml_escapes_the_reply():
    assert twiml_reply("a < b & </Message>") == (
        '<?xml version="1.0" encoding="UTF-8"?>'
        "<Response><Message>a &lt; b &amp; &lt;/Message&gt;</Message></Response>"
    )
    assert twiml_reply("").endswith("<Response />")


def test_with_texts_off_nothing_is_sent_or_printed(settings, capsys):
    settings.MUTUALAID_SMS_BACKEND = "off"
    sms.outbox.clear()
    with pytest.raises(SmsRefused):
        sms_send("+15105550123", "your code is 123456", key="n1")
    assert sms.outbox == []
    assert "123456" not in capsys.readouterr().out


def test_a_text_goes_from_the_number_it_is_given_else_the_servers(http):
    sent = http(None)
    sms_send("+15105550123", "hi", key="k1", sender="+15105550199")
    sms_send("+15105550123", "hi", key="k2")
    assert b"From=%2B15105550199" in sent[0].data
    assert b"From=%2B15105550100" in sent[1].data
