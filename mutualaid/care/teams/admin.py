"""Care teams in the organisers' admin: a team's name, state and dates only.

Organisers get no special access to a team: its details (dietary needs, address, door code,
notes), its members and its slots are not shown or registered here at all.
"""

from django.contrib import admin

from mutualaid.care.teams.models import CareTeam
from mutualaid.core.admin_site import ReadOnlyScopedAdmin


@admin.register(CareTeam)
class CareTeamAdmin(ReadOnlyScopedAdmin):
    list_display = ("name", "network", "state", "closes_on", "created_at")
    list_filter = ("state",)
    fields = ("network", "name", "state", "closes_on", "closed_at", "created_at")
    readonly_fields = fields
