"""API: the solidarity fund. The policy in words, accounts, the ledger, requests, approvals and
two-sided payouts. Every write that creates something or moves money takes an
`Idempotency-Key`: a retry with the same key returns the first response and moves nothing.

Amounts are integers in the minor units of the fund's currency, whose number of decimals is
the currency's ISO 4217 exponent (`exponent` in `GET /fund` and the report): 1850 is 18.50 USD
(exponent 2), 1850 JPY (exponent 0), 1.850 KWD (exponent 3).
"""

import hashlib
from datetime import date
from typing import Annotated, Any, Literal

from django.http import HttpRequest, JsonResponse
from ninja import Field, Router, Schema, UploadedFile
from ninja import File as NinjaFile
from pydantic import StringConstraints

from mutualaid.core.api import (
    Id,
    IdempotencyKey,
    InputSchema,
    PathId,
    PlainText,
    created_once,
    responses,
)
from mutualaid.core.errors import NotFound
from mutualaid.core.idempotency import idempotent_write, request_fingerprint
from mutualaid.fund import selectors
from mutualaid.fund.models import FundRequest, LedgerTransaction, Payout
from mutualaid.fund.money import exponent
from mutualaid.fund.services import accounts, ledger, payouts, receipts, reconcile, requests
from mutualaid.fund.services.checks import MAX_AMOUNT
from mutualaid.needs.models import Need
from mutualaid.networks.permissions import require
from mutualaid.networks.requests import api_member

router = Router(tags=["fund"])

# Mirrors of the models' choices; tests/fund/test_api.py checks they match.
RequestKind = Literal["direct_aid", "reimbursement", "preimbursement"]
Category = Literal["rent", "groceries", "transport", "medicine", "utilities", "childcare", "other"]
RequestState = Literal["pending", "queued", "approved", "paid", "declined", "withdrawn"]
PayoutState = Literal["sent", "received", "disputed", "failed"]
AccountKind = Literal["income", "payout", "expense"]
RequestAction = Literal["approve", "decline", "withdraw", "pay", "attach_receipt"]

# Any int on the way in: the services give the readable refusal for zero, negative and absurd.
Amount = Annotated[
    int,
    Field(
        ge=-MAX_AMOUNT * 1000,
        le=MAX_AMOUNT * 1000,
        description="in minor units of the fund's currency (see `exponent`)",
    ),
]
Currency = Annotated[str, StringConstraints(min_length=3, max_length=3), PlainText]
Name = Annotated[str, StringConstraints(min_length=1, max_length=80), PlainText]
Memo = Annotated[str, StringConstraints(max_length=200), PlainText]
Reason = Annotated[str, StringConstraints(max_length=500), PlainText]
Purpose = Annotated[str, StringConstraints(max_length=1000), PlainText]


EXPONENT_DOC = "decimals of the currency: an amount of 1850 is 1850 / 10**exponent of it"


class FundOut(Schema):
    currency: str
    exponent: int = Field(description=EXPONENT_DOC)
    balance: int
    policy: list[str]


class AccountOut(Schema):
    id: int
    kind: str
    name: str
    balance: int


class EntryOut(Schema):
    account_id: int
    amount: int


class TransactionOut(Schema):
    id: int
    kind: str
    memo: str
    occurred_on: date
    reverses_id: int | None
    entries: list[EntryOut]


class RequestOut(Schema):
    id: int
    kind: RequestKind
    category: Category
    amount: int
    state: RequestState
    mine: bool
    approvals: int
    actions: list[RequestAction] = Field(
        description="What I may do with this request now: approve it, decline it (treasurers), "
        "withdraw it (my own), pay it (treasurers) or attach a receipt."
    )

    @staticmethod
    def resolve_mine(obj: FundRequest, context: dict[str, Any]) -> bool:
        return obj.requester_id == api_member(context["request"]).pk

    @staticmethod
    def resolve_actions(obj: FundRequest, context: dict[str, Any]) -> list[str]:
        return selectors.fund_request_actions(api_member(context["request"]), obj)

    @staticmethod
    def resolve_approvals(obj: FundRequest) -> int:
        return obj.approvals.count()


class PayoutOut(Schema):
    id: int
    request_id: int
    method_id: int
    amount: int
    state: PayoutState


class AccountIn(InputSchema):
    kind: AccountKind
    name: Name


class ContributionIn(InputSchema):
    source: Id
    amount: Amount
    currency: Currency | None = None
    memo: Memo = ""


class FeeIn(InputSchema):
    account: Id
    amount: Amount
    currency: Currency | None = None
    memo: Memo = ""


class ReverseIn(InputSchema):
    memo: Memo


class RequestIn(InputSchema):
    kind: RequestKind
    category: Category
    amount: Amount
    currency: Currency | None = None
    purpose: Purpose = ""
    payout_details: Memo = ""
    need: Id | None = None
    show_name: bool = False


class ReasonIn(InputSchema):
    reason: Reason = ""


class PayoutIn(InputSchema):
    method: Id
    note: Memo = ""


@router.get("/fund", response=responses(FundOut), operation_id="fund_overview")
def fund_overview(request: HttpRequest) -> dict[str, object]:
    """The fund's balance and its policy in plain words."""
    member = api_member(request)
    require(member, "fund.view", member.network)
    policy = selectors.policy_of(network=member.network)
    return {
        "currency": policy.currency,
        "exponent": exponent(policy.currency),
        "balance": selectors.fund_balance(network=member.network),
        "policy": selectors.policy_in_words(network=member.network),
    }


@router.get("/fund/accounts", response=responses(list[AccountOut]), operation_id="fund_accounts")
def fund_accounts(request: HttpRequest) -> list[object]:
    member = api_member(request)
    require(member, "fund.view", member.network)
    accounts.fund_account(member.network)
    return list(selectors.accounts_public(network=member.network))


@router.post(
    "/fund/accounts", response=responses(AccountOut, 201), operation_id="fund_accounts_create"
)
def fund_accounts_create(
    request: HttpRequest, payload: AccountIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    member = api_member(request)

    def create() -> object:
        return ledger.account_create(actor=member, kind=payload.kind, name=payload.name)

    return created_once(request, key=idempotency_key, create=create, out=AccountOut)


@router.get(
    "/fund/transactions",
    response=responses(list[TransactionOut]),
    operation_id="fund_transactions",
)
def fund_transactions(request: HttpRequest) -> list[LedgerTransaction]:
    """The ledger, newest last. Entries on members' own accounts are included by account id
    only, never by name."""
    member = api_member(request)
    require(member, "fund.view", member.network)
    return list(selectors.ledger(network=member.network))


@router.post(
    "/fund/contributions",
    response=responses(TransactionOut, 201),
    operation_id="fund_contributions_create",
)
def fund_contributions_create(
    request: HttpRequest, payload: ContributionIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """Record money that came in from an income source."""
    member = api_member(request)

    def create() -> object:
        return ledger.contribution_record(
            actor=member,
            source=selectors.access_account(member, payload.source),
            amount=payload.amount,
            currency=payload.currency,
            memo=payload.memo,
        )

    return created_once(request, key=idempotency_key, create=create, out=TransactionOut)


@router.post("/fund/fees", response=responses(TransactionOut, 201), operation_id="fund_fees_create")
def fund_fees_create(
    request: HttpRequest, payload: FeeIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    member = api_member(request)

    def create() -> object:
        return ledger.fee_record(
            actor=member,
            fees=selectors.access_account(member, payload.account),
            amount=payload.amount,
            currency=payload.currency,
            memo=payload.memo,
        )

    return created_once(request, key=idempotency_key, create=create, out=TransactionOut)


@router.post(
    "/fund/transactions/{transaction_id}/reverse",
    response=responses(TransactionOut, 201),
    operation_id="fund_transactions_reverse",
)
def fund_transactions_reverse(
    request: HttpRequest,
    transaction_id: PathId,
    payload: ReverseIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """Correct a mistake with a transaction that undoes it."""
    member = api_member(request)

    def create() -> object:
        original = LedgerTransaction.objects.filter(
            network=member.network, pk=transaction_id
        ).first()
        if original is None:
            raise NotFound()
        return ledger.transaction_reverse(actor=member, original=original, memo=payload.memo)

    return created_once(request, key=idempotency_key, create=create, out=TransactionOut)


@router.get("/fund/requests", response=responses(list[RequestOut]), operation_id="fund_requests")
def fund_requests(request: HttpRequest) -> list[FundRequest]:
    """Requests the member may see: their own, or all if they may approve."""
    return list(selectors.requests_visible(member=api_member(request)))


@router.post(
    "/fund/requests", response=responses(RequestOut, 201), operation_id="fund_requests_create"
)
def fund_requests_create(
    request: HttpRequest, payload: RequestIn, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """Ask the fund for money. The network's policy decides what happens next."""
    member = api_member(request)

    def create() -> object:
        need = None
        if payload.need is not None:
            need = Need.objects.filter(network=member.network, pk=payload.need).first()
            if need is None:
                raise NotFound()
        return requests.request_create(
            actor=member,
            kind=payload.kind,
            category=payload.category,
            amount=payload.amount,
            currency=payload.currency,
            purpose=payload.purpose,
            payout_details=payload.payout_details,
            need=need,
            show_name=payload.show_name,
        )

    return created_once(request, key=idempotency_key, create=create, out=RequestOut)


@router.post(
    "/fund/requests/{request_id}/approve",
    response=responses(RequestOut),
    operation_id="fund_requests_approve",
)
def fund_requests_approve(
    request: HttpRequest, request_id: PathId, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    member = api_member(request)

    def create() -> object:
        fund_request = selectors.access_request(member, request_id)
        return requests.request_approve(actor=member, request=fund_request)

    return created_once(request, key=idempotency_key, create=create, out=RequestOut, status=200)


@router.post(
    "/fund/requests/{request_id}/decline",
    response=responses(RequestOut),
    operation_id="fund_requests_decline",
)
def fund_requests_decline(
    request: HttpRequest,
    request_id: PathId,
    payload: ReasonIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """Decline a request (organisers), or withdraw one's own."""
    member = api_member(request)

    def create() -> object:
        fund_request = selectors.access_request(member, request_id)
        return requests.request_decline(actor=member, request=fund_request, reason=payload.reason)

    return created_once(request, key=idempotency_key, create=create, out=RequestOut, status=200)


@router.post(
    "/fund/requests/{request_id}/payouts",
    response=responses(PayoutOut, 201),
    operation_id="fund_payouts_create",
)
def fund_payouts_create(
    request: HttpRequest,
    request_id: PathId,
    payload: PayoutIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """Record that the money for an approved request was sent."""
    member = api_member(request)

    def create() -> object:
        return payouts.payout_send(
            actor=member,
            request=selectors.access_request(member, request_id),
            method=selectors.access_account(member, payload.method),
            note=payload.note,
        )

    return created_once(request, key=idempotency_key, create=create, out=PayoutOut)


def _payout_step(
    request: HttpRequest, payout_id: int, step: str, reason: str, key: str | None
) -> JsonResponse:
    member = api_member(request)

    def create() -> Payout:
        payout = selectors.access_payout(member, payout_id)
        if step == "received":
            return payouts.payout_confirm(actor=member, payout=payout)
        if step == "disputed":
            return payouts.payout_dispute(actor=member, payout=payout, reason=reason)
        return payouts.payout_fail(actor=member, payout=payout, reason=reason)

    return created_once(request, key=key, create=create, out=PayoutOut, status=200)


@router.post(
    "/fund/payouts/{payout_id}/received",
    response=responses(PayoutOut),
    operation_id="fund_payouts_received",
)
def fund_payouts_received(
    request: HttpRequest, payout_id: PathId, idempotency_key: IdempotencyKey = None
) -> JsonResponse:
    """The recipient confirms the money arrived."""
    return _payout_step(request, payout_id, "received", "", idempotency_key)


@router.post(
    "/fund/payouts/{payout_id}/disputed",
    response=responses(PayoutOut),
    operation_id="fund_payouts_disputed",
)
def fund_payouts_disputed(
    request: HttpRequest,
    payout_id: PathId,
    payload: ReasonIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """The recipient says the money did not arrive."""
    return _payout_step(request, payout_id, "disputed", payload.reason, idempotency_key)


@router.post(
    "/fund/payouts/{payout_id}/failed",
    response=responses(PayoutOut),
    operation_id="fund_payouts_failed",
)
def fund_payouts_failed(
    request: HttpRequest,
    payout_id: PathId,
    payload: ReasonIn,
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """The payment bounced: the money goes back into the fund."""
    return _payout_step(request, payout_id, "failed", payload.reason, idempotency_key)


class ReceiptOut(Schema):
    id: int
    request_id: int
    content_type: str


class ReportRowOut(Schema):
    month: str
    label: str
    amount: int | None = Field(description="null when fewer than five are behind it (public)")
    count: int | None


class ReportOut(Schema):
    currency: str
    exponent: int = Field(description=EXPONENT_DOC)
    balance: int
    income: list[ReportRowOut]
    outgoings: list[ReportRowOut]
    queue: list[ReportRowOut]
    named_recipients: list[str]


@router.post(
    "/fund/requests/{request_id}/receipts",
    response=responses(ReceiptOut, 201),
    operation_id="fund_receipts_create",
)
def fund_receipts_create(
    request: HttpRequest,
    request_id: PathId,
    file: UploadedFile = NinjaFile(...),  # type: ignore[type-arg]  # noqa: B008 - ninja reads it at run time
    idempotency_key: IdempotencyKey = None,
) -> JsonResponse:
    """Attach a receipt (JPEG, PNG, WebP or PDF, at most 10 MB) to one's own request. It is
    served only through the fund's pages, to the requester and treasurers."""
    member = api_member(request)

    def write() -> tuple[int, object]:
        fund_request = selectors.access_request(member, request_id)
        receipt = receipts.receipt_attach(actor=member, request=fund_request, file=file)
        return 201, ReceiptOut.model_validate(receipt).model_dump(mode="json")

    # A multipart body cannot be read twice, so the fingerprint is of the file itself.
    digest = hashlib.sha256()
    for chunk in file.chunks():
        digest.update(chunk)
    file.seek(0)
    fingerprint = request_fingerprint(request.method or "", request.path, digest.digest())
    status, body = idempotent_write(
        member=member, key=idempotency_key, fingerprint=fingerprint, write=write
    )
    return JsonResponse(body, status=status, safe=False)


@router.get("/fund/report", response=responses(ReportOut), operation_id="fund_report")
def fund_report(request: HttpRequest) -> dict[str, object]:
    """The members' report: income by month, payouts by category and month, the queue."""
    member = api_member(request)
    require(member, "fund.view", member.network)
    return selectors.report(network=member.network, public=False)


class StatementLineOut(Schema):
    line: int
    on: date
    amount: int
    description: str


class StatementMatchOut(Schema):
    line: StatementLineOut
    transaction_id: int


class ReconcileOut(Schema):
    matched: list[StatementMatchOut]
    unmatched_lines: list[StatementLineOut]
    unmatched_transaction_ids: list[int]


@router.post("/fund/reconcile", response=responses(ReconcileOut), operation_id="fund_reconcile")
def fund_reconcile(
    request: HttpRequest,
    statement: UploadedFile = NinjaFile(...),  # type: ignore[type-arg]  # noqa: B008 - ninja reads it at run time
) -> dict[str, object]:
    """Compare a bank or payment-app CSV statement with the ledger: each line is matched to a
    recorded transaction of the same amount within three days. Reads only."""
    member = api_member(request)
    result = reconcile.statement_reconcile(actor=member, statement=statement)
    return {
        "matched": [{"line": line, "transaction_id": tx.pk} for line, tx in result["matched"]],
        "unmatched_lines": result["unmatched_lines"],
        "unmatched_transaction_ids": [tx.pk for tx in result["unmatched_transactions"]],
    }
