"""The ledger and money coming in: accounts for income, payouts and fees, contributions, fees
and corrections.

The ledger is append-only. `ledger_post` is the one place that writes entries: it refuses a
transaction whose entries do not add up to zero, and moves each account's stored balance with a
conditional `UPDATE … WHERE balance + change >= floor`; zero rows updated means the fund does
not hold enough, and the whole transaction rolls back. The first such update also locks the
account's row until commit (on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers).
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mutualaid.core.history import history_record
from mutualaid.core.validation import clean_text
from mutualaid.fund.errors import InsufficientFunds, Unbalanced
from mutualaid.fund.models import Account, Entry, FundRequest, LedgerTransaction
from mutualaid.fund.money import money_text
from mutualaid.fund.selectors import may_manage_fund
from mutualaid.fund.services.accounts import fund_account, policy_for
from mutualaid.fund.services.checks import amount_checked, currency_checked, same_network
from mutualaid.networks.models import Member, Network


@dataclass(frozen=True)
class Leg:
    account: Account
    amount: int


@transaction.atomic
def account_create(*, actor: Member, kind: str, name: str) -> Account:
    """Add an income source (a donor platform, cash box), a payout method or a fee account."""
    if not may_manage_fund(actor):
        raise PermissionDenied()
    if kind not in {Account.Kind.INCOME, Account.Kind.PAYOUT, Account.Kind.EXPENSE}:
        raise InvalidInput(_("Choose income source, payout method or fees."))
    name = clean_text(name, field="name", max_length=80)
    fund_account(actor.network)
    try:
        with transaction.atomic():
            account = Account.objects.create(network=actor.network, kind=kind, name=name)
    except IntegrityError:
        message = _("There is already an account called %(name)s.") % {"name": name}
        raise InvalidInput(message, fields={"name": [message]}) from None
    history_record(actor=actor, action="fund.account_create", target=account)
    return account


# --- The ledger -------------------------------------------------------------------------------


def ledger_post(
    *,
    network: Network,
    kind: str,
    legs: Sequence[Leg],
    actor: Member | None,
    memo: str = "",
    request: FundRequest | None = None,
    reverses: LedgerTransaction | None = None,
    occurred_on: date | None = None,
) -> LedgerTransaction:
    """Write one balanced transaction and move the stored balances. Runs inside the caller's
    atomic block; raises (and so rolls everything back) if an account would pass its floor."""
    if len(legs) < 2 or sum(leg.amount for leg in legs) != 0:
        raise Unbalanced()
    if any(leg.amount == 0 for leg in legs):
        raise Unbalanced(_("A transaction has no entry of zero."))
    for leg in legs:
        if leg.account.network_id != network.pk:
            raise NotFound(_("Unknown account."))
    tx = LedgerTransaction.objects.create(
        network=network,
        kind=kind,
        memo=memo,
        request=request,
        reverses=reverses,
        occurred_on=occurred_on or timezone.localdate(),
        actor=actor,
    )
    # One lock order (by account id) so two transactions never wait on each other.
    for leg in sorted(legs, key=lambda leg: leg.account.pk):
        moved = Account.objects.filter(pk=leg.account.pk).filter(
            Q(floor__isnull=True) | Q(balance__gte=F("floor") - leg.amount)
        )
        if not moved.update(balance=F("balance") + leg.amount):
            raise InsufficientFunds(
                _("The fund does not hold enough money for this: %(amount)s more is needed.")
                % {"amount": _format(leg.account, -leg.amount)}
            )
        Entry.objects.create(transaction=tx, account=leg.account, amount=leg.amount)
    return tx


def _format(account: Account, amount: int) -> str:
    currency = policy_for(account.network).currency
    return money_text(amount, currency)


@transaction.atomic
def contribution_record(
    *,
    actor: Member,
    source: Account,
    amount: int,
    currency: str | None = None,
    memo: str = "",
    occurred_on: date | None = None,
) -> LedgerTransaction:
    """Money came into the fund from an income source."""
    if not may_manage_fund(actor):
        raise PermissionDenied()
    same_network(actor.network, source)
    if source.kind != Account.Kind.INCOME:
        raise InvalidInput(_("Money comes in from an income source."))
    currency_checked(policy_for(actor.network), currency)
    amount = amount_checked(amount)
    memo = clean_text(memo, field="memo", max_length=200, required=False)
    tx = ledger_post(
        network=actor.network,
        kind=LedgerTransaction.Kind.CONTRIBUTION,
        legs=[Leg(fund_account(actor.network), amount), Leg(source, -amount)],
        actor=actor,
        memo=memo,
        occurred_on=occurred_on,
    )
    history_record(actor=actor, action="fund.contribution", target=tx, amount=amount)
    return tx


@transaction.atomic
def fee_record(
    *,
    actor: Member,
    fees: Account,
    amount: int,
    currency: str | None = None,
    memo: str = "",
) -> LedgerTransaction:
    """A bank or platform fee paid out of the fund."""
    if not may_manage_fund(actor):
        raise PermissionDenied()
    same_network(actor.network, fees)
    if fees.kind != Account.Kind.EXPENSE:
        raise InvalidInput(_("Fees are recorded against a fees account."))
    currency_checked(policy_for(actor.network), currency)
    amount = amount_checked(amount)
    tx = ledger_post(
        network=actor.network,
        kind=LedgerTransaction.Kind.FEE,
        legs=[Leg(fund_account(actor.network), -amount), Leg(fees, amount)],
        actor=actor,
        memo=clean_text(memo, field="memo", max_length=200, required=False),
    )
    history_record(actor=actor, action="fund.fee", target=tx, amount=amount)
    return tx


@transaction.atomic
def transaction_reverse(
    *, actor: Member, original: LedgerTransaction, memo: str
) -> LedgerTransaction:
    """Correct a mistake by a transaction that undoes it exactly. A transaction is reversed at
    most once, and a reversal is not itself reversed (record the right one instead)."""
    if not may_manage_fund(actor):
        raise PermissionDenied()
    if original.network_id != actor.network_id:
        raise NotFound()
    if original.reverses_id is not None or original.kind in {
        LedgerTransaction.Kind.DISBURSEMENT,
        LedgerTransaction.Kind.RECEIPT,
    }:
        raise InvalidInput(
            _("Payouts are corrected by marking them failed, and corrections are not undone.")
        )
    memo = clean_text(memo, field="memo", max_length=200)
    legs = [Leg(entry.account, -entry.amount) for entry in original.entries.all()]
    try:
        with transaction.atomic():
            tx = ledger_post(
                network=actor.network,
                kind=LedgerTransaction.Kind.CORRECTION,
                legs=legs,
                actor=actor,
                memo=memo,
                reverses=original,
            )
    except IntegrityError:
        raise Conflict(_("This transaction has already been corrected.")) from None
    history_record(actor=actor, action="fund.correction", target=tx, reverses=original.pk)
    return tx
