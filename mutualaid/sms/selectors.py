"""Reads about text messages: a member's number, and who an incoming number belongs to."""

import hashlib
import hmac

from django.conf import settings
from django.db.models import QuerySet

from mutualaid.core.sms import phone_e164, sms_available
from mutualaid.networks.models import Member, Network
from mutualaid.sms.models import NetworkSmsNumber, SmsConversation, SmsInbound, SmsPhone


def number_hashes(e164: str) -> list[str]:
    """The keyed hash of a number under SECRET_KEY, then under each fallback key, so that
    numbers hashed before a key rotation are still found (the newest hash comes first)."""
    keys = [settings.SECRET_KEY, *settings.SECRET_KEY_FALLBACKS]
    return [
        hmac.new(f"mutualaid.sms.number:{key}".encode(), e164.encode(), hashlib.sha256).hexdigest()
        for key in keys
    ]


def phone_region(network: Network) -> str:
    """Where a number without a country code is read. Networks have no country yet, so it is
    the server's setting."""
    return settings.MUTUALAID_PHONE_REGION


def phone_normalised(raw: str, *, network: Network) -> str | None:
    return phone_e164(raw, region=phone_region(network))


def phone_of(*, member: Member) -> SmsPhone | None:
    return SmsPhone.objects.filter(member=member).first()


def sms_number_for(member: Member, *, include_unverified: bool = False) -> str | None:
    """The member's verified number in E.164, unless they texted STOP; None otherwise. The
    outgoing SMS channel sends only to this; the verification code alone (`sms.phone_code`)
    goes to the number still being verified (`include_unverified=True`). None as well when
    this server sends no texts: a text is then skipped, not failed against the member."""
    if not sms_available():
        return None
    phones = SmsPhone.objects.filter(member=member, opted_out_at__isnull=True)
    if not include_unverified:
        phones = phones.filter(verified_at__isnull=False)
    phone = phones.first()
    return phone.number if phone is not None else None


def network_sms_sender(network_id: int) -> str | None:
    """The network's own number, which its texts come from so that replies reach it; None
    when it has none (the server's number is used)."""
    return (
        NetworkSmsNumber.objects.filter(network_id=network_id)
        .values_list("number", flat=True)
        .first()
    )


def network_by_sms_number(e164: str | None) -> Network | None:
    if not e164:
        return None
    row = NetworkSmsNumber.objects.select_related("network").filter(number=e164).first()
    return row.network if row is not None else None


def verified_phones_of_number(e164: str) -> QuerySet[SmsPhone]:
    return SmsPhone.objects.filter(
        number_hash__in=number_hashes(e164), verified_at__isnull=False
    ).select_related("member__network", "member__user")


def phone_for_inbound(*, from_number: str, to_number: str | None) -> SmsPhone | None:
    """The verified phone an incoming text comes from. Texts to a network's own number belong
    to that network; with no such number, the sender must be verified in exactly one network."""
    phones = verified_phones_of_number(from_number)
    network = network_by_sms_number(to_number)
    if network is not None:
        return phones.filter(network=network).first()
    found = list(phones[:2])
    return found[0] if len(found) == 1 else None


def inbound_by_sid(message_sid: str) -> SmsInbound | None:
    return SmsInbound.objects.filter(message_sid=message_sid).first()


def conversation_of(member: Member) -> SmsConversation | None:
    return SmsConversation.objects.filter(member=member).first()


def sms_data_export(*, member: Member) -> dict[str, object]:
    """The member's text-message data, for "download my data"."""
    phone = phone_of(member=member)
    conversation = conversation_of(member)
    return {
        "sms_phone": None
        if phone is None
        else {
            "number": phone.number,
            "verified_at": _iso(phone.verified_at),
            "opted_out_at": _iso(phone.opted_out_at),
            "created_at": _iso(phone.created_at),
        },
        "sms_inbound": [
            {"body": row.body or "", "reply": row.reply or "", "received_at": _iso(row.received_at)}
            for row in SmsInbound.objects.filter(member=member).order_by("received_at")
        ],
        "sms_conversation": None
        if conversation is None
        else {"step": conversation.step, "expires_at": _iso(conversation.expires_at)},
    }


def _iso(value: object) -> str | None:
    isoformat = getattr(value, "isoformat", None)
    return str(isoformat()) if isoformat is not None else None
