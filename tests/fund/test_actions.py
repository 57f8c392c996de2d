"""What a member may do with a request, as the API lists it, is what the services then allow:
the requester, another member and a treasurer each see their own actions, and an action not
listed is refused."""

from typing import get_args

import pytest

from mutualaid.core.errors import DomainError
from mutualaid.fund import api as fund_api
from mutualaid.fund import selectors
from mutualaid.fund.models import FundRequest
from mutualaid.fund.services.requests import request_approve, request_create, request_decline
from mutualaid.networks.services import api_token_create
from tests.api.conftest import ApiClient
from tests.fund.conftest import approved, fill, set_policy


def _api(member):
    _token, secret = api_token_create(actor=member, name="phone")
    return ApiClient(secret)


def _actions(member, request_id):
    listed = _api(member).get("/fund/requests").json()
    return next(row["actions"] for row in listed if row["id"] == request_id)


def _pending(requester):
    set_policy(requester.network, auto_approve_up_to=0, approvals_needed=2)
    return request_create(actor=requester, kind="direct_aid", category="rent", amount=500)


def test_the_api_lists_every_action_the_selector_knows():
    assert sorted(get_args(fund_api.RequestAction)) == sorted(selectors.FUND_REQUEST_ACTIONS)


def test_a_pending_request_offers_each_role_its_own_actions(requester, bystander, treasurer):
    # given a request waiting for approvals
    request = _pending(requester)

    # then its requester may withdraw it or add a receipt, but not approve or decline it
    assert _actions(requester, request.pk) == ["withdraw", "attach_receipt"]
    # another member may only approve it
    assert _actions(bystander, request.pk) == ["approve"]
    # a treasurer may approve it, decline it and see its receipts
    assert _actions(treasurer, request.pk) == ["approve", "decline", "attach_receipt"]


def test_the_services_refuse_what_the_api_does_not_list(requester, bystander):
    # given a request a member has already approved
    request = _pending(requester)
    request_approve(actor=bystander, request=request)

    # then approving is no longer listed for them, and the service refuses it
    assert "approve" not in _actions(bystander, request.pk)
    with pytest.raises(DomainError):
        request_approve(actor=bystander, request=request)
    # and the requester cannot approve their own, nor can another member decline it
    assert "approve" not in _actions(requester, request.pk)
    with pytest.raises(DomainError):
        request_approve(actor=requester, request=request)
    assert "decline" not in _actions(bystander, request.pk)
    with pytest.raises(DomainError):
        request_decline(actor=bystander, request=request, reason="no")


def test_an_approved_request_is_paid_only_by_a_treasurer(
    requester, bystander, treasurer, donations, venmo
):
    # given an approved request and money in the fund
    fill(treasurer, donations, 5000)
    request = approved(requester, 1000)

    # then a treasurer may pay it, and paying it works
    assert "pay" in _actions(treasurer, request.pk)
    payout = _api(treasurer).post(f"/fund/requests/{request.pk}/payouts", {"method": venmo.pk})
    assert payout.status_code == 201, payout.json()
    # and once paid, nobody may pay, withdraw or decline it any more
    request.refresh_from_db()
    assert request.state == FundRequest.State.PAID
    for member in (requester, treasurer):
        assert not {"pay", "withdraw", "decline"} & set(_actions(member, request.pk))


def test_a_member_who_may_not_pay_gets_no_pay_action_and_a_refusal(
    requester, bystander, treasurer, donations, venmo
):
    fill(treasurer, donations, 5000)
    request = approved(requester, 1000)
    set_policy(requester.network, approvals_needed=1)
    # bystander sees the request only if they may approve; either way "pay" is not theirs
    assert "pay" not in selectors.fund_request_actions(bystander, request)
    refused = _api(bystander).post(f"/fund/requests/{request.pk}/payouts", {"method": venmo.pk})
    assert refused.status_code in {403, 404}
