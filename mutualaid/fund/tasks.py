"""Background work for the fund: delete receipts on the retention schedule, and give a new
month's budget to queued requests. Tasks only call services."""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mutualaid.core.notify import email_member


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


# --- Notifications: each says *that* something happened and links to the fund page. ---------

NOTICES = {
    "approved": (
        _("Your request to the fund was approved"),
        _("Your request was approved. A treasurer will send the money and tell you."),
    ),
    "queued": (
        _("Your request to the fund is approved and waiting for budget"),
        _(
            "This month's budget is spent. Your request waits for the next one, in the order "
            "the group's rules set."
        ),
    ),
    "sent": (
        _("Money from the fund is on its way"),
        _("A treasurer marked your payout as sent. Please say whether it arrived."),
    ),
    "failed": (
        _("A payout from the fund failed"),
        _(
            "The payment did not go through. The money is back in the fund, and your request "
            "will be paid another way."
        ),
    ),
}


@db_task(retries=3, retry_delay=60)
def notify_requester(request_id: int, what: str) -> None:
    from mutualaid.fund.models import FundRequest

    request = FundRequest.objects.select_related("requester__user", "network").get(pk=request_id)
    if request.requester is None or what not in NOTICES:
        return
    subject, body = NOTICES[what]
    email_member(
        request.requester,
        subject=subject,
        body=body,
        path=reverse("fund:overview", kwargs={"slug": request.network.slug}),
    )


@db_task(retries=3, retry_delay=60)
def notify_treasurers_of_dispute(payout_id: int) -> None:
    """A recipient says the money did not arrive: everyone who may pay out is told."""
    from mutualaid.fund.models import Payout
    from mutualaid.networks.models import Member
    from mutualaid.networks.permissions import can

    payout = Payout.objects.select_related("network").get(pk=payout_id)
    members = Member.objects.filter(network=payout.network).select_related("user", "network")
    for member in members:
        if can(member, "fund.manage", payout.network):
            email_member(
                member,
                subject=_("A payout from the fund is disputed"),
                body=_("A recipient says payout %(number)d did not arrive. Please look into it."),
                params={"number": payout.pk},
                path=reverse("fund:treasury", kwargs={"slug": payout.network.slug}),
            )
