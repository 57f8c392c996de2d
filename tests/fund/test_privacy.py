"""The fund's personal data: what is encrypted, what "download my data" holds, and what goes
when a member deletes their account or a network is deleted."""

from django.db import connection

from mutualaid.accounts.selectors import account_data_export
from mutualaid.accounts.services import account_delete
from mutualaid.fund import selectors
from mutualaid.fund.models import Entry, FundRequest, LedgerTransaction, Receipt
from mutualaid.fund.services.accounts import fund_account
from tests.fund.conftest import fund_everything


def test_purpose_and_payout_details_are_encrypted_in_the_database(requester, helper):
    fund_everything(requester, helper)
    request = FundRequest.objects.get(requester=requester)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT purpose, payout_details FROM fund_fundrequest WHERE id = %s", [request.pk]
        )
        for raw in cursor.fetchone():
            assert raw.startswith("gAAAAA")
            assert "Inhaler" not in raw
            assert "@member" not in raw


def test_download_my_data_holds_the_members_requests_and_approvals(requester, helper):
    fund_everything(requester, helper)
    [membership] = account_data_export(user=requester.user)["memberships"]
    [request] = membership["fund_requests"]
    assert (request["purpose"], request["payout_details"]) == ("Inhaler", "@member")
    assert [p["state"] for p in request["payouts"]] == ["received"]
    assert len(request["receipts"]) == 1
    assert len(membership["fund_approvals_given"]) == 1


def test_deleting_an_account_keeps_the_ledger_balanced_and_forgets_the_person(
    requester, helper, network
):
    fund_everything(requester, helper)
    account_delete(user=helper.user)  # their pending request is withdrawn
    account_delete(user=requester.user)
    request = FundRequest.objects.get(category="medicine")
    assert request.requester is None
    assert (request.purpose, request.payout_details, request.show_name) in {
        (None, None, False),
        ("", "", False),
    }
    assert not Receipt.objects.exists()
    assert FundRequest.objects.get(category="rent").state == "withdrawn"
    assert not selectors.unbalanced_transactions(network=network).exists()
    fund = fund_account(network)
    assert fund.balance == 10000 - 1850 == selectors.balance_rebuilt(account=fund)


def test_a_network_with_a_fund_can_be_deleted(requester, helper, network):
    fund_everything(requester, helper)
    network.delete()
    assert not LedgerTransaction.objects.exists()
    assert not Entry.objects.exists()
