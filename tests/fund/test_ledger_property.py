"""Properties over random sequences of fund operations: every transaction sums to zero, every
balance equals the sum of its entries, the fund never goes below what the policy allows, and no
request is paid twice."""

import pytest
from django.db.models import Sum
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from mutualaid.core.errors import DomainError
from mutualaid.fund import selectors
from mutualaid.fund.models import Account, BudgetMonth, FundRequest, LedgerTransaction, Payout
from mutualaid.fund.services.accounts import fund_account, policy_for
from mutualaid.fund.services.ledger import (
    account_create,
    contribution_record,
    fee_record,
    transaction_reverse,
)
from mutualaid.fund.services.payouts import payout_confirm, payout_fail, payout_send
from mutualaid.fund.services.policy import policy_change
from mutualaid.fund.services.requests import (
    queue_release,
    request_approve,
    request_create,
    request_decline,
)
from mutualaid.networks.models import Member
from tests.factories import MemberFactory

amounts = st.one_of(st.integers(-50, 5000), st.sampled_from([0, 10**9]))
steps = st.lists(
    st.one_of(
        st.tuples(st.just("give"), amounts, st.just(0)),
        st.tuples(st.just("fee"), amounts, st.just(0)),
        st.tuples(st.just("ask"), amounts, st.integers(0, 2)),
        st.tuples(st.just("approve"), st.integers(0, 9), st.integers(0, 2)),
        st.tuples(st.just("pay"), st.integers(0, 9), st.just(0)),
        st.tuples(st.just("confirm"), st.integers(0, 9), st.just(0)),
        st.tuples(st.just("fail"), st.integers(0, 9), st.just(0)),
        st.tuples(st.just("reverse"), st.integers(0, 9), st.just(0)),
        st.tuples(st.just("overdraft"), st.integers(0, 3000), st.just(0)),
        st.tuples(st.just("withdraw"), st.integers(0, 9), st.just(0)),
        st.tuples(st.just("release"), st.just(0), st.just(0)),
    ),
    max_size=30,
)


@pytest.mark.django_db
@settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(script=steps, auto=st.integers(0, 3000), budget=st.sampled_from([0, 3000, 8000]))
def test_the_ledger_stays_balanced_whatever_happens(script, auto, budget):
    treasurer = MemberFactory(role=Member.Role.FOUNDING_ORGANISER)
    network = treasurer.network
    members = [MemberFactory(network=network) for _ in range(3)]
    policy_change(
        network=network,
        changes={"auto_approve_up_to": auto, "approvals_needed": 1, "monthly_budget": budget},
        reason="t",
    )
    source = account_create(actor=treasurer, kind="income", name="Gifts")
    fees = account_create(actor=treasurer, kind="expense", name="Fees")
    method = account_create(actor=treasurer, kind="payout", name="Cash")
    for step, a, b in script:
        requests = list(FundRequest.objects.filter(network=network).order_by("pk"))
        payouts = list(Payout.objects.filter(network=network).order_by("pk"))
        txs = list(LedgerTransaction.objects.filter(network=network).order_by("pk"))
        try:
            if step == "give":
                contribution_record(actor=treasurer, source=source, amount=a)
            elif step == "fee":
                fee_record(actor=treasurer, fees=fees, amount=a)
            elif step == "ask":
                request_create(actor=members[b], kind="direct_aid", category="rent", amount=a)
            elif step == "approve" and requests:
                request_approve(actor=members[b], request=requests[a % len(requests)])
            elif step == "pay" and requests:
                request = requests[a % len(requests)]
                payout_send(actor=treasurer, request=request, method=method)
            elif step == "confirm" and payouts:
                payout = payouts[a % len(payouts)]
                payout_confirm(actor=payout.request.requester, payout=payout)
            elif step == "fail" and payouts:
                payout_fail(actor=treasurer, payout=payouts[a % len(payouts)], reason="x")
            elif step == "reverse" and txs:
                transaction_reverse(actor=treasurer, original=txs[a % len(txs)], memo="x")
            elif step == "withdraw" and requests:
                request = requests[a % len(requests)]
                request_decline(actor=request.requester, request=request, reason="")
            elif step == "release":
                queue_release(network=network)
            elif step == "overdraft":
                policy_change(network=network, changes={"overdraft_limit": a}, reason="t")
        except DomainError:
            pass  # a refusal must change nothing; the checks below cover it
        assert not selectors.unbalanced_transactions(network=network).exists()
        accounts = list(Account.objects.filter(network=network))
        assert sum(account.balance for account in accounts) == 0
        for account in accounts:
            assert account.balance == selectors.balance_rebuilt(account=account)
        fund = fund_account(network)
        assert fund.floor is not None
        assert fund.balance >= fund.floor
        assert fund.floor == -policy_for(network).overdraft_limit
        for request in FundRequest.objects.filter(network=network):
            live = request.payouts.exclude(state="failed").count()
            assert live == (1 if request.state == "paid" else 0)
            paid_out = sum(
                e.amount
                for tx in LedgerTransaction.objects.filter(request=request)
                for e in tx.entries.all()
                if e.account_id == fund.pk
            )
            assert paid_out == (-request.amount if request.state == "paid" else 0)
        # the month's budget counter is exactly what approved and paid requests hold
        for month in BudgetMonth.objects.filter(network=network):
            held = FundRequest.objects.filter(
                network=network,
                state__in=["approved", "paid"],
                approved_at__year=month.month.year,
                approved_at__month=month.month.month,
            ).aggregate(total=Sum("amount"))["total"]
            assert month.committed == (held or 0)
            assert month.budget is None or month.committed <= month.budget
