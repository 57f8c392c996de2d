"""The matching policy in the organisers' admin: to look at only. Members change it through a
proposal (governance calls `policy_change`), so the admin never edits it."""

from django.contrib import admin

from mutualaid.core.admin_site import ReadOnlyScopedAdmin
from mutualaid.matching.models import MatchingPolicy


@admin.register(MatchingPolicy)
class MatchingPolicyAdmin(ReadOnlyScopedAdmin):
    list_display = (
        "network",
        "helper_cap",
        "cap_period_days",
        "rotate_first",
        "requester_sees_suggestions",
        "suggestion_hours",
        "batch_enabled",
        "updated_at",
    )
    list_select_related = ("network",)
    readonly_fields = [f.name for f in MatchingPolicy._meta.fields]
