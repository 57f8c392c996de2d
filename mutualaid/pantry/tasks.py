"""Schedules for the pantry: each calls one service."""

from huey import crontab

from mutualaid.core.schedules import periodic
from mutualaid.pantry.services.alerts import alerts_send_all
from mutualaid.pantry.services.reservations import reservations_release_sweep


@periodic(crontab(minute="*/5"))
def release_ended_reservations() -> int:
    """A match that was cancelled or released gives its held stock back within minutes."""
    return reservations_release_sweep()


@periodic(crontab(hour="7", minute="0"))
def send_alerts() -> int:
    """Tell the keepers who opted in what is low and what expires soon."""
    return alerts_send_all()
