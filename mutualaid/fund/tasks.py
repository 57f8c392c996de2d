"""Schedules for the fund: delete receipts on the retention schedule, and give a new month's
budget to queued requests. Each calls one service; the notices are in notices.py."""

from huey import crontab

from mutualaid.core.schedules import periodic
from mutualaid.fund.services.receipts import receipts_expire
from mutualaid.fund.services.requests import queue_release_all


@periodic(crontab(hour="3", minute="30"))
def expire_receipts() -> int:
    """Receipts older than the network's retention period are deleted, file and row."""
    return receipts_expire()


@periodic(crontab(hour="0", minute="15"))
def release_queue() -> int:
    """Each day (so a new month's budget is used on its first day), give the budget to
    queued requests in the order the policy sets."""
    return queue_release_all()
