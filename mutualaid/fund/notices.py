"""The fund's notices, as data: who hears of what, in which words.

Services send them with `notice_send("fund.request_approved", request.pk)` inside their
transaction. Each says *that* something happened and links to the fund page; amounts, purposes
and names are seen there, signed in, by whoever may see them.
"""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from mutualaid.core.notice_kinds import Extra, NoticeKind, notice_kinds
from mutualaid.fund.models import FundRequest, Payout
from mutualaid.networks.models import Member
from mutualaid.networks.permissions import can


def _request(request_id: int) -> FundRequest | None:
    return (
        FundRequest.objects.select_related("requester__user", "network")
        .filter(pk=request_id)
        .first()
    )


def _payout(payout_id: int) -> Payout | None:
    return Payout.objects.select_related("network").filter(pk=payout_id).first()


def _to_requester(request: FundRequest, extra: Extra) -> Iterable[Member | None]:
    return [request.requester]


def _overview_path(request: FundRequest) -> str:
    return reverse("fund:overview", kwargs={"slug": request.network.slug})


def _to_treasurers(payout: Payout, extra: Extra) -> Iterable[Member | None]:
    """Everyone who may pay out."""
    members = Member.objects.filter(network=payout.network).select_related("user", "network")
    return [member for member in members if can(member, "fund.manage", payout.network)]


notice_kinds(
    NoticeKind(
        name="fund.request_approved",
        load=_request,
        to=_to_requester,
        subject=_("Your request to the fund was approved"),
        body=_("Your request was approved. A treasurer will send the money and tell you."),
        path=_overview_path,
    ),
    NoticeKind(
        name="fund.request_queued",
        load=_request,
        to=_to_requester,
        subject=_("Your request to the fund is approved and waiting for budget"),
        body=_(
            "This month's budget is spent. Your request waits for the next one, in the order "
            "the group's rules set."
        ),
        path=_overview_path,
    ),
    NoticeKind(
        name="fund.payout_sent",
        load=_request,
        to=_to_requester,
        subject=_("Money from the fund is on its way"),
        body=_("A treasurer marked your payout as sent. Please say whether it arrived."),
        path=_overview_path,
    ),
    NoticeKind(
        name="fund.payout_failed",
        load=_request,
        to=_to_requester,
        subject=_("A payout from the fund failed"),
        body=_(
            "The payment did not go through. The money is back in the fund, and your request "
            "will be paid another way."
        ),
        path=_overview_path,
        mandatory=True,
    ),
    # A recipient says the money did not arrive: everyone who may pay out is told.
    NoticeKind(
        name="fund.payout_disputed",
        load=_payout,
        to=_to_treasurers,
        subject=_("A payout from the fund is disputed"),
        body=_("A recipient says payout %(number)d did not arrive. Please look into it."),
        params=lambda payout, extra: {"number": payout.pk},
        path=lambda payout: reverse("fund:treasury", kwargs={"slug": payout.network.slug}),
    ),
)
