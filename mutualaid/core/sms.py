"""Sending a text message, and checking that an incoming one came from our gateway.

A building block: it knows no app. `sms_send(to, body, key=...)` splits the body into the
segments a provider bills for and hands each to the backend chosen by `MUTUALAID_SMS_BACKEND`:

- `console` (the default): prints what the member would receive and appends it to `outbox`,
  which tests clear and read like Django's `mail.outbox`;
- `http`: a Twilio-compatible REST gateway (`POST {MUTUALAID_SMS_API_URL}/Accounts/{sid}/
  Messages.json`, basic auth with the account SID and token, one request per segment);
- `off` (the default in production, where `console` is refused): nothing is sent, and no
  member can add a number.

Failures come back as two errors: `SmsRefused` (permanent: a bad or unsubscribed number, any
other 4xx; retrying cannot help) and `SmsUnavailable` (transient: 5xx, 429, timeouts; retry).
"""

import base64
import json
import re
import sys
from collections.abc import Mapping
from dataclasses import dataclass
from urllib.error import HTTPError, URLError
from urllib.parse import urlencode
from urllib.request import Request, urlopen
from xml.etree import ElementTree

import phonenumbers
from django.conf import settings
from twilio.request_validator import RequestValidator

# --- Segments -------------------------------------------------------------------------------

# The GSM 03.38 default alphabet; each character costs one septet.
GSM7_BASIC = frozenset(
    "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?"
    "¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà"
)
# Its extension table: each costs two septets (an escape, then the character).
GSM7_EXTENDED = frozenset("^{}\\[~]|€\f")
GSM7_SINGLE, GSM7_PART = 160, 153  # a multi-part message loses 7 septets to its header
UCS2_SINGLE, UCS2_PART = 70, 67  # in UTF-16 code units


def is_gsm7(text: str) -> bool:
    return all(ch in GSM7_BASIC or ch in GSM7_EXTENDED for ch in text)


def _gsm7_cost(text: str) -> int:
    return sum(2 if ch in GSM7_EXTENDED else 1 for ch in text)


def _ucs2_cost(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2  # a character beyond the BMP takes two units


class _Cost:
    def __init__(self, gsm7: bool) -> None:
        self.gsm7 = gsm7

    def __call__(self, text: str) -> int:
        return _gsm7_cost(text) if self.gsm7 else _ucs2_cost(text)


def _hard_split(word: str, limit: int, cost: _Cost) -> list[str]:
    """A word longer than a segment, cut between characters (never inside one)."""
    parts, current = [], ""
    for ch in word:
        if current and cost(current + ch) > limit:
            parts.append(current)
            current = ""
        current += ch
    return [*parts, current] if current else parts


def sms_segments(text: str) -> list[str]:
    """The text as the segments a provider sends and bills: GSM-7 when every character is in
    its alphabet (160 septets alone, 153 per part), UCS-2 otherwise (70 units, 67 per part).
    Parts break between words where a word fits; spaces at a break are dropped."""
    if not text:
        return []
    cost = _Cost(is_gsm7(text))
    single, part = (GSM7_SINGLE, GSM7_PART) if cost.gsm7 else (UCS2_SINGLE, UCS2_PART)
    if cost(text) <= single:
        return [text]
    segments: list[str] = []
    current = ""
    for token in re.findall(r"\s*\S+\s*|\s+", text):
        if cost((current + token).rstrip()) <= part:
            current += token
            continue
        if current.strip():
            segments.append(current.rstrip())
        current = token.lstrip()
        if cost(current.rstrip()) > part:  # one word longer than a whole part
            *whole, current = _hard_split(current, part, cost)
            segments.extend(whole)
    if current.strip():
        segments.append(current.rstrip())
    return segments


# --- Numbers --------------------------------------------------------------------------------


def phone_e164(raw: str, *, region: str) -> str | None:
    """The number in E.164 (+15105550123), read as a number of `region` when it has no
    country code; None if it is not a valid phone number."""
    try:
        number = phonenumbers.parse(raw, region.upper())
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_valid_number(number):
        return None
    return str(phonenumbers.format_number(number, phonenumbers.PhoneNumberFormat.E164))


# --- Sending --------------------------------------------------------------------------------


class SmsError(Exception):
    pass


class SmsRefused(SmsError):
    """Permanent: the number is invalid or unsubscribed, or the gateway said no (4xx)."""


class SmsUnavailable(SmsError):
    """Transient: the gateway failed or timed out (5xx, 429, network); try again later."""


@dataclass(frozen=True)
class SentSms:
    """One segment as the console backend sent it."""

    to: str
    body: str
    key: str
    sender: str = ""


outbox: list[SentSms] = []
HTTP_TIMEOUT_SECONDS = 10


def sms_available() -> bool:
    """Whether this server sends texts at all (`MUTUALAID_SMS_BACKEND` is not `off`)."""
    return bool(settings.MUTUALAID_SMS_BACKEND != "off")


def sms_send(to: str, body: str, *, key: str, sender: str | None = None) -> list[str]:
    """Send `body` to the E.164 number `to`, one request per segment; returns the provider's
    id of each. `key` identifies this message: the same key sent again (a retried task) is
    passed to the gateway as an idempotency key per segment, where the gateway honours one.
    `sender` is the number it comes from (a network's own, so a reply reaches that network);
    the server's `MUTUALAID_SMS_FROM` when not given."""
    if not re.fullmatch(r"\+[1-9]\d{6,14}", to):
        raise SmsRefused("not an E.164 number")
    if not sms_available():
        raise SmsRefused("this server does not send text messages")
    segments = sms_segments(body)
    if not segments:
        raise ValueError("an SMS needs a body")
    sender = sender or settings.MUTUALAID_SMS_FROM
    if settings.MUTUALAID_SMS_BACKEND == "http":
        return [
            _http_send(to, text, key=f"{key}-{n}", sender=sender)
            for n, text in enumerate(segments, 1)
        ]
    return [
        _console_send(to, text, key=f"{key}-{n}", sender=sender)
        for n, text in enumerate(segments, 1)
    ]


def _console_send(to: str, body: str, *, key: str, sender: str) -> str:
    outbox.append(SentSms(to=to, body=body, key=key, sender=sender))
    sys.stdout.write(f"--- SMS to {to} from {sender or 'the server'} ({key}) ---\n{body}\n")
    sys.stdout.flush()
    return f"console-{key}"


def _http_send(to: str, body: str, *, key: str, sender: str) -> str:
    sid = settings.MUTUALAID_SMS_ACCOUNT_SID
    url = f"{settings.MUTUALAID_SMS_API_URL.rstrip('/')}/Accounts/{sid}/Messages.json"
    credentials = f"{sid}:{settings.MUTUALAID_SMS_AUTH_TOKEN}".encode()
    request = Request(  # noqa: S310 - the scheme is checked in settings.py (http/https only)
        url,
        data=urlencode({"To": to, "From": sender, "Body": body}).encode(),
        method="POST",
        headers={
            "Authorization": "Basic " + base64.b64encode(credentials).decode(),
            "Content-Type": "application/x-www-form-urlencoded",
            # Twilio's own header, and the common one other gateways read.
            "I-Twilio-Idempotency-Token": key,
            "Idempotency-Key": key,
        },
    )
    try:
        with urlopen(request, timeout=HTTP_TIMEOUT_SECONDS) as response:  # noqa: S310 - as above
            answer = json.loads(response.read() or b"{}")
    except HTTPError as error:
        # 408 and 429 say "not now", like a 5xx; any other 4xx is about this message.
        if error.code >= 500 or error.code in {408, 429}:
            raise SmsUnavailable(f"gateway answered {error.code}") from None
        raise SmsRefused(f"gateway refused ({error.code})") from None
    except (URLError, TimeoutError, OSError, ValueError) as error:
        raise SmsUnavailable(f"gateway unreachable: {type(error).__name__}") from None
    return str(answer.get("sid", "")) if isinstance(answer, dict) else ""


# --- Receiving ------------------------------------------------------------------------------


def sms_signature_valid(url: str, params: Mapping[str, str], signature: str) -> bool:
    """Whether `signature` (the X-Twilio-Signature header) signs this URL and these form
    parameters with our auth token. Without a token nothing is valid."""
    token = settings.MUTUALAID_SMS_AUTH_TOKEN
    if not token or not signature:
        return False
    return bool(RequestValidator(token).validate(url, dict(params), signature))


def twiml_reply(text: str) -> str:
    """A TwiML answer to an incoming text: `<Response><Message>text</Message></Response>`,
    or an empty `<Response/>` (no reply) for "". The text is escaped by the XML writer."""
    response = ElementTree.Element("Response")
    if text:
        ElementTree.SubElement(response, "Message").text = text
    return '<?xml version="1.0" encoding="UTF-8"?>' + ElementTree.tostring(
        response, encoding="unicode"
    )
