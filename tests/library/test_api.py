"""The lending library through the JSON API: the same rules as the pages."""

import uuid
from typing import get_args

import pytest

from mutualaid.library import api as library_api
from mutualaid.library import services
from mutualaid.library.models import Booking, Thing
from tests.api.conftest import api_client_for
from tests.factories import CENTER_CELL
from tests.library.conftest import SECRET_PICKUP, at


@pytest.mark.parametrize(
    ("literal", "values"),
    [
        (library_api.Condition, Thing.Condition.values),
        (library_api.BookingState, Booking.State.values),
    ],
)
def test_the_api_lists_exactly_the_models_choices(literal, values):
    assert sorted(get_args(literal)) == sorted(values)


def test_a_member_lends_a_thing_once_per_idempotency_key(helper):
    api = api_client_for(helper)
    body = {"name": "Ladder", "cell": CENTER_CELL, "kind": "ladder", "pickup_notes": "Garage"}
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = api.post("/library/things", body, headers=key)
    again = api.post("/library/things", body, headers=key)
    assert first.status_code == 201, first.content
    assert again.json() == first.json()
    assert Thing.objects.count() == 1
    assert first.json()["pickup_notes"] == "Garage"


def test_booking_and_the_loans_steps_through_the_api(thing, helper, requester, bystander):
    borrower, keeper = api_client_for(requester), api_client_for(helper)
    response = borrower.post(
        f"/library/things/{thing.pk}/bookings",
        {"starts_at": at(1).isoformat(), "ends_at": at(5).isoformat()},
        headers={"Idempotency-Key": str(uuid.uuid4())},
    )
    assert response.status_code == 201, response.content
    booking_id = response.json()["id"]

    # an overlapping booking is refused with the clear message
    clash = api_client_for(bystander).post(
        f"/library/things/{thing.pk}/bookings",
        {"starts_at": at(2).isoformat(), "ends_at": at(3).isoformat()},
    )
    assert clash.status_code == 409
    assert clash.json()["message"] == (
        "Someone has already booked this thing for part of that time."
    )

    # a return before the check-out is refused and changes nothing
    early = keeper.post(f"/library/bookings/{booking_id}/return", {"condition_notes": "ok"})
    assert early.status_code == 409
    assert early.json()["code"] == "illegal_transition"
    assert Booking.objects.get(pk=booking_id).state == "booked"

    out = keeper.post(f"/library/bookings/{booking_id}/check-out", {"condition_notes": "Clean"})
    assert out.json()["state"] == "out"
    back = keeper.post(f"/library/bookings/{booking_id}/return", {"condition_notes": "Muddy"})
    assert back.json()["state"] == "returned"
    assert back.json()["condition_in"] == "Muddy"
    mine = borrower.get("/library/bookings").json()["items"]
    assert [b["id"] for b in mine] == [booking_id]


def test_pickup_notes_only_for_a_confirmed_borrower(thing, requester, bystander):
    assert api_client_for(bystander).get(f"/library/things/{thing.pk}").json()["pickup_notes"] == ""
    services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))
    detail = api_client_for(requester).get(f"/library/things/{thing.pk}").json()
    assert detail["pickup_notes"] == SECRET_PICKUP


def test_booked_times_do_not_say_who_to_other_members(thing, requester, bystander, helper):
    services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))
    seen = api_client_for(bystander).get(f"/library/things/{thing.pk}/bookings").json()
    assert [(b["mine"], b["borrower"]) for b in seen] == [(False, None)]
    kept = api_client_for(helper).get(f"/library/things/{thing.pk}/bookings").json()
    assert kept[0]["borrower"]["display_name"] == "Rosa"


def test_another_networks_member_sees_no_thing(thing, outsider):
    assert api_client_for(outsider).get(f"/library/things/{thing.pk}").status_code == 404


def test_a_training_is_recorded_through_the_api(chainsaw, helper, requester):
    response = api_client_for(helper).post(
        f"/library/things/{chainsaw.pk}/trainings", {"trainee": requester.pk}
    )
    assert response.status_code == 201, response.content
    assert response.json()["trainer"]["id"] == helper.pk
