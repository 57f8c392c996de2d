"""Kinds a member cannot turn off: a cancelled match, a concern decided about them, a removal
warning, a failed payout. They stay on where they are on by default; the rest is a choice."""

import json

import pytest

from mutualaid.channels.models import Delivery, Timing
from mutualaid.channels.selectors import choices_of, timing_for
from mutualaid.channels.services import notice_send, preferences_set
from mutualaid.core import sms
from mutualaid.core.errors import InvalidInput
from mutualaid.core.notice_kinds import notice_kind
from mutualaid.sms.services.phones import sms_phone_add
from tests.api.conftest import API, api_client_for
from tests.factories import MatchFactory, MemberFactory

pytestmark = pytest.mark.django_db

MANDATORY = [
    "match.cancelled",
    "match.released",
    "concern.vote_opened_about_you",
    "concern.decided",
    "member.inactivity_warning",
    "fund.payout_failed",
    "sms.phone_code",
]


@pytest.mark.parametrize("name", MANDATORY)
def test_these_kinds_cannot_be_turned_off(name):
    assert notice_kind(name).mandatory


def test_turning_off_email_for_a_cancelled_match_is_refused_and_nothing_is_saved():
    # given a member
    member = MemberFactory()

    # when they try to turn off the email for a cancelled match, along with a fine choice
    with pytest.raises(InvalidInput) as refused:
        preferences_set(
            member=member,
            choices={"match.cancelled:email": "off", "match.offered:email": "daily"},
        )

    # then the error names the choice, and neither choice was saved
    assert "match.cancelled:email" in refused.value.fields
    assert choices_of(member) == {}


def test_a_mandatory_kind_may_move_to_a_digest_and_gain_a_channel_it_lacks():
    # given a member who takes cancellations in the daily summary and by text too
    member = MemberFactory()
    saved = preferences_set(
        member=member,
        choices={"match.cancelled:email": "daily", "match.cancelled:sms": "instant"},
    )
    kind = notice_kind("match.cancelled")

    # then both choices hold, and taking SMS back off again is allowed (it was off by default)
    assert saved == 2
    assert timing_for(member, kind, "email", choices_of(member)) == Timing.DAILY
    preferences_set(member=member, choices={"match.cancelled:sms": "off"})
    assert timing_for(member, kind, "sms", choices_of(member)) == Timing.OFF


@pytest.mark.django_db(transaction=True)
def test_an_off_choice_stored_before_a_kind_became_mandatory_does_not_silence_it():
    # given a helper whose stored choice says "off" for cancellations (saved before the rule)
    match = MatchFactory()
    helper = match.helper
    helper.preferences.create(kind="match.cancelled", channel="email", timing="off")
    match.cancelled_by = match.Side.REQUESTER
    match.save(update_fields=["cancelled_by"])

    # when the requester cancels and the notice goes out
    notice_send("match.cancelled", match.pk)

    # then the helper still gets the email
    channels = set(
        Delivery.objects.filter(notification__recipient=helper).values_list("channel", flat=True)
    )
    assert "email" in channels


def test_a_phone_code_cannot_be_sent_anywhere_but_the_phone():
    # when a member asks, through the API, for phone codes by email
    member = MemberFactory()
    api = api_client_for(member)
    response = api.client.put(
        API + "/notification-preferences",
        data=json.dumps(
            {"preferences": [{"kind": "sms.phone_code", "channel": "email", "timing": "instant"}]}
        ),
        content_type="application/json",
        headers={"Authorization": f"Bearer {api.secret}"},
    )
    # then it is refused, naming the choice, and nothing is saved
    assert response.status_code == 400, response.content
    assert "sms.phone_code:email" in response.content.decode()
    assert choices_of(member) == {}


@pytest.mark.django_db(transaction=True)
def test_a_stored_choice_never_sends_a_phone_code_by_email(mailoutbox):
    # given a member with a choice stored for codes by email (as an earlier release allowed),
    # who adds someone else's number
    member = MemberFactory()
    member.preferences.create(kind="sms.phone_code", channel="email", timing="instant")
    sms.outbox.clear()
    sms_phone_add(actor=member, number="+15105550199")
    # then the code goes to that number alone: no email, no delivery on any other channel
    assert mailoutbox == []
    assert not Delivery.objects.filter(
        notification__kind="sms.phone_code", channel="email"
    ).exists()
    assert [text.to for text in sms.outbox] == ["+15105550199"]
