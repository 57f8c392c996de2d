"""The monthly budget and the per-person cap that approvals are counted against.

The budget is a counter row raised by a conditional update, so racing approvals never exceed
it."""

from datetime import date, datetime

from django.db.models import F, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.fund.errors import OverCap
from mutualaid.fund.models import Account, BudgetMonth, CapPeriod, FundPolicy, FundRequest
from mutualaid.fund.money import money_text
from mutualaid.fund.services.accounts import member_account
from mutualaid.networks.models import Member, Network


def month_start(when: datetime) -> date:
    return timezone.localdate(when).replace(day=1)


def budget_month(network: Network, when: datetime, policy: FundPolicy) -> BudgetMonth:
    month, _created = BudgetMonth.objects.get_or_create(
        network=network, month=month_start(when), defaults={"budget": None}
    )
    budget = policy.monthly_budget or None
    if month.budget != budget:
        # A lower budget than already committed keeps what is committed.
        BudgetMonth.objects.filter(pk=month.pk).update(
            budget=None if budget is None else max(budget, month.committed)
        )
        month.refresh_from_db()
    return month


def _period_start(policy: FundPolicy, when: datetime) -> date:
    day = timezone.localdate(when)
    if policy.cap_period == CapPeriod.YEAR:
        return day.replace(month=1, day=1)
    if policy.cap_period == CapPeriod.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(day=1)


def received_in_period(member: Member | None, policy: FundPolicy, when: datetime) -> int:
    if member is None:
        return 0
    start = _period_start(policy, when)
    total = FundRequest.objects.filter(
        requester=member,
        state__in=[FundRequest.State.APPROVED, FundRequest.State.PAID],
        approved_at__date__gte=start,
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


def cap_check(request: FundRequest, policy: FundPolicy, when: datetime) -> None:
    """Refuse what would take the requester over the per-person cap. The requester's own
    account row is locked first by a no-op conditional UPDATE, so two of their requests
    approved at the same moment are counted one after the other (on PostgreSQL the sum below
    then sees the other's committed approval; SQLite serialises writers anyway)."""
    if not policy.person_cap or request.requester is None:
        return
    account = member_account(request.requester)
    Account.objects.filter(pk=account.pk).update(balance=F("balance"))
    already = received_in_period(request.requester, policy, when)
    if already + request.amount > policy.person_cap:
        raise OverCap(
            _(
                "One person may receive at most %(cap)s in %(period)s; this request would "
                "bring it to %(total)s."
            )
            % {
                "cap": money_text(policy.person_cap, policy.currency),
                "period": CapPeriod(policy.cap_period).label,
                "total": money_text(already + request.amount, policy.currency),
            }
        )
