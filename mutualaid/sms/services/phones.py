"""A member's number for text messages: added, proved by a 6-digit code, removed; STOP and
START; and the network's own number."""

import secrets
from datetime import timedelta

from django.core.cache import cache
from django.db import transaction
from django.utils import timezone
from django.utils.crypto import constant_time_compare, salted_hmac
from django.utils.translation import gettext as _

from mutualaid.channels.services import notice_send
from mutualaid.core.errors import Conflict, DomainError, InvalidInput, NotFound
from mutualaid.core.history import history_record
from mutualaid.core.sms import sms_available
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import require
from mutualaid.sms.models import NetworkSmsNumber, SmsConversation, SmsPhone
from mutualaid.sms.selectors import number_hashes, phone_normalised, phone_of

CODE_LIFETIME = timedelta(minutes=15)
CODE_MAX_ATTEMPTS = 5
# Each code is a text the network pays for and a stranger's phone could receive: at most one a
# minute and a few a day per member.
CODE_RESEND_AFTER = timedelta(minutes=1)
CODES_PER_DAY = 5


def _code_hash(phone: SmsPhone, code: str) -> str:
    return salted_hmac("mutualaid.sms.code", f"{phone.pk}:{code}", algorithm="sha256").hexdigest()


def _count_code_sent(member: Member) -> None:
    key = f"sms-codes-sent:{member.pk}"
    cache.add(key, 0, timeout=24 * 3600)
    if cache.incr(key) > CODES_PER_DAY:
        raise Conflict(_("Too many codes were sent today. Please try again tomorrow."))


def _send_code(phone: SmsPhone) -> None:
    now = timezone.now()
    if phone.code_sent_at and now - phone.code_sent_at < CODE_RESEND_AFTER:
        raise Conflict(_("A code was sent less than a minute ago. Please wait for it."))
    _count_code_sent(phone.member)
    code = f"{secrets.randbelow(10**6):06d}"
    SmsPhone.objects.filter(pk=phone.pk).update(
        code_hash=_code_hash(phone, code),
        code_expires_at=now + CODE_LIFETIME,
        code_attempts=0,
        code_sent_at=now,
    )
    notice_send("sms.phone_code", phone.pk, code=code)
    phone.refresh_from_db()


@transaction.atomic
def sms_phone_add(*, actor: Member, number: str) -> SmsPhone:
    """Set the member's number for text messages (replacing any other) and text it a code.
    Nothing is sent to the number by text, other than codes, until the code is entered."""
    if not sms_available():
        raise Conflict(_("This network's server does not send text messages."))
    e164 = phone_normalised(number, network=actor.network)
    if e164 is None:
        message = _("Enter a mobile number, for example +1 510 555 0123.")
        raise InvalidInput(message, fields={"number": [message]})
    phone = phone_of(member=actor)
    if phone is not None and phone.number == e164 and phone.verified_at is not None:
        raise Conflict(_("This number is already verified."))
    phone, _created = SmsPhone.objects.update_or_create(
        member=actor,
        defaults={
            "network": actor.network,
            "number": e164,
            "number_hash": number_hashes(e164)[0],
            "verified_at": None,
            "opted_out_at": None,
            "code_hash": "",
            "code_expires_at": None,
            "code_attempts": 0,
            "code_sent_at": phone.code_sent_at if phone is not None else None,
        },
    )
    _send_code(phone)
    history_record(actor=actor, action="sms.phone_add", target=phone)
    return phone


@transaction.atomic
def sms_phone_resend_code(*, actor: Member) -> SmsPhone:
    phone = _unverified_phone(actor)
    _send_code(phone)
    return phone


def _unverified_phone(actor: Member) -> SmsPhone:
    phone = SmsPhone.objects.select_for_update().filter(member=actor).first()
    if phone is None:
        raise NotFound(_("Add your number first."))
    if phone.verified_at is not None:
        raise Conflict(_("This number is already verified."))
    return phone


def sms_phone_confirm(*, actor: Member, code: str) -> SmsPhone:
    """The member enters the code texted to them. Five wrong tries or fifteen minutes end a
    code. A number verified by someone else in the network before is theirs no longer: numbers
    change hands, and whoever proves they hold it now is the one who texts with it."""
    outcome = _confirm(actor, code)
    if isinstance(outcome, DomainError):
        raise outcome  # after the commit, so that a wrong try counts
    return outcome


@transaction.atomic
def _confirm(actor: Member, code: str) -> SmsPhone | DomainError:
    phone = _unverified_phone(actor)
    if not phone.code_hash or phone.code_expires_at is None:
        return Conflict(_("There is no code waiting. Ask for a new one."))
    if phone.code_attempts >= CODE_MAX_ATTEMPTS or phone.code_expires_at <= timezone.now():
        SmsPhone.objects.filter(pk=phone.pk).update(code_hash="", code_expires_at=None)
        return Conflict(_("This code has expired. Ask for a new one."))
    if not constant_time_compare(_code_hash(phone, code.strip()), phone.code_hash):
        SmsPhone.objects.filter(pk=phone.pk).update(code_attempts=phone.code_attempts + 1)
        message = _("That code is not right. Check the text and try again.")
        return InvalidInput(message, fields={"code": [message]})
    SmsPhone.objects.filter(
        network=phone.network_id,
        number_hash__in=number_hashes(phone.number),
        verified_at__isnull=False,
    ).exclude(pk=phone.pk).update(verified_at=None)
    SmsPhone.objects.filter(pk=phone.pk).update(
        verified_at=timezone.now(), code_hash="", code_expires_at=None, code_attempts=0
    )
    history_record(actor=actor, action="sms.phone_verify", target=phone)
    phone.refresh_from_db()
    return phone


@transaction.atomic
def sms_phone_remove(*, actor: Member) -> None:
    """The member stops using text messages here: their number, any question waiting by text
    and their texts are deleted."""
    phone = phone_of(member=actor)
    if phone is None:
        raise NotFound(_("You have no number for text messages."))
    SmsConversation.objects.filter(member=actor).delete()
    actor.sms_inbound.all().delete()
    phone.delete()
    history_record(actor=actor, action="sms.phone_remove", target=actor)


@transaction.atomic
def sms_phone_opt_out(*, actor: Member) -> SmsPhone:
    """STOP: no more texts to this number until START (the carrier rule)."""
    SmsPhone.objects.filter(member=actor, opted_out_at__isnull=True).update(
        opted_out_at=timezone.now()
    )
    SmsConversation.objects.filter(member=actor).delete()
    return SmsPhone.objects.get(member=actor)


@transaction.atomic
def sms_phone_opt_in(*, actor: Member) -> SmsPhone:
    """START: texts to this number again."""
    SmsPhone.objects.filter(member=actor).update(opted_out_at=None)
    return SmsPhone.objects.get(member=actor)


@transaction.atomic
def network_sms_number_set(
    *, actor: Member, network: Network, number: str, retention_days: int | None = None
) -> NetworkSmsNumber:
    """An organiser sets the network's own number (texts to it are this network's) and how
    many days the texts members send to it are kept (None: the server's default)."""
    require(actor, "network.manage", network)
    e164 = phone_normalised(number, network=network)
    if e164 is None:
        raise InvalidInput(_("Enter the number in international form, e.g. +15105550100."))
    if retention_days is not None and not 1 <= retention_days <= 3650:
        raise InvalidInput(
            _("Keep texts for between 1 and 3650 days."), fields={"retention_days": ["?"]}
        )
    if NetworkSmsNumber.objects.filter(number=e164).exclude(network=network).exists():
        raise Conflict(_("Another network already uses this number."))
    row, _created = NetworkSmsNumber.objects.update_or_create(
        network=network, defaults={"number": e164, "retention_days": retention_days}
    )
    history_record(actor=actor, action="sms.network_number_set", target=network)
    return row
