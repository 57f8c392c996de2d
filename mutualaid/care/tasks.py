"""Schedules for circles: each calls one service. Notices are in notices.py."""

from huey import crontab

from mutualaid.care.services import facilitators_rotate_sweep, posts_expire_sweep
from mutualaid.core.schedules import periodic


@periodic(crontab(minute="*/10"))
def expire_posts() -> int:
    return posts_expire_sweep()


@periodic(crontab(hour="*", minute="7"))
def rotate_facilitators() -> int:
    return facilitators_rotate_sweep()
