"""The notification service: recording inside the caller's transaction, queueing after
commit, members' choices, quiet hours, claims, retries, gone push subscriptions, the sweep,
retention, SMS segments and the data export. Digests are in test_digests.py."""

import json
import smtplib
from datetime import datetime, time, timedelta
from unittest import mock
from zoneinfo import ZoneInfo

import pytest
import time_machine
from django.db import transaction
from django.utils import timezone
from pywebpush import WebPushException

from mutualaid.accounts.selectors import account_data_export
from mutualaid.channels.models import (
    ChannelPolicy,
    Delivery,
    Notification,
    Preference,
    PushSubscription,
    Timing,
)
from mutualaid.channels.selectors import failed_deliveries_of, failure_counts
from mutualaid.channels.senders import PermanentFailure, TemporaryFailure
from mutualaid.channels.services import (
    CLAIM_SECONDS,
    RETRY_AFTER,
    deliveries_sweep,
    delivery_send,
    notice_send,
    notifications_expire,
    outsiders_told,
    preferences_set,
    quiet_hours_set,
)
from mutualaid.core import sms
from mutualaid.core.errors import InvalidInput
from mutualaid.core.sms import SmsRefused
from mutualaid.networks import services as networks
from tests.channels.conftest import KIND, deliveries_of, subscribed, verified_phone
from tests.factories import MatchFactory, MemberFactory, NeedFactory, UserFactory


def alert(member):
    return notice_send(KIND, member.pk, low=["rice"], expiring=2)


# --- Recording inside the caller's transaction ---------------------------------------------


def test_each_recipient_gets_a_notification_and_a_delivery_per_channel_they_get_it_on(network):
    # given a match both sides hear of when it is done
    match = MatchFactory(need=NeedFactory(requester=MemberFactory(network=network)))
    # when the notice is sent
    notifications = notice_send("match.done", match.pk)
    # then each side has one notification, with email and push (SMS is off by default)
    assert {n.recipient_id for n in notifications} == {match.need.requester_id, match.helper_id}
    assert Notification.objects.filter(kind="match.done").count() == 2
    for notification in notifications:
        channels = set(notification.deliveries.values_list("channel", flat=True))
        assert channels == {"email", "push"}


def test_a_rolled_back_write_tells_no_one(member, mailoutbox):
    # given a service that records a notice and then fails
    @transaction.atomic
    def failing_service():
        alert(member)
        raise RuntimeError("the write failed after the notice")

    with pytest.raises(RuntimeError):
        failing_service()
    # then nothing was recorded and nothing was sent
    assert not Notification.objects.exists()
    assert not Delivery.objects.exists()
    assert mailoutbox == []


def test_deliveries_are_queued_only_when_the_transaction_commits(
    member, mailoutbox, django_capture_on_commit_callbacks
):
    # given a notice recorded inside a transaction that has not committed yet
    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        alert(member)
        # then nothing is queued or sent yet
        assert mailoutbox == []
        assert set(Delivery.objects.values_list("status", flat=True)) == {"pending"}
        assert not Delivery.objects.filter(queued_at__isnull=False).exists()
    assert len(callbacks) == 1
    # when it commits
    for callback in callbacks:
        callback()
    # then the email goes out (push is skipped: the member has no browser subscribed)
    assert [m.subject for m in mailoutbox] == [
        f"[{member.network.name}] Pantry: low stock and food expiring soon"
    ]
    assert deliveries_of(member)["email"].status == Delivery.Status.SENT
    assert deliveries_of(member)["push"].status == Delivery.Status.SKIPPED


def test_an_unknown_kind_fails_in_the_service_not_in_a_worker(member):
    with pytest.raises(LookupError):
        notice_send("no.such.kind", member.pk)


# --- Members' choices ------------------------------------------------------------------------


def test_a_channel_turned_off_gets_no_delivery(member, committed, mailoutbox):
    # given the member turned email off for this kind
    preferences_set(member=member, choices={f"{KIND}:email": "off"})
    # when they are told
    committed(alert, member)
    # then there is no email delivery, and no email
    assert set(deliveries_of(member)) == {"push"}
    assert mailoutbox == []


@pytest.mark.parametrize("timing", [Timing.DAILY, Timing.WEEKLY])
def test_a_summary_choice_waits_for_the_digest(member, committed, mailoutbox, timing):
    # given the member reads this kind in a summary
    preferences_set(member=member, choices={f"{KIND}:email": timing})
    # when they are told
    committed(alert, member)
    # then the email delivery waits for the digest instead of going at once
    email = deliveries_of(member)["email"]
    assert (email.timing, email.status) == (timing, Delivery.Status.PENDING)
    assert mailoutbox == []


def test_sms_on_by_choice_sends_a_text_to_the_verified_number(member, committed):
    # given a verified number and SMS chosen for this kind
    verified_phone(member, "+15105550123")
    preferences_set(member=member, choices={f"{KIND}:sms": "instant"})
    sms.outbox.clear()
    # when they are told
    committed(alert, member)
    # then a text went to that number, keyed by the delivery
    delivery = deliveries_of(member)["sms"]
    assert delivery.status == Delivery.Status.SENT
    assert [(m.to, m.key) for m in sms.outbox] == [("+15105550123", f"{delivery.key}-1")]


def test_a_mandatory_kind_cannot_be_turned_off(member):
    # when a member tries to turn off the phone code
    with pytest.raises(InvalidInput) as refused:
        preferences_set(member=member, choices={"sms.phone_code:sms": "off"})
    # then nothing is saved and the error names the choice
    assert "sms.phone_code:sms" in refused.value.fields
    assert not Preference.objects.filter(member=member).exists()


def test_a_stored_off_for_a_mandatory_kind_is_ignored(member):
    # given an "off" that got into the database some other way
    Preference.objects.create(member=member, kind="sms.phone_code", channel="sms", timing="off")
    phone = verified_phone(member)
    # when the code is sent
    notice_send("sms.phone_code", phone.pk, code="123456")
    # then it still goes by SMS
    assert set(deliveries_of(member)) == {"sms"}


@pytest.mark.parametrize(
    "outcome",
    [
        pytest.param(None, id="sent"),
        pytest.param(SmsRefused("number refused"), id="refused"),
    ],
)
def test_a_phone_code_is_kept_no_longer_than_its_one_try(member, outcome):
    # given a code on its way to a phone, which takes it or refuses it
    phone = verified_phone(member)
    [notification] = notice_send("sms.phone_code", phone.pk, code="123456")
    with mock.patch("mutualaid.channels.services.sms_send", side_effect=outcome):
        status = delivery_send(deliveries_of(member)["sms"].pk)
    # then the delivery is done with, and the code is no longer stored anywhere
    assert status in {Delivery.Status.SENT, Delivery.Status.FAILED}
    notification.refresh_from_db()
    assert notification.extra == {}


def test_unknown_choices_are_refused(member):
    with pytest.raises(InvalidInput) as refused:
        preferences_set(
            member=member, choices={"no.such:email": "instant", f"{KIND}:fax": "instant"}
        )
    assert set(refused.value.fields) == {"no.such:email", f"{KIND}:fax"}


# --- Quiet hours, in the network's time zone -----------------------------------------------

LA = ZoneInfo("America/Los_Angeles")


@pytest.fixture
def night_owl(network):
    """A member in Los Angeles who wants no SMS or push from 22:00 to 07:00, with SMS on."""
    network.timezone = "America/Los_Angeles"
    network.save()
    member = MemberFactory(network=network)
    preferences_set(member=member, choices={f"{KIND}:sms": "instant"})
    quiet_hours_set(member=member, starts=time(22), ends=time(7))
    return member


@pytest.mark.parametrize(
    ("local_now", "wakes"),
    [
        # before midnight: held until 07:00 the next day
        (datetime(2026, 3, 10, 23, 30, tzinfo=LA), datetime(2026, 3, 11, 7, 0, tzinfo=LA)),
        # after midnight: held until 07:00 the same day
        (datetime(2026, 3, 11, 2, 15, tzinfo=LA), datetime(2026, 3, 11, 7, 0, tzinfo=LA)),
    ],
)
def test_quiet_hours_across_midnight_hold_sms_and_push_until_they_end(night_owl, local_now, wakes):
    # when the member is told during their quiet hours (the server runs in UTC)
    with time_machine.travel(local_now, tick=False):
        alert(night_owl)
    # then SMS and push wait until the quiet hours end in the network's zone; email does not
    deliveries = deliveries_of(night_owl)
    assert deliveries["sms"].due_at == wakes
    assert deliveries["push"].due_at == wakes
    assert deliveries["email"].due_at == local_now


def test_quiet_hours_within_one_day(network):
    # given quiet hours in the afternoon, and a member told at 13:30 local time
    network.timezone = "America/Los_Angeles"
    network.save()
    member = MemberFactory(network=network)
    quiet_hours_set(member=member, starts=time(13), ends=time(15))
    with time_machine.travel(datetime(2026, 3, 10, 13, 30, tzinfo=LA), tick=False):
        alert(member)
    # then push waits until 15:00 that day
    assert deliveries_of(member)["push"].due_at == datetime(2026, 3, 10, 15, tzinfo=LA)


def test_outside_quiet_hours_everything_goes_at_once(night_owl):
    moment = datetime(2026, 3, 10, 12, 0, tzinfo=LA)
    with time_machine.travel(moment, tick=False):
        alert(night_owl)
    assert {d.due_at for d in deliveries_of(night_owl).values()} == {moment}


def test_a_held_delivery_is_not_sent_before_it_is_due_and_is_swept_after(night_owl):
    # given a push held by quiet hours
    verified_phone(night_owl)
    sms.outbox.clear()
    with time_machine.travel(datetime(2026, 3, 10, 23, 30, tzinfo=LA), tick=False):
        alert(night_owl)
        held = deliveries_of(night_owl)["sms"]
        # then trying it now does nothing
        assert delivery_send(held.pk) == ""
    # when the sweep runs after the quiet hours
    with time_machine.travel(datetime(2026, 3, 11, 7, 1, tzinfo=LA), tick=False):
        deliveries_sweep()
    # then it is sent
    assert deliveries_of(night_owl)["sms"].status == Delivery.Status.SENT
    assert len(sms.outbox) == 1


# --- Claims, retries and failures ----------------------------------------------------------


def test_a_delivery_is_sent_once_however_often_it_is_claimed(member, mailoutbox):
    # given a pending email delivery
    alert(member)
    email = deliveries_of(member)["email"]
    # when two workers try it one after the other
    first = delivery_send(email.pk)
    second = delivery_send(email.pk)
    # then only the first sends
    assert (first, second) == (Delivery.Status.SENT, "")
    assert len(mailoutbox) == 1
    email.refresh_from_db()
    assert email.attempts == 1


def test_a_delivery_claimed_by_another_worker_is_left_alone(member, mailoutbox):
    # given a delivery another worker has just claimed
    alert(member)
    email = deliveries_of(member)["email"]
    Delivery.objects.filter(pk=email.pk).update(status="sending", claimed_at=timezone.now())
    # when this worker tries it
    assert delivery_send(email.pk) == ""
    # then it sends nothing and changes nothing
    assert mailoutbox == []
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Delivery.Status.SENDING, 0)


def test_a_temporary_failure_is_retried_further_apart_then_failed(member):
    # given a mail server that cannot take anything
    alert(member)
    email = deliveries_of(member)["email"]
    now = timezone.now()
    waits = []
    with mock.patch(
        "mutualaid.channels.services.email_send", side_effect=TemporaryFailure("down")
    ) as send:
        # when it is tried each time it falls due
        for _try in RETRY_AFTER:
            assert delivery_send(email.pk, now=now) == Delivery.Status.PENDING
            email.refresh_from_db()
            waits.append(email.due_at - now)
            now = email.due_at
        last = delivery_send(email.pk, now=now)
    # then the waits grow as the backoff says, and after the last retry it fails
    assert waits == list(RETRY_AFTER)
    assert last == Delivery.Status.FAILED
    assert send.call_count == len(RETRY_AFTER) + 1
    email.refresh_from_db()
    assert (email.status, email.attempts, email.error) == ("failed", len(RETRY_AFTER) + 1, "down")


def test_an_unforeseen_error_is_retried_not_lost(member):
    alert(member)
    email = deliveries_of(member)["email"]
    with mock.patch("mutualaid.channels.services.email_send", side_effect=KeyError("bug")):
        assert delivery_send(email.pk) == Delivery.Status.PENDING
    email.refresh_from_db()
    assert email.status == Delivery.Status.PENDING
    assert email.due_at > timezone.now()


def test_a_refused_address_fails_at_once_and_is_shown_to_the_member_and_counted(member, mailoutbox):
    # given a mail server that refuses the address for good
    alert(member)
    email = deliveries_of(member)["email"]
    refused = smtplib.SMTPRecipientsRefused({member.user.email: (550, b"no such user")})
    with mock.patch("django.core.mail.EmailMessage.send", side_effect=refused):
        status = delivery_send(email.pk)
    # then it fails without a retry
    assert status == Delivery.Status.FAILED
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Delivery.Status.FAILED, 1)
    # and the member sees it, and organisers see a count by channel
    assert list(failed_deliveries_of(member.user)) == [email]
    assert failure_counts(member.network) == {"email": 1}
    assert failure_counts(MemberFactory().network) == {}


# --- Web push --------------------------------------------------------------------------------


def push_error(status: int) -> WebPushException:
    return WebPushException("push service said no", response=mock.Mock(status_code=status))


@pytest.fixture
def vapid(settings):
    settings.MUTUALAID_VAPID_PRIVATE_KEY = "test-private-key"


@pytest.mark.parametrize("status", [404, 410])
def test_a_subscription_the_push_service_calls_gone_is_deleted(member, vapid, status):
    # given one browser subscribed, which the push service no longer knows
    subscribed(member)
    alert(member)
    push = deliveries_of(member)["push"]
    with mock.patch("pywebpush.webpush", side_effect=push_error(status)) as webpush:
        result = delivery_send(push.pk)
    # then the subscription is gone and, with no browser left, the delivery failed
    assert webpush.call_count == 1
    assert not PushSubscription.objects.filter(user=member.user).exists()
    assert result == Delivery.Status.FAILED


def test_a_gone_subscription_does_not_stop_the_others(member, vapid):
    # given two browsers, of which the first is gone
    gone = subscribed(member, "https://push.example/gone")
    kept = subscribed(member, "https://push.example/kept")

    def webpush(*, subscription_info, **kwargs):
        if subscription_info["endpoint"] == gone.endpoint:
            raise push_error(410)

    alert(member)
    with mock.patch("pywebpush.webpush", side_effect=webpush) as sent:
        result = delivery_send(deliveries_of(member)["push"].pk)
    # then the other still gets it, signed with the delivery's topic
    assert result == Delivery.Status.SENT
    assert list(PushSubscription.objects.filter(user=member.user)) == [kept]
    assert sent.call_count == 2
    assert "Topic" in sent.call_args.kwargs["headers"]
    # and tagged with the delivery's key, so a repeat replaces it on the screen
    push = deliveries_of(member)["push"]
    assert json.loads(sent.call_args.kwargs["data"])["tag"] == push.key


def test_a_push_service_outage_is_retried_and_keeps_the_subscription(member, vapid):
    subscribed(member)
    alert(member)
    with mock.patch("pywebpush.webpush", side_effect=push_error(503)):
        result = delivery_send(deliveries_of(member)["push"].pk)
    assert result == Delivery.Status.PENDING
    assert PushSubscription.objects.filter(user=member.user).count() == 1


# --- The sweep -------------------------------------------------------------------------------


def test_the_sweep_frees_a_dead_workers_claim_and_sends_it(member, mailoutbox):
    # given a delivery claimed by a worker that died before it sent, long ago
    alert(member)
    email = deliveries_of(member)["email"]
    stale = timezone.now() - timedelta(seconds=CLAIM_SECONDS + 1)
    Delivery.objects.filter(pk=email.pk).update(status="sending", claimed_at=stale, attempts=1)
    # when the sweep runs
    counts = deliveries_sweep()
    # then it is sent, once, with the same key
    assert counts["reclaimed"] == 1
    email.refresh_from_db()
    assert (email.status, email.attempts) == (Delivery.Status.SENT, 2)
    assert [m.extra_headers["X-Mutualaid-Delivery"] for m in mailoutbox] == [email.key]


def test_the_sweep_leaves_a_fresh_claim_alone(member, mailoutbox):
    alert(member)
    email = deliveries_of(member)["email"]
    Delivery.objects.filter(pk=email.pk).update(status="sending", claimed_at=timezone.now())
    assert deliveries_sweep()["reclaimed"] == 0
    email.refresh_from_db()
    assert email.status == Delivery.Status.SENDING
    assert mailoutbox == []


def test_the_sweep_queues_what_was_never_queued(member, mailoutbox):
    # given deliveries recorded whose on-commit queueing never ran (the process died)
    alert(member)
    assert not Delivery.objects.filter(queued_at__isnull=False).exists()
    # when the sweep runs
    counts = deliveries_sweep()
    # then they are queued and sent
    assert counts["queued"] == 2
    assert deliveries_of(member)["email"].status == Delivery.Status.SENT
    assert len(mailoutbox) == 1


def test_the_sweep_does_not_queue_again_what_was_just_queued(member):
    alert(member)
    Delivery.objects.update(queued_at=timezone.now())
    assert deliveries_sweep() == {"reclaimed": 0, "queued": 0}


# --- Retention -------------------------------------------------------------------------------


def test_notifications_are_kept_as_long_as_their_network_says(network):
    # given a network that keeps notifications a week, and one on the default of 90 days
    ChannelPolicy.objects.create(network=network, notification_retention_days=7)
    here = MemberFactory(network=network)
    elsewhere = MemberFactory()
    now = timezone.now()
    ages = {}
    for member in (here, elsewhere):
        for days in (6, 8, 91):
            [notification] = alert(member)
            Notification.objects.filter(pk=notification.pk).update(
                created_at=now - timedelta(days=days)
            )
            ages[notification.pk] = (member, days)
    # when old notifications expire
    deleted = notifications_expire(now=now)
    # then each network's own retention applied, deliveries with them
    kept = {ages[pk][0].pk: [] for pk in ages}
    for pk in Notification.objects.values_list("pk", flat=True):
        kept[ages[pk][0].pk].append(ages[pk][1])
    assert sorted(kept[here.pk]) == [6]
    assert sorted(kept[elsewhere.pk]) == [6, 8]
    assert deleted == 3
    assert not Delivery.objects.filter(notification__created_at__lt=now - timedelta(days=91))


# --- SMS segments ----------------------------------------------------------------------------


def test_a_long_text_is_split_into_the_providers_segments(network, committed):
    # given an offer of help from someone whose name needs Unicode (70 units a text, 67 a part)
    requester = MemberFactory(network=network)
    helper = MemberFactory(network=network, display_name="Zoë 🌻 de la Esperanza Villanueva")
    match = MatchFactory(need=NeedFactory(requester=requester), helper=helper)
    verified_phone(requester)
    preferences_set(member=requester, choices={"match.offered:sms": "instant"})
    sms.outbox.clear()
    # when the requester is told by SMS
    committed(notice_send, "match.offered", match.pk)
    # then it went as several parts within the limit, keyed part by part, and nothing lost
    key = deliveries_of(requester)["sms"].key
    parts = [m.body for m in sms.outbox]
    assert len(parts) >= 2
    assert all(len(p.encode("utf-16-le")) // 2 <= sms.UCS2_PART for p in parts)
    assert [m.key for m in sms.outbox] == [f"{key}-{n}" for n in range(1, len(parts) + 1)]
    assert "".join(parts).replace(" ", "").startswith("Zoë🌻delaEsperanzaVillanueva")


# --- The data export -------------------------------------------------------------------------


def test_the_members_data_export_lists_what_they_were_told_and_how(member, committed):
    # given a notification sent by email at noon, and a quiet-hours choice (the push waits
    # for nothing at noon, so it is skipped for want of a subscription, whatever the clock)
    quiet_hours_set(member=member, starts=time(22), ends=time(7))
    noon = datetime.combine(timezone.localdate(), time(12), ZoneInfo(member.network.timezone))
    with time_machine.travel(noon, tick=False):
        [notification] = committed(alert, member)
    # when they download their data
    export = account_data_export(user=member.user)
    # then the notification is there with its deliveries and their outcome
    [mine] = [m for m in export["memberships"] if m["notifications"]]
    [row] = mine["notifications"]
    assert (row["id"], row["kind"], row["about"]) == (notification.pk, KIND, member.pk)
    assert {(d["channel"], d["status"]) for d in row["deliveries"]} == {
        ("email", "sent"),
        ("push", "skipped"),
    }
    assert mine["quiet_hours"] == {"starts": "22:00", "ends": "07:00"}


def test_a_declined_applicant_who_is_no_member_is_told_by_email(network, committed, mailoutbox):
    # given an application to the network from someone who is not a member
    network.application_questions = []
    network.save()
    user = UserFactory(email="applicant@example.org")
    application = networks.application_submit(
        user=user, network=network, display_name="Ana", answers=[]
    )
    # when they are told it was declined
    committed(notice_send, "application.declined", application.pk)
    # then they get the email (they have no notifications page), and nothing is recorded
    assert [(m.to, m.subject) for m in mailoutbox] == [
        (["applicant@example.org"], f"[{network.name}] About your application")
    ]
    assert not Notification.objects.exists()


def test_no_send_outlasts_a_claim_so_a_slow_one_is_never_taken_over_and_sent_twice(settings):
    assert settings.EMAIL_TIMEOUT < CLAIM_SECONDS
    assert sms.HTTP_TIMEOUT_SECONDS < CLAIM_SECONDS


def test_an_email_to_someone_no_longer_a_member_is_retried_when_the_server_is_down(network):
    # given a declined applicant, and a mail server that is down
    network.application_questions = []
    network.save()
    user = UserFactory(email="applicant@example.org")
    application = networks.application_submit(
        user=user, network=network, display_name="Ana", answers=[]
    )
    down = mock.patch(
        "mutualaid.channels.services.email_send", side_effect=TemporaryFailure("down")
    )
    # then the job fails, so the worker runs it again, and it is set to be retried
    with down, pytest.raises(TemporaryFailure):
        outsiders_told.call_local("application.declined", application.pk, {})
    assert outsiders_told.retries >= 3
    # while a refused address is not retried
    refused = mock.patch(
        "mutualaid.channels.services.email_send", side_effect=PermanentFailure("no such box")
    )
    with refused:
        assert outsiders_told.call_local("application.declined", application.pk, {}) == 0
