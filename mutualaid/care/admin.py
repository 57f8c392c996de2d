"""Care in the organisers' admin: circles by name only, and the crisis directory.

Organisers get no special access to circle content: posts, memberships (and so pseudonyms),
flags, reactions and the circle log are not registered here at all, and a circle's page shows
its name and settings only. Crisis lines are written through the services.
"""

from typing import Any

from django.contrib import admin
from django.http import HttpRequest

from mutualaid.care import services
from mutualaid.care.models import Circle, CrisisResource
from mutualaid.core.admin_site import NetworkScopedAdmin, ReadOnlyScopedAdmin
from mutualaid.core.errors import PermissionDenied
from mutualaid.networks.models import Member


@admin.register(Circle)
class CircleAdmin(ReadOnlyScopedAdmin):
    list_display = ("name", "network", "retention_days", "rotation_days", "created_at")
    fields = ("network", "name", "description", "retention_days", "rotation_days", "created_at")
    readonly_fields = fields


@admin.register(CrisisResource)
class CrisisResourceAdmin(NetworkScopedAdmin):
    list_display = ("name", "network", "phone", "hours", "languages", "position")
    fields = ("network", "name", "phone", "hours", "languages", "notes", "position")

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = Member.objects.filter(network=obj.network, user=request.user.pk).first()
        values = {k: form.cleaned_data[k] for k in ("name", "phone", "hours", "languages", "notes")}
        if actor is None:
            raise PermissionDenied()
        if change:
            services.crisis_resource_update(actor=actor, resource=obj, **values)
        else:
            created = services.crisis_resource_create(
                actor=actor, position=form.cleaned_data["position"], **values
            )
            obj.pk = created.pk
