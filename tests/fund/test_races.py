"""Races with real concurrent connections, on SQLite and PostgreSQL: two approvals of the same
request pay it once, and payouts racing for the last money never overdraw the fund."""

import pytest

from mutualaid.fund import selectors
from mutualaid.fund.errors import AlreadyPaid, InsufficientFunds
from mutualaid.fund.models import FundRequest, LedgerTransaction, Payout
from mutualaid.fund.services.accounts import fund_account, member_account
from mutualaid.fund.services.payouts import payout_send
from mutualaid.fund.services.requests import request_approve, request_create, request_decline
from tests.concurrency import run_together
from tests.factories import MemberFactory
from tests.fund.conftest import approved, fill, set_policy

pytestmark = pytest.mark.django_db(transaction=True)


def test_two_approvals_at_once_approve_once_and_pay_once(
    database, treasurer, donations, venmo, requester, helper, bystander
):
    # given a request that needs one approval and a fund that could pay it twice
    fill(treasurer, donations, 10000)
    set_policy(treasurer.network, approvals_needed=1, monthly_budget=6000)
    request = request_create(actor=requester, kind="direct_aid", category="rent", amount=5000)

    # when two members approve it at the same instant, then two treasurers pay it at once
    run_together(
        [lambda m=m: request_approve(actor=m, request=request) for m in (helper, bystander)]
    )
    outcomes = run_together(
        [lambda: payout_send(actor=treasurer, request=request, method=venmo)] * 2
    )

    # then it was approved once (the budget counted it once) and paid once
    request.refresh_from_db()
    assert request.state == "paid"
    assert [type(o) for o in outcomes].count(Payout) == 1, outcomes
    assert [type(o) for o in outcomes if isinstance(o, Exception)] == [AlreadyPaid]
    assert LedgerTransaction.objects.filter(kind="disbursement").count() == 1
    fund = fund_account(treasurer.network)
    assert fund.balance == 5000 == selectors.balance_rebuilt(account=fund)


def test_payouts_racing_for_the_last_money_cannot_overdraw(
    database, treasurer, donations, venmo, network
):
    # given 100.00 in the fund and five approved requests of 30.00
    fill(treasurer, donations, 10000)
    set_policy(network, auto_approve_up_to=100000)
    requests = [approved(MemberFactory(network=network), 3000) for _ in range(5)]

    # when all five are paid at the same instant
    outcomes = run_together(
        [lambda r=r: payout_send(actor=treasurer, request=r, method=venmo) for r in requests]
    )

    # then three are paid, two are refused in words, and the fund is not below zero
    paid = [o for o in outcomes if isinstance(o, Payout)]
    refused = [o for o in outcomes if isinstance(o, Exception)]
    assert len(paid) == 3, outcomes
    assert {type(e) for e in refused} == {InsufficientFunds}
    fund = fund_account(network)
    assert fund.balance == 1000 == selectors.balance_rebuilt(account=fund)
    assert FundRequest.objects.filter(state="approved").count() == 2


def test_approvals_racing_for_the_last_budget_never_exceed_it(database, network):
    # given a monthly budget of 100.00 and five requests of 30.00 approved at once
    set_policy(network, monthly_budget=10000, auto_approve_up_to=100000)
    members = [MemberFactory(network=network) for _ in range(5)]

    outcomes = run_together(
        [
            lambda m=m: request_create(actor=m, kind="direct_aid", category="rent", amount=3000)
            for m in members
        ]
    )

    states = sorted(o.state for o in outcomes if isinstance(o, FundRequest))
    assert states == ["approved"] * 3 + ["queued"] * 2, outcomes


def test_two_requests_at_once_cannot_take_a_person_over_the_cap(database, network, requester):
    # given a cap of 50.00 a month and requests approved at once
    set_policy(network, person_cap=5000, auto_approve_up_to=100000)
    # the person's account and the month's budget row exist already, so no insert of either
    # happens to order the two; only the lock on the person's account does
    member_account(requester)
    request_decline(
        actor=requester,
        request=request_create(actor=requester, kind="direct_aid", category="rent", amount=1),
        reason="",
    )

    # when the same person asks twice for 30.00 at the same instant
    outcomes = run_together(
        [lambda: request_create(actor=requester, kind="direct_aid", category="rent", amount=3000)]
        * 2
    )

    # then one is approved and the other refused by the cap
    assert sorted(type(o).__name__ for o in outcomes) == ["FundRequest", "OverCap"], outcomes
    assert FundRequest.objects.filter(state="approved").count() == 1


def test_the_last_two_approvals_given_at_once_approve_the_request(database, network, requester):
    # given a request that needs two approvals
    set_policy(network, approvals_needed=2)
    request = request_create(actor=requester, kind="direct_aid", category="rent", amount=2000)
    approvers = [MemberFactory(network=network) for _ in range(2)]

    # when both approve at the same instant
    run_together([lambda m=m: request_approve(actor=m, request=request) for m in approvers])

    # then each counted the other's approval: the request is approved, not stuck
    request.refresh_from_db()
    assert request.state == "approved"
    assert request.approvals.count() == 2
