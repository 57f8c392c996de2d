"""The fund in the organisers' admin: for looking only. Money moves only through the services,
so that every movement is a balanced ledger transaction; the admin pages are read-only and
scoped to the networks one organises. Requests show no purpose or payout details, and receipts
are not listed here at all: they are served only by the fund's own permission-checking view."""

from django.contrib import admin

from mutualaid.core.admin_site import ReadOnlyScopedAdmin
from mutualaid.fund.models import (
    Account,
    Approval,
    Entry,
    FundPolicy,
    FundRequest,
    ImportedLine,
    LedgerTransaction,
    Payout,
)


@admin.register(FundPolicy)
class FundPolicyAdmin(ReadOnlyScopedAdmin):
    list_display = ("network", "currency", "auto_approve_up_to", "approvals_needed")


@admin.register(Account)
class AccountAdmin(ReadOnlyScopedAdmin):
    list_display = ("name", "kind", "balance", "floor")
    list_filter = ("kind",)
    exclude = ("member",)


@admin.register(LedgerTransaction)
class LedgerTransactionAdmin(ReadOnlyScopedAdmin):
    list_display = ("id", "occurred_on", "kind", "memo", "reverses")
    list_filter = ("kind",)
    raw_id_fields = ("request", "reverses", "actor")


@admin.register(Entry)
class EntryAdmin(ReadOnlyScopedAdmin):
    network_path = "transaction__network"
    list_display = ("transaction", "account", "amount")
    list_select_related = ("transaction", "account")


@admin.register(FundRequest)
class FundRequestAdmin(ReadOnlyScopedAdmin):
    list_display = ("id", "kind", "category", "amount", "state", "created_at")
    list_filter = ("state", "kind", "category")
    exclude = ("purpose", "payout_details", "requester", "need")


@admin.register(Approval)
class ApprovalAdmin(ReadOnlyScopedAdmin):
    network_path = "request__network"
    list_display = ("request", "created_at")
    exclude = ("member",)


@admin.register(Payout)
class PayoutAdmin(ReadOnlyScopedAdmin):
    list_display = ("id", "request", "method", "amount", "state", "created_at")
    list_filter = ("state",)
    raw_id_fields = ("request", "sent_by")


@admin.register(ImportedLine)
class ImportedLineAdmin(ReadOnlyScopedAdmin):
    """Bank statement lines as imported for reconciliation, and what each was matched to."""

    list_display = ("on", "amount", "description", "matched", "imported_at")
    list_filter = ("imported_at",)
    raw_id_fields = ("matched",)
