"""Two members book overlapping times of one thing at the same instant, on separate database
connections. Exactly one booking is made on SQLite and on PostgreSQL; the other member reads
the same clear message as when the time was visibly taken, never an IntegrityError."""

import pytest

from mutualaid.core.errors import Conflict
from mutualaid.library import services
from mutualaid.library.models import Booking
from tests.concurrency import run_together
from tests.factories import CENTER_CELL, MemberFactory, NetworkFactory
from tests.library.conftest import at

pytestmark = pytest.mark.django_db(transaction=True)

ALREADY_BOOKED = "Someone has already booked this thing for part of that time."


def _thing_and_borrowers(count: int):
    network = NetworkFactory()
    keeper = MemberFactory(network=network)
    thing = services.thing_create(actor=keeper, name="Van", cell=CENTER_CELL)
    return thing, [MemberFactory(network=network) for _ in range(count)]


def test_two_overlapping_bookings_at_once_exactly_one_wins(database):
    # given one thing and two members who want overlapping times of it
    thing, (first, second) = _thing_and_borrowers(2)

    # when both book at the same moment
    outcomes = run_together(
        [
            lambda: services.booking_create(
                actor=first, thing=thing, starts_at=at(1), ends_at=at(5)
            ),
            lambda: services.booking_create(
                actor=second, thing=thing, starts_at=at(3), ends_at=at(8)
            ),
        ]
    )

    # then one booking exists and the other member got the clear message
    winners = [o for o in outcomes if isinstance(o, Booking)]
    errors = [o for o in outcomes if isinstance(o, Exception)]
    assert len(winners) == 1, outcomes
    assert [type(e) for e in errors] == [Conflict], outcomes
    assert errors[0].message == ALREADY_BOOKED
    assert Booking.objects.filter(thing=thing).count() == 1


def test_ten_members_racing_for_the_same_afternoon_leave_one_booking(database):
    thing, borrowers = _thing_and_borrowers(10)
    outcomes = run_together(
        [
            lambda b=b, i=i: services.booking_create(
                actor=b, thing=thing, starts_at=at(2 + i * 0.1), ends_at=at(6)
            )
            for i, b in enumerate(borrowers)
        ]
    )
    assert sum(isinstance(o, Booking) for o in outcomes) == 1, outcomes
    assert all(
        isinstance(o, Booking) or (type(o) is Conflict and o.message == ALREADY_BOOKED)
        for o in outcomes
    ), outcomes
    assert Booking.objects.filter(thing=thing).count() == 1


def test_two_check_outs_of_one_thing_at_once_hand_it_to_one_borrower(database):
    thing, (first, second) = _thing_and_borrowers(2)
    keeper = thing.keeper
    bookings = [
        services.booking_create(actor=first, thing=thing, starts_at=at(1), ends_at=at(2)),
        services.booking_create(actor=second, thing=thing, starts_at=at(2), ends_at=at(3)),
    ]
    outcomes = run_together(
        [lambda b=b: services.booking_check_out(actor=keeper, booking=b) for b in bookings]
    )
    assert sum(isinstance(o, Booking) for o in outcomes) == 1, outcomes
    assert [type(o) for o in outcomes if isinstance(o, Exception)] == [Conflict], outcomes
    assert Booking.objects.filter(thing=thing, state=Booking.State.OUT).count() == 1
