"""Requests under the network's policy: automatic approval, K approvals by others, the
per-person cap, the monthly budget and the queue's order, and two-sided payouts."""

from datetime import timedelta

import pytest
from django.utils import timezone

from mutualaid.core.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from mutualaid.fund import selectors
from mutualaid.fund.errors import AlreadyPaid, OverCap
from mutualaid.fund.models import FundRequest
from mutualaid.fund.services.accounts import fund_account, member_account, policy_for
from mutualaid.fund.services.payouts import payout_confirm, payout_dispute, payout_fail, payout_send
from mutualaid.fund.services.requests import (
    queue_order,
    queue_release,
    request_approve,
    request_create,
    request_decline,
)
from tests.factories import MemberFactory
from tests.fund.conftest import approved, fill, set_policy


def ask(member, amount, **kwargs):
    return request_create(actor=member, kind="direct_aid", category="rent", amount=amount, **kwargs)


def test_a_small_request_is_approved_at_once(requester):
    set_policy(requester.network, auto_approve_up_to=2000)
    assert ask(requester, 2000).state == "approved"
    assert ask(requester, 2001).state == "pending"


def test_a_request_needs_k_approvals_by_other_members(requester, helper, bystander):
    set_policy(requester.network, approvals_needed=2)
    request = ask(requester, 5000)
    with pytest.raises(InvalidInput, match="your own request"):
        request_approve(actor=requester, request=request)
    assert request_approve(actor=helper, request=request).state == "pending"
    with pytest.raises(Conflict, match="already approved"):
        request_approve(actor=helper, request=request)
    assert request_approve(actor=bystander, request=request).state == "approved"


def test_an_outsider_cannot_see_or_approve_a_request(requester, outsider):
    request = ask(requester, 5000)
    with pytest.raises(NotFound):
        request_approve(actor=outsider, request=request)
    with pytest.raises(NotFound):
        selectors.access_request(outsider, request.pk)


def test_the_per_person_cap_refuses_what_goes_over_it(requester):
    set_policy(requester.network, person_cap=10000, auto_approve_up_to=100000)
    ask(requester, 6000)
    with pytest.raises(OverCap, match="at most 100.00 USD in a month"):
        ask(requester, 5000)
    assert FundRequest.objects.count() == 1


def test_over_budget_requests_wait_in_the_queue_until_next_month(requester, helper):
    set_policy(requester.network, monthly_budget=10000, auto_approve_up_to=100000)
    assert ask(requester, 8000).state == "approved"
    waiting = ask(helper, 5000)
    assert waiting.state == "queued"
    next_month = timezone.now() + timedelta(days=32)
    assert queue_release(network=requester.network, now=next_month) == [waiting]
    waiting.refresh_from_db()
    assert waiting.state == "approved"


def test_the_lottery_is_reproducible_from_the_published_seed(network):
    set_policy(network, over_budget_rule="lottery", lottery_seed="2026-open-meeting")
    policy = policy_for(network)
    requests = [ask(MemberFactory(network=network), 100) for _ in range(6)]
    month = timezone.localdate().replace(day=1)
    first = queue_order(list(requests), policy, month)
    again = queue_order(list(reversed(requests)), policy, month)
    assert [r.pk for r in first] == [r.pk for r in again]


def test_least_received_first_puts_those_who_received_least_first(
    treasurer, donations, venmo, requester, helper
):
    fill(treasurer, donations, 100000)
    payout_send(actor=treasurer, request=approved(requester, 3000), method=venmo)
    set_policy(treasurer.network, over_budget_rule="least_received", auto_approve_up_to=0)
    older, newer = ask(requester, 100), ask(helper, 100)
    order = queue_order([older, newer], policy_for(treasurer.network), None)  # type: ignore[arg-type]
    assert order == [newer, older]


def test_a_payout_is_confirmed_by_both_sides(treasurer, donations, venmo, requester):
    fill(treasurer, donations, 5000)
    request = approved(requester, 3000)
    payout = payout_send(actor=treasurer, request=request, method=venmo)
    assert payout.state == "sent"
    venmo.refresh_from_db()
    assert venmo.balance == 3000  # in transit, not lost
    payout_confirm(actor=requester, payout=payout)
    assert payout.state == "received"
    mine = member_account(requester)
    venmo.refresh_from_db()
    assert (venmo.balance, mine.balance) == (0, 3000)
    with pytest.raises(AlreadyPaid):
        payout_send(actor=treasurer, request=request, method=venmo)


def test_a_failed_payout_puts_the_money_back_and_can_be_paid_again(
    treasurer, donations, venmo, requester
):
    fill(treasurer, donations, 5000)
    request = approved(requester, 3000)
    payout = payout_send(actor=treasurer, request=request, method=venmo)
    payout_dispute(actor=requester, payout=payout, reason="Nothing arrived")
    payout_fail(actor=treasurer, payout=payout, reason="Wrong handle")
    fund = fund_account(treasurer.network)
    assert fund.balance == 5000 == selectors.balance_rebuilt(account=fund)
    request.refresh_from_db()
    assert request.state == "approved"
    again = payout_send(actor=treasurer, request=request, method=venmo)
    assert again.state == "sent"
    with pytest.raises(IllegalTransition):
        payout_fail(actor=treasurer, payout=payout, reason="twice")


def test_only_the_recipient_confirms(treasurer, donations, venmo, requester, helper):
    fill(treasurer, donations, 5000)
    payout = payout_send(actor=treasurer, request=approved(requester, 100), method=venmo)
    with pytest.raises(NotFound):
        payout_confirm(actor=helper, payout=payout)


def test_a_withdrawn_approved_request_gives_its_budget_back(requester, helper):
    set_policy(requester.network, monthly_budget=5000, auto_approve_up_to=100000)
    request = ask(requester, 5000)
    request_decline(actor=requester, request=request, reason="")
    assert ask(helper, 5000).state == "approved"
