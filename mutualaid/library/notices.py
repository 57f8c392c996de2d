"""The lending library's notices, as data: who hears of what, in which words.

Services send them with `notice_send("booking.booked", booking.pk)` inside their transaction.
Overdue loans are mentioned kindly and never fined: the note says who is waiting and when,
never that the borrower did wrong.
"""

from collections.abc import Iterable
from datetime import datetime

from django.urls import reverse
from django.utils import formats, timezone
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from mutualaid.core.notice_kinds import Extra, NoticeKind, notice_kinds
from mutualaid.core.zones import zone_of
from mutualaid.library.models import Booking
from mutualaid.networks.models import Member, Network


def _booking(booking_id: int) -> Booking | None:
    return (
        Booking.objects.select_related("thing__network", "thing__keeper__user", "borrower__user")
        .filter(pk=booking_id)
        .first()
    )


def _when(moment: datetime, network: Network) -> str:
    """A date in the network's zone, formatted when the email is rendered (in its language)."""

    def render() -> str:
        return formats.date_format(timezone.localtime(moment, zone_of(network)), "DATETIME_FORMAT")

    return lazy(render, str)()


def _params(booking: Booking, extra: Extra) -> dict[str, object]:
    network = booking.thing.network
    params: dict[str, object] = {
        "thing": booking.thing.name,
        "name": booking.borrower.display_name,
        "start": _when(booking.starts_at, network),
        "end": _when(booking.ends_at, network),
    }
    if "next_starts_at" in extra:
        params["next"] = _when(datetime.fromisoformat(extra["next_starts_at"]), network)
    return params


def _thing_path(booking: Booking) -> str:
    thing = booking.thing
    return reverse(
        "library:thing_detail", kwargs={"slug": thing.network.slug, "thing_id": thing.pk}
    )


def _to_keeper(booking: Booking, extra: Extra) -> Iterable[Member | None]:
    return [booking.thing.keeper]


def _to_borrower(booking: Booking, extra: Extra) -> Iterable[Member | None]:
    return [booking.borrower]


# name → (who hears, subject, body). Every kind is about one booking.
_BOOKING_NOTICES = {
    "booking.booked": (
        _to_keeper,
        _("%(name)s booked %(thing)s"),
        _("%(name)s booked %(thing)s from %(start)s until %(end)s."),
    ),
    "booking.cancelled_to_keeper": (
        _to_keeper,
        _("A booking of %(thing)s was cancelled"),
        _("%(name)s cancelled their booking of %(thing)s from %(start)s."),
    ),
    "booking.cancelled_to_borrower": (
        _to_borrower,
        _("Your booking of %(thing)s was cancelled"),
        _("Your booking of %(thing)s from %(start)s was cancelled by its keeper."),
    ),
    "booking.due_soon": (
        _to_borrower,
        _("%(thing)s is due back soon"),
        _("A friendly reminder: %(thing)s is due back at %(end)s. Thank you!"),
    ),
    # Sent with `next_starts_at`: when the next borrower's booking starts.
    "booking.overdue_someone_waits": (
        _to_borrower,
        _("When you can: %(thing)s"),
        _("No rush — please bring %(thing)s back when you can, someone is waiting on %(next)s."),
    ),
    "booking.overdue": (
        _to_borrower,
        _("When you can: %(thing)s"),
        _(
            "No rush — please bring %(thing)s back when you can, or tell its keeper "
            "if you need it a little longer."
        ),
    ),
}

notice_kinds(
    *(
        NoticeKind(
            name=name,
            load=_booking,
            to=to,
            subject=subject,
            body=body,
            params=_params,
            path=_thing_path,
        )
        for name, (to, subject, body) in _BOOKING_NOTICES.items()
    )
)
