"""The fund pages. Each view parses a form, fetches with an `access_*` selector, calls one
service and renders; a DomainError from a service is shown as a message or on its form.

Members see the fund's balance, its policy in plain words, the queue, their own requests and
the members' report; they approve others' requests. Members with `fund.manage` record income,
send payouts and reconcile statements. The public report is open to all, with small cells
hidden. Receipts are served only by `receipt`, which checks permission.
"""

import csv
from datetime import timedelta
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from mutualaid.core.errors import DomainError, NotFound
from mutualaid.fund import selectors, services
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
from mutualaid.fund.models import FundRequest, Payout, Receipt
from mutualaid.governance.services.proposals import proposal_open
from mutualaid.networks.decorators import member_page, network_page
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import can, require

MANAGE = "fund.manage"


def _member(request: HttpRequest) -> Member:
    member: Member = request.member  # type: ignore[attr-defined]
    require(member, "fund.view", member.network)
    return member


def _manager(request: HttpRequest) -> Member:
    member = _member(request)
    require(member, MANAGE, member.network)
    return member


def _currency(member: Member) -> str:
    return services.policy_for(member.network).currency


def _to(name: str, member: Member) -> HttpResponse:
    return redirect(f"fund:{name}", slug=member.network.slug)


def _done(request: HttpRequest, err: DomainError | None, success: str) -> None:
    if err is None:
        messages.success(request, success)
    else:
        messages.error(request, err.message)


@require_GET
@member_page
def overview(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    mine = FundRequest.objects.filter(requester=member).prefetch_related("payouts", "receipts")
    to_approve = (
        FundRequest.objects.filter(network=member.network, state=FundRequest.State.PENDING)
        .exclude(requester=member)
        .exclude(approvals__member=member)
    )
    context = {
        "policy": services.policy_for(member.network),
        "policy_words": selectors.policy_in_words(network=member.network),
        "balance": services.fund_account(member.network).balance,
        "mine": mine,
        "to_approve": to_approve if can(member, "fund.approve", member.network) else [],
        "may_manage": can(member, MANAGE, member.network),
        "report": selectors.report(network=member.network, public=False),
        "propose_form": PolicyProposalForm(currency=_currency(member)),
    }
    return render(request, "fund/overview.html", context)


@require_http_methods(["GET", "POST"])
@member_page
def request_create(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    form = RequestForm(request.POST or None, request.FILES or None, currency=_currency(member))
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            fund_request = services.request_create(actor=member, **form.cleaned_data)
        except DomainError as err:
            form.add_error(None, err.message)
            status = err.status
        else:
            messages.success(
                request,
                _("Your request was sent: %(state)s.")
                % {"state": FundRequest.State(fund_request.state).label},
            )
            return _to("overview", member)
    elif request.method == "POST":
        status = 400
    return render(request, "fund/request_form.html", {"form": form}, status=status)


@require_POST
@member_page
def request_approve(request: HttpRequest, request_id: int) -> HttpResponse:
    member = _member(request)
    fund_request = selectors.access_request(member, request_id)
    err = None
    try:
        services.request_approve(actor=member, request=fund_request)
    except DomainError as caught:
        err = caught
    _done(request, err, _("Your approval was counted."))
    return _to("overview", member)


@require_POST
@member_page
def request_decline(request: HttpRequest, request_id: int) -> HttpResponse:
    member = _member(request)
    fund_request = selectors.access_request(member, request_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    err = None
    try:
        services.request_decline(actor=member, request=fund_request, reason=reason)
    except DomainError as caught:
        err = caught
    _done(request, err, _("The request was closed."))
    return _to("overview", member)


@require_POST
@member_page
def payout_step(request: HttpRequest, payout_id: int, action: str) -> HttpResponse:
    member = _member(request)
    payout = selectors.access_payout(member, payout_id)
    form = ReasonForm(request.POST)
    reason = form.cleaned_data["reason"] if form.is_valid() else ""
    err = None
    try:
        if action == "received":
            services.payout_confirm(actor=member, payout=payout)
        elif action == "disputed":
            services.payout_dispute(actor=member, payout=payout, reason=reason)
        elif action == "failed":
            services.payout_fail(actor=member, payout=payout, reason=reason)
        else:
            raise NotFound()
    except DomainError as caught:
        err = caught
    _done(request, err, _("Thank you, the payout was updated."))
    return _to("treasury" if action == "failed" else "overview", member)


@require_GET
@member_page
def receipt(request: HttpRequest, receipt_id: int) -> HttpResponse:
    """A receipt's file, for the requester and those who pay out only. Never a media URL."""
    member = _member(request)
    found = Receipt.objects.filter(pk=receipt_id).select_related("request").first()
    if found is None:
        raise NotFound()
    selectors.access_request(member, found.request_id)  # same network, may see it
    if found.request.requester_id != member.pk and not can(member, MANAGE, member.network):
        raise NotFound()
    response = HttpResponse(services.receipt_bytes(found), content_type=found.content_type)
    response["Cache-Control"] = "private, no-store"
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Disposition"] = f'inline; filename="receipt-{found.pk}"'
    return response


# --- Treasurers' pages ------------------------------------------------------------------------


@require_http_methods(["GET", "POST"])
@member_page
def treasury(request: HttpRequest) -> HttpResponse:
    member = _manager(request)
    services.fund_account(member.network)
    accounts = selectors.accounts_public(network=member.network)
    data = request.POST or None
    what = request.POST.get("form", "")
    currency = _currency(member)
    contribution = ContributionForm(
        data if what == "contribution" else None, accounts=accounts, currency=currency
    )
    fee = FeeForm(data if what == "fee" else None, accounts=accounts, currency=currency)
    account = AccountForm(data if what == "account" else None)
    status = 200
    if request.method == "POST":
        form = {"contribution": contribution, "fee": fee}.get(what, account)
        if not form.is_valid():
            status = 400
        else:
            try:
                if form is contribution:
                    services.contribution_record(actor=member, **form.cleaned_data)
                elif form is fee:
                    services.fee_record(actor=member, **form.cleaned_data)
                else:
                    services.account_create(actor=member, **form.cleaned_data)
            except DomainError as err:
                form.add_error(None, err.message)
                status = err.status
            else:
                messages.success(request, _("Recorded."))
                return _to("treasury", member)
    context = {
        "accounts": accounts,
        "contribution_form": contribution,
        "fee_form": fee,
        "reverse_form": ReverseForm(),
        "recent": selectors.ledger(network=member.network).order_by("-created_at", "-pk")[:20],
        "account_form": account,
        "payout_form": PayoutForm(accounts=accounts),
        "to_pay": FundRequest.objects.filter(
            network=member.network, state=FundRequest.State.APPROVED
        ).order_by("approved_at"),
        "open_payouts": Payout.objects.filter(
            network=member.network, state__in=[Payout.State.SENT, Payout.State.DISPUTED]
        ).select_related("request", "method"),
    }
    return render(request, "fund/treasury.html", context, status=status)


@require_POST
@member_page
def payout_send(request: HttpRequest, request_id: int) -> HttpResponse:
    member = _manager(request)
    fund_request = selectors.access_request(member, request_id)
    form = PayoutForm(request.POST, accounts=selectors.accounts_public(network=member.network))
    err = None
    if not form.is_valid():
        messages.error(request, _("Choose a payout method."))
        return _to("treasury", member)
    try:
        services.payout_send(actor=member, request=fund_request, **form.cleaned_data)
    except DomainError as caught:
        err = caught
    _done(request, err, _("Marked as sent. The recipient will confirm it arrived."))
    return _to("treasury", member)


@require_POST
@member_page
def transaction_reverse(request: HttpRequest, transaction_id: int) -> HttpResponse:
    member = _manager(request)
    original = selectors.ledger(network=member.network).filter(pk=transaction_id).first()
    if original is None:
        raise NotFound()
    form = ReverseForm(request.POST)
    err = None
    if not form.is_valid():
        messages.error(request, _("Say what was wrong."))
        return _to("treasury", member)
    try:
        services.transaction_reverse(actor=member, original=original, **form.cleaned_data)
    except DomainError as caught:
        err = caught
    _done(request, err, _("Corrected by a reversing transaction."))
    return _to("treasury", member)


# --- Reports and exports ----------------------------------------------------------------------


@require_GET
@member_page
def report(request: HttpRequest) -> HttpResponse:
    member = _member(request)
    data = selectors.report(network=member.network, public=False)
    return render(request, "fund/report.html", {"report": data, "public": False})


@require_GET
@network_page
def public_report(request: HttpRequest) -> HttpResponse:
    network: Network = request.network  # type: ignore[attr-defined]
    data = selectors.report(network=network, public=True)
    return render(request, "fund/report.html", {"report": data, "public": True, "network": network})


def _plot(network: Network, *, public: bool, fmt: str) -> HttpResponse:
    if fmt not in {"png", "svg"}:
        raise NotFound()
    content_type = "image/png" if fmt == "png" else "image/svg+xml"
    body = selectors.report_plot(network=network, public=public, fmt=fmt)
    return HttpResponse(body, content_type=content_type)


@require_GET
@member_page
def report_plot(request: HttpRequest, fmt: str) -> HttpResponse:
    return _plot(_member(request).network, public=False, fmt=fmt)


@require_GET
@network_page
def public_report_plot(request: HttpRequest, fmt: str) -> HttpResponse:
    return _plot(request.network, public=True, fmt=fmt)  # type: ignore[attr-defined]


@require_GET
@network_page
def public_report_csv(request: HttpRequest) -> HttpResponse:
    """The public report as CSV, with the same suppression: a hidden cell is left empty."""
    network: Network = request.network  # type: ignore[attr-defined]
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="fund-public-report.csv"'
    writer = csv.writer(response)
    writer.writerow(["section", "month", "label", "count", "amount", "currency"])
    for row in selectors.report_csv_rows(network=network, public=True):
        writer.writerow(row)
    return response


@require_GET
@member_page
def ledger_csv(request: HttpRequest) -> HttpResponse:
    """Every entry of the ledger, for accountants. Members' own accounts appear by number."""
    member = _member(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="fund-ledger.csv"'
    writer = csv.writer(response)
    writer.writerow(["transaction", "date", "kind", "memo", "account", "amount", "currency"])
    currency = services.policy_for(member.network).currency
    for row in selectors.ledger_rows(network=member.network):
        writer.writerow([*row, currency])
    return response


@require_http_methods(["GET", "POST"])
@member_page
def reconcile(request: HttpRequest) -> HttpResponse:
    member = _manager(request)
    form = StatementForm(request.POST or None, request.FILES or None)
    result: dict[str, Any] | None = None
    status = 200
    if request.method == "POST" and form.is_valid():
        try:
            result = services.statement_reconcile(
                actor=member, statement=form.cleaned_data["statement"]
            )
        except DomainError as err:
            form.add_error(None, err.message)
            status = err.status
    elif request.method == "POST":
        status = 400
    return render(request, "fund/reconcile.html", {"form": form, "result": result}, status=status)


@require_POST
@member_page
def policy_propose(request: HttpRequest) -> HttpResponse:
    """The fund's policy is the group's decision: this opens a proposal (decided by consent)
    whose action, once passed, changes the policy through `fund.services.policy_change`."""
    member = _member(request)
    form = PolicyProposalForm(request.POST, currency=_currency(member))
    if not form.is_valid() or not form.changes():
        messages.error(request, _("Say what to change, and for how many days members decide."))
        return _to("overview", member)
    try:
        proposal = proposal_open(
            actor=member,
            title=_("Change the fund's rules"),
            body="",
            method="consent",
            deadline=timezone.now() + timedelta(days=form.cleaned_data["days"]),
            action={"type": "fund_policy_change", "params": form.changes()},
        )
    except DomainError as err:
        messages.error(request, err.message)
        return _to("overview", member)
    messages.success(request, _("Your proposal is open for the network to decide."))
    return redirect("governance:proposal_detail", slug=member.network.slug, proposal_id=proposal.pk)
