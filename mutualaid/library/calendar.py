"""A thing's bookings as an iCalendar (RFC 5545) feed.

Each booking is one event that says only "booked": no borrower, no keeper, no place. Events
keep a stable UID, so calendar apps update them in place when a booking changes or goes.
"""

from collections.abc import Iterable
from urllib.parse import urlsplit

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from icalendar import Calendar, Event

from mutualaid.library.models import Booking, Thing


def bookings_ical(*, thing: Thing, bookings: Iterable[Booking]) -> bytes:
    host = urlsplit(settings.SITE_URL).hostname or "mutualaid"
    calendar = Calendar()
    calendar.add("prodid", "-//mutualaid//lending library//EN")
    calendar.add("version", "2.0")
    calendar.add("x-wr-calname", thing.name)
    now = timezone.now()
    for booking in bookings:
        event = Event()
        event.add("uid", f"library-booking-{booking.pk}@{host}")
        event.add("dtstamp", booking.updated_at or now)
        event.add("dtstart", booking.starts_at)
        event.add("dtend", booking.ends_at)
        event.add("summary", _("booked"))
        event.add("transp", "OPAQUE")
        calendar.add_component(event)
    return bytes(calendar.to_ical())
