"""Schedules for the fund: delete receipts on the retention schedule, and give a new month's
budget to queued requests. Each calls one service; the notices are in notices.py."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task

from mutualaid.fund.services.receipts import receipts_expire
from mutualaid.fund.services.requests import queue_release_all


@db_periodic_task(crontab(hour="3", minute="30"))  # type: ignore[untyped-decorator]  # huey has no types
def expire_receipts() -> int:
    """Receipts older than the network's retention period are deleted, file and row."""
    return receipts_expire()


@db_periodic_task(crontab(hour="0", minute="15"))  # type: ignore[untyped-decorator]  # huey has no types
def release_queue() -> int:
    """Each day (so a new month's budget is used on its first day), give the budget to
    queued requests in the order the policy sets."""
    return queue_release_all()
