import itertools

import pytest
from django.core.cache import cache
from django.utils import timezone
from twilio.request_validator import RequestValidator

from mutualaid.core import sms as core_sms
from mutualaid.sms.models import SmsPhone
from mutualaid.sms.selectors import number_hashes
from mutualaid.sms.services.inbound import sms_receive
from tests.factories import CategoryFactory

REQUESTER_NUMBER = "+15105550101"
HELPER_NUMBER = "+15105550102"
BYSTANDER_NUMBER = "+15105550103"
STRANGER_NUMBER = "+15105550199"
TOKEN = "test-auth-token"
_sids = itertools.count(1)


def verified_phone(member, number):
    return SmsPhone.objects.create(
        member=member,
        network=member.network,
        number=number,
        number_hash=number_hashes(number)[0],
        verified_at=timezone.now(),
    )


@pytest.fixture(autouse=True)
def _sms_settings(settings):
    settings.MUTUALAID_SMS_BACKEND = "console"
    settings.MUTUALAID_SMS_AUTH_TOKEN = TOKEN
    settings.MUTUALAID_SMS_SKIP_SIGNATURE = False
    settings.MUTUALAID_SMS_RATE_PER_HOUR = 20
    core_sms.outbox.clear()
    cache.clear()  # rate-limit counters live in a process-wide memory cache


@pytest.fixture
def categories(network):
    return [
        CategoryFactory(network=network, slug="groceries", name="Groceries", position=1),
        CategoryFactory(network=network, slug="rides", name="Rides", position=2),
    ]


@pytest.fixture
def texters(requester, helper, bystander, categories):
    return {
        "requester": verified_phone(requester, REQUESTER_NUMBER),
        "helper": verified_phone(helper, HELPER_NUMBER),
        "bystander": verified_phone(bystander, BYSTANDER_NUMBER),
    }


def text(number, body, *, sid=None, to=""):
    """What the member would be texted back."""
    return sms_receive(
        from_number=number, to_number=to, body=body, message_sid=sid or f"SM{next(_sids)}"
    )


def signed_post(client, url, params, *, token=TOKEN, site="http://127.0.0.1:8000"):
    signature = RequestValidator(token).compute_signature(site + url, params)
    return client.post(url, params, HTTP_X_TWILIO_SIGNATURE=signature)
