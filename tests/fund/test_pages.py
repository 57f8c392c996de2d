"""The fund through its pages: asking with a receipt, approving, paying, confirming; receipts
served only to who may see them and deleted on schedule; reports, plots, CSV and
reconciliation."""

from datetime import timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone

from mutualaid.fund import selectors
from mutualaid.fund.models import FundRequest, LedgerTransaction, Payout, Receipt
from mutualaid.fund.services.accounts import fund_account
from mutualaid.fund.services.ledger import account_create, contribution_record
from mutualaid.fund.services.payouts import payout_confirm, payout_send
from mutualaid.fund.services.receipts import receipt_attach, receipts_expire
from mutualaid.fund.services.requests import request_create
from tests.conftest import client_for
from tests.factories import MemberFactory
from tests.fund.conftest import approved, fill, png, set_policy
from tests.library.conftest import jpeg_with_gps


@pytest.fixture(autouse=True)
def _private_root(settings, tmp_path):
    settings.FUND_PRIVATE_ROOT = tmp_path / "private"
    settings.MEDIA_ROOT = tmp_path / "media"


def url(name, network, **kwargs):
    return reverse(f"fund:{name}", kwargs={"slug": network.slug, **kwargs})


def test_a_member_asks_with_a_receipt_that_only_they_and_treasurers_can_open(
    network, requester, bystander, outsider, treasurer, tmp_path
):
    # given a member asking for a reimbursement with a receipt photo
    response = client_for(requester).post(
        url("request_create", network),
        {
            "kind": "reimbursement",
            "category": "medicine",
            "amount": "18.50",
            "purpose": "Inhaler for my son",
            "receipt": SimpleUploadedFile("r.jpg", jpeg_with_gps(), content_type="image/jpeg"),
        },
    )
    assert response.status_code == 302, response.content
    request = FundRequest.objects.get()
    assert request.amount == 1850
    receipt = Receipt.objects.get()

    # then the file is private: no media URL, nothing under MEDIA_ROOT
    with pytest.raises(ValueError, match="no URL"):
        receipt.file.url  # noqa: B018
    assert str(tmp_path / "private") in receipt.file.path
    assert not (tmp_path / "media").exists()

    # and only the requester and a treasurer can open it
    page = url("receipt", network, receipt_id=receipt.pk)
    assert client_for(requester).get(page).status_code == 200
    assert client_for(treasurer).get(page).status_code == 200
    assert client_for(bystander).get(page).status_code == 404
    assert client_for(outsider).get(page).status_code in {302, 404}
    assert client_for(requester).get(page)["Cache-Control"] == "private, no-store"


def test_a_receipt_photo_loses_its_gps_and_is_stored_encrypted(network, requester, tmp_path):
    import io

    from PIL import Image

    request = request_create(actor=requester, kind="reimbursement", category="medicine", amount=500)
    original = jpeg_with_gps()
    upload = SimpleUploadedFile("r.jpg", original, content_type="image/jpeg")
    receipt = receipt_attach(actor=requester, request=request, file=upload)

    # on disk: neither the image nor anything of it in the clear
    stored = (tmp_path / "private" / receipt.file.name).read_bytes()
    assert stored != original
    assert not stored.startswith(b"\xff\xd8")  # not a JPEG
    assert b"PhoneMaker" not in stored
    assert b"JFIF" not in stored
    assert b"Exif" not in stored

    # through the permission-checked view: the picture, with no EXIF and no GPS
    response = client_for(requester).get(url("receipt", network, receipt_id=receipt.pk))
    assert response.status_code == 200
    assert response["Content-Type"] == "image/jpeg"
    served = response.content
    assert served.startswith(b"\xff\xd8")
    assert b"PhoneMaker" not in served
    with Image.open(io.BytesIO(served)) as image:
        assert image.size == (40, 30)
        assert not image.getexif()


def test_a_receipt_pdf_is_stored_encrypted_and_served_as_it_was(network, requester, tmp_path):
    request = request_create(actor=requester, kind="reimbursement", category="medicine", amount=500)
    pdf = b"%PDF-1.4\n% a receipt\n%%EOF\n"
    upload = SimpleUploadedFile("r.pdf", pdf, content_type="application/pdf")
    receipt = receipt_attach(actor=requester, request=request, file=upload)
    assert b"%PDF" not in (tmp_path / "private" / receipt.file.name).read_bytes()
    response = client_for(requester).get(url("receipt", network, receipt_id=receipt.pk))
    assert response.content == pdf
    fake = SimpleUploadedFile("x.jpg", b"not a picture", content_type="image/jpeg")
    with pytest.raises(Exception, match="not a photo"):
        receipt_attach(actor=requester, request=request, file=fake)


def test_receipts_are_deleted_on_the_retention_schedule(requester, network):
    set_policy(network, receipt_retention_days=30)
    request = request_create(
        actor=requester, kind="reimbursement", category="groceries", amount=500
    )
    upload = SimpleUploadedFile("r.png", png(), content_type="image/png")
    receipt = receipt_attach(actor=requester, request=request, file=upload)
    storage, name = receipt.file.storage, receipt.file.name
    assert receipts_expire(now=timezone.now() + timedelta(days=29)) == 0
    from mutualaid.fund.tasks import expire_receipts

    assert receipts_expire(now=timezone.now() + timedelta(days=31)) == 1
    assert not Receipt.objects.exists()
    assert not storage.exists(name)
    assert expire_receipts.call_local() == 0


def test_a_receipt_of_the_wrong_type_is_refused(requester):
    request = request_create(
        actor=requester, kind="reimbursement", category="groceries", amount=500
    )
    upload = SimpleUploadedFile("r.html", b"<script>", content_type="text/html")
    with pytest.raises(Exception, match="JPEG, PNG, WebP"):
        receipt_attach(actor=requester, request=request, file=upload)


def test_approve_pay_and_confirm_through_the_pages(
    network, requester, helper, treasurer, donations, venmo
):
    fill(treasurer, donations, 10000)
    set_policy(network, approvals_needed=1)
    request = request_create(
        actor=requester, kind="direct_aid", category="rent", amount=4000, purpose="Rent gap"
    )
    page = client_for(helper).get(url("overview", network))
    assert b"Rent gap" in page.content
    assert b"40.00 USD" in page.content  # shown as money, stored as 4000 cents
    assert b"Larger requests need 1 approvals" in page.content
    client_for(helper).post(url("request_approve", network, request_id=request.pk))
    request.refresh_from_db()
    assert request.state == "approved"
    assert client_for(treasurer).get(url("treasury", network)).status_code == 200
    client_for(treasurer).post(
        url("payout_send", network, request_id=request.pk), {"method": venmo.pk}
    )
    payout = Payout.objects.get()
    client_for(requester).post(url("payout_step", network, payout_id=payout.pk, action="received"))
    payout.refresh_from_db()
    assert payout.state == "received"


def test_the_public_report_hides_small_cells_and_names_nobody(
    network, treasurer, donations, venmo, requester
):
    fill(treasurer, donations, 100000)
    for _ in range(5):
        contribution_record(actor=treasurer, source=donations, amount=100)
    requester.display_name = "Rosa Opted-In"
    requester.save()
    set_policy(network, auto_approve_up_to=100000)
    request = request_create(
        actor=requester, kind="direct_aid", category="rent", amount=700, show_name=True
    )
    payout_send(actor=treasurer, request=request, method=venmo)

    public = selectors.report(network=network, public=True)
    [income] = public["income"]
    assert (income.count, income.amount) == (6, 100500)
    [rent] = public["outgoings"]
    assert (rent.count, rent.amount) == (None, None)  # one payout: hidden
    members = selectors.report(network=network, public=False)
    assert members["outgoings"][0].amount == 700
    assert members["named_recipients"] == ["Rosa Opted-In"]

    page = client_for(MemberFactory()).get(url("public_report", network))
    assert b"fewer than 5" in page.content
    assert b"Rosa" not in page.content
    assert url("public_report_csv", network).encode() in page.content

    import csv
    import io

    from django.test import Client

    response = Client().get(url("public_report_csv", network))  # no login needed
    assert response["Content-Type"].startswith("text/csv")
    rows = list(csv.reader(io.StringIO(response.content.decode())))
    assert rows[0] == ["section", "month", "label", "count", "amount", "currency"]
    by_section = {(r[0], r[2]): r for r in rows[1:]}
    income = next(r for r in rows if r[0] == "income")
    assert income[3:5] == ["6", "1005.00"]
    rent = next(r for r in rows if r[0] == "outgoings")
    assert rent[3:5] == ["", ""]  # one payout: hidden, as on the page
    assert all(r[3] == "" or int(r[3]) >= 5 for r in rows[1:])
    assert ("balance", "") in by_section
    assert b"Rosa" not in response.content


@pytest.mark.parametrize(("fmt", "start"), [("png", b"\x89PNG"), ("svg", b"<?xml")])
def test_the_report_has_a_plot(network, requester, treasurer, donations, fmt, start):
    fill(treasurer, donations, 1000)
    response = client_for(requester).get(url("report_plot", network, fmt=fmt))
    assert response.status_code == 200
    assert response.content.startswith(start)


def test_the_ledger_exports_as_csv_without_names(network, treasurer, donations, venmo, requester):
    fill(treasurer, donations, 5000)
    payout = payout_send(actor=treasurer, request=approved(requester, 100), method=venmo)
    payout_confirm(actor=requester, payout=payout)
    body = client_for(requester).get(url("ledger_csv", network)).content.decode()
    assert body.splitlines()[0] == "transaction,date,kind,memo,account,amount,currency"
    assert "Donations" in body
    assert "member account" in body
    assert "Rosa" not in body
    assert sum(int(line.split(",")[5]) for line in body.splitlines()[1:]) == 0


def test_a_statement_is_reconciled_against_the_ledger(network, treasurer, donations):
    today = timezone.localdate()
    fill(treasurer, donations, 2500)
    fill(treasurer, donations, 1000)
    statement = (
        "Date,Description,Amount\n"
        f"{today.isoformat()},Transfer from Ana,25.00\n"
        f"{today.isoformat()},Unknown,7.00\n"
    ).encode()
    response = client_for(treasurer).post(
        url("reconcile", network),
        {"statement": SimpleUploadedFile("s.csv", statement, content_type="text/csv")},
    )
    assert response.status_code == 200
    result = response.context["result"]
    assert [line.amount for line, _tx in result["matched"]] == [2500]
    assert [line.amount for line in result["unmatched_lines"]] == [700]
    assert len(result["unmatched_transactions"]) == 1


def test_imported_lines_keep_their_match_and_a_reimport_adds_none_twice(
    network, treasurer, donations
):
    from mutualaid.fund.models import ImportedLine

    today = timezone.localdate()
    ana = fill(treasurer, donations, 2500)
    statement = (
        "Date,Description,Amount\n"
        f"{today.isoformat()},Transfer from Ana,25.00\n"
        f"{today.isoformat()},Cash,7.00\n"
        f"{today.isoformat()},Cash,7.00\n"
    ).encode()

    def post():
        return client_for(treasurer).post(
            url("reconcile", network),
            {"statement": SimpleUploadedFile("s.csv", statement, content_type="text/csv")},
        )

    post()
    assert ImportedLine.objects.filter(network=network).count() == 3  # the twin lines both kept
    assert ImportedLine.objects.get(amount=2500).matched == ana
    # The two cash gifts are recorded afterwards; the same statement is imported again.
    first_cash = fill(treasurer, donations, 700)
    second_cash = fill(treasurer, donations, 700)
    result = post().context["result"]
    assert ImportedLine.objects.filter(network=network).count() == 3  # nothing duplicated
    assert ImportedLine.objects.get(amount=2500).matched == ana  # kept, not matched twice
    assert {line.matched for line in ImportedLine.objects.filter(amount=700)} == {
        first_cash,
        second_cash,
    }
    assert [tx for _line, tx in result["matched"]] == [ana, first_cash, second_cash]
    assert result["unmatched_lines"] == []
    assert result["unmatched_transactions"] == []
    # A third import changes nothing.
    assert len(post().context["result"]["matched"]) == 3
    assert ImportedLine.objects.filter(network=network).count() == 3


def test_an_unreadable_statement_gets_a_clear_error(network, treasurer):
    statement = b"Date,Amount\nyesterday,lots\n"
    response = client_for(treasurer).post(
        url("reconcile", network),
        {"statement": SimpleUploadedFile("s.csv", statement, content_type="text/csv")},
    )
    assert response.status_code == 400
    assert b"Line 2 of the statement" in response.content


def test_a_treasurer_records_a_fee_and_reverses_a_mistake_from_the_treasury(
    network, treasurer, donations
):
    fees = account_create(actor=treasurer, kind="expense", name="Bank fees")
    fill(treasurer, donations, 5000)
    client = client_for(treasurer)
    client.post(url("treasury", network), {"form": "fee", "fees": fees.pk, "amount": "1.50"})
    fund = fund_account(network)
    assert fund.balance == 4850
    fee = LedgerTransaction.objects.get(kind="fee")
    client.post(url("transaction_reverse", network, transaction_id=fee.pk), {"memo": "not ours"})
    assert client.get(url("treasury", network)).status_code == 200
    fund.refresh_from_db()
    assert fund.balance == 5000 == selectors.balance_rebuilt(account=fund)
    assert LedgerTransaction.objects.get(reverses=fee).kind == "correction"
