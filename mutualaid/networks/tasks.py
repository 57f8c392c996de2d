"""Schedules for networks: each calls one service."""

from django.utils import timezone
from huey import crontab

from mutualaid.core.schedules import periodic
from mutualaid.membership.services import members_inactivity_sweep


@periodic(crontab(hour="4", minute="41"))
def members_inactivity_daily() -> None:
    """Ask silent members whether they are still here; move to inactive those who were asked
    and stayed silent (see `members_inactivity_sweep`)."""
    members_inactivity_sweep(now=timezone.now())
