import pytest

from mutualaid.fund.services.ledger import account_create, contribution_record
from mutualaid.fund.services.payouts import payout_confirm, payout_send
from mutualaid.fund.services.policy import policy_change
from mutualaid.fund.services.receipts import receipt_attach
from mutualaid.fund.services.requests import request_approve, request_create
from mutualaid.networks.models import Member
from tests.factories import MemberFactory


@pytest.fixture
def treasurer(network):
    """A member holding the fund.manage permission (the network's founding organiser)."""
    return MemberFactory(network=network, display_name="Tess", role=Member.Role.FOUNDING_ORGANISER)


@pytest.fixture
def donations(treasurer):
    return account_create(actor=treasurer, kind="income", name="Donations")


@pytest.fixture
def venmo(treasurer):
    return account_create(actor=treasurer, kind="payout", name="Venmo")


def png() -> bytes:
    """A real, tiny PNG: receipts are decoded and encoded again, so a fake one is refused."""
    import io

    from PIL import Image

    out = io.BytesIO()
    Image.new("RGB", (8, 6), (10, 120, 40)).save(out, format="PNG")
    return out.getvalue()


def set_policy(network, **changes):
    return policy_change(network=network, changes=changes, reason="test")


def fill(treasurer, donations, amount):
    return contribution_record(actor=treasurer, source=donations, amount=amount)


def approved(requester, amount, *, category="groceries"):
    """A request approved at once (the test's policy auto-approves up to a large amount)."""
    set_policy(requester.network, auto_approve_up_to=1_000_000)
    return request_create(actor=requester, kind="direct_aid", category=category, amount=amount)


def fund_everything(member, neighbour):
    """Give `member` every kind of fund data, for the privacy inventory: a reimbursement with
    a receipt, paid and confirmed, and an approval of the neighbour's request."""
    import tempfile

    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import override_settings

    network = member.network
    treasurer = MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER)
    source = account_create(actor=treasurer, kind="income", name="Gifts")
    method = account_create(actor=treasurer, kind="payout", name="Cash")
    contribution_record(actor=treasurer, source=source, amount=10000)
    set_policy(network, auto_approve_up_to=5000, approvals_needed=1)
    request = request_create(
        actor=member,
        kind="reimbursement",
        category="medicine",
        amount=1850,
        purpose="Inhaler",
        payout_details="@member",
        show_name=True,
    )
    with override_settings(FUND_PRIVATE_ROOT=tempfile.mkdtemp(prefix="fund-receipts-")):
        upload = SimpleUploadedFile("r.png", png(), content_type="image/png")
        receipt_attach(actor=member, request=request, file=upload)
    payout = payout_send(actor=treasurer, request=request, method=method, note="cash")
    payout_confirm(actor=member, payout=payout)
    theirs = request_create(actor=neighbour, kind="direct_aid", category="rent", amount=9000)
    request_approve(actor=member, request=theirs)
