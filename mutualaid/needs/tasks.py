"""Schedules for needs and matches: each calls one service. Notices are in notices.py."""

from huey import crontab

from mutualaid.core.schedules import periodic
from mutualaid.needs.services import match_suggestions_lapse, needs_expire_sweep


@periodic(crontab(minute="*/15"))
def expire_needs() -> dict[str, int]:
    return needs_expire_sweep()


@periodic(crontab(minute="*/15"))
def lapse_suggestions() -> int:
    return match_suggestions_lapse()
