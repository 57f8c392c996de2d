"""What a member may do with a thing or a booking, as the API lists it, is what the services
then allow: the keeper, a borrower and another member each see their own actions, and an
action not listed is refused."""

from typing import get_args

import pytest

from mutualaid.core.errors import DomainError
from mutualaid.library import api as library_api
from mutualaid.library import selectors, services
from tests.api.conftest import api_client_for
from tests.library.conftest import at


def _thing_actions(member, thing):
    return api_client_for(member).get(f"/library/things/{thing.pk}").json()["actions"]


def _booking_actions(member, booking):
    times = api_client_for(member).get(f"/library/things/{booking.thing_id}/bookings").json()
    return next(row["actions"] for row in times if row["id"] == booking.pk)


def test_the_api_lists_every_action_the_selectors_know():
    assert sorted(get_args(library_api.ThingAction)) == sorted(selectors.THING_ACTIONS)
    assert sorted(get_args(library_api.BookingAction)) == sorted(selectors.BOOKING_ACTIONS)


def test_a_keeper_and_a_member_see_their_own_actions_on_a_thing(thing, helper, requester):
    # the keeper may book it, look after it and train others to use it
    assert _thing_actions(helper, thing) == ["book", "update", "set_photo", "train"]
    # another member may only book it
    assert _thing_actions(requester, thing) == ["book"]
    # and the services refuse them what is not listed
    with pytest.raises(DomainError):
        services.thing_update(actor=requester, thing=thing, condition="worn", is_active=True)
    with pytest.raises(DomainError):
        services.training_give(actor=requester, trainee=helper, thing=thing)


def test_an_untrained_member_is_not_offered_a_thing_that_needs_training(
    chainsaw, helper, requester
):
    # given a chainsaw only lent to trained members
    assert "book" not in _thing_actions(requester, chainsaw)
    with pytest.raises(DomainError):
        services.booking_create(actor=requester, thing=chainsaw, starts_at=at(1), ends_at=at(2))
    # when its keeper trains them, booking is listed, and the booking is made
    services.training_give(actor=helper, trainee=requester, thing=chainsaw)
    assert "book" in _thing_actions(requester, chainsaw)
    services.booking_create(actor=requester, thing=chainsaw, starts_at=at(1), ends_at=at(2))


def test_a_thing_off_the_shelf_cannot_be_booked(thing, helper, requester):
    services.thing_update(actor=helper, thing=thing, condition="repair", is_active=False)
    thing.refresh_from_db()
    assert "book" not in _thing_actions(requester, thing)
    with pytest.raises(DomainError):
        services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(2))


def test_the_borrower_and_the_keeper_see_their_own_steps_on_a_booking(thing, helper, requester):
    booking = services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))
    # the borrower may only cancel; the keeper may hand it over or cancel
    assert _booking_actions(requester, booking) == ["cancel"]
    assert _booking_actions(helper, booking) == ["check_out", "cancel"]
    with pytest.raises(DomainError):
        services.booking_check_out(actor=requester, booking=booking)

    # once it is out, only the keeper may take it back, and nobody may cancel
    services.booking_check_out(actor=helper, booking=booking)
    assert _booking_actions(requester, booking) == []
    assert _booking_actions(helper, booking) == ["return"]
    with pytest.raises(DomainError):
        services.booking_cancel(actor=requester, booking=booking)
    with pytest.raises(DomainError):
        services.booking_return(actor=requester, booking=booking)
    services.booking_return(actor=helper, booking=booking)


def test_my_bookings_carry_their_actions(thing, requester):
    services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))
    mine = api_client_for(requester).get("/library/bookings").json()["items"]
    assert [row["actions"] for row in mine] == [["cancel"]]
