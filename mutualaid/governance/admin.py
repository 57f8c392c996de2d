"""The organisers' admin for governance: for looking up. Trust and roles change only through
the services, which keep the thresholds and the history."""

from django.contrib import admin

from mutualaid.core.admin_site import ReadOnlyScopedAdmin
from mutualaid.governance.models import AgreementVersion, Proposal, Role, RoleHolding, Trust


@admin.register(Role)
class RoleAdmin(ReadOnlyScopedAdmin):
    list_display = ["name", "network", "threshold_fraction", "threshold_cap", "term_months"]
    list_filter = ["network"]
    fields = readonly_fields = (
        "network",
        "slug",
        "name",
        "permissions",
        "threshold_fraction",
        "threshold_cap",
        "threshold_min",
        "term_months",
    )


@admin.register(RoleHolding)
class RoleHoldingAdmin(ReadOnlyScopedAdmin):
    network_path = "role__network"
    list_display = ["member", "role", "granted_at", "expires_at", "lapsed_at"]
    list_filter = ["role__slug"]
    fields = readonly_fields = ("role", "member", "granted_at", "expires_at", "lapsed_at")


@admin.register(Trust)
class TrustAdmin(ReadOnlyScopedAdmin):
    list_display = ["giver", "receiver", "network", "created_at"]
    list_filter = ["network"]
    fields = readonly_fields = ("network", "giver", "receiver", "created_at")


# Votes are deliberately not in the admin: on an anonymous proposal, who voted how stays
# with the database key holder only.
@admin.register(Proposal)
class ProposalAdmin(ReadOnlyScopedAdmin):
    list_display = ["title", "network", "method", "status", "deadline", "review_on"]
    list_filter = ["network", "status", "method"]
    search_fields = ["title"]
    fields = readonly_fields = (
        "network",
        "author",
        "title",
        "body",
        "method",
        "options",
        "action",
        "opens_at",
        "deadline",
        "quorum",
        "anonymous",
        "status",
        "outcome",
        "apply_error",
        "applied_at",
        "review_on",
    )


@admin.register(AgreementVersion)
class AgreementVersionAdmin(ReadOnlyScopedAdmin):
    network_path = "agreement__network"
    list_display = ["agreement", "number", "adopted_at", "review_on"]
    list_filter = ["agreement__network"]
    fields = readonly_fields = (
        "agreement",
        "number",
        "text",
        "adopted_at",
        "review_on",
        "adopted_by_proposal",
    )
