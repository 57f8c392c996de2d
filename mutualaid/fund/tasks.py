"""Background work for the fund: delete receipts on the retention schedule, and give a new
month's budget to queued requests. Tasks only call services."""

from huey import crontab
from huey.contrib.djhuey import db_periodic_task


@db_periodic_task(crontab(hour="3", minute="30"))
def expire_receipts() -> int:
    """Receipts older than the network's retention period are deleted, file and row."""
    from mutualaid.fund.services import receipts_expire

    return receipts_expire()


@db_periodic_task(crontab(hour="0", minute="15"))
def release_queue() -> int:
    """Each day (so a new month's budget is used on its first day), give the budget to
    queued requests in the order the policy sets."""
    from mutualaid.fund.models import FundRequest
    from mutualaid.fund.services import queue_release
    from mutualaid.networks.models import Network

    released = 0
    queued = FundRequest.objects.filter(state=FundRequest.State.QUEUED).values("network")
    for network in Network.objects.filter(pk__in=queued):
        released += len(queue_release(network=network))
    return released
