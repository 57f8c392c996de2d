"""Helpers for the notification layer's tests: a member, a kind that reaches them, and a way
to commit a service call so its after-commit queueing runs (Huey is immediate in tests)."""

import pytest
from django.utils import timezone

from mutualaid.channels.models import Delivery, PushSubscription
from mutualaid.sms.models import SmsPhone
from mutualaid.sms.selectors import number_hashes
from tests.factories import MemberFactory

# pantry.alert is about a member and goes to that member: the smallest kind to send.
KIND = "pantry.alert"


@pytest.fixture
def member(network):
    return MemberFactory(network=network, display_name="Marta")


@pytest.fixture
def committed(django_capture_on_commit_callbacks):
    """Run `function(**kwargs)` and commit, so what it queued on commit is sent."""

    def run(function, *args, **kwargs):
        with django_capture_on_commit_callbacks(execute=True):
            return function(*args, **kwargs)

    return run


def verified_phone(member, number: str = "+15105550123") -> SmsPhone:
    return SmsPhone.objects.create(
        member=member,
        network=member.network,
        number=number,
        number_hash=number_hashes(number)[0],
        verified_at=timezone.now(),
    )


def subscribed(member, endpoint: str = "https://push.example/sub/1") -> PushSubscription:
    return PushSubscription.objects.create(
        user=member.user, endpoint=endpoint, p256dh="BPublicKey", auth="authsecret"
    )


def deliveries_of(member) -> dict[str, Delivery]:
    """channel -> the member's one delivery on it."""
    rows = Delivery.objects.filter(notification__recipient=member)
    by_channel = {d.channel: d for d in rows}
    assert len(by_channel) == rows.count(), "one delivery per channel and notification"
    return by_channel
