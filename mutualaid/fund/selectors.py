"""Reads about the fund: balances rebuilt from the ledger, the queue, and the reports."""

from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Final

from django.db.models import QuerySet, Sum
from django.utils.translation import gettext as _

from mutualaid.core.errors import NotFound
from mutualaid.fund.models import (
    Account,
    Approval,
    CapPeriod,
    Entry,
    FundPolicy,
    FundRequest,
    LedgerTransaction,
    OverBudgetRule,
    Payout,
    Receipt,
)
from mutualaid.fund.money import exponent, money_text, to_major
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


MANAGE: Final = "fund.manage"
OPEN_REQUEST_STATES: Final = (
    FundRequest.State.PENDING,
    FundRequest.State.QUEUED,
    FundRequest.State.APPROVED,
)


# --- Who may do what: the predicates the services check and the actions the doors show -------


def may_manage_fund(member: Member) -> bool:
    """Treasurers: record income and fees, pay out, decline requests, reconcile."""
    return can(member, MANAGE, member.network)


def may_approve_requests(member: Member) -> bool:
    return can(member, "fund.approve", member.network)


def is_own_request(member: Member, request: FundRequest) -> bool:
    return request.requester_id == member.pk


def request_is_open(request: FundRequest) -> bool:
    """Not yet paid, declined or withdrawn."""
    return request.state in OPEN_REQUEST_STATES


def has_approved(member: Member, request: FundRequest) -> bool:
    return Approval.objects.filter(request=request, member=member).exists()


def may_approve_request(member: Member, request: FundRequest) -> bool:
    """Another member's request still waiting for approvals, not yet approved by this one."""
    return (
        may_approve_requests(member)
        and not is_own_request(member, request)
        and request.state == FundRequest.State.PENDING
        and not has_approved(member, request)
    )


def may_decline_request(member: Member, request: FundRequest) -> bool:
    """Treasurers decline others' requests that are not yet paid or closed."""
    return (
        not is_own_request(member, request) and may_manage_fund(member) and request_is_open(request)
    )


def may_withdraw_request(member: Member, request: FundRequest) -> bool:
    return is_own_request(member, request) and request_is_open(request)


def may_pay_request(member: Member, request: FundRequest) -> bool:
    return may_manage_fund(member) and request.state == FundRequest.State.APPROVED


def is_requester_or_treasurer(member: Member, request: FundRequest) -> bool:
    """Who sees a request's money details (its receipts and payouts) and attaches receipts."""
    return is_own_request(member, request) or may_manage_fund(member)


FUND_REQUEST_ACTIONS: Final[dict[str, Callable[[Member, FundRequest], bool]]] = {
    "approve": may_approve_request,
    "decline": may_decline_request,
    "withdraw": may_withdraw_request,
    "pay": may_pay_request,
    "attach_receipt": is_requester_or_treasurer,
}


def fund_request_actions(member: Member, request: FundRequest) -> list[str]:
    """What the member may do with the request now, by name (see FUND_REQUEST_ACTIONS)."""
    return [name for name, allowed in FUND_REQUEST_ACTIONS.items() if allowed(member, request)]


# --- Reading requests, payouts and accounts ---------------------------------------------------


def requests_visible(*, member: Member) -> QuerySet[FundRequest]:
    """Requests the member may see in full: their own, or all when they may approve."""
    qs = FundRequest.objects.filter(network_id=member.network_id).select_related("requester")
    if may_approve_requests(member) or may_manage_fund(member):
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
    if payout is None or not is_requester_or_treasurer(member, payout.request):
        raise NotFound()
    return payout


def access_receipt(member: Member, receipt_id: int) -> Receipt:
    """A receipt, for its requester and treasurers only; NotFound for everyone else."""
    receipt = (
        Receipt.objects.filter(pk=receipt_id, request__network_id=member.network_id)
        .select_related("request")
        .first()
    )
    if receipt is None or not is_requester_or_treasurer(member, receipt.request):
        raise NotFound()
    return receipt


def requests_to_approve(*, member: Member) -> list[FundRequest]:
    """Others' requests waiting for this member's approval (none if they may not approve)."""
    if not may_approve_requests(member):
        return []
    waiting = (
        FundRequest.objects.filter(network=member.network, state=FundRequest.State.PENDING)
        .exclude(requester=member)
        .exclude(approvals__member=member)
    )
    return list(waiting)


def requests_of_member(*, member: Member) -> QuerySet[FundRequest]:
    """The member's own requests, with their payouts and receipts."""
    return FundRequest.objects.filter(requester=member).prefetch_related("payouts", "receipts")


def requests_to_pay(*, member: Member) -> QuerySet[FundRequest]:
    """Approved requests waiting for a treasurer to send the money, oldest approval first."""
    if not may_manage_fund(member):
        return FundRequest.objects.none()
    return FundRequest.objects.filter(
        network=member.network, state=FundRequest.State.APPROVED
    ).order_by("approved_at")


def payouts_open(*, network: Network) -> QuerySet[Payout]:
    """Payouts sent but not yet confirmed (or disputed)."""
    return Payout.objects.filter(
        network=network, state__in=[Payout.State.SENT, Payout.State.DISPUTED]
    ).select_related("request", "method")


def access_account(member: Member, account_id: int) -> Account:
    account = Account.objects.filter(network_id=member.network_id, pk=account_id).first()
    if account is None or account.kind == Account.Kind.MEMBER:
        raise NotFound(_("This fund has no such account."))
    return account


def accounts_public(*, network: Network) -> QuerySet[Account]:
    """Accounts members may see by name: everything but members' own accounts."""
    return Account.objects.filter(network=network).exclude(kind=Account.Kind.MEMBER)


def _money(amount: int, currency: str) -> str:
    return money_text(amount, currency)


def policy_of(*, network: Network) -> FundPolicy:
    """The network's fund policy as it stands; the safe defaults (nothing automatic) while
    nobody has changed it (the services make the row on first use)."""
    return FundPolicy.objects.filter(network=network).first() or FundPolicy(network=network)


def fund_balance(*, network: Network) -> int:
    """What the fund holds now (its stored balance; 0 before any money was recorded)."""
    fund = Account.objects.filter(network=network, kind=Account.Kind.FUND).first()
    return fund.balance if fund is not None else 0


def policy_in_words(*, network: Network) -> list[str]:
    """The fund policy as sentences every member can read."""
    p = policy_of(network=network)
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


SMALL_CELL = 5  # the public report shows no count below this


@dataclass(frozen=True)
class ReportRow:
    month: str
    label: str
    amount: int | None  # None: suppressed, fewer than SMALL_CELL behind it
    count: int | None


def _suppress(rows: dict[tuple[str, str], list[int]], public: bool) -> list[ReportRow]:
    out = []
    for (month, label), amounts in sorted(rows.items()):
        hidden = public and len(amounts) < SMALL_CELL
        out.append(
            ReportRow(
                month=month,
                label=label,
                amount=None if hidden else sum(amounts),
                count=None if hidden else len(amounts),
            )
        )
    return out


def report(*, network: Network, public: bool) -> dict[str, Any]:
    """Income by month, outgoings by category and month, the balance and the queue. The
    public version hides every cell with fewer than five contributions or payouts behind it,
    and names nobody; the members' version names only recipients who opted in."""
    policy = policy_of(network=network)
    income: dict[tuple[str, str], list[int]] = defaultdict(list)
    # A reversed contribution never arrived: it is not income (its correction is not either).
    for entry in Entry.objects.filter(
        account__network=network,
        account__kind=Account.Kind.FUND,
        transaction__kind=LedgerTransaction.Kind.CONTRIBUTION,
        transaction__reversed_by__isnull=True,
    ).select_related("transaction"):
        income[(f"{entry.transaction.occurred_on:%Y-%m}", str(_("income")))].append(entry.amount)
    outgoings: dict[tuple[str, str], list[int]] = defaultdict(list)
    payouts = Payout.objects.filter(network=network).exclude(state=Payout.State.FAILED)
    for payout in payouts.select_related("request"):
        category = FundRequest.Category(payout.request.category).label
        outgoings[(f"{payout.created_at:%Y-%m}", str(category))].append(payout.amount)
    queue = []
    for state in (FundRequest.State.PENDING, FundRequest.State.QUEUED, FundRequest.State.APPROVED):
        waiting = FundRequest.objects.filter(network=network, state=state)
        count = waiting.count()
        total = int(waiting.aggregate(total=Sum("amount"))["total"] or 0)
        hidden = public and count < SMALL_CELL
        queue.append(
            ReportRow(
                month="",
                label=str(FundRequest.State(state).label),
                amount=None if hidden else total,
                count=None if hidden else count,
            )
        )
    named: list[str] = []
    if not public:
        named = sorted(
            {
                p.request.requester.display_name
                for p in payouts.select_related("request__requester")
                if p.request.show_name and p.request.requester is not None
            }
        )
    return {
        "currency": policy.currency,
        "exponent": exponent(policy.currency),
        "balance": fund_balance(network=network),
        "income": _suppress(income, public),
        "outgoings": _suppress(outgoings, public),
        "queue": queue,
        "named_recipients": named,
        "small_cell": SMALL_CELL,
    }


def report_csv_rows(*, network: Network, public: bool) -> list[list[object]]:
    """The report's cells as rows: section, month, label, count, amount (with the currency's
    decimals: 18.50 USD, 1850 JPY) and currency. A suppressed cell keeps its row, with count
    and amount left empty."""
    data = report(network=network, public=public)

    def money(amount: int) -> str:
        return f"{to_major(amount, data['currency']):.{data['exponent']}f}"

    rows: list[list[object]] = [["balance", "", "", "", money(data["balance"]), data["currency"]]]
    for section in ("income", "outgoings", "queue"):
        for r in data[section]:
            rows.append(
                [
                    section,
                    r.month,
                    r.label,
                    "" if r.count is None else r.count,
                    "" if r.amount is None else money(r.amount),
                    data["currency"],
                ]
            )
    return rows


def ledger_rows(*, network: Network) -> list[list[object]]:
    """One row per entry: transaction, date, kind, memo, account, amount in minor units."""
    rows: list[list[object]] = []
    entries = Entry.objects.filter(transaction__network=network).select_related(
        "transaction", "account"
    )
    for entry in entries.order_by("transaction_id", "pk"):
        account = entry.account
        name = (
            f"member account {account.pk}" if account.kind == Account.Kind.MEMBER else account.name
        )
        tx = entry.transaction
        rows.append([tx.pk, tx.occurred_on.isoformat(), tx.kind, tx.memo, name, entry.amount])
    return rows


def _iso(value: Any) -> str | None:
    return value.isoformat() if value is not None else None


def fund_data_export(*, member: Member) -> dict[str, object]:
    """The member's part of "download my data": their requests to the fund with what they
    wrote, their receipts (by file name) and payouts, and the approvals they gave."""
    requests = (
        FundRequest.objects.filter(requester=member)
        .prefetch_related("receipts", "payouts__method")
        .order_by("created_at")
    )
    return {
        "fund_requests": [
            {
                "id": r.pk,
                "kind": r.kind,
                "category": r.category,
                "amount": r.amount,
                "need": r.need_id,
                "purpose": r.purpose or "",
                "payout_details": r.payout_details or "",
                "show_name": r.show_name,
                "state": r.state,
                "approved_at": _iso(r.approved_at),
                "created_at": _iso(r.created_at),
                "updated_at": _iso(r.updated_at),
                "receipts": [
                    {
                        "id": receipt.pk,
                        "file": receipt.file.name or "",
                        "content_type": receipt.content_type,
                        "created_at": _iso(receipt.created_at),
                    }
                    for receipt in r.receipts.all()
                ],
                "payouts": [
                    {
                        "id": p.pk,
                        "method": p.method.name,
                        "amount": p.amount,
                        "state": p.state,
                        "note": p.note,
                        "created_at": _iso(p.created_at),
                        "updated_at": _iso(p.updated_at),
                    }
                    for p in r.payouts.all()
                ],
            }
            for r in requests
        ],
        "fund_approvals_given": [
            {"request": a.request_id, "created_at": _iso(a.created_at)}
            for a in Approval.objects.filter(member=member).order_by("created_at")
        ],
    }
