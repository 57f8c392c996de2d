"""Listening in the organisers' admin: how many requests, in which language and state.

Never who asked, the pseudonym, what a request is about, a message or a note: messages, notes
and listener settings are not registered at all, and a request's page shows only the fields
below. Nothing is edited here.
"""

from django.contrib import admin

from mutualaid.care.listening.models import ListenRequest
from mutualaid.core.admin_site import ReadOnlyScopedAdmin


@admin.register(ListenRequest)
class ListenRequestAdmin(ReadOnlyScopedAdmin):
    list_display = ("__str__", "network", "language", "state", "retention_days", "created_at")
    list_filter = ("state", "language")
    fields = ("network", "language", "state", "retention_days", "created_at", "taken_at")
    readonly_fields = fields
