"""The history log in the organisers' admin: read-only for everyone, scoped to their networks.

IdempotencyRecord is deliberately not registered: stored API responses can hold personal data.
"""

from django.contrib import admin

from mutualaid.core.admin_site import ReadOnlyScopedAdmin
from mutualaid.core.models import HistoryEntry


@admin.register(HistoryEntry)
class HistoryEntryAdmin(ReadOnlyScopedAdmin):
    list_display = ["created_at", "action", "target_type", "target_id", "actor", "network"]
    list_filter = ["network", "action"]
    search_fields = ["action"]
    date_hierarchy = "created_at"
    fields = readonly_fields = (
        "created_at",
        "network",
        "actor",
        "action",
        "target_type",
        "target_id",
        "data",
    )
    list_select_related = ["actor", "network"]
