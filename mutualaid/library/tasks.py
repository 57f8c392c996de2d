"""Schedules for the lending library: each calls one service. Notices are in notices.py."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mutualaid.library.services import loans_remind_sweep


@db_periodic_task(crontab(minute="*/15"))  # type: ignore[untyped-decorator]  # huey has no types
def remind_loans() -> dict[str, int]:
    return loans_remind_sweep()
