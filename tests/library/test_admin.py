"""The lending library in the organisers' admin: read-only rows, steps through the services."""

import pytest
from django.urls import reverse

from mutualaid.library import services
from mutualaid.library.models import Booking, LibraryFeed
from mutualaid.networks.models import Member
from tests.conftest import client_for
from tests.factories import MemberFactory
from tests.library.conftest import SECRET_PICKUP, at


@pytest.fixture
def organiser(network):
    return MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)


def test_the_admin_never_shows_the_pickup_notes(thing, requester, organiser):
    booking = services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(3))
    client = client_for(organiser)
    for url in (
        reverse("admin:library_thing_changelist"),
        reverse("admin:library_thing_change", args=[thing.pk]),
        reverse("admin:library_booking_changelist"),
        reverse("admin:library_booking_change", args=[booking.pk]),
        reverse("admin:library_training_changelist"),
    ):
        response = client.get(url)
        assert response.status_code == 200, url
        assert SECRET_PICKUP not in response.content.decode(), url


def test_an_organiser_cancels_a_booking_through_the_service(thing, requester, organiser):
    booking = services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(3))
    response = client_for(organiser).post(
        reverse("admin:library_booking_changelist"),
        {"action": "cancel_bookings", "_selected_action": [booking.pk]},
    )
    assert response.status_code == 302
    assert Booking.objects.get(pk=booking.pk).state == Booking.State.CANCELLED


def test_an_organiser_cannot_return_what_is_not_checked_out(thing, requester, organiser):
    booking = services.booking_create(actor=requester, thing=thing, starts_at=at(1), ends_at=at(3))
    client_for(organiser).post(
        reverse("admin:library_booking_changelist"),
        {"action": "return_bookings", "_selected_action": [booking.pk]},
    )
    assert Booking.objects.get(pk=booking.pk).state == Booking.State.BOOKED


def test_an_organiser_replaces_the_feed_secret(network, organiser):
    old = services.library_feed_token(network=network)
    client_for(organiser).post(
        reverse("admin:library_libraryfeed_changelist"),
        {"action": "rotate_feeds", "_selected_action": [LibraryFeed.objects.get().pk]},
    )
    assert LibraryFeed.objects.get().token != old
