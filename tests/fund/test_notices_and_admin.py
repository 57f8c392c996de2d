"""Emails that say what happened to a request, the daily queue release, and the organisers'
read-only admin."""

from datetime import timedelta

from django.core import mail
from django.urls import reverse
from django.utils import timezone

from mutualaid.fund.models import FundRequest
from mutualaid.fund.services.payouts import payout_dispute, payout_send
from mutualaid.fund.services.requests import queue_release, request_create
from mutualaid.fund.tasks import release_queue
from tests.conftest import client_for
from tests.fund.conftest import approved, fill, set_policy


def test_the_requester_hears_of_approval_and_of_the_money_sent(
    django_capture_on_commit_callbacks, treasurer, donations, venmo, requester
):
    fill(treasurer, donations, 5000)
    with django_capture_on_commit_callbacks(execute=True):
        request = approved(requester, 1000)
    with django_capture_on_commit_callbacks(execute=True):
        payout_send(actor=treasurer, request=request, method=venmo)
    subjects = [m.subject for m in mail.outbox if requester.user.email in m.to]
    assert any("was approved" in s for s in subjects), subjects
    assert any("on its way" in s for s in subjects), subjects
    assert all("Rosa" not in m.body for m in mail.outbox)


def test_the_daily_task_gives_a_new_months_budget_to_the_queue(network, requester, helper):
    set_policy(network, monthly_budget=1000, auto_approve_up_to=100000)
    request_create(actor=requester, kind="direct_aid", category="rent", amount=1000)
    waiting = request_create(actor=helper, kind="direct_aid", category="rent", amount=1000)
    assert waiting.state == "queued"
    assert release_queue.call_local() == 0  # this month's budget is spent
    queue_release(network=network, now=timezone.now() + timedelta(days=32))
    assert FundRequest.objects.get(pk=waiting.pk).state == "approved"


def test_the_organisers_admin_shows_the_fund_read_only(treasurer, donations, requester):
    fill(treasurer, donations, 100)
    request_create(
        actor=requester, kind="direct_aid", category="rent", amount=100, purpose="Secret"
    )
    client = client_for(treasurer)
    models = ("account", "ledgertransaction", "entry", "fundrequest", "payout", "approval")
    for model in (*models, "importedline"):
        page = client.get(reverse(f"admin:fund_{model}_changelist"))
        assert page.status_code == 200, model
    detail = client.get(
        reverse("admin:fund_fundrequest_change", args=[FundRequest.objects.get().pk])
    )
    assert detail.status_code == 200
    assert b"Secret" not in detail.content
    assert client.get(reverse("admin:fund_account_add")).status_code == 403


def test_treasurers_hear_of_a_dispute(
    django_capture_on_commit_callbacks, treasurer, donations, venmo, requester
):
    fill(treasurer, donations, 5000)
    payout = payout_send(actor=treasurer, request=approved(requester, 100), method=venmo)
    mail.outbox.clear()
    with django_capture_on_commit_callbacks(execute=True):
        payout_dispute(actor=requester, payout=payout, reason="Nothing came")
    assert [m.to for m in mail.outbox] == [[treasurer.user.email]]
    assert "Nothing came" not in mail.outbox[0].body
