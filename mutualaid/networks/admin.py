"""The organisers' admin for networks: settings, taxonomy, applications and members.

Encrypted fields (a member's phone and accessibility needs) never appear here: every admin
below lists its fields explicitly. Memberships and applications change through the pages,
where the services keep the rules and the history; here they are mostly for looking up.
"""

from typing import TYPE_CHECKING, Any

from django import forms
from django.contrib import admin
from django.db.models import Model
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from mutualaid.core.admin_site import NetworkScopedAdmin, ReadOnlyScopedAdmin
from mutualaid.core.geo import is_valid_public_cell
from mutualaid.networks.models import (
    Application,
    ApplicationVote,
    Category,
    Member,
    Neighbourhood,
    Network,
    Skill,
)

# Django's classes are generic only for the type checker (django_stubs_ext is not installed).
if TYPE_CHECKING:
    _NeighbourhoodModelForm = forms.ModelForm[Neighbourhood]
    _VoteInline = admin.TabularInline[ApplicationVote, Application]
else:
    _NeighbourhoodModelForm = forms.ModelForm
    _VoteInline = admin.TabularInline


@admin.register(Network)
class NetworkAdmin(NetworkScopedAdmin):
    network_path = "pk"
    list_display = ["name", "slug", "area_name", "open_for_applications", "approvals_needed"]
    search_fields = ["name", "slug", "area_name"]
    fields = [
        "name",
        "slug",
        "description",
        "area_name",
        "timezone",
        "open_for_applications",
        "approvals_needed",
        "application_questions",
        "inactive_after_days",
        "inactive_grace_days",
        "created_at",
    ]
    readonly_fields = ["slug", "created_at"]

    def get_readonly_fields(self, request: HttpRequest, obj: Model | None = None) -> Any:
        # The operator names a new network; afterwards the short name (in every link) stays.
        return ["created_at"] if obj is None else self.readonly_fields

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A network starts with `mutualaid init` (membership's network_create), which sets up
        # its taxonomy and governance.
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return bool(request.user.is_superuser)


@admin.register(Category)
class CategoryAdmin(NetworkScopedAdmin):
    list_display = ["__str__", "network", "slug", "is_active", "position"]
    list_display_links = ["__str__"]
    list_editable = ["is_active", "position"]
    list_filter = ["network", "is_active"]
    search_fields = ["name", "slug"]
    fields = ["network", "name", "slug", "is_active", "position"]
    prepopulated_fields = {"slug": ["name"]}

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Needs point at categories; switch one off instead of deleting it.
        return False


@admin.register(Skill)
class SkillAdmin(NetworkScopedAdmin):
    list_display = ["__str__", "network", "slug"]
    list_filter = ["network"]
    search_fields = ["name", "slug"]
    fields = ["network", "name", "slug"]
    prepopulated_fields = {"slug": ["name"]}


class NeighbourhoodForm(_NeighbourhoodModelForm):
    class Meta:
        model = Neighbourhood
        fields = ["network", "name", "cell"]
        help_texts = {
            "cell": _("The area's H3 cell at resolution 8, for example 8828308281fffff."),
        }

    def clean_cell(self) -> str:
        cell = str(self.cleaned_data["cell"]).strip()
        if not is_valid_public_cell(cell):
            raise forms.ValidationError(_("Enter an H3 cell at resolution 8."))
        return cell


@admin.register(Neighbourhood)
class NeighbourhoodAdmin(NetworkScopedAdmin):
    form = NeighbourhoodForm
    list_display = ["name", "network", "cell"]
    list_filter = ["network"]
    search_fields = ["name"]
    fields = ["network", "name", "cell"]


class ApplicationVoteInline(_VoteInline):
    model = ApplicationVote
    fields = readonly_fields = ("voter", "decision", "created_at")
    extra = 0
    can_delete = False

    def has_add_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_change_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return False

    def has_view_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        return True


@admin.register(Application)
class ApplicationAdmin(ReadOnlyScopedAdmin):
    """Members decide applications on the applications page; here organisers look them up."""

    list_display = ["display_name", "network", "status", "created_at", "decided_at"]
    list_filter = ["status", "network"]
    search_fields = ["display_name"]
    fields = readonly_fields = (
        "network",
        "display_name",
        "answers",
        "status",
        "created_at",
        "decided_at",
    )
    inlines = [ApplicationVoteInline]


@admin.register(Member)
class MemberAdmin(NetworkScopedAdmin):
    """Look members up by name. Only the display name can be corrected here (for example an
    offensive one); everything else is the member's own to change on their profile."""

    list_display = ["display_name", "network", "role", "joined_at"]
    list_filter = ["network", "role"]
    search_fields = ["display_name"]
    # Never `phone` or `accessibility_needs`: they are encrypted and not for organisers.
    exclude = ["phone", "accessibility_needs"]
    readonly_fields = (
        "network",
        "role",
        "languages",
        "skills",
        "free_tags",
        "availability",
        "weekly_task_cap",
        "travel_radius_km",
        "joined_at",
        "inactive_since",
    )
    fields = ("display_name", *readonly_fields)

    def has_add_permission(self, request: HttpRequest) -> bool:
        return False

    def has_delete_permission(self, request: HttpRequest, obj: Model | None = None) -> bool:
        # Leaving is the member's own choice (account deletion keeps anonymous counts).
        return False
