"""The ledger: balanced transactions, balances rebuilt from entries, overdraft refused,
corrections by reversal, and bad input refused with nothing moved."""

import pytest

from mutualaid.core.errors import Conflict, InvalidInput, NotFound, PermissionDenied
from mutualaid.fund import selectors
from mutualaid.fund.errors import InsufficientFunds, Unbalanced
from mutualaid.fund.models import Account, Entry, LedgerTransaction
from mutualaid.fund.services.accounts import fund_account, policy_for
from mutualaid.fund.services.ledger import (
    Leg,
    contribution_record,
    ledger_post,
    transaction_reverse,
)
from mutualaid.fund.services.payouts import payout_send
from tests.fund.conftest import approved, fill, set_policy


def test_a_contribution_moves_money_from_the_source_into_the_fund(treasurer, donations):
    tx = fill(treasurer, donations, 5000)
    fund = fund_account(treasurer.network)
    assert sorted(e.amount for e in tx.entries.all()) == [-5000, 5000]
    assert fund.balance == 5000 == selectors.balance_rebuilt(account=fund)
    donations.refresh_from_db()
    assert donations.balance == -5000
    assert not selectors.unbalanced_transactions(network=treasurer.network).exists()


@pytest.mark.parametrize("amount", [0, -100, 10**12, True, 12.5])
def test_a_nonsense_amount_is_refused_and_nothing_moves(treasurer, donations, amount):
    with pytest.raises(InvalidInput, match="amount of at least 1"):
        fill(treasurer, donations, amount)
    assert not Entry.objects.exists()


def test_the_wrong_currency_is_refused(treasurer, donations):
    set_policy(treasurer.network, currency="EUR")
    with pytest.raises(InvalidInput, match="EUR, not USD"):
        contribution_record(actor=treasurer, source=donations, amount=100, currency="USD")
    assert not Entry.objects.exists()


def test_an_account_of_another_network_is_unknown(treasurer, donations, outsider):
    other = fund_account(outsider.network)
    theirs = Account.objects.create(network=outsider.network, kind="income", name="Theirs")
    with pytest.raises(NotFound):
        contribution_record(actor=treasurer, source=theirs, amount=100)
    assert other.balance == 0
    assert not Entry.objects.exists()


def test_an_unbalanced_transaction_is_refused(treasurer, donations):
    fund = fund_account(treasurer.network)
    with pytest.raises(Unbalanced):
        ledger_post(
            network=treasurer.network,
            kind="correction",
            legs=[Leg(fund, 100), Leg(donations, -99)],
            actor=treasurer,
        )


def test_a_member_without_the_permission_cannot_record_money(requester, donations):
    with pytest.raises(PermissionDenied):
        contribution_record(actor=requester, source=donations, amount=100)


def test_a_payout_beyond_the_balance_is_refused_without_an_overdraft(
    treasurer, donations, venmo, requester
):
    fill(treasurer, donations, 1000)
    request = approved(requester, 1500)
    with pytest.raises(InsufficientFunds, match="does not hold enough"):
        payout_send(actor=treasurer, request=request, method=venmo)
    request.refresh_from_db()
    assert request.state == "approved"
    assert fund_account(treasurer.network).balance == 1000
    assert not LedgerTransaction.objects.filter(kind="disbursement").exists()


def test_an_overdraft_the_policy_allows_can_be_used(treasurer, donations, venmo, requester):
    fill(treasurer, donations, 1000)
    set_policy(treasurer.network, overdraft_limit=600)
    request = approved(requester, 1500)
    payout_send(actor=treasurer, request=request, method=venmo)
    fund = fund_account(treasurer.network)
    assert fund.balance == -500 == selectors.balance_rebuilt(account=fund)


def test_a_mistake_is_corrected_by_a_reversing_transaction_once(treasurer, donations):
    tx = fill(treasurer, donations, 700)
    transaction_reverse(actor=treasurer, original=tx, memo="typed twice")
    fund = fund_account(treasurer.network)
    assert fund.balance == 0 == selectors.balance_rebuilt(account=fund)
    assert LedgerTransaction.objects.count() == 2  # nothing deleted
    with pytest.raises(Conflict, match="already been corrected"):
        transaction_reverse(actor=treasurer, original=tx, memo="again")


def test_a_correction_that_would_overdraw_is_refused(treasurer, donations, venmo, requester):
    tx = fill(treasurer, donations, 1000)
    payout_send(actor=treasurer, request=approved(requester, 800), method=venmo)
    with pytest.raises(InsufficientFunds):
        transaction_reverse(actor=treasurer, original=tx, memo="bounced cheque")


def test_the_currency_cannot_change_once_money_is_recorded(treasurer, donations):
    set_policy(treasurer.network, currency="eur")
    assert policy_for(treasurer.network).currency == "EUR"
    fill(treasurer, donations, 100)
    with pytest.raises(InvalidInput, match="currency cannot change"):
        set_policy(treasurer.network, currency="USD")


def test_the_overdraft_cannot_be_lowered_below_what_the_fund_owes(
    treasurer, donations, venmo, requester
):
    set_policy(treasurer.network, overdraft_limit=1000)
    payout_send(actor=treasurer, request=approved(requester, 800), method=venmo)
    with pytest.raises(InsufficientFunds, match="owes more"):
        set_policy(treasurer.network, overdraft_limit=500)
    assert policy_for(treasurer.network).overdraft_limit == 1000
    fill(treasurer, donations, 800)
    set_policy(treasurer.network, overdraft_limit=0)
    assert fund_account(treasurer.network).floor == 0


def test_a_reversed_contribution_is_not_income(treasurer, donations):
    kept = fill(treasurer, donations, 500)
    mistake = fill(treasurer, donations, 700)
    transaction_reverse(actor=treasurer, original=mistake, memo="typed twice")
    data = selectors.report(network=treasurer.network, public=False)
    [income] = data["income"]
    assert (income.count, income.amount) == (1, 500)
    assert kept.reverses is None
    assert data["balance"] == 500
