"""A member's number: added, proved by a code (hashed, expiring, a few tries), removed."""

from datetime import timedelta
from unittest import mock

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone

from mutualaid.core.errors import Conflict, InvalidInput
from mutualaid.sms.models import SmsPhone
from mutualaid.sms.selectors import sms_number_for
from mutualaid.sms.services import phones
from tests.factories import MemberFactory
from tests.sms.conftest import verified_phone

NOTICE_SEND = "mutualaid.sms.services.phones.notice_send"


def _add(member, number="(510) 555-0123"):
    with mock.patch(NOTICE_SEND) as send:
        phone = phones.sms_phone_add(actor=member, number=number)
    return phone, send.call_args.kwargs["code"], send


def test_a_number_is_stored_in_e164_and_a_hashed_code_is_sent_as_a_notice(requester):
    phone, code, send = _add(requester)
    send.assert_called_once_with("sms.phone_code", phone.pk, code=code)
    assert phone.number == "+15105550123"
    assert len(code) == 6
    assert code.isdigit()
    assert phone.code_hash
    assert code not in phone.code_hash
    assert phone.verified_at is None
    assert sms_number_for(requester) is None
    assert sms_number_for(requester, include_unverified=True) == "+15105550123"


def test_the_code_verifies_the_number(requester):
    _phone, code, _send = _add(requester)
    phone = phones.sms_phone_confirm(actor=requester, code=code)
    assert phone.verified_at is not None
    assert phone.code_hash == ""
    assert sms_number_for(requester) == "+15105550123"


def test_a_wrong_code_counts_and_five_wrong_tries_end_the_code(requester):
    _phone, code, _send = _add(requester)
    wrong = "000000" if code != "000000" else "111111"
    for _try in range(5):
        with pytest.raises(InvalidInput):
            phones.sms_phone_confirm(actor=requester, code=wrong)
    assert SmsPhone.objects.get(member=requester).code_attempts == 5
    with pytest.raises(Conflict):
        phones.sms_phone_confirm(actor=requester, code=code)
    assert SmsPhone.objects.get(member=requester).verified_at is None


def test_a_code_expires_after_fifteen_minutes(requester):
    _phone, code, _send = _add(requester)
    later = timezone.now() + timedelta(minutes=16)
    with mock.patch("django.utils.timezone.now", return_value=later), pytest.raises(Conflict):
        phones.sms_phone_confirm(actor=requester, code=code)
    assert SmsPhone.objects.get(member=requester).verified_at is None


def test_an_invalid_number_is_refused(requester):
    with pytest.raises(InvalidInput):
        phones.sms_phone_add(actor=requester, number="12")


def test_codes_are_sent_at_most_once_a_minute(requester):
    _add(requester)
    with pytest.raises(Conflict), mock.patch(NOTICE_SEND):
        phones.sms_phone_resend_code(actor=requester)


def test_codes_are_limited_per_day(requester):
    cache.set(f"sms-codes-sent:{requester.pk}", phones.CODES_PER_DAY, timeout=60)
    with pytest.raises(Conflict), mock.patch(NOTICE_SEND):
        phones.sms_phone_add(actor=requester, number="+15105550123")


def test_whoever_verifies_a_number_last_holds_it(network):
    old = MemberFactory(network=network)
    verified_phone(old, "+15105550123")
    new = MemberFactory(network=network)
    _phone, code, _send = _add(new, "+1 510 555 0123")
    phones.sms_phone_confirm(actor=new, code=code)
    assert sms_number_for(new) == "+15105550123"
    assert sms_number_for(old) is None


def test_removing_the_number_deletes_it(requester):
    verified_phone(requester, "+15105550123")
    phones.sms_phone_remove(actor=requester)
    assert not SmsPhone.objects.filter(member=requester).exists()


def test_with_texts_off_no_number_can_be_added(requester, settings, client):
    # given a server that does not send texts
    settings.MUTUALAID_SMS_BACKEND = "off"
    # then adding a number is refused plainly, and nothing is kept
    with pytest.raises(Conflict, match="does not send text messages"):
        phones.sms_phone_add(actor=requester, number="+15105550123")
    assert not SmsPhone.objects.exists()
    # and the page says so instead of offering the form
    client.force_login(requester.user)
    page = client.get(reverse("sms:settings", kwargs={"slug": requester.network.slug}))
    assert "does not send text messages" in page.content.decode()
    assert "Text me a code" not in page.content.decode()


def test_with_texts_turned_off_a_verified_number_is_skipped_not_failed(requester, settings):
    # given a member who verified a number, on a server whose texts were then turned off
    verified_phone(requester, "+15105550123")
    settings.MUTUALAID_SMS_BACKEND = "off"
    # then no text is sent to it, and nothing blames their number
    assert sms_number_for(requester) is None
