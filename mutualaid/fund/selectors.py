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
