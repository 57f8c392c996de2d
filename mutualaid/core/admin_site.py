"""The Django admin, opened to organisers by their role, not by `is_staff`.

A member whose role grants "network.manage" sees the admin for the networks they organise,
and only those rows. The server operator (a Django superuser) sees everything.
"""

from typing import TYPE_CHECKING, Any

from django.contrib import admin
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db.models import Model, QuerySet
from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext_lazy as _

from mutualaid.networks.models import Member, Network
from mutualaid.networks.permissions import can


def organised_network_ids(request: HttpRequest) -> set[int]:
    """Networks the signed-in user may manage; cached on the request."""
    cached = getattr(request, "_organised_network_ids", None)
    if isinstance(cached, set):
        return cached
    ids: set[int] = set()
    if request.user.is_authenticated and request.user.is_active:
        for member in Member.objects.filter(user_id=request.user.pk).select_related("network"):
            if can(member, "network.manage", member.network):
                ids.add(member.network_id)
    request._organised_network_ids = ids  # type: ignore[attr-defined]  # a per-request cache
    return ids


# ModelAdmin is generic only for the type checker (django_stubs_ext is not installed).
if TYPE_CHECKING:
    _ModelAdmin = admin.ModelAdmin[Any]
else:
    _ModelAdmin = admin.ModelAdmin


class OrganiserAdminSite(admin.AdminSite):
    site_header = _("mutualaid · organisers")
    site_title = _("mutualaid organisers")
    index_title = _("Your networks")

    def has_permission(self, request: HttpRequest) -> bool:
        user = request.user
        if not user.is_active:
            return False
        return bool(user.is_superuser or organised_network_ids(request))

    def login(self, request: HttpRequest, extra_context: Any = None) -> HttpResponse:
        # One sign-in for everything: allauth's page (with 2FA and throttling). A signed-in
        # member without an organiser role is simply not let in.
        if request.user.is_authenticated:
            raise PermissionDenied(_("Only organisers of a network can open this page."))
        return redirect_to_login(request.GET.get("next", "/admin/"))


class NetworkScopedAdmin(_ModelAdmin):
    """A ModelAdmin whose rows belong to a network, reachable through `network_path`."""

    network_path = "network"

    def _is_operator(self, request: HttpRequest) -> bool:
        return bool(request.user.is_superuser)

    def get_queryset(self, request: HttpRequest) -> QuerySet[Any]:
        queryset = super().get_queryset(request)
        if self._is_operator(request):
            return queryset
        return queryset.filter(**{f"{self.network_path}__in": organised_network_ids(request)})

    def has_module_permission(self, request: HttpRequest) -> bool:
        return self.admin_site.has_permission(request)

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.admin_site.has_permission(request)

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.admin_site.has_permission(request)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return self.admin_site.has_permission(request)

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return self.admin_site.has_permission(request)

    def formfield_for_foreignkey(self, db_field: Any, request: HttpRequest, **kwargs: Any) -> Any:
        if db_field.related_model is Network and not self._is_operator(request):
            kwargs["queryset"] = Network.objects.filter(pk__in=organised_network_ids(request))
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyScopedAdmin(NetworkScopedAdmin):
    """For logs and tallies: organisers may look, nobody edits through the admin."""

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False
