"""Schedules for the lending library: each calls one service. Notices are in notices.py."""

from huey import crontab

from mutualaid.core.schedules import periodic
from mutualaid.library.services import loans_remind_sweep


@periodic(crontab(minute="*/15"))
def remind_loans() -> dict[str, int]:
    return loans_remind_sweep()
