"""Reminders before a loan is due, and a kind word when it is overdue. Never a fine."""

from datetime import timedelta

from django.utils import timezone

from mutualaid.library import services
from mutualaid.library.models import Booking
from mutualaid.library.tasks import remind_loans
from tests.library.conftest import at


def _loan(thing, borrower, keeper, *, start, end):
    booking = services.booking_create(
        actor=borrower, thing=thing, starts_at=at(start), ends_at=at(end)
    )
    return services.booking_check_out(actor=keeper, booking=booking)


def test_a_borrower_is_reminded_once_the_day_before_it_is_due(
    thing, requester, helper, mailoutbox, django_capture_on_commit_callbacks
):
    _loan(thing, requester, helper, start=0.1, end=10)
    mailoutbox.clear()

    with django_capture_on_commit_callbacks(execute=True):
        assert services.loans_remind_sweep() == {"due": 1, "overdue": 0}
        assert services.loans_remind_sweep() == {"due": 0, "overdue": 0}

    assert [m.to for m in mailoutbox] == [[requester.user.email]]
    assert "due back" in mailoutbox[0].body


def test_an_overdue_loan_gets_one_kind_note_naming_who_waits(
    thing, requester, helper, bystander, mailoutbox, django_capture_on_commit_callbacks
):
    # given a loan that ends in an hour, and someone who booked the thing for tomorrow
    loan = _loan(thing, requester, helper, start=0.1, end=1)
    waiting = services.booking_create(
        actor=bystander, thing=thing, starts_at=at(24), ends_at=at(30)
    )
    mailoutbox.clear()

    # when the sweep runs two hours later
    later = timezone.now() + timedelta(hours=2)
    with django_capture_on_commit_callbacks(execute=True):
        sent = services.loans_remind_sweep(now=later)
        services.loans_remind_sweep(now=later + timedelta(minutes=15))

    # then the borrower is told, once and kindly, when the next person needs it
    assert sent == {"due": 0, "overdue": 1}
    overdue = [m for m in mailoutbox if m.to == [requester.user.email]]
    assert len(overdue) == 1
    body = overdue[0].body
    assert "No rush — please bring Cordless drill back when you can" in body
    assert "someone is waiting on" in body
    assert str(waiting.starts_at.day) in body
    for word in ("fine", "fee", "penalty", "late fee"):
        assert word not in body.lower()
    loan.refresh_from_db()
    assert loan.state == Booking.State.OUT


def test_the_periodic_task_runs_the_sweep(thing, requester, helper):
    _loan(thing, requester, helper, start=0.1, end=10)
    assert remind_loans.call_local() == {"due": 1, "overdue": 0}
