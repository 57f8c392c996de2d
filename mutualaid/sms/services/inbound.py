"""An incoming text, from the webhook or the command line, to its reply.

The same path for both doors: rate limit by number, find the verified member the number
belongs to, store the text once per MessageSid (a replay gets the first reply back), run the
command, keep the reply. A number that belongs to nobody gets a reply on how to join, and
nothing about it is stored but the rate-limit counter (under the number's keyed hash).
"""

from datetime import datetime, timedelta

from django.conf import settings
from django.core.cache import cache
from django.db import IntegrityError, transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _

from mutualaid.core.sms import phone_e164
from mutualaid.sms.commands import parse
from mutualaid.sms.models import NetworkSmsNumber, SmsConversation, SmsInbound, SmsPhone
from mutualaid.sms.selectors import (
    inbound_by_sid,
    network_by_sms_number,
    number_hashes,
    phone_for_inbound,
)
from mutualaid.sms.services.replies import reply_language, sms_reply

RATE_WINDOW_SECONDS = 3600


def _within_rate(e164: str) -> bool:
    """At most MUTUALAID_SMS_RATE_PER_HOUR texts an hour per number (a fixed window that
    starts with the first text)."""
    key = f"sms-inbound-rate:{number_hashes(e164)[0]}"
    cache.add(key, 0, timeout=RATE_WINDOW_SECONDS)
    try:
        count = cache.incr(key)
    except ValueError:  # the window ended between add and incr
        cache.set(key, 1, timeout=RATE_WINDOW_SECONDS)
        count = 1
    return count <= settings.MUTUALAID_SMS_RATE_PER_HOUR


def sms_receive(*, from_number: str, to_number: str, body: str, message_sid: str) -> str:
    """The reply to one incoming text ("" for no reply). Over the rate limit the answer is
    silence: every reply is a text the network pays for, and a flood should cost nothing."""
    sender = phone_e164(from_number, region=settings.MUTUALAID_PHONE_REGION)
    if sender is None or not _within_rate(sender):
        return ""
    receiver = phone_e164(to_number, region=settings.MUTUALAID_PHONE_REGION) if to_number else None
    phone = phone_for_inbound(from_number=sender, to_number=receiver)
    if phone is None:
        return _join_reply(to_number=receiver, body=body)
    with translation.override(reply_language(phone.member, body)):
        return _receive_from(phone, body=body, message_sid=message_sid)


def _join_reply(*, to_number: str | None, body: str) -> str:
    network = network_by_sms_number(to_number)
    url = settings.SITE_URL + (
        reverse("networks:public", kwargs={"slug": network.slug}) if network else "/"
    )
    with translation.override(parse(body).language or settings.LANGUAGE_CODE):
        return _(
            "Hello! This number is not linked to a member. To use mutualaid by text, join at "
            "%(url)s and add your number in your profile."
        ) % {"url": url}


@transaction.atomic
def _receive_from(phone: SmsPhone, *, body: str, message_sid: str) -> str:
    # One transaction: a replay arriving meanwhile waits on the unique MessageSid, then finds
    # the stored reply.
    try:
        with transaction.atomic():
            inbound = SmsInbound.objects.create(
                network_id=phone.network_id,
                member=phone.member,
                message_sid=message_sid,
                body=body,
            )
    except IntegrityError:
        previous = inbound_by_sid(message_sid)
        same_sender = previous is not None and previous.member_id == phone.member_id
        return (previous.reply or "") if previous is not None and same_sender else ""
    reply = sms_reply(phone=phone, body=body)
    inbound.reply = reply
    inbound.save(update_fields=["reply"])
    return reply


@transaction.atomic
def sms_expire_sweep(*, now: datetime | None = None) -> int:
    """Delete incoming texts older than their network's retention (the days set on its
    number, else MUTUALAID_SMS_RETENTION_DAYS) and questions by text that lapsed. Returns how
    many texts went. Safe to run twice."""
    now = now or timezone.now()
    chosen: dict[int, int] = {
        network_id: days
        for network_id, days in NetworkSmsNumber.objects.values_list("network_id", "retention_days")
        if days is not None
    }
    deleted, _by_model = (
        SmsInbound.objects.filter(
            received_at__lt=now - timedelta(days=settings.MUTUALAID_SMS_RETENTION_DAYS)
        )
        .exclude(network_id__in=chosen)
        .delete()
    )
    for days in set(chosen.values()):
        networks = [network for network, kept in chosen.items() if kept == days]
        count, _by_model = SmsInbound.objects.filter(
            network_id__in=networks, received_at__lt=now - timedelta(days=days)
        ).delete()
        deleted += count
    SmsConversation.objects.filter(expires_at__lt=now).delete()
    return deleted
