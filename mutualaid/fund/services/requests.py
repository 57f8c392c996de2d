"""Requests to the fund and their approvals, the queue for next month's budget, and what
happens to a member's requests when they leave.

A request goes pending → approved (or queued, when this month's budget is spent) → paid.
"""

import random
from datetime import date, datetime
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.channels.services import notice_send
from mutualaid.core.errors import (
    Conflict,
    IllegalTransition,
    InvalidInput,
    NotFound,
    PermissionDenied,
)
from mutualaid.core.history import history_record
from mutualaid.core.validation import clean_text
from mutualaid.fund.errors import OverCap
from mutualaid.fund.models import (
    Approval,
    BudgetMonth,
    FundPolicy,
    FundRequest,
    OverBudgetRule,
    Receipt,
)
from mutualaid.fund.selectors import is_own_request, may_approve_requests, may_manage_fund
from mutualaid.fund.services.accounts import policy_for
from mutualaid.fund.services.budget import budget_month, cap_check, month_start
from mutualaid.fund.services.checks import Upload, amount_checked, currency_checked, same_network
from mutualaid.fund.services.receipts import receipt_attach
from mutualaid.needs.models import Need
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import require


def _commit(request: FundRequest, policy: FundPolicy, now: datetime) -> FundRequest:
    """Move a request that has its approvals into approved, or into the queue when this
    month's budget cannot take it. The caller holds it in PENDING or QUEUED."""
    cap_check(request, policy, now)
    month = budget_month(request.network, now, policy)
    fits = BudgetMonth.objects.filter(pk=month.pk).filter(
        Q(budget__isnull=True) | Q(committed__lte=F("budget") - request.amount)
    )
    if fits.update(committed=F("committed") + request.amount):
        new_state = FundRequest.State.APPROVED
    else:
        new_state = FundRequest.State.QUEUED
    moved = FundRequest.objects.filter(
        pk=request.pk, state__in=[FundRequest.State.PENDING, FundRequest.State.QUEUED]
    ).update(state=new_state, approved_at=now if new_state == "approved" else None, updated_at=now)
    if not moved:
        raise Conflict(_("This request has already been decided."))
    request.refresh_from_db()
    notice_send(f"fund.request_{new_state}", request.pk)
    return request


@transaction.atomic
def request_create(
    *,
    actor: Member,
    kind: str,
    category: str,
    amount: int,
    currency: str | None = None,
    purpose: str = "",
    payout_details: str = "",
    need: Need | None = None,
    show_name: bool = False,
    receipt: Upload | None = None,
    now: datetime | None = None,
) -> FundRequest:
    """Ask the fund for money, optionally with a receipt. Approved at once when the policy
    allows it for this amount (and the budget and the per-person cap have room); otherwise it
    waits for approvals. All or nothing: a refused receipt refuses the request."""
    require(actor, "fund.request", actor.network)
    if kind not in FundRequest.Kind.values:
        raise InvalidInput(_("Choose direct aid, a reimbursement or a pre-imbursement."))
    if category not in FundRequest.Category.values:
        raise InvalidInput(_("Choose a category from the list."), fields={"category": []})
    if need is not None and need.network_id != actor.network_id:
        raise NotFound()
    policy = policy_for(actor.network)
    currency_checked(policy, currency)
    amount = amount_checked(amount)
    now = now or timezone.now()
    request = FundRequest(
        network=actor.network,
        requester=actor,
        kind=kind,
        category=category,
        amount=amount,
        need=need,
        purpose=clean_text(purpose, field="purpose", max_length=1000, required=False),
        payout_details=clean_text(
            payout_details, field="payout_details", max_length=200, required=False
        ),
        show_name=show_name,
    )
    cap_check(request, policy, now)
    request.save()
    history_record(actor=actor, action="fund.request", target=request, amount=amount)
    if receipt is not None:
        receipt_attach(actor=actor, request=request, file=receipt)
    if amount <= policy.auto_approve_up_to:
        _commit(request, policy, now)
        history_record(
            actor=None, network=actor.network, action="fund.auto_approve", target=request
        )
    return request


@transaction.atomic
def request_approve(
    *, actor: Member, request: FundRequest, now: datetime | None = None
) -> FundRequest:
    """Approve another member's request. Once the policy's number of approvals is reached,
    the request is approved (or queued for next month's budget). Approving twice, or one's
    own request, is refused."""
    if not may_approve_requests(actor):
        raise PermissionDenied()
    same_network(actor.network, request)
    if is_own_request(actor, request):
        raise InvalidInput(_("You cannot approve your own request."))
    now = now or timezone.now()
    # A no-op conditional update locks the request's row, so approvals given at the same
    # moment are counted one after the other and the last one always completes it.
    if not FundRequest.objects.filter(pk=request.pk, state=FundRequest.State.PENDING).update(
        updated_at=now
    ):
        raise IllegalTransition(_("This request is no longer waiting for approvals."))
    try:
        with transaction.atomic():
            Approval.objects.create(request=request, member=actor)
    except IntegrityError:
        raise Conflict(_("You have already approved this request.")) from None
    history_record(actor=actor, action="fund.approve", target=request)
    policy = policy_for(actor.network)
    if request.approvals.count() >= policy.approvals_needed:
        try:
            _commit(request, policy, now)
        except Conflict:
            pass  # another approval completed it at the same moment
    request.refresh_from_db()
    return request


@transaction.atomic
def request_decline(*, actor: Member, request: FundRequest, reason: str) -> FundRequest:
    """Decline a request that has not been paid (organisers), or withdraw one's own."""
    same_network(actor.network, request)
    own = is_own_request(actor, request)
    if not own and not may_manage_fund(actor):
        raise PermissionDenied()
    reason = clean_text(reason, field="reason", max_length=500, required=not own)
    state = FundRequest.State.WITHDRAWN if own else FundRequest.State.DECLINED
    now = timezone.now()
    # Tried from APPROVED first, so the budget an approval held is given back even if the
    # request was approved after this member loaded it.
    rows = FundRequest.objects.filter(pk=request.pk)
    held_budget = rows.filter(state=FundRequest.State.APPROVED).update(state=state, updated_at=now)
    if not held_budget and not rows.filter(
        state__in=[FundRequest.State.PENDING, FundRequest.State.QUEUED]
    ).update(state=state, updated_at=now):
        raise IllegalTransition(_("This request has already been paid or closed."))
    request.refresh_from_db()
    if held_budget and request.approved_at is not None:
        BudgetMonth.objects.filter(
            network=actor.network, month=month_start(request.approved_at)
        ).update(committed=F("committed") - request.amount)
    history_record(actor=actor, action=f"fund.{state}", target=request, reason=reason)
    return request


def queue_order(requests: list[FundRequest], policy: FundPolicy, month: date) -> list[FundRequest]:
    """The order in which queued requests get this month's budget, by the policy's rule. The
    lottery is reproducible by anyone from the published seed and the month."""
    by_age = sorted(requests, key=lambda r: (r.created_at, r.pk))
    if policy.over_budget_rule == OverBudgetRule.LOTTERY:
        rng = random.Random(f"{policy.lottery_seed}:{month:%Y-%m}")  # noqa: S311 - a fair draw, not a secret
        rng.shuffle(by_age)
        return by_age
    if policy.over_budget_rule == OverBudgetRule.LEAST_RECEIVED:
        received = dict(
            FundRequest.objects.filter(network=policy.network, state=FundRequest.State.PAID)
            .values_list("requester_id")
            .annotate(total=Sum("amount"))
        )
        return sorted(by_age, key=lambda r: received.get(r.requester_id, 0))
    return by_age


@transaction.atomic
def queue_release(*, network: Network, now: datetime | None = None) -> list[FundRequest]:
    """Give this month's budget to queued requests in the policy's order, as far as it goes.
    Run by the worker at the start of each month and after a request is declined."""
    now = now or timezone.now()
    policy = policy_for(network)
    queued = list(FundRequest.objects.filter(network=network, state=FundRequest.State.QUEUED))
    released = []
    for request in queue_order(queued, policy, month_start(now)):
        try:
            with transaction.atomic():
                if _commit(request, policy, now).state == FundRequest.State.APPROVED:
                    released.append(request)
        except (OverCap, Conflict):
            continue
    if released:
        history_record(
            actor=None, network=network, action="fund.queue_release", count=len(released)
        )
    return released


def queue_release_all(*, now: datetime | None = None) -> int:
    """Release the queue of every network that has one (each network in its own
    transaction). Run daily by the worker; returns how many requests were approved."""
    queued = FundRequest.objects.filter(state=FundRequest.State.QUEUED).values("network")
    return sum(
        len(queue_release(network=network, now=now))
        for network in Network.objects.filter(pk__in=queued)
    )


def fund_member_leaving(*, member: Member) -> None:
    """Before a member's account is deleted: their requests not yet paid are withdrawn (giving
    back the budget they held), their receipts are deleted, and what they wrote (purpose,
    payout details) is emptied. The ledger keeps every amount, so it still balances; the
    requests stay as anonymous rows behind the transactions."""
    open_states = [FundRequest.State.PENDING, FundRequest.State.QUEUED, FundRequest.State.APPROVED]
    for request in FundRequest.objects.filter(requester=member, state__in=open_states):
        request_decline(actor=member, request=request, reason="")
    for receipt in Receipt.objects.filter(request__requester=member):
        transaction.on_commit(partial(receipt.file.storage.delete, receipt.file.name or ""))
        receipt.delete()
    FundRequest.objects.filter(requester=member).update(
        purpose=None, payout_details=None, show_name=False, updated_at=timezone.now()
    )
