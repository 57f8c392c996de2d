"""The solidarity fund: a double-entry ledger, requests for money, approvals, payouts, receipts
and the network's fund policy.

Money is integers in minor units (cents for USD, yen for JPY: see `money.py`) in the one
currency of the network's fund. Every movement of money is a `LedgerTransaction` whose `Entry`
rows add up to zero; positive amounts are debits (money arriving in an account), negative are
credits (money leaving it). Nothing is updated or deleted: a mistake is corrected by a
reversing transaction.

`Account.balance` is the stored sum of the account's entries, changed only by conditional
`UPDATE … WHERE` statements in the same transaction as the entries. An account with a `floor`
(the fund: minus the overdraft the policy allows) can never go below it: the update is refused,
and a CheckConstraint backs it up, so two payouts racing for the last money cannot overdraw.

Foreign keys inside the ledger cascade rather than protect: the only delete that reaches them
is deleting a whole network. Append-only is kept by the services (no service updates or
deletes an entry) and by the read-only admin, not by PROTECT, which would make a network with a
fund impossible to delete.
"""

import os

from django.conf import settings
from django.core.files.storage import FileSystemStorage
from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _
from encrypted_fields.fields import EncryptedTextField

from mutualaid.needs.models import Need
from mutualaid.networks.models import Member, Network


class OverBudgetRule(models.TextChoices):
    FIRST_COME = "first_come", _("first come, first served")
    LOTTERY = "lottery", _("a lottery with a published seed")
    LEAST_RECEIVED = "least_received", _("those who have received least go first")


class CapPeriod(models.TextChoices):
    MONTH = "month", _("a month")
    QUARTER = "quarter", _("three months")
    YEAR = "year", _("a year")


class FundPolicy(models.Model):
    """The group's rules for its fund, changed by a passed proposal (governance)."""

    network = models.OneToOneField(Network, on_delete=models.CASCADE, related_name="+")
    currency = models.CharField(_("currency"), max_length=3, default="USD")
    auto_approve_up_to = models.PositiveIntegerField(_("approve at once up to"), default=0)
    approvals_needed = models.PositiveSmallIntegerField(_("approvals needed"), default=2)
    person_cap = models.PositiveIntegerField(_("most one person may receive"), default=0)
    cap_period = models.CharField(max_length=8, choices=CapPeriod.choices, default="month")
    monthly_budget = models.PositiveIntegerField(_("monthly budget"), default=0)
    over_budget_rule = models.CharField(
        max_length=16, choices=OverBudgetRule.choices, default=OverBudgetRule.FIRST_COME
    )
    lottery_seed = models.CharField(_("lottery seed"), max_length=64, blank=True)
    overdraft_limit = models.PositiveIntegerField(_("overdraft allowed"), default=0)
    receipt_retention_days = models.PositiveIntegerField(_("keep receipts for (days)"), default=365)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name_plural = _("fund policies")
        constraints = [
            models.CheckConstraint(
                condition=Q(currency__regex=r"^[A-Z]{3}$"), name="fund_policy_currency_iso"
            ),
            models.CheckConstraint(
                condition=Q(approvals_needed__gte=1), name="fund_policy_approvals_gte_1"
            ),
        ]

    def __str__(self) -> str:
        return f"fund policy {self.network_id}"


class Account(models.Model):
    class Kind(models.TextChoices):
        FUND = "fund", _("the fund")
        INCOME = "income", _("income source")
        PAYOUT = "payout", _("payout method")
        MEMBER = "member", _("member's reimbursement account")
        EXPENSE = "expense", _("fees and costs")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=8, choices=Kind.choices)
    name = models.CharField(_("name"), max_length=80)
    member = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="fund_accounts"
    )
    balance = models.BigIntegerField(default=0)
    # The lowest the balance may go; null means no limit (income and clearing accounts).
    floor = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [
            models.UniqueConstraint(fields=["network", "kind", "name"], name="fund_account_name"),
            models.UniqueConstraint(
                fields=["network"], condition=Q(kind="fund"), name="fund_account_one_fund"
            ),
            models.UniqueConstraint(
                fields=["network", "member"],
                condition=Q(kind="member"),
                name="fund_account_one_per_member",
            ),
            models.CheckConstraint(
                condition=Q(floor__isnull=True) | Q(balance__gte=F("floor")),
                name="fund_account_balance_above_floor",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class FundRequest(models.Model):
    class Kind(models.TextChoices):
        DIRECT_AID = "direct_aid", _("direct aid")
        REIMBURSEMENT = "reimbursement", _("reimbursement")
        PREIMBURSEMENT = "preimbursement", _("pre-imbursement")

    class Category(models.TextChoices):
        RENT = "rent", _("rent and housing")
        GROCERIES = "groceries", _("groceries")
        TRANSPORT = "transport", _("transport")
        MEDICINE = "medicine", _("medicine and health")
        UTILITIES = "utilities", _("utilities")
        CHILDCARE = "childcare", _("childcare")
        OTHER = "other", _("other")

    class State(models.TextChoices):
        PENDING = "pending", _("waiting for approvals")
        QUEUED = "queued", _("approved, waiting for budget")
        APPROVED = "approved", _("approved, to be paid")
        PAID = "paid", _("paid")
        DECLINED = "declined", _("declined")
        WITHDRAWN = "withdrawn", _("withdrawn")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    # Emptied when the requester deletes their account: the ledger keeps the money, not them.
    requester = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, related_name="fund_requests"
    )
    kind = models.CharField(max_length=16, choices=Kind.choices)
    category = models.CharField(max_length=16, choices=Category.choices)
    amount = models.PositiveIntegerField()
    need = models.ForeignKey(
        Need, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    # What for, in the requester's words: seen only by them and those who approve.
    purpose = EncryptedTextField(_("what it is for"), blank=True, null=True)
    # How to pay them (a handle, an account): seen only by them and those who pay.
    payout_details = EncryptedTextField(_("how to pay you"), blank=True, null=True)
    show_name = models.BooleanField(_("show my name in the members' report"), default=False)
    state = models.CharField(max_length=16, choices=State.choices, default=State.PENDING)
    approved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.CheckConstraint(condition=Q(amount__gte=1), name="fund_request_amount_gte_1"),
        ]

    def __str__(self) -> str:
        return f"fund request {self.pk}"


class Approval(models.Model):
    request = models.ForeignKey(FundRequest, on_delete=models.CASCADE, related_name="approvals")
    member = models.ForeignKey(Member, on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["request", "member"], name="fund_approval_once"),
        ]

    def __str__(self) -> str:
        return f"approval {self.request_id} by {self.member_id}"


class BudgetMonth(models.Model):
    """Money committed to approved requests in one month, against that month's budget. Raised
    only by a conditional update, so two approvals racing cannot go over the budget."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    month = models.DateField()  # the first day of the month
    budget = models.BigIntegerField(null=True, blank=True)  # null: no budget
    committed = models.BigIntegerField(default=0)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["network", "month"], name="fund_budget_month"),
            models.CheckConstraint(
                condition=Q(budget__isnull=True) | Q(committed__lte=F("budget")),
                name="fund_budget_not_exceeded",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.month:%Y-%m}: {self.committed}/{self.budget}"


class LedgerTransaction(models.Model):
    class Kind(models.TextChoices):
        CONTRIBUTION = "contribution", _("contribution")
        DISBURSEMENT = "disbursement", _("disbursement")
        RECEIPT = "receipt", _("payout received")
        REIMBURSEMENT = "reimbursement", _("reimbursement")
        FEE = "fee", _("fee")
        CORRECTION = "correction", _("correction")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=16, choices=Kind.choices)
    memo = models.CharField(max_length=200, blank=True)
    request = models.ForeignKey(
        FundRequest, on_delete=models.CASCADE, null=True, blank=True, related_name="+"
    )
    reverses = models.OneToOneField(
        "self", on_delete=models.CASCADE, null=True, blank=True, related_name="reversed_by"
    )
    occurred_on = models.DateField()
    actor = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True, db_index=True)

    class Meta:
        ordering = ["created_at", "pk"]

    def __str__(self) -> str:
        return f"{self.kind} {self.pk}"


class Entry(models.Model):
    transaction = models.ForeignKey(
        LedgerTransaction, on_delete=models.CASCADE, related_name="entries"
    )
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="entries")
    amount = models.BigIntegerField()

    class Meta:
        ordering = ["pk"]
        constraints = [
            models.CheckConstraint(condition=~Q(amount=0), name="fund_entry_nonzero"),
        ]

    def __str__(self) -> str:
        return f"{self.account_id} {self.amount:+d}"


class Payout(models.Model):
    """Money sent for a request, confirmed from both sides. A failed payout is reversed in the
    ledger and the request may be paid again; at most one payout per request is live."""

    class State(models.TextChoices):
        SENT = "sent", _("sent, waiting for the recipient")
        RECEIVED = "received", _("received")
        DISPUTED = "disputed", _("disputed")
        FAILED = "failed", _("failed, money back in the fund")

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    request = models.ForeignKey(FundRequest, on_delete=models.CASCADE, related_name="payouts")
    method = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    amount = models.PositiveIntegerField()
    state = models.CharField(max_length=16, choices=State.choices, default=State.SENT)
    sent_by = models.ForeignKey(
        Member, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    note = models.CharField(max_length=200, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["request"], condition=~Q(state="failed"), name="fund_payout_once"
            ),
        ]

    def __str__(self) -> str:
        return f"payout {self.pk}"


# Allowed payout transitions: (from, to) → who may make it.
PAYOUT_TRANSITIONS = {
    (Payout.State.SENT, Payout.State.RECEIVED): "recipient",
    (Payout.State.SENT, Payout.State.DISPUTED): "recipient",
    (Payout.State.DISPUTED, Payout.State.RECEIVED): "recipient",
    (Payout.State.SENT, Payout.State.FAILED): "payer",
    (Payout.State.DISPUTED, Payout.State.FAILED): "payer",
}


class PrivateStorage(FileSystemStorage):
    """Files under var/private (or FUND_PRIVATE_ROOT), with no URL: `url()` raises, so nothing
    stored here can ever be linked as public media. Read at use, so tests can move it."""

    @property
    def base_location(self) -> str:
        return str(getattr(settings, "FUND_PRIVATE_ROOT", settings.VAR_DIR / "private"))

    @property
    def location(self) -> str:
        return os.path.abspath(self.base_location)

    def url(self, name: str | None) -> str:
        raise ValueError("A private file has no URL; the fund's receipt view serves it.")


def private_storage() -> FileSystemStorage:
    return PrivateStorage()


def receipt_path(instance: "Receipt", filename: str) -> str:
    return f"fund-receipts/{instance.request.network_id}/{instance.request_id}/{filename}"


class Receipt(models.Model):
    """A photo of a receipt. Stored outside the public media folder and served only by a
    view that checks permission; deleted on the policy's retention schedule."""

    request = models.ForeignKey(FundRequest, on_delete=models.CASCADE, related_name="receipts")
    file = models.FileField(upload_to=receipt_path, storage=private_storage, max_length=200)
    content_type = models.CharField(max_length=40)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return f"receipt {self.pk}"


class ImportedLine(models.Model):
    """A line of an imported bank or payment-app statement, kept with the transaction it was
    matched to. `fingerprint` is the line's date, amount, description and how many identical
    lines came before it in its statement, so importing the same statement again (or one that
    overlaps it) adds no line twice."""

    network = models.ForeignKey(Network, on_delete=models.CASCADE, related_name="+")
    fingerprint = models.CharField(max_length=64)
    on = models.DateField()
    amount = models.BigIntegerField()
    description = models.CharField(max_length=200, blank=True)
    matched = models.OneToOneField(
        LedgerTransaction,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="statement_line",
    )
    imported_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["on", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["network", "fingerprint"], name="fund_imported_line_once"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.on} {self.amount:+d}"
