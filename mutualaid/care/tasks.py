"""Schedules for circles: each calls one service. Notices are in notices.py."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mutualaid.care.services import facilitators_rotate_sweep, posts_expire_sweep


@db_periodic_task(crontab(minute="*/10"))  # type: ignore[untyped-decorator]  # huey ships no type hints
def expire_posts() -> int:
    return posts_expire_sweep()


@db_periodic_task(crontab(hour="*", minute="7"))  # type: ignore[untyped-decorator]  # huey ships no type hints
def rotate_facilitators() -> int:
    return facilitators_rotate_sweep()
