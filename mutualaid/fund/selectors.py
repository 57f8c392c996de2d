"""Reads about the fund: balances rebuilt from the ledger, the queue, and the reports."""

from django.db.models import QuerySet, Sum

from mutualaid.core.errors import NotFound
from mutualaid.fund.models import Account, Entry, FundRequest, LedgerTransaction, Payout
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import can


def balance_rebuilt(*, account: Account) -> int:
    """The account's balance as the sum of its entries, whatever the stored total says."""
    total = Entry.objects.filter(account=account).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


def unbalanced_transactions(*, network: Network) -> QuerySet[LedgerTransaction]:
    """Transactions whose entries do not add up to zero: always empty, checked in tests."""
    return (
        LedgerTransaction.objects.filter(network=network)
        .annotate(total=Sum("entries__amount"))
        .exclude(total=0)
    )


def requests_visible(*, member: Member) -> QuerySet[FundRequest]:
    """Requests the member may see in full: their own, or all when they may approve."""
    qs = FundRequest.objects.filter(network_id=member.network_id).select_related("requester")
    if can(member, "fund.approve", member.network) or can(member, "fund.manage", member.network):
        return qs
    return qs.filter(requester=member)


def access_request(member: Member, request_id: int) -> FundRequest:
    request = requests_visible(member=member).filter(pk=request_id).first()
    if request is None:
        raise NotFound()
    return request


def access_payout(member: Member, payout_id: int) -> Payout:
    payout = (
        Payout.objects.filter(network_id=member.network_id, pk=payout_id)
        .select_related("request", "method")
        .first()
    )
    if payout is None or not (
        payout.request.requester_id == member.pk or can(member, "fund.manage", member.network)
    ):
        raise NotFound()
    return payout


def access_account(member: Member, account_id: int) -> Account:
    account = Account.objects.filter(network_id=member.network_id, pk=account_id).first()
    if account is None or account.kind == Account.Kind.MEMBER:
        raise NotFound()
    return account


def accounts_public(*, network: Network) -> QuerySet[Account]:
    """Accounts members may see by name: everything but members' own accounts."""
    return Account.objects.filter(network=network).exclude(kind=Account.Kind.MEMBER)


def _money(amount: int, currency: str) -> str:
    return f"{amount / 100:.2f} {currency}"


def policy_in_words(*, network: Network) -> list[str]:
    """The fund policy as sentences every member can read."""
    from django.utils.translation import gettext as _

    from mutualaid.fund.models import CapPeriod, OverBudgetRule
    from mutualaid.fund.services import policy_for

    p = policy_for(network)
    lines = [_("The fund keeps its money in %(currency)s.") % {"currency": p.currency}]
    if p.auto_approve_up_to:
        lines.append(
            _("Requests up to %(amount)s are approved at once.")
            % {"amount": _money(p.auto_approve_up_to, p.currency)}
        )
    lines.append(
        _("Larger requests need %(count)d approvals by members other than the one asking.")
        % {"count": p.approvals_needed}
    )
    if p.person_cap:
        lines.append(
            _("One person may receive at most %(amount)s in %(period)s.")
            % {"amount": _money(p.person_cap, p.currency), "period": CapPeriod(p.cap_period).label}
        )
    if p.monthly_budget:
        lines.append(
            _(
                "The fund gives out at most %(amount)s a month. When requests go over it, they "
                "wait for next month's budget, and %(rule)s."
            )
            % {
                "amount": _money(p.monthly_budget, p.currency),
                "rule": OverBudgetRule(p.over_budget_rule).label,
            }
        )
        if p.over_budget_rule == OverBudgetRule.LOTTERY:
            lines.append(
                _("The lottery's published seed is “%(seed)s”: anyone can re-run the draw.")
                % {"seed": p.lottery_seed}
            )
    else:
        lines.append(_("There is no monthly budget."))
    if p.overdraft_limit:
        lines.append(
            _("The fund may go up to %(amount)s below zero.")
            % {"amount": _money(p.overdraft_limit, p.currency)}
        )
    else:
        lines.append(_("The fund never pays out more than it holds."))
    lines.append(
        _("Receipts are deleted after %(days)d days.") % {"days": p.receipt_retention_days}
    )
    lines.append(_("The group changes these rules by a proposal."))
    return lines


def ledger(*, network: Network) -> QuerySet[LedgerTransaction]:
    return LedgerTransaction.objects.filter(network=network).prefetch_related("entries")
