"""Notifications in the organisers' admin: how long a network keeps them, and how many could
not be delivered lately, by channel. Organisers see counts, never whose or what."""

from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from mutualaid.channels.models import ChannelPolicy
from mutualaid.channels.selectors import failure_counts
from mutualaid.core.admin_site import NetworkScopedAdmin


@admin.register(ChannelPolicy)
class ChannelPolicyAdmin(NetworkScopedAdmin):
    list_display = ("network", "notification_retention_days", "failed_lately")
    fields = ("network", "notification_retention_days", "failed_lately")
    readonly_fields = ("failed_lately",)

    @admin.display(description=_("could not be delivered (30 days)"))
    def failed_lately(self, policy: ChannelPolicy) -> str:
        if policy.pk is None:
            return "—"
        counts = failure_counts(policy.network)
        return ", ".join(f"{channel}: {n}" for channel, n in sorted(counts.items())) or "0"
