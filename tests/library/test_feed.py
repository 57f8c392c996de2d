"""The iCalendar feed: each thing's bookings, for calendar apps, behind the network's secret."""

from django.test import Client
from django.urls import reverse
from icalendar import Calendar

from mutualaid.library import services
from tests.library.conftest import at


def _feed_url(network, thing, token):
    return reverse(
        "library:thing_feed", kwargs={"slug": network.slug, "token": token, "thing_id": thing.pk}
    )


def test_the_feed_lists_bookings_as_booked_and_nothing_personal(network, thing, requester):
    # given a booking and a cancelled one
    booking = services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(5))
    gone = services.booking_create(actor=requester, thing=thing, starts_at=at(6), ends_at=at(7))
    services.booking_cancel(actor=requester, booking=gone)
    token = services.library_feed_token(network=network)

    # when a calendar app fetches the feed without a session
    response = Client().get(_feed_url(network, thing, token))

    # then it holds one event that says only "booked", at the booking's times
    assert response.status_code == 200
    assert response["Content-Type"].startswith("text/calendar")
    calendar = Calendar.from_ical(response.content)
    events = calendar.walk("VEVENT")
    assert len(events) == 1
    [event] = events
    assert str(event["SUMMARY"]) == "booked"
    assert event.decoded("DTSTART") == booking.starts_at
    assert event.decoded("DTEND") == booking.ends_at
    text = response.content.decode()
    assert requester.display_name not in text
    assert thing.keeper.display_name not in text
    assert requester.user.email not in text


def test_a_wrong_token_or_another_networks_token_finds_nothing(network, thing, outsider):
    services.library_feed_token(network=network)
    other_token = services.library_feed_token(network=outsider.network)
    assert Client().get(_feed_url(network, thing, "guess")).status_code == 404
    assert Client().get(_feed_url(network, thing, other_token)).status_code == 404


def test_rotating_the_secret_ends_the_old_link(network, thing):
    from tests.factories import MemberFactory

    organiser = MemberFactory(network=network, role="founding_organiser")
    old = services.library_feed_token(network=network)
    new = services.library_feed_rotate(actor=organiser)
    assert new != old
    assert Client().get(_feed_url(network, thing, old)).status_code == 404
    assert Client().get(_feed_url(network, thing, new)).status_code == 200


def test_the_secret_is_long_and_unguessable(network):
    token = services.library_feed_token(network=network)
    assert len(token) >= 40
    assert services.library_feed_token(network=network) == token
