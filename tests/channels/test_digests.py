"""Digests under a frozen clock: what a member chose to read daily or weekly goes out in one
message per person, channel and period, after the period ends in the network's zone, once,
grouped by network and kind, and never empty."""

from datetime import datetime, time, timedelta
from itertools import groupby
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine

from mutualaid.channels.models import Delivery, Digest
from mutualaid.channels.services import (
    deliveries_sweep,
    digests_send,
    notice_send,
    preferences_set,
    quiet_hours_set,
)
from mutualaid.core import sms
from mutualaid.needs.models import Need
from tests.channels.conftest import KIND, verified_phone
from tests.factories import MemberFactory, NeedFactory, NetworkFactory

MADRID = ZoneInfo("Europe/Madrid")
# A Tuesday.
TUESDAY_10 = datetime(2026, 3, 10, 10, 0, tzinfo=MADRID)


@pytest.fixture
def reader(db):
    """A member in Madrid who reads pantry alerts and still-needed questions once a day."""
    network = NetworkFactory(timezone="Europe/Madrid", name="Lavapiés")
    member = MemberFactory(network=network)
    preferences_set(
        member=member,
        choices={f"{KIND}:email": "daily", "need.still_needed:email": "daily"},
    )
    return member


def alert(member):
    return notice_send(KIND, member.pk, low=["rice"], expiring=1)


def still_needed(member):
    need = NeedFactory(requester=member)
    notice_send("need.still_needed", need.pk)
    return need


def digest_lines(message) -> list[str]:
    return [line for line in message.body.splitlines() if line.startswith("- ")]


def test_a_daily_digest_goes_once_after_the_day_ends_in_the_networks_zone(reader, mailoutbox):
    # given four things on one day, two kinds interleaved
    with time_machine.travel(TUESDAY_10, tick=False):
        alert(reader)
        still_needed(reader)
        alert(reader)
        still_needed(reader)
    # when digests run before midnight in Madrid (already the next day in some zones)
    assert digests_send(now=datetime(2026, 3, 10, 23, 59, tzinfo=MADRID)) == 0
    assert mailoutbox == []
    # and after it
    after = datetime(2026, 3, 11, 0, 1, tzinfo=MADRID)
    assert digests_send(now=after) == 1
    # and again, as a second worker or the next hour would
    assert digests_send(now=after) == 0
    # then one email went, saying four things, grouped under the network and by kind
    [message] = mailoutbox
    assert message.subject == "[mutualaid] 4 things happened in your networks"
    assert message.body.startswith("Lavapiés\n")
    subjects = [line.split(":")[0] for line in digest_lines(message)]
    assert len(subjects) == 4
    assert len([kind for kind, _same in groupby(subjects)]) == 2, subjects
    # and every delivery is sent, through the one digest of that day
    [digest] = Digest.objects.all()
    assert (digest.period, digest.status, digest.timing) == ("2026-03-10", "sent", "daily")
    assert set(Delivery.objects.filter(channel="email").values_list("status", "digest")) == {
        ("sent", digest.pk)
    }


def test_each_day_has_its_own_digest(reader, mailoutbox):
    with time_machine.travel(TUESDAY_10, tick=False):
        alert(reader)
    with time_machine.travel(datetime(2026, 3, 11, 9, tzinfo=MADRID), tick=False):
        alert(reader)
    assert digests_send(now=datetime(2026, 3, 12, 1, tzinfo=MADRID)) == 2
    assert sorted(Digest.objects.values_list("period", flat=True)) == ["2026-03-10", "2026-03-11"]
    assert len(mailoutbox) == 2


def test_a_weekly_digest_waits_for_the_week_to_end(reader, mailoutbox):
    # given a weekly choice and something on a Wednesday
    preferences_set(member=reader, choices={f"{KIND}:email": "weekly"})
    with time_machine.travel(datetime(2026, 3, 11, 10, tzinfo=MADRID), tick=False):
        alert(reader)
    # then nothing goes on the next day, nor late on Sunday
    assert digests_send(now=datetime(2026, 3, 12, 1, tzinfo=MADRID)) == 0
    assert digests_send(now=datetime(2026, 3, 15, 23, 59, tzinfo=MADRID)) == 0
    # and it goes once the week is over on Monday
    assert digests_send(now=datetime(2026, 3, 16, 0, 1, tzinfo=MADRID)) == 1
    assert [d.period for d in Digest.objects.all()] == ["2026-W11"]
    assert len(mailoutbox) == 1


def test_one_digest_per_person_across_their_networks(reader, mailoutbox):
    # given the same person in a second network, reading daily there too
    other = MemberFactory(
        user=reader.user, network=NetworkFactory(timezone="Europe/Madrid", name="Usera")
    )
    preferences_set(member=other, choices={f"{KIND}:email": "daily"})
    with time_machine.travel(TUESDAY_10, tick=False):
        alert(reader)
        alert(other)
    # when digests run
    assert digests_send(now=datetime(2026, 3, 11, 1, tzinfo=MADRID)) == 1
    # then one email holds both, under each network's name
    [message] = mailoutbox
    assert "2 things happened" in message.subject
    assert "Lavapiés\n- " in message.body
    assert "Usera\n- " in message.body


def test_one_digest_per_channel(reader, mailoutbox):
    # given daily summaries by email and by SMS
    verified_phone(reader)
    preferences_set(member=reader, choices={f"{KIND}:sms": "daily"})
    sms.outbox.clear()
    with time_machine.travel(TUESDAY_10, tick=False):
        alert(reader)
        alert(reader)
    # when digests run
    assert digests_send(now=datetime(2026, 3, 11, 1, tzinfo=MADRID)) == 2
    # then one email and one text, each counting both
    assert len(mailoutbox) == 1
    assert len(sms.outbox) == 1
    assert sms.outbox[0].body.startswith("2 things happened in your networks")
    assert sorted(Digest.objects.values_list("channel", flat=True)) == ["email", "sms"]


def test_a_digest_is_in_the_readers_language(reader, mailoutbox):
    reader.languages = ["es"]
    reader.save()
    with time_machine.travel(TUESDAY_10, tick=False):
        alert(reader)
    digests_send(now=datetime(2026, 3, 11, 1, tzinfo=MADRID))
    [message] = mailoutbox
    assert "happened" not in message.subject
    assert "things" not in message.body


def test_no_digest_without_anything_to_say(reader, mailoutbox):
    # given nothing pending
    assert digests_send(now=datetime(2026, 3, 11, 1, tzinfo=MADRID)) == 0
    # given something whose subject has since been deleted
    with time_machine.travel(TUESDAY_10, tick=False):
        need = still_needed(reader)
    Need.objects.filter(pk=need.pk).delete()
    # when digests run
    assert digests_send(now=datetime(2026, 3, 11, 1, tzinfo=MADRID)) == 0
    # then no email went, and the delivery is done with rather than retried forever
    assert mailoutbox == []
    assert list(Delivery.objects.filter(channel="email").values_list("status", flat=True)) == [
        "skipped"
    ]
    assert digests_send(now=datetime(2026, 3, 12, 1, tzinfo=MADRID)) == 0
    assert mailoutbox == []


def test_a_digest_whose_worker_died_mid_send_goes_out_later_once(reader, mailoutbox):
    # given a day's news, and a worker killed while sending its digest
    with time_machine.travel(TUESDAY_10, tick=False):
        alert(reader)
        alert(reader)
    first = datetime(2026, 3, 11, 1, tzinfo=MADRID)
    with (
        time_machine.travel(first, tick=False),
        mock.patch("mutualaid.channels.services.email_send", side_effect=RuntimeError("killed")),
        pytest.raises(RuntimeError),
    ):
        digests_send(now=first)
    # when, before the claim has expired, the deliveries are pending again and another
    # worker looks, it leaves the digest to the worker still holding it
    soon = first + timedelta(seconds=5)
    held = Delivery.objects.filter(channel="email")
    assert set(held.values_list("status", flat=True)) == {"sending"}
    held.update(status="pending")
    with time_machine.travel(soon, tick=False):
        assert digests_send(now=soon) == 0
    assert mailoutbox == []
    held.update(status="sending")
    # and when the sweep gives the deliveries back after the claim expired, and digests run
    later = first + timedelta(minutes=10)
    with time_machine.travel(later, tick=False):
        assert deliveries_sweep(now=later)["reclaimed"] == 2
        assert digests_send(now=later) == 1
        assert digests_send(now=later) == 0
    # then the one digest of that day went, once, saying both things
    [message] = mailoutbox
    assert "2 things happened" in message.subject
    [digest] = Digest.objects.all()
    assert digest.status == "sent"
    assert set(Delivery.objects.filter(channel="email").values_list("status", "digest")) == {
        ("sent", digest.pk)
    }


def test_networks_in_different_zones_each_get_their_days_digest(reader, mailoutbox):
    # given the same person in a network in Los Angeles, reading daily there too
    los_angeles = ZoneInfo("America/Los_Angeles")
    other = MemberFactory(
        user=reader.user, network=NetworkFactory(timezone="America/Los_Angeles", name="Fruitvale")
    )
    preferences_set(member=other, choices={f"{KIND}:email": "daily"})
    with time_machine.travel(TUESDAY_10, tick=False):  # 02:00 on Tuesday in Los Angeles
        alert(reader)
        alert(other)
    # when Madrid's Tuesday has ended, then Los Angeles's
    assert digests_send(now=datetime(2026, 3, 11, 0, 5, tzinfo=MADRID)) == 1
    assert digests_send(now=datetime(2026, 3, 11, 0, 5, tzinfo=los_angeles)) == 1
    # then each went once, with its own network's news, and nothing is left waiting
    assert [("Lavapiés" in m.body, "Fruitvale" in m.body) for m in mailoutbox] == [
        (True, False),
        (False, True),
    ]
    assert set(Digest.objects.values_list("period", "zone")) == {
        ("2026-03-10", "Europe/Madrid"),
        ("2026-03-10", "America/Los_Angeles"),
    }
    assert set(Delivery.objects.filter(channel="email").values_list("status", flat=True)) == {
        "sent"
    }


def test_a_text_summary_waits_for_quiet_hours_to_end_and_email_does_not(reader, mailoutbox):
    # given daily summaries by email and by text, and quiet hours from 22:00 to 07:00
    verified_phone(reader)
    preferences_set(member=reader, choices={f"{KIND}:sms": "daily"})
    quiet_hours_set(member=reader, starts=time(22), ends=time(7))
    sms.outbox.clear()
    with time_machine.travel(TUESDAY_10, tick=False):
        alert(reader)
    # when digests run just after midnight: the email goes, the text does not wake them
    assert digests_send(now=datetime(2026, 3, 11, 0, 5, tzinfo=MADRID)) == 1
    assert len(mailoutbox) == 1
    assert sms.outbox == []
    # and once the quiet hours are over, the text goes
    assert digests_send(now=datetime(2026, 3, 11, 7, 5, tzinfo=MADRID)) == 1
    assert len(sms.outbox) == 1
