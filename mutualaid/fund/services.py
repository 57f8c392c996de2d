"""Every write about the fund: the policy, accounts, the ledger, requests, approvals, payouts
and receipts.

The ledger is append-only. `_post` is the one place that writes entries: it refuses a
transaction whose entries do not add up to zero, and moves each account's stored balance with a
conditional `UPDATE … WHERE balance + change >= floor`; zero rows updated means the fund does
not hold enough, and the whole transaction rolls back. The first such update also locks the
account's row until commit (on PostgreSQL; SQLite's IMMEDIATE transactions serialise writers).

A request goes pending → approved (or queued, when this month's budget is spent) → paid. The
budget is a counter row raised by a conditional update too, so racing approvals never exceed it.
A request is paid at most once: the state moves approved → paid by a conditional update, and a
partial unique constraint allows one live payout per request.
"""

import random
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import partial
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import IntegrityError, transaction
from django.db.models import F, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from mutualaid.core.errors import Conflict, IllegalTransition, InvalidInput, NotFound
from mutualaid.core.history import history_record
from mutualaid.core.notices import notice_send
from mutualaid.core.validation import clean_text
from mutualaid.fund.errors import AlreadyPaid, InsufficientFunds, OverCap, Unbalanced
from mutualaid.fund.models import (
    PAYOUT_TRANSITIONS,
    Account,
    Approval,
    BudgetMonth,
    CapPeriod,
    Entry,
    FundPolicy,
    FundRequest,
    ImportedLine,
    LedgerTransaction,
    OverBudgetRule,
    Payout,
    Receipt,
)
from mutualaid.fund.money import exponent, money_text
from mutualaid.needs.models import Need
from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import can, require

MAX_AMOUNT = 10_000_000  # 100,000.00 in a two-decimal currency: anything above is a typo
MANAGE = "fund.manage"


@dataclass(frozen=True)
class Leg:
    account: Account
    amount: int


def _amount(value: object, *, field: str = "amount", high: int = MAX_AMOUNT) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= high:
        message = _(
            "Give an amount of at least 1 and at most %(max)d (in the currency's minor units)."
        ) % {"max": high}
        raise InvalidInput(message, fields={field: [message]})
    return value


def _currency(policy: FundPolicy, currency: str | None) -> None:
    if currency is not None and currency.upper() != policy.currency:
        message = _("This fund keeps its money in %(ours)s, not %(theirs)s.") % {
            "ours": policy.currency,
            "theirs": currency,
        }
        raise InvalidInput(message, fields={"currency": [message]})


def _same_network(network: Network, *objects: Account | FundRequest | Payout) -> None:
    for obj in objects:
        if obj.network_id != network.pk:
            raise NotFound()


# --- Policy and accounts ----------------------------------------------------------------------


def policy_for(network: Network) -> FundPolicy:
    """The network's fund policy, made with safe defaults (nothing automatic) on first use."""
    policy, _created = FundPolicy.objects.get_or_create(network=network)
    return policy


def fund_account(network: Network) -> Account:
    policy = policy_for(network)
    account, _created = Account.objects.get_or_create(
        network=network,
        kind=Account.Kind.FUND,
        defaults={"name": _("The fund"), "floor": -policy.overdraft_limit},
    )
    return account


def member_account(member: Member) -> Account:
    account, _created = Account.objects.get_or_create(
        network_id=member.network_id,
        kind=Account.Kind.MEMBER,
        member=member,
        defaults={"name": f"member {member.pk}"},
    )
    return account


POLICY_FIELDS = {
    "currency",
    "auto_approve_up_to",
    "approvals_needed",
    "person_cap",
    "cap_period",
    "monthly_budget",
    "over_budget_rule",
    "lottery_seed",
    "overdraft_limit",
    "receipt_retention_days",
}


def policy_clean(changes: dict[str, Any]) -> dict[str, Any]:
    """Checked policy changes, or InvalidInput naming what is wrong."""
    unknown = sorted(set(changes) - POLICY_FIELDS)
    if unknown:
        raise InvalidInput(
            _("The fund policy has no setting called %(names)s.") % {"names": ", ".join(unknown)}
        )
    clean: dict[str, Any] = {}
    for field, value in sorted(changes.items()):
        if field == "currency":
            if not isinstance(value, str) or len(value) != 3 or not value.isalpha():
                raise InvalidInput(_("Give a currency as a three-letter code, like EUR."))
            clean[field] = value.upper()
        elif field == "cap_period":
            if value not in CapPeriod.values:
                raise InvalidInput(_("The cap period is a month, a quarter or a year."))
            clean[field] = value
        elif field == "over_budget_rule":
            if value not in OverBudgetRule.values:
                raise InvalidInput(_("Choose first come, lottery or least received first."))
            clean[field] = value
        elif field == "lottery_seed":
            clean[field] = clean_text(str(value), field=field, max_length=64, required=False)
        elif field == "approvals_needed":
            clean[field] = _amount(value, field=field, high=20)
        elif field == "receipt_retention_days":
            clean[field] = _amount(value, field=field, high=3650)
        else:
            clean[field] = 0 if value == 0 else _amount(value, field=field)
    return clean


@transaction.atomic
def policy_change(
    *, network: Network, changes: dict[str, Any], reason: str, actor: Member | None = None
) -> FundPolicy:
    """Change the fund policy. Called when a proposal passes: the policy is the group's
    decision, so no single member's permission is asked here. The currency can change only
    while the ledger is empty."""
    clean = policy_clean(changes)
    policy = policy_for(network)
    if "currency" in clean and clean["currency"] != policy.currency:
        if Entry.objects.filter(account__network=network).exists():
            raise InvalidInput(_("The currency cannot change once money has been recorded."))
    for field, value in clean.items():
        setattr(policy, field, value)
    policy.save()
    account = fund_account(network)
    if "overdraft_limit" in clean:
        # Lowering the overdraft below what is already owed waits until the balance allows it.
        if not Account.objects.filter(pk=account.pk, balance__gte=-policy.overdraft_limit).update(
            floor=-policy.overdraft_limit
        ):
            raise InsufficientFunds(
                _("The fund owes more than the new overdraft allows; pay it back first.")
            )
    if "monthly_budget" in clean:
        _budget_month(network, timezone.now(), policy)
    history_record(
        actor=actor, network=network, action="fund.policy_change", reason=reason, changes=clean
    )
    return policy


@transaction.atomic
def account_create(*, actor: Member, kind: str, name: str) -> Account:
    """Add an income source (a donor platform, cash box), a payout method or a fee account."""
    require(actor, MANAGE, actor.network)
    if kind not in {Account.Kind.INCOME, Account.Kind.PAYOUT, Account.Kind.EXPENSE}:
        raise InvalidInput(_("Choose income source, payout method or fees."))
    name = clean_text(name, field="name", max_length=80)
    fund_account(actor.network)
    try:
        with transaction.atomic():
            account = Account.objects.create(network=actor.network, kind=kind, name=name)
    except IntegrityError:
        message = _("There is already an account called %(name)s.") % {"name": name}
        raise InvalidInput(message, fields={"name": [message]}) from None
    history_record(actor=actor, action="fund.account_create", target=account)
    return account


# --- The ledger -------------------------------------------------------------------------------


def _post(
    *,
    network: Network,
    kind: str,
    legs: Sequence[Leg],
    actor: Member | None,
    memo: str = "",
    request: FundRequest | None = None,
    reverses: LedgerTransaction | None = None,
    occurred_on: date | None = None,
) -> LedgerTransaction:
    """Write one balanced transaction and move the stored balances. Runs inside the caller's
    atomic block; raises (and so rolls everything back) if an account would pass its floor."""
    if len(legs) < 2 or sum(leg.amount for leg in legs) != 0:
        raise Unbalanced()
    if any(leg.amount == 0 for leg in legs):
        raise Unbalanced(_("A transaction has no entry of zero."))
    for leg in legs:
        if leg.account.network_id != network.pk:
            raise NotFound(_("Unknown account."))
    tx = LedgerTransaction.objects.create(
        network=network,
        kind=kind,
        memo=memo,
        request=request,
        reverses=reverses,
        occurred_on=occurred_on or timezone.localdate(),
        actor=actor,
    )
    # One lock order (by account id) so two transactions never wait on each other.
    for leg in sorted(legs, key=lambda leg: leg.account.pk):
        moved = Account.objects.filter(pk=leg.account.pk).filter(
            Q(floor__isnull=True) | Q(balance__gte=F("floor") - leg.amount)
        )
        if not moved.update(balance=F("balance") + leg.amount):
            raise InsufficientFunds(
                _("The fund does not hold enough money for this: %(amount)s more is needed.")
                % {"amount": _format(leg.account, -leg.amount)}
            )
        Entry.objects.create(transaction=tx, account=leg.account, amount=leg.amount)
    return tx


def _format(account: Account, amount: int) -> str:
    currency = policy_for(account.network).currency
    return money_text(amount, currency)


@transaction.atomic
def contribution_record(
    *,
    actor: Member,
    source: Account,
    amount: int,
    currency: str | None = None,
    memo: str = "",
    occurred_on: date | None = None,
) -> LedgerTransaction:
    """Money came into the fund from an income source."""
    require(actor, MANAGE, actor.network)
    _same_network(actor.network, source)
    if source.kind != Account.Kind.INCOME:
        raise InvalidInput(_("Money comes in from an income source."))
    _currency(policy_for(actor.network), currency)
    amount = _amount(amount)
    memo = clean_text(memo, field="memo", max_length=200, required=False)
    tx = _post(
        network=actor.network,
        kind=LedgerTransaction.Kind.CONTRIBUTION,
        legs=[Leg(fund_account(actor.network), amount), Leg(source, -amount)],
        actor=actor,
        memo=memo,
        occurred_on=occurred_on,
    )
    history_record(actor=actor, action="fund.contribution", target=tx, amount=amount)
    return tx


@transaction.atomic
def fee_record(
    *,
    actor: Member,
    fees: Account,
    amount: int,
    currency: str | None = None,
    memo: str = "",
) -> LedgerTransaction:
    """A bank or platform fee paid out of the fund."""
    require(actor, MANAGE, actor.network)
    _same_network(actor.network, fees)
    if fees.kind != Account.Kind.EXPENSE:
        raise InvalidInput(_("Fees are recorded against a fees account."))
    _currency(policy_for(actor.network), currency)
    amount = _amount(amount)
    tx = _post(
        network=actor.network,
        kind=LedgerTransaction.Kind.FEE,
        legs=[Leg(fund_account(actor.network), -amount), Leg(fees, amount)],
        actor=actor,
        memo=clean_text(memo, field="memo", max_length=200, required=False),
    )
    history_record(actor=actor, action="fund.fee", target=tx, amount=amount)
    return tx


@transaction.atomic
def transaction_reverse(
    *, actor: Member, original: LedgerTransaction, memo: str
) -> LedgerTransaction:
    """Correct a mistake by a transaction that undoes it exactly. A transaction is reversed at
    most once, and a reversal is not itself reversed (record the right one instead)."""
    require(actor, MANAGE, actor.network)
    if original.network_id != actor.network_id:
        raise NotFound()
    if original.reverses_id is not None or original.kind in {
        LedgerTransaction.Kind.DISBURSEMENT,
        LedgerTransaction.Kind.RECEIPT,
    }:
        raise InvalidInput(
            _("Payouts are corrected by marking them failed, and corrections are not undone.")
        )
    memo = clean_text(memo, field="memo", max_length=200)
    legs = [Leg(entry.account, -entry.amount) for entry in original.entries.all()]
    try:
        with transaction.atomic():
            tx = _post(
                network=actor.network,
                kind=LedgerTransaction.Kind.CORRECTION,
                legs=legs,
                actor=actor,
                memo=memo,
                reverses=original,
            )
    except IntegrityError:
        raise Conflict(_("This transaction has already been corrected.")) from None
    history_record(actor=actor, action="fund.correction", target=tx, reverses=original.pk)
    return tx


# --- Requests and approvals -------------------------------------------------------------------


def _month_start(when: datetime) -> date:
    return timezone.localdate(when).replace(day=1)


def _budget_month(network: Network, when: datetime, policy: FundPolicy) -> BudgetMonth:
    month, _created = BudgetMonth.objects.get_or_create(
        network=network, month=_month_start(when), defaults={"budget": None}
    )
    budget = policy.monthly_budget or None
    if month.budget != budget:
        # A lower budget than already committed keeps what is committed.
        BudgetMonth.objects.filter(pk=month.pk).update(
            budget=None if budget is None else max(budget, month.committed)
        )
        month.refresh_from_db()
    return month


def _period_start(policy: FundPolicy, when: datetime) -> date:
    day = timezone.localdate(when)
    if policy.cap_period == CapPeriod.YEAR:
        return day.replace(month=1, day=1)
    if policy.cap_period == CapPeriod.QUARTER:
        return day.replace(month=(day.month - 1) // 3 * 3 + 1, day=1)
    return day.replace(day=1)


def received_in_period(member: Member | None, policy: FundPolicy, when: datetime) -> int:
    if member is None:
        return 0
    start = _period_start(policy, when)
    total = FundRequest.objects.filter(
        requester=member,
        state__in=[FundRequest.State.APPROVED, FundRequest.State.PAID],
        approved_at__date__gte=start,
    ).aggregate(total=Sum("amount"))["total"]
    return int(total or 0)


def _check_cap(request: FundRequest, policy: FundPolicy, when: datetime) -> None:
    """Refuse what would take the requester over the per-person cap. The requester's own
    account row is locked first by a no-op conditional UPDATE, so two of their requests
    approved at the same moment are counted one after the other (on PostgreSQL the sum below
    then sees the other's committed approval; SQLite serialises writers anyway)."""
    if not policy.person_cap or request.requester is None:
        return
    account = member_account(request.requester)
    Account.objects.filter(pk=account.pk).update(balance=F("balance"))
    already = received_in_period(request.requester, policy, when)
    if already + request.amount > policy.person_cap:
        raise OverCap(
            _(
                "One person may receive at most %(cap)s in %(period)s; this request would "
                "bring it to %(total)s."
            )
            % {
                "cap": money_text(policy.person_cap, policy.currency),
                "period": CapPeriod(policy.cap_period).label,
                "total": money_text(already + request.amount, policy.currency),
            }
        )


def _commit(request: FundRequest, policy: FundPolicy, now: datetime) -> FundRequest:
    """Move a request that has its approvals into approved, or into the queue when this
    month's budget cannot take it. The caller holds it in PENDING or QUEUED."""
    _check_cap(request, policy, now)
    month = _budget_month(request.network, now, policy)
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
    receipt: UploadedFile | None = None,
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
    _currency(policy, currency)
    amount = _amount(amount)
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
    _check_cap(request, policy, now)
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
    require(actor, "fund.approve", actor.network)
    _same_network(actor.network, request)
    if request.requester_id == actor.pk:
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
    _same_network(actor.network, request)
    own = request.requester_id == actor.pk
    if not own:
        require(actor, MANAGE, actor.network)
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
            network=actor.network, month=_month_start(request.approved_at)
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
    for request in queue_order(queued, policy, _month_start(now)):
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


# --- Payouts ----------------------------------------------------------------------------------


@transaction.atomic
def payout_send(*, actor: Member, request: FundRequest, method: Account, note: str = "") -> Payout:
    """Record that the money for an approved request was sent by a payout method. Moves it
    out of the fund into the method's account until the recipient confirms. Refused if the
    fund does not hold enough (beyond the policy's overdraft) or the request is already paid."""
    require(actor, MANAGE, actor.network)
    _same_network(actor.network, request, method)
    if method.kind != Account.Kind.PAYOUT:
        raise InvalidInput(_("Choose a payout method."))
    moved = FundRequest.objects.filter(pk=request.pk, state=FundRequest.State.APPROVED).update(
        state=FundRequest.State.PAID, updated_at=timezone.now()
    )
    if not moved:
        request.refresh_from_db(fields=["state"])
        if request.state == FundRequest.State.PAID:
            raise AlreadyPaid()
        raise IllegalTransition(_("Only an approved request can be paid."))
    tx = _post(
        network=actor.network,
        kind=LedgerTransaction.Kind.DISBURSEMENT,
        legs=[Leg(fund_account(actor.network), -request.amount), Leg(method, request.amount)],
        actor=actor,
        request=request,
        memo=clean_text(note, field="note", max_length=200, required=False),
    )
    try:
        with transaction.atomic():
            payout = Payout.objects.create(
                network=actor.network,
                request=request,
                method=method,
                amount=request.amount,
                sent_by=actor,
                note=tx.memo,
            )
    except IntegrityError:
        raise AlreadyPaid() from None
    history_record(actor=actor, action="fund.payout_sent", target=payout)
    notice_send("fund.payout_sent", request.pk)
    request.refresh_from_db()
    return payout


def _move(payout: Payout, to: str) -> None:
    frm = payout.state
    if (frm, to) not in PAYOUT_TRANSITIONS:
        raise IllegalTransition()
    if not Payout.objects.filter(pk=payout.pk, state=frm).update(
        state=to, updated_at=timezone.now()
    ):
        raise Conflict()
    payout.state = to


@transaction.atomic
def payout_confirm(*, actor: Member, payout: Payout) -> Payout:
    """The recipient says the money arrived: it moves from the method into their account."""
    _same_network(actor.network, payout)
    if payout.request.requester_id != actor.pk:
        raise NotFound()
    _move(payout, Payout.State.RECEIVED)
    _post(
        network=actor.network,
        kind=LedgerTransaction.Kind.RECEIPT,
        legs=[Leg(payout.method, -payout.amount), Leg(member_account(actor), payout.amount)],
        actor=actor,
        request=payout.request,
    )
    history_record(actor=actor, action="fund.payout_received", target=payout)
    return payout


@transaction.atomic
def payout_dispute(*, actor: Member, payout: Payout, reason: str) -> Payout:
    """The recipient says the money did not arrive (or not all of it)."""
    _same_network(actor.network, payout)
    if payout.request.requester_id != actor.pk:
        raise NotFound()
    reason = clean_text(reason, field="reason", max_length=500)
    _move(payout, Payout.State.DISPUTED)
    history_record(actor=actor, action="fund.payout_disputed", target=payout, reason=reason)
    notice_send("fund.payout_disputed", payout.pk)
    return payout


@transaction.atomic
def payout_fail(*, actor: Member, payout: Payout, reason: str) -> Payout:
    """The payment bounced or never left: the money goes back into the fund and the request
    is approved again, to be paid another way."""
    require(actor, MANAGE, actor.network)
    _same_network(actor.network, payout)
    reason = clean_text(reason, field="reason", max_length=500)
    _move(payout, Payout.State.FAILED)
    _post(
        network=actor.network,
        kind=LedgerTransaction.Kind.CORRECTION,
        legs=[Leg(payout.method, -payout.amount), Leg(fund_account(actor.network), payout.amount)],
        actor=actor,
        request=payout.request,
        memo=reason,
    )
    FundRequest.objects.filter(pk=payout.request_id, state=FundRequest.State.PAID).update(
        state=FundRequest.State.APPROVED, updated_at=timezone.now()
    )
    history_record(actor=actor, action="fund.payout_failed", target=payout, reason=reason)
    notice_send("fund.payout_failed", payout.request_id)
    return payout


# --- Receipts ---------------------------------------------------------------------------------

RECEIPT_TYPES = {"image/jpeg", "image/png", "image/webp", "application/pdf"}
MAX_RECEIPT_BYTES = 10 * 1024 * 1024


IMAGE_TYPES = {"jpg": "image/jpeg", "png": "image/png", "webp": "image/webp"}


def _receipt_cipher() -> Any:
    """Fernet (MultiFernet when keys rotate) over the project's field keys (SALT_KEY from
    MUTUALAID_FIELD_KEYS, with SECRET_KEY), derived exactly as the encrypted fields do."""
    from encrypted_fields.fields import EncryptedTextField

    return EncryptedTextField().f


def receipt_bytes(receipt: Receipt) -> bytes:
    """A receipt's file, decrypted. For the permission-checking view only. A file stored
    before receipts were encrypted reads back as it is."""
    from cryptography.fernet import InvalidToken

    with receipt.file.open("rb") as handle:
        stored = handle.read()
    try:
        return bytes(_receipt_cipher().decrypt(stored))
    except InvalidToken:
        return bytes(stored)


@transaction.atomic
def receipt_attach(*, actor: Member, request: FundRequest, file: UploadedFile) -> Receipt:
    """Attach a photo or PDF of a receipt to one's own request. A photo is decoded and encoded
    again from its pixels alone (no EXIF, no GPS position); the file is stored encrypted with
    the project's field keys."""
    from django.core.files.base import ContentFile

    from mutualaid.core.photos import photo_clean

    _same_network(actor.network, request)
    if request.requester_id != actor.pk and not can(actor, MANAGE, actor.network):
        raise NotFound()
    content_type = file.content_type or ""
    if content_type not in RECEIPT_TYPES or (file.size or 0) > MAX_RECEIPT_BYTES:
        raise InvalidInput(_("Attach a photo (JPEG, PNG, WebP) or a PDF of at most 10 MB."))
    data = file.read()
    if content_type == "application/pdf":
        if not data.startswith(b"%PDF"):
            raise InvalidInput(_("This file is not a PDF we can read."))
    else:
        clean = photo_clean(data, max_bytes=MAX_RECEIPT_BYTES, field="receipt")
        data = clean.read()
        content_type = IMAGE_TYPES[(clean.name or "").rsplit(".", 1)[-1]]
    receipt = Receipt(request=request, content_type=content_type)
    encrypted = ContentFile(_receipt_cipher().encrypt(data))
    receipt.file.save(f"receipt-{timezone.now():%Y%m%d%H%M%S}", encrypted, save=False)
    receipt.save()
    history_record(actor=actor, action="fund.receipt_attach", target=request)
    return receipt


def receipts_expire(*, now: datetime | None = None) -> int:
    """Delete receipts older than their network's retention period, files first. Run daily
    by the worker. Returns how many went."""
    now = now or timezone.now()
    deleted = 0
    for policy in FundPolicy.objects.all():
        cutoff = now - timedelta(days=policy.receipt_retention_days)
        old = Receipt.objects.filter(request__network_id=policy.network_id, created_at__lt=cutoff)
        for receipt in old:
            receipt.file.delete(save=False)
            receipt.delete()
            deleted += 1
    return deleted


# --- Reconciliation ---------------------------------------------------------------------------


@dataclass(frozen=True)
class StatementLine:
    line: int
    on: date
    amount: int
    description: str


MATCH_WITHIN_DAYS = 3
MAX_STATEMENT_BYTES = 2 * 1024 * 1024


def statement_parse(text: str, currency: str = "USD") -> list[StatementLine]:
    """Lines of a bank or payment-app CSV export with a header naming a date column and an
    amount column (or separate money in / money out columns). Amounts like 12.50 or -3,00."""
    import csv
    from decimal import Decimal, InvalidOperation

    reader = csv.DictReader(text.splitlines())
    names = {(name or "").strip().lower(): name for name in reader.fieldnames or []}

    def column(*options: str) -> str | None:
        return next((names[o] for o in options if o in names), None)

    date_col = column("date", "booking date", "transaction date", "datum", "fecha")
    amount_col = column("amount", "net", "betrag", "importe")
    in_col, out_col = column("money in", "credit", "paid in"), column("money out", "debit")
    text_col = column("description", "memo", "note", "details", "reference", "name")
    if date_col is None or (amount_col is None and in_col is None):
        raise InvalidInput(_("The statement needs a date column and an amount column."))

    def money(value: str | None) -> int:
        raw = (value or "").strip().replace(" ", "").replace("$", "").replace("€", "")
        if not raw:
            return 0
        if "," in raw and "." not in raw:
            raw = raw.replace(",", ".")
        raw = raw.replace(",", "")
        return int(Decimal(raw).scaleb(exponent(currency)).to_integral_value())

    lines = []
    for number, row in enumerate(reader, start=2):
        try:
            on = date.fromisoformat((row.get(date_col) or "").strip()[:10])
            if amount_col is not None:
                amount = money(row.get(amount_col))
            else:
                amount = money(row.get(in_col)) - abs(money(row.get(out_col)))  # type: ignore[arg-type]
        except (ValueError, InvalidOperation):
            raise InvalidInput(
                _("Line %(line)d of the statement has a date or amount we cannot read.")
                % {"line": number}
            ) from None
        if amount:
            description = (row.get(text_col) or "")[:200] if text_col else ""
            lines.append(StatementLine(number, on, amount, description))
    return lines


def _fingerprint(line: StatementLine, seen: int) -> str:
    import hashlib

    key = f"{line.on.isoformat()}|{line.amount}|{line.description}|{seen}"
    return hashlib.sha256(key.encode()).hexdigest()


def statement_reconcile(*, actor: Member, statement: UploadedFile) -> dict[str, Any]:
    """Match each statement line to a recorded transaction moving the same amount in or out
    of the fund within three days; list the lines and the transactions left unmatched.

    The lines are kept (`ImportedLine`) with the transaction each was matched to. Importing the
    same statement again adds no line twice: a line matched before keeps its match, a line
    unmatched before is tried again, and a transaction matched to one line is not matched to
    another."""
    require(actor, MANAGE, actor.network)
    if (statement.size or 0) > MAX_STATEMENT_BYTES:
        raise InvalidInput(_("The statement is too large (at most 2 MB)."))
    try:
        text = statement.read().decode("utf-8-sig")
    except UnicodeDecodeError:
        raise InvalidInput(_("Save the statement as CSV in UTF-8.")) from None
    lines = statement_parse(text, policy_for(actor.network).currency)
    network = actor.network
    fund = fund_account(network)
    with transaction.atomic():
        taken = set(
            ImportedLine.objects.filter(network=network, matched__isnull=False).values_list(
                "matched_id", flat=True
            )
        )
        candidates = [
            e
            for e in Entry.objects.filter(account=fund)
            .exclude(transaction__kind=LedgerTransaction.Kind.RECEIPT)
            .select_related("transaction")
            if e.transaction_id not in taken
        ]
        if lines:
            start = min(line.on for line in lines) - timedelta(days=MATCH_WITHIN_DAYS)
            end = max(line.on for line in lines) + timedelta(days=MATCH_WITHIN_DAYS)
            candidates = [e for e in candidates if start <= e.transaction.occurred_on <= end]
        matched, unmatched_lines = [], []
        seen: dict[tuple[date, int, str], int] = {}
        for line in lines:
            key = (line.on, line.amount, line.description)
            seen[key] = seen.get(key, 0) + 1
            stored, _created = ImportedLine.objects.select_for_update().get_or_create(
                network=network,
                fingerprint=_fingerprint(line, seen[key]),
                defaults={"on": line.on, "amount": line.amount, "description": line.description},
            )
            if stored.matched is not None:
                matched.append((line, stored.matched))
                continue
            found = next(
                (
                    entry
                    for entry in candidates
                    if entry.amount == line.amount
                    and abs((entry.transaction.occurred_on - line.on).days) <= MATCH_WITHIN_DAYS
                ),
                None,
            )
            if found is None:
                unmatched_lines.append(line)
            else:
                candidates.remove(found)
                stored.matched = found.transaction
                stored.save(update_fields=["matched"])
                matched.append((line, found.transaction))
    return {
        "matched": matched,
        "unmatched_lines": unmatched_lines,
        "unmatched_transactions": [entry.transaction for entry in candidates],
    }


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
