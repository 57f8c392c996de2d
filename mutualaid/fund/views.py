"""The fund pages. Each view parses a form, fetches with an `access_*` selector, calls one
service and renders; a DomainError from a service is shown as a message or on its form.

Members see the fund's balance, its policy in plain words, the queue, their own requests and
the members' report; they approve others' requests. Members with `fund.manage` record income,
send payouts and reconcile statements. The public report is open to all, with small cells
hidden. Receipts are served only by `receipt`, which checks permission.
"""

import csv
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mutualaid.core.errors import NotFound, PermissionDenied
from mutualaid.core.pages import form_action, page_action
from mutualaid.fund import charts, selectors
from mutualaid.fund.forms import (
    AccountForm,
    ContributionForm,
    FeeForm,
    PayoutForm,
    PolicyProposalForm,
    ReasonForm,
    RequestForm,
    ReverseForm,
    StatementForm,
)
from mutualaid.fund.models import FundRequest, Payout
from mutualaid.fund.services import ledger, payouts, receipts, requests
from mutualaid.fund.services.accounts import fund_account
from mutualaid.fund.services.reconcile import statement_reconcile
from mutualaid.governance.services.proposals import proposal_open
from mutualaid.networks.decorators import member_page, network_page
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import require
from mutualaid.networks.requests import MemberRequest, NetworkRequest


def _member(request: MemberRequest) -> Member:
    require(request.member, "fund.view", request.network)
    return request.member


def _manager(request: MemberRequest) -> Member:
    member = _member(request)
    if not selectors.may_manage_fund(member):
        raise PermissionDenied()
    return member


def _currency(member: Member) -> str:
    return selectors.policy_of(network=member.network).currency


def _to(name: str, member: Member) -> HttpResponse:
    return redirect(f"fund:{name}", slug=member.network.slug)


def _url(name: str, member: Member) -> str:
    return reverse(f"fund:{name}", kwargs={"slug": member.network.slug})


def _with_actions(member: Member, requests: Iterable[FundRequest]) -> list[dict[str, Any]]:
    """Each request with what the member may do with it, for the page to offer as buttons."""
    return [{"request": r, "actions": selectors.fund_request_actions(member, r)} for r in requests]


@require_GET
@member_page
def overview(request: MemberRequest) -> HttpResponse:
    member = _member(request)
    context = {
        "policy": selectors.policy_of(network=member.network),
        "policy_words": selectors.policy_in_words(network=member.network),
        "balance": selectors.fund_balance(network=member.network),
        "mine": _with_actions(member, selectors.requests_of_member(member=member)),
        "to_approve": _with_actions(member, selectors.requests_to_approve(member=member)),
        "may_manage": selectors.may_manage_fund(member),
        "report": selectors.report(network=member.network, public=False),
        "propose_form": PolicyProposalForm(currency=_currency(member)),
    }
    return render(request, "fund/overview.html", context)


@require_http_methods(["GET", "POST"])
@member_page
def request_create(request: MemberRequest) -> HttpResponse:
    member = _member(request)
    form = RequestForm(request.POST or None, request.FILES or None, currency=_currency(member))
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            outcome = form_action(
                form, lambda: requests.request_create(actor=member, **form.cleaned_data)
            )
            if outcome.value is not None:
                state = FundRequest.State(outcome.value.state).label
                messages.success(request, _("Your request was sent: %(state)s.") % {"state": state})
                return _to("overview", member)
            status = outcome.status
    return render(request, "fund/request_form.html", {"form": form}, status=status)


def _reason(request: MemberRequest) -> str:
    form = ReasonForm(request.POST)
    return str(form.cleaned_data["reason"]) if form.is_valid() else ""


@require_POST
@member_page
def request_approve(request: MemberRequest, request_id: int) -> HttpResponse:
    member = _member(request)
    fund_request = selectors.access_request(member, request_id)
    return page_action(
        request,
        lambda: requests.request_approve(actor=member, request=fund_request),
        then=_url("overview", member),
        done=_("Your approval was counted."),
    )


@require_POST
@member_page
def request_decline(request: MemberRequest, request_id: int) -> HttpResponse:
    member = _member(request)
    fund_request = selectors.access_request(member, request_id)
    reason = _reason(request)
    return page_action(
        request,
        lambda: requests.request_decline(actor=member, request=fund_request, reason=reason),
        then=_url("overview", member),
        done=_("The request was closed."),
    )


PAYOUT_STEPS: dict[str, Callable[[Member, Payout, str], Payout]] = {
    "received": lambda member, payout, reason: payouts.payout_confirm(actor=member, payout=payout),
    "disputed": lambda member, payout, reason: payouts.payout_dispute(
        actor=member, payout=payout, reason=reason
    ),
    "failed": lambda member, payout, reason: payouts.payout_fail(
        actor=member, payout=payout, reason=reason
    ),
}


def _payout_step(member: Member, payout: Payout, action: str, reason: str) -> Payout:
    if action not in PAYOUT_STEPS:
        raise NotFound()
    return PAYOUT_STEPS[action](member, payout, reason)


@require_POST
@member_page
def payout_step(request: MemberRequest, payout_id: int, action: str) -> HttpResponse:
    member = _member(request)
    payout = selectors.access_payout(member, payout_id)
    reason = _reason(request)
    return page_action(
        request,
        lambda: _payout_step(member, payout, action, reason),
        then=_url("treasury" if action == "failed" else "overview", member),
        done=_("Thank you, the payout was updated."),
    )


@require_GET
@member_page
def receipt(request: MemberRequest, receipt_id: int) -> HttpResponse:
    """A receipt's file, for the requester and those who pay out only. Never a media URL."""
    found = selectors.access_receipt(_member(request), receipt_id)
    response = HttpResponse(receipts.receipt_bytes(found), content_type=found.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="receipt-{found.pk}"'
    return response


# --- Treasurers' pages ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_page
def treasury(request: MemberRequest) -> HttpResponse:
    member = _manager(request)
    fund_account(member.network)
    accounts = selectors.accounts_public(network=member.network)
    data = request.POST or None
    what = request.POST.get("form", "")
    currency = _currency(member)
    contribution = ContributionForm(
        data if what == "contribution" else None, accounts=accounts, currency=currency
    )
    fee = FeeForm(data if what == "fee" else None, accounts=accounts, currency=currency)
    account = AccountForm(data if what == "account" else None)
    record: dict[str, Callable[[dict[str, Any]], object]] = {
        "contribution": lambda fields: ledger.contribution_record(actor=member, **fields),
        "fee": lambda fields: ledger.fee_record(actor=member, **fields),
        "account": lambda fields: ledger.account_create(actor=member, **fields),
    }
    status = 200
    if request.method == "POST":
        form: forms.Form = {"contribution": contribution, "fee": fee}.get(what, account)
        status = 400
        if form.is_valid():
            write = record.get(what, record["account"])
            outcome = form_action(form, lambda: write(form.cleaned_data))
            if outcome.ok:
                messages.success(request, _("Recorded."))
                return _to("treasury", member)
            status = outcome.status
    context = {
        "accounts": accounts,
        "contribution_form": contribution,
        "fee_form": fee,
        "reverse_form": ReverseForm(),
        "recent": selectors.ledger(network=member.network).order_by("-created_at", "-pk")[:20],
        "account_form": account,
        "payout_form": PayoutForm(accounts=accounts),
        "to_pay": _with_actions(member, selectors.requests_to_pay(member=member)),
        "open_payouts": selectors.payouts_open(network=member.network),
    }
    return render(request, "fund/treasury.html", context, status=status)


@require_POST
@member_page
def payout_send(request: MemberRequest, request_id: int) -> HttpResponse:
    member = _manager(request)
    fund_request = selectors.access_request(member, request_id)
    form = PayoutForm(request.POST, accounts=selectors.accounts_public(network=member.network))
    if not form.is_valid():
        messages.error(request, _("Choose a payout method."))
        return _to("treasury", member)
    return page_action(
        request,
        lambda: payouts.payout_send(actor=member, request=fund_request, **form.cleaned_data),
        then=_url("treasury", member),
        done=_("Marked as sent. The recipient will confirm it arrived."),
    )


@require_POST
@member_page
def transaction_reverse(request: MemberRequest, transaction_id: int) -> HttpResponse:
    member = _manager(request)
    original = selectors.ledger(network=member.network).filter(pk=transaction_id).first()
    if original is None:
        raise NotFound()
    form = ReverseForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Say what was wrong."))
        return _to("treasury", member)
    return page_action(
        request,
        lambda: ledger.transaction_reverse(actor=member, original=original, **form.cleaned_data),
        then=_url("treasury", member),
        done=_("Corrected by a reversing transaction."),
    )


# --- Reports and exports ----------------------------------------------------------------------


@require_GET
@member_page
def report(request: MemberRequest) -> HttpResponse:
    member = _member(request)
    data = selectors.report(network=member.network, public=False)
    return render(request, "fund/report.html", {"report": data, "public": False})


@require_GET
@network_page
def public_report(request: NetworkRequest) -> HttpResponse:
    network = request.network
    data = selectors.report(network=network, public=True)
    return render(request, "fund/report.html", {"report": data, "public": True, "network": network})


def _plot(network: Network, *, public: bool, fmt: str) -> HttpResponse:
    if fmt not in {"png", "svg"}:
        raise NotFound()
    content_type = "image/png" if fmt == "png" else "image/svg+xml"
    body = charts.report_plot(network=network, public=public, fmt=fmt)
    return HttpResponse(body, content_type=content_type)


@require_GET
@member_page
def report_plot(request: MemberRequest, fmt: str) -> HttpResponse:
    return _plot(_member(request).network, public=False, fmt=fmt)


@require_GET
@network_page
def public_report_plot(request: NetworkRequest, fmt: str) -> HttpResponse:
    return _plot(request.network, public=True, fmt=fmt)


@require_GET
@network_page
def public_report_csv(request: NetworkRequest) -> HttpResponse:
    """The public report as CSV, with the same suppression: a hidden cell is left empty."""
    network = request.network
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="fund-public-report.csv"'
    writer = csv.writer(response)
    writer.writerow(["section", "month", "label", "count", "amount", "currency"])
    for row in selectors.report_csv_rows(network=network, public=True):
        writer.writerow(row)
    return response


@require_GET
@member_page
def ledger_csv(request: MemberRequest) -> HttpResponse:
    """Every entry of the ledger, for accountants. Members' own accounts appear by number."""
    member = _member(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="fund-ledger.csv"'
    writer = csv.writer(response)
    writer.writerow(["transaction", "date", "kind", "memo", "account", "amount", "currency"])
    currency = _currency(member)
    for row in selectors.ledger_rows(network=member.network):
        writer.writerow([*row, currency])
    return response


@require_http_methods(["GET", "POST"])
@member_page
def reconcile(request: MemberRequest) -> HttpResponse:
    member = _manager(request)
    form = StatementForm(request.POST or None, request.FILES or None)
    result: dict[str, Any] | None = None
    status = 200
    if request.method == "POST":
        status = 400
        if form.is_valid():
            statement = form.cleaned_data["statement"]
            outcome = form_action(
                form, lambda: statement_reconcile(actor=member, statement=statement)
            )
            result, status = outcome.value, outcome.status
    return render(request, "fund/reconcile.html", {"form": form, "result": result}, status=status)


@require_POST
@member_page
def policy_propose(request: MemberRequest) -> HttpResponse:
    """The fund's policy is the group's decision: this opens a proposal (decided by consent)
    whose action, once passed, changes the policy through `policy_change` in
    `fund/services/policy.py`."""
    member = _member(request)
    form = PolicyProposalForm(request.POST, currency=_currency(member))
    if not form.is_valid() or not form.changes():
        messages.error(request, _("Say what to change, and for how many days members decide."))
        return _to("overview", member)
    outcome = form_action(
        form,
        lambda: proposal_open(
            actor=member,
            title=_("Change the fund's rules"),
            body="",
            method="consent",
            deadline=timezone.now() + timedelta(days=form.cleaned_data["days"]),
            action={"type": "fund_policy_change", "params": form.changes()},
        ),
    )
    if outcome.value is None:
        messages.error(request, " ".join(str(error) for error in form.non_field_errors()))
        return _to("overview", member)
    messages.success(request, _("Your proposal is open for the network to decide."))
    return redirect(
        "governance:proposal_detail", slug=member.network.slug, proposal_id=outcome.value.pk
    )
