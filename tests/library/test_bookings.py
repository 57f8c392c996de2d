"""Booking things: time ranges that never overlap, the training rule, and the loan's steps."""

from datetime import timedelta

import pytest

from mutualaid.core.errors import Conflict, IllegalTransition, InvalidInput, PermissionDenied
from mutualaid.library import services
from mutualaid.library.models import Booking, Training
from tests.library.conftest import at


def test_a_member_books_a_free_time(thing, requester):
    booking = services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))
    assert booking.state == Booking.State.BOOKED
    assert booking.borrower == requester


def test_an_overlapping_booking_is_refused_with_a_clear_message_and_nothing_changes(
    thing, requester, bystander
):
    services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))
    with pytest.raises(Conflict, match="already booked"):
        services.booking_create(actor=bystander, thing=thing, starts_at=at(4), ends_at=at(8))
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(("start", "end"), [(0, 2), (2, 3), (4, 9), (0, 9)])
def test_every_kind_of_overlap_is_refused(thing, requester, bystander, start, end):
    services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))
    with pytest.raises(Conflict):
        services.booking_create(actor=bystander, thing=thing, starts_at=at(start), ends_at=at(end))


def test_adjacent_bookings_are_allowed(thing, requester, bystander):
    services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))
    services.booking_create(actor=bystander, thing=thing, starts_at=at(5), ends_at=at(9))
    services.booking_create(actor=bystander, thing=thing, starts_at=at(0.5), ends_at=at(1))
    assert Booking.objects.count() == 3


def test_a_cancelled_booking_does_not_block_its_time(thing, requester, bystander):
    first = services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))
    services.booking_cancel(actor=requester, booking=first)
    services.booking_create(actor=bystander, thing=thing, starts_at=at(2), ends_at=at(4))
    assert Booking.objects.exclude(state="cancelled").count() == 1


def test_the_same_time_of_another_thing_is_free(thing, helper, requester, bystander):
    other = services.thing_create(actor=helper, name="Ladder", cell=thing.cell)
    services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))
    services.booking_create(actor=bystander, thing=other, starts_at=at(1), ends_at=at(5))


def test_the_database_refuses_an_overlap_the_service_did_not_see(thing, requester, bystander):
    """The rule holds below Python: a raw insert that overlaps fails in the database."""
    from django.db import IntegrityError, transaction

    services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.create(thing=thing, borrower=bystander, starts_at=at(2), ends_at=at(3))
    late = services.booking_create(actor=bystander, thing=thing, starts_at=at(6), ends_at=at(7))
    with pytest.raises(IntegrityError), transaction.atomic():
        Booking.objects.filter(pk=late.pk).update(starts_at=at(3))


def test_the_service_turns_a_lost_race_into_the_clear_message(
    thing, requester, bystander, monkeypatch
):
    services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))
    # given the check before the insert sees nothing, as when a racing booking is uncommitted
    monkeypatch.setattr(services, "bookings_overlapping", lambda **kw: Booking.objects.none())
    with pytest.raises(Conflict, match="already booked"):
        services.booking_create(actor=bystander, thing=thing, starts_at=at(2), ends_at=at(3))
    assert Booking.objects.count() == 1


@pytest.mark.parametrize(
    ("start", "end", "message"),
    [(5, 1, "must come after"), (-5, -1, "already passed"), (1, 1 + 24 * 31, "30 days")],
)
def test_a_senseless_time_is_refused(thing, requester, start, end, message):
    with pytest.raises(InvalidInput, match=message):
        services.booking_create(actor=requester, thing=thing, starts_at=at(start), ends_at=at(end))
    assert not Booking.objects.exists()


def test_a_member_of_another_network_cannot_book(thing, outsider):
    with pytest.raises(PermissionDenied):
        services.booking_create(actor=outsider, thing=thing, starts_at=at(1), ends_at=at(5))


# --- The training rule


def test_a_thing_that_needs_training_is_refused_to_an_untrained_member(chainsaw, requester):
    with pytest.raises(PermissionDenied, match="trained"):
        services.booking_create(actor=requester, thing=chainsaw, starts_at=at(1), ends_at=at(5))
    assert not Booking.objects.exists()


def test_a_member_trained_by_the_keeper_may_book(chainsaw, helper, requester):
    services.training_give(actor=helper, trainee=requester, thing=chainsaw)
    services.booking_create(actor=requester, thing=chainsaw, starts_at=at(1), ends_at=at(5))


def test_training_for_a_kind_covers_every_thing_of_that_kind(chainsaw, helper, requester):
    services.training_give(actor=helper, trainee=requester, kind="chainsaw")
    services.booking_create(actor=requester, thing=chainsaw, starts_at=at(1), ends_at=at(5))


def test_a_trained_member_may_train_others_and_an_untrained_one_may_not(
    chainsaw, helper, requester, bystander
):
    with pytest.raises(PermissionDenied):
        services.training_give(actor=bystander, trainee=requester, thing=chainsaw)
    services.training_give(actor=helper, trainee=requester, thing=chainsaw)
    services.training_give(actor=requester, trainee=bystander, thing=chainsaw)
    services.booking_create(actor=bystander, thing=chainsaw, starts_at=at(1), ends_at=at(5))


def test_nobody_trains_themself(chainsaw, helper):
    with pytest.raises(InvalidInput):
        services.training_give(actor=helper, trainee=helper, thing=chainsaw)


def test_giving_a_training_twice_keeps_one_record(chainsaw, helper, requester):
    services.training_give(actor=helper, trainee=requester, thing=chainsaw)
    services.training_give(actor=helper, trainee=requester, thing=chainsaw)
    assert Training.objects.count() == 1


# --- Check-out and return


@pytest.fixture
def booking(thing, requester):
    return services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))


def test_the_keeper_checks_out_and_takes_back_with_condition_notes(booking, helper):
    booking = services.booking_check_out(
        actor=helper, booking=booking, condition_notes="Two batteries"
    )
    assert booking.state == Booking.State.OUT
    assert booking.condition_out == "Two batteries"
    booking = services.booking_return(actor=helper, booking=booking, condition_notes="One dent")
    assert booking.state == Booking.State.RETURNED
    assert booking.condition_in == "One dent"
    assert booking.returned_at is not None


def test_returning_something_not_checked_out_is_refused_and_changes_nothing(booking, helper):
    with pytest.raises(IllegalTransition, match="not checked out"):
        services.booking_return(actor=helper, booking=booking, condition_notes="fine")
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED
    assert booking.condition_in == ""


def test_returning_twice_is_refused(booking, helper):
    services.booking_check_out(actor=helper, booking=booking)
    services.booking_return(actor=helper, booking=booking)
    with pytest.raises(IllegalTransition):
        services.booking_return(actor=helper, booking=booking)


def test_a_borrowed_thing_cannot_be_cancelled_or_checked_out_again(booking, helper, requester):
    services.booking_check_out(actor=helper, booking=booking)
    with pytest.raises(IllegalTransition):
        services.booking_cancel(actor=requester, booking=booking)
    with pytest.raises(IllegalTransition):
        services.booking_check_out(actor=helper, booking=booking)


def test_only_the_keeper_or_an_organiser_hands_things_over(booking, requester, bystander):
    with pytest.raises(PermissionDenied):
        services.booking_check_out(actor=requester, booking=booking)
    with pytest.raises(PermissionDenied):
        services.booking_cancel(actor=bystander, booking=booking)
    booking.refresh_from_db()
    assert booking.state == Booking.State.BOOKED


def test_the_keeper_is_told_of_a_booking(
    thing, requester, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))
    assert [m.to for m in mailoutbox] == [[thing.keeper.user.email]]
    assert "Rosa booked Cordless drill" in mailoutbox[0].subject


def test_a_thing_back_early_frees_the_rest_of_its_time(thing, helper, requester, bystander):
    # given a loan from an hour ago until tomorrow, returned now
    booking = services.booking_create(
        actor=requester, thing=thing, starts_at=at(0.2), ends_at=at(24)
    )
    services.booking_check_out(actor=helper, booking=booking)
    Booking.objects.filter(pk=booking.pk).update(starts_at=at(-1))
    booking.refresh_from_db()
    services.booking_return(actor=helper, booking=booking)

    # then someone else can book the afternoon it was meant to be away
    services.booking_create(actor=bystander, thing=thing, starts_at=at(2), ends_at=at(6))
    booking.refresh_from_db()
    assert booking.ends_at <= at(0.1) + timedelta(minutes=2)


def test_a_thing_still_out_cannot_be_handed_to_the_next_borrower(
    thing, helper, requester, bystander
):
    first = services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(2))
    second = services.booking_create(actor=bystander, thing=thing, starts_at=at(2), ends_at=at(3))
    services.booking_check_out(actor=helper, booking=first)
    with pytest.raises(Conflict, match="still out with someone else"):
        services.booking_check_out(actor=helper, booking=second)
    second.refresh_from_db()
    assert second.state == Booking.State.BOOKED
    services.booking_return(actor=helper, booking=first)
    assert services.booking_check_out(actor=helper, booking=second).state == Booking.State.OUT
