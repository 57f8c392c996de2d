"""Schedules for listening: each calls one service. Notices are in notices.py."""

from huey import crontab

from mutualaid.care.listening.services import debrief_prune, listening_expire_sweep
from mutualaid.core.schedules import periodic


@periodic(crontab(minute="*/10"))
def expire_listening() -> int:
    return listening_expire_sweep()


@periodic(crontab(minute="*/10"))
def prune_debrief_circles() -> int:
    return debrief_prune()
