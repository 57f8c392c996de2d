"""The fund through the JSON API: the same services, errors with stable codes, and retries
with an Idempotency-Key that move no money twice."""

from typing import get_args

import pytest

from mutualaid.fund import api as fund_api
from mutualaid.fund.models import Account, FundRequest, LedgerTransaction, Payout
from mutualaid.fund.services.accounts import member_account
from mutualaid.fund.services.policy import policy_change
from mutualaid.fund.services.requests import request_create
from mutualaid.networks.services import api_token_create
from tests.api.conftest import ApiClient, assert_error
from tests.fund.conftest import fill, png


@pytest.fixture
def api(treasurer):
    _token, secret = api_token_create(actor=treasurer, name="treasurer's laptop")
    return ApiClient(secret)


@pytest.fixture
def requester_fund_api(requester):
    _token, secret = api_token_create(actor=requester, name="phone")
    return ApiClient(secret)


@pytest.mark.parametrize(
    ("literal", "values"),
    [
        (fund_api.RequestKind, FundRequest.Kind.values),
        (fund_api.Category, FundRequest.Category.values),
        (fund_api.RequestState, FundRequest.State.values),
        (fund_api.PayoutState, Payout.State.values),
    ],
)
def test_the_api_lists_exactly_the_models_choices(literal, values):
    assert sorted(get_args(literal)) == sorted(values)


def test_a_retried_contribution_moves_money_once(api, treasurer, donations):
    body = {"source": donations.pk, "amount": 2500, "currency": "USD"}
    first = api.post("/fund/contributions", body, headers={"Idempotency-Key": "gift-1"})
    assert first.status_code == 201, first.json()
    again = api.post("/fund/contributions", body, headers={"Idempotency-Key": "gift-1"})
    assert again.json() == first.json()
    assert LedgerTransaction.objects.count() == 1
    assert api.get("/fund").json()["balance"] == 2500


def test_bad_input_gets_a_clear_error_and_moves_nothing(api, donations):
    assert_error(api.post("/fund/contributions", {"source": donations.pk, "amount": -5}), 400)
    wrong = api.post(
        "/fund/contributions", {"source": donations.pk, "amount": 5, "currency": "EUR"}
    )
    assert "USD, not EUR" in assert_error(wrong, 400)["message"]
    assert_error(api.post("/fund/contributions", {"source": 999999, "amount": 5}), 404)
    assert not LedgerTransaction.objects.exists()


def test_a_request_is_approved_paid_and_confirmed_through_the_api(
    api, requester_fund_api, treasurer, donations, venmo, requester
):
    fill(treasurer, donations, 10000)
    policy_change(network=treasurer.network, changes={"approvals_needed": 1}, reason="")
    asked = requester_fund_api.post(
        "/fund/requests",
        {"kind": "reimbursement", "category": "medicine", "amount": 1800, "purpose": "inhaler"},
        headers={"Idempotency-Key": "ask-1"},
    )
    assert asked.status_code == 201, asked.json()
    request_id = asked.json()["id"]
    assert asked.json()["mine"] is True
    own = requester_fund_api.post(f"/fund/requests/{request_id}/approve")
    assert "your own request" in assert_error(own, 400)["message"]
    approved = api.post(f"/fund/requests/{request_id}/approve")
    assert approved.json()["state"] == "approved", approved.json()
    twice = api.post(f"/fund/requests/{request_id}/approve")
    assert_error(twice, 409)
    key = {"Idempotency-Key": "pay-1"}
    paid = api.post(f"/fund/requests/{request_id}/payouts", {"method": venmo.pk}, headers=key)
    assert paid.status_code == 201, paid.json()
    retried = api.post(f"/fund/requests/{request_id}/payouts", {"method": venmo.pk}, headers=key)
    assert retried.json() == paid.json()
    assert LedgerTransaction.objects.filter(kind="disbursement").count() == 1
    other = api.post(f"/fund/requests/{request_id}/payouts", {"method": venmo.pk})
    assert_error(other, 409, "already_paid")
    payout_id = paid.json()["id"]
    received = requester_fund_api.post(f"/fund/payouts/{payout_id}/received")
    assert received.json()["state"] == "received"
    assert member_account(requester).balance == 1800


def test_members_see_requests_to_approve_without_names_or_payout_details(
    requester_fund_api, requester, helper, treasurer
):
    request_create(
        actor=helper, kind="direct_aid", category="rent", amount=100, payout_details="@hugo"
    )
    member_account(helper)
    [seen] = requester_fund_api.get("/fund/requests").json()
    assert seen["mine"] is False
    assert "@hugo" not in str(seen)
    assert "Hugo" not in str(seen)
    kinds = {a["kind"] for a in requester_fund_api.get("/fund/accounts").json()}
    assert Account.Kind.MEMBER not in kinds


def test_a_receipt_is_uploaded_once_and_the_report_is_read(
    requester_fund_api, requester, settings, tmp_path
):
    from django.core.files.uploadedfile import SimpleUploadedFile

    from mutualaid.fund.models import Receipt

    settings.FUND_PRIVATE_ROOT = tmp_path
    request = request_create(
        actor=requester, kind="reimbursement", category="groceries", amount=900
    )
    headers = requester_fund_api._headers({"Idempotency-Key": "receipt-1"})
    responses = [
        requester_fund_api.client.post(
            f"/api/v1/fund/requests/{request.pk}/receipts",
            {"file": SimpleUploadedFile("r.png", png(), content_type="image/png")},
            headers=headers,
        )
        for _ in range(2)
    ]
    assert responses[0].status_code == 201, responses[0].content
    assert responses[1].json() == responses[0].json()
    assert Receipt.objects.count() == 1
    report = requester_fund_api.get("/fund/report").json()
    assert report["queue"][0]["count"] == 1


def test_a_statement_is_reconciled_through_the_api(api, treasurer, donations):
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.utils import timezone

    tx = fill(treasurer, donations, 2500)
    today = timezone.localdate().isoformat()
    statement = f"Date,Money in,Money out,Reference\n{today},25.00,,Ana\n{today},,3.10,Fee\n"
    response = api.client.post(
        "/api/v1/fund/reconcile",
        {"statement": SimpleUploadedFile("s.csv", statement.encode(), content_type="text/csv")},
        headers=api._headers(None),
    )
    assert response.status_code == 200, response.content
    body = response.json()
    assert [m["transaction_id"] for m in body["matched"]] == [tx.pk]
    assert [line["amount"] for line in body["unmatched_lines"]] == [-310]
    assert body["unmatched_transaction_ids"] == []
