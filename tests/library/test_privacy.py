"""Where a thing is picked up is private: encrypted at rest, shown only to who needs it."""

from django.db import connection

from mutualaid.library import selectors, services
from tests.library.conftest import SECRET_PICKUP, at


def test_pickup_notes_are_encrypted_in_the_database(thing):
    with connection.cursor() as cursor:
        cursor.execute("SELECT pickup_notes FROM library_thing WHERE id = %s", [thing.pk])
        [raw] = cursor.fetchone()
    assert SECRET_PICKUP not in raw
    assert raw.startswith("gAAAAA")  # a Fernet token


def test_pickup_notes_are_shown_while_a_booking_is_confirmed_and_not_after_it_is_cancelled(
    thing, requester, bystander
):
    assert selectors.thing_pickup_notes(member=bystander, thing=thing) == ""
    booking = services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(3))
    assert selectors.thing_pickup_notes(member=requester, thing=thing) == SECRET_PICKUP
    services.booking_cancel(actor=requester, booking=booking)
    assert selectors.thing_pickup_notes(member=requester, thing=thing) == ""


def test_browsing_never_loads_the_pickup_notes(thing, bystander):
    [listed] = selectors.things_browse(member=bystander)
    assert "pickup_notes" in listed.get_deferred_fields()
