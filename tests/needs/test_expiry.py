"""Needs whose time has passed: "still need help?" is asked once, and silence expires them."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.core.errors import IllegalTransition, PermissionDenied
from mutualaid.core.models import HistoryEntry
from mutualaid.needs import services
from mutualaid.needs.models import Match, Need
from tests.factories import NeedFactory

GRACE = timedelta(hours=72)
STILL_NEEDED = "Do you still need help?"


@pytest.fixture
def past_need(requester):
    """An open need whose window ended an hour ago."""
    now = timezone.now()
    return NeedFactory(
        requester=requester,
        window_start=now - timedelta(days=2),
        window_end=now - timedelta(hours=1),
    )


def still_needed_emails(mailoutbox) -> list:
    return [m for m in mailoutbox if STILL_NEEDED in m.subject]


def test_a_need_past_its_window_is_asked_once_after_commit(
    past_need, mailoutbox, django_capture_on_commit_callbacks
):
    # given an open need past its window
    now = timezone.now()

    # when the sweep runs
    with django_capture_on_commit_callbacks() as callbacks:
        result = services.needs_expire_sweep(now=now)
        # then nothing is sent before the transaction commits
        assert still_needed_emails(mailoutbox) == []
    for callback in callbacks:
        callback()

    # and then the requester gets one email, and the need is still open
    assert result == {"asked": 1, "expired": 0}
    assert [m.to for m in still_needed_emails(mailoutbox)] == [[past_need.requester.user.email]]
    past_need.refresh_from_db()
    assert past_need.status == Need.Status.OPEN
    assert past_need.still_needed_asked_at == now


def test_the_question_is_not_asked_twice(past_need, mailoutbox, django_capture_on_commit_callbacks):
    # given the sweep has asked once
    now = timezone.now()
    with django_capture_on_commit_callbacks(execute=True):
        services.needs_expire_sweep(now=now)

    # when it runs again, several times, within the grace period
    with django_capture_on_commit_callbacks(execute=True):
        results = [services.needs_expire_sweep(now=now + timedelta(hours=h)) for h in (0, 1, 71)]

    # then no second email goes out and the need stays open
    assert results == [{"asked": 0, "expired": 0}] * 3
    assert len(still_needed_emails(mailoutbox)) == 1
    assert Need.objects.get(pk=past_need.pk).status == Need.Status.OPEN


def test_an_unanswered_need_expires_after_the_grace(past_need):
    # given the question was asked and never answered
    now = timezone.now()
    services.needs_expire_sweep(now=now)

    # when the sweep runs once the grace has passed
    result = services.needs_expire_sweep(now=now + GRACE)

    # then the need expires, recorded once
    assert result == {"asked": 0, "expired": 1}
    assert Need.objects.get(pk=past_need.pk).status == Need.Status.EXPIRED
    assert HistoryEntry.objects.filter(action="need.expire", target_id=past_need.pk).count() == 1
    assert services.needs_expire_sweep(now=now + GRACE * 2) == {"asked": 0, "expired": 0}


def test_the_grace_is_a_setting(past_need, settings):
    settings.MUTUALAID = {**settings.MUTUALAID, "STILL_NEEDED_GRACE_HOURS": 1}
    now = timezone.now()
    services.needs_expire_sweep(now=now)
    assert services.needs_expire_sweep(now=now + timedelta(minutes=59))["expired"] == 0
    assert services.needs_expire_sweep(now=now + timedelta(hours=1))["expired"] == 1


def test_a_need_inside_its_window_is_left_alone(need, mailoutbox):
    # given an open need whose window is still ahead
    # when the sweep runs, then it is neither asked nor expired
    assert services.needs_expire_sweep(now=timezone.now()) == {"asked": 0, "expired": 0}
    assert still_needed_emails(mailoutbox) == []
    assert Need.objects.get(pk=need.pk).still_needed_asked_at is None


def test_a_matched_need_is_left_alone(past_need, helper, mailoutbox):
    # given a need past its window that someone is helping with
    match = services.match_propose(actor=helper, need=past_need)
    services.match_accept(actor=past_need.requester, match=match)

    # when the sweep runs, now and long after
    now = timezone.now()
    results = [services.needs_expire_sweep(now=now + GRACE * k) for k in (0, 1, 2)]

    # then nobody is asked and nothing expires
    assert results == [{"asked": 0, "expired": 0}] * 3
    assert still_needed_emails(mailoutbox) == []
    assert Need.objects.get(pk=past_need.pk).status == Need.Status.MATCHED


def test_answering_yes_extends_the_window_and_it_is_not_expired(past_need):
    # given the question was asked
    now = timezone.now()
    services.needs_expire_sweep(now=now)

    # when the requester says they still need help
    need = services.need_answer_still_needed(
        actor=past_need.requester, need=past_need, still_needed=True
    )

    # then the window reaches a week ahead, and the sweep leaves it open past the old grace
    assert need.status == Need.Status.OPEN
    assert need.window_end >= now + timedelta(days=7)
    assert need.still_needed_asked_at is None
    assert services.needs_expire_sweep(now=now + GRACE) == {"asked": 0, "expired": 0}
    assert Need.objects.get(pk=need.pk).status == Need.Status.OPEN
    assert HistoryEntry.objects.filter(action="need.still_needed", target_id=need.pk).count() == 1


def test_after_a_yes_the_question_is_asked_again_when_the_new_window_ends(
    past_need, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.needs_expire_sweep(now=timezone.now())
        need = services.need_answer_still_needed(
            actor=past_need.requester, need=past_need, still_needed=True
        )
        result = services.needs_expire_sweep(now=need.window_end)
    assert result == {"asked": 1, "expired": 0}
    assert len(still_needed_emails(mailoutbox)) == 2


def test_answering_no_closes_the_need_and_cancels_waiting_offers(past_need, helper):
    # given the question was asked, with an offer of help still waiting
    match = services.match_propose(actor=helper, need=past_need)
    services.needs_expire_sweep(now=timezone.now())

    # when the requester says they no longer need help
    need = services.need_answer_still_needed(
        actor=past_need.requester, need=past_need, still_needed=False
    )

    # then the need is closed and the waiting offer is called off
    assert need.status == Need.Status.CLOSED
    assert Match.objects.get(pk=match.pk).state == Match.State.CANCELLED


def test_expiring_cancels_waiting_offers_and_tells_their_helpers(
    past_need, helper, mailoutbox, django_capture_on_commit_callbacks
):
    # given an offer of help nobody answered on a need that was asked about
    match = services.match_propose(actor=helper, need=past_need)
    now = timezone.now()
    services.needs_expire_sweep(now=now)

    # when it expires
    with django_capture_on_commit_callbacks(execute=True):
        services.needs_expire_sweep(now=now + GRACE)

    # then the offer is no longer left waiting, and its helper hears so
    assert Match.objects.get(pk=match.pk).state == Match.State.CANCELLED
    assert [m.to for m in mailoutbox if "cancelled" in m.subject] == [[helper.user.email]]


def test_a_need_matched_after_the_question_is_asked_afresh_if_it_opens_again(past_need, helper):
    # given the question was asked, then a helper was accepted, then released the need
    now = timezone.now()
    services.needs_expire_sweep(now=now)
    match = services.match_propose(actor=helper, need=past_need)
    match = services.match_accept(actor=past_need.requester, match=match)
    services.match_release(actor=helper, match=match, reason="I moved away")

    # when the sweep runs after the first question's grace
    result = services.needs_expire_sweep(now=now + GRACE)

    # then the requester is asked again rather than the need expiring unasked
    assert result == {"asked": 1, "expired": 0}
    assert Need.objects.get(pk=past_need.pk).status == Need.Status.OPEN


def test_only_the_requester_answers(past_need, helper):
    services.needs_expire_sweep(now=timezone.now())
    for answer in (True, False):
        with pytest.raises(PermissionDenied):
            services.need_answer_still_needed(actor=helper, need=past_need, still_needed=answer)
    assert Need.objects.get(pk=past_need.pk).status == Need.Status.OPEN


def test_yes_on_a_need_that_is_no_longer_open_is_refused(past_need):
    services.needs_expire_sweep(now=timezone.now())
    services.needs_expire_sweep(now=timezone.now() + GRACE * 2)
    with pytest.raises(IllegalTransition, match="This need is no longer open."):
        services.need_answer_still_needed(
            actor=past_need.requester, need=past_need, still_needed=True
        )
    assert Need.objects.get(pk=past_need.pk).status == Need.Status.EXPIRED
