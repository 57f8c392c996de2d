"""Schedules for notifications: each calls one service."""

from huey import crontab

from mutualaid.channels.services import deliveries_sweep, digests_send, notifications_expire
from mutualaid.core.schedules import at_worker_start, periodic


@periodic(crontab(minute="*"))
def sweep_deliveries() -> dict[str, int]:
    return deliveries_sweep()


@at_worker_start
def sweep_deliveries_at_start() -> None:
    """A worker that starts again picks up at once what the one before it left queued."""
    deliveries_sweep()


@periodic(crontab(minute="5"))
def send_digests() -> int:
    return digests_send()


@periodic(crontab(minute="40", hour="3"))
def expire_notifications() -> int:
    return notifications_expire()
