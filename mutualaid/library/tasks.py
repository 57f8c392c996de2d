"""Background work for the lending library. Tasks only load rows and call services or notify.

Overdue loans are mentioned kindly and never fined: the email says who is waiting and when,
never that the borrower did wrong.
"""

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mutualaid.core.notify import email_member


def _thing_path(thing) -> str:  # type: ignore[no-untyped-def]
    return reverse(
        "library:thing_detail", kwargs={"slug": thing.network.slug, "thing_id": thing.pk}
    )


def _when(moment) -> str:  # type: ignore[no-untyped-def]
    """A date in the network's zone, formatted when the email is rendered."""
    import zoneinfo

    from django.utils.functional import lazy

    def render(network_zone: str) -> str:
        try:
            zone = zoneinfo.ZoneInfo(network_zone)
        except (zoneinfo.ZoneInfoNotFoundError, ValueError):
            zone = zoneinfo.ZoneInfo("UTC")
        return formats.date_format(timezone.localtime(moment[0], zone), "DATETIME_FORMAT")

    return lazy(render, str)(moment[1])


@db_task(retries=3, retry_delay=60)
def notify_booking(event: str, booking_id: int) -> None:
    from mutualaid.library.models import Booking
    from mutualaid.library.selectors import next_booking_after

    booking = (
        Booking.objects.select_related("thing__network", "thing__keeper__user", "borrower__user")
        .filter(pk=booking_id)
        .first()
    )
    if booking is None:
        return
    thing, borrower, keeper = booking.thing, booking.borrower, booking.thing.keeper
    zone = thing.network.timezone
    params = {
        "thing": thing.name,
        "name": borrower.display_name,
        "start": _when((booking.starts_at, zone)),
        "end": _when((booking.ends_at, zone)),
    }
    path = _thing_path(thing)
    if event == "booked" and keeper:
        email_member(
            keeper,
            subject=_("%(name)s booked %(thing)s"),
            body=_("%(name)s booked %(thing)s from %(start)s until %(end)s."),
            params=params,
            path=path,
        )
    elif event == "cancelled_to_keeper" and keeper:
        email_member(
            keeper,
            subject=_("A booking of %(thing)s was cancelled"),
            body=_("%(name)s cancelled their booking of %(thing)s from %(start)s."),
            params=params,
            path=path,
        )
    elif event == "cancelled_to_borrower":
        email_member(
            borrower,
            subject=_("Your booking of %(thing)s was cancelled"),
            body=_("Your booking of %(thing)s from %(start)s was cancelled by its keeper."),
            params=params,
            path=path,
        )
    elif event == "due_soon":
        email_member(
            borrower,
            subject=_("%(thing)s is due back soon"),
            body=_("A friendly reminder: %(thing)s is due back at %(end)s. Thank you!"),
            params=params,
            path=path,
        )
    elif event == "overdue":
        waiting = next_booking_after(booking=booking)
        if waiting is not None:
            email_member(
                borrower,
                subject=_("When you can: %(thing)s"),
                body=_(
                    "No rush — please bring %(thing)s back when you can, someone is waiting "
                    "on %(next)s."
                ),
                params={**params, "next": _when((waiting.starts_at, zone))},
                path=path,
            )
        else:
            email_member(
                borrower,
                subject=_("When you can: %(thing)s"),
                body=_(
                    "No rush — please bring %(thing)s back when you can, or tell its keeper "
                    "if you need it a little longer."
                ),
                params=params,
                path=path,
            )


@db_periodic_task(crontab(minute="*/15"))
def remind_loans() -> dict[str, int]:
    from mutualaid.library.services import loans_remind_sweep

    return loans_remind_sweep()
