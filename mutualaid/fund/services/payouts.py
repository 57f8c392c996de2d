"""Payouts: money sent for an approved request, confirmed from both sides.

A request is paid at most once: the state moves approved → paid by a conditional update, and a
partial unique constraint allows one live payout per request.
"""

from django.db import IntegrityError, transaction
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
from mutualaid.fund.errors import AlreadyPaid
from mutualaid.fund.models import (
    PAYOUT_TRANSITIONS,
    Account,
    FundRequest,
    LedgerTransaction,
    Payout,
)
from mutualaid.fund.selectors import may_manage_fund
from mutualaid.fund.services.accounts import fund_account, member_account
from mutualaid.fund.services.checks import same_network
from mutualaid.fund.services.ledger import Leg, ledger_post
from mutualaid.networks.models import Member


@transaction.atomic
def payout_send(*, actor: Member, request: FundRequest, method: Account, note: str = "") -> Payout:
    """Record that the money for an approved request was sent by a payout method. Moves it
    out of the fund into the method's account until the recipient confirms. Refused if the
    fund does not hold enough (beyond the policy's overdraft) or the request is already paid."""
    if not may_manage_fund(actor):
        raise PermissionDenied()
    same_network(actor.network, request, method)
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
    tx = ledger_post(
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
    same_network(actor.network, payout)
    if payout.request.requester_id != actor.pk:
        raise NotFound()
    _move(payout, Payout.State.RECEIVED)
    ledger_post(
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
    same_network(actor.network, payout)
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
    if not may_manage_fund(actor):
        raise PermissionDenied()
    same_network(actor.network, payout)
    reason = clean_text(reason, field="reason", max_length=500)
    _move(payout, Payout.State.FAILED)
    ledger_post(
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
