"""Schedules for listening: each calls one service. Notices are in notices.py."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mutualaid.care.listening.services import debrief_prune, listening_expire_sweep


@db_periodic_task(crontab(minute="*/10"))  # type: ignore[untyped-decorator]  # huey ships no type hints
def expire_listening() -> int:
    return listening_expire_sweep()


@db_periodic_task(crontab(minute="*/10"))  # type: ignore[untyped-decorator]  # huey ships no type hints
def prune_debrief_circles() -> int:
    return debrief_prune()
