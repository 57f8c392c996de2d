"""The network's own text-message number, set by its organisers through the service."""

from typing import Any

from django import forms
from django.contrib import admin, messages
from django.http import HttpRequest
from django.utils.translation import gettext as _

from mutualaid.core.admin_site import NetworkScopedAdmin
from mutualaid.core.errors import DomainError
from mutualaid.networks.models import Member
from mutualaid.sms.models import NetworkSmsNumber
from mutualaid.sms.selectors import phone_normalised
from mutualaid.sms.services.phones import network_sms_number_set


class NetworkSmsNumberForm(forms.ModelForm):  # type: ignore[type-arg]  # no django_stubs_ext
    class Meta:
        model = NetworkSmsNumber
        fields = ["network", "number", "retention_days"]

    def clean(self) -> dict[str, Any]:
        cleaned: dict[str, Any] = super().clean() or {}
        network, number = cleaned.get("network"), cleaned.get("number")
        if network is not None and number:
            e164 = phone_normalised(number, network=network)
            if e164 is None:
                self.add_error("number", _("Enter the number in international form."))
            cleaned["number"] = e164 or number
        return cleaned


@admin.register(NetworkSmsNumber)
class NetworkSmsNumberAdmin(NetworkScopedAdmin):
    list_display = ("network", "number", "retention_days")
    form = NetworkSmsNumberForm

    def save_model(self, request: HttpRequest, obj: Any, form: Any, change: bool) -> None:
        actor = Member.objects.filter(network=obj.network, user=request.user.pk).first()
        try:
            if actor is None:
                raise DomainError(_("You are not a member of this network."))
            saved = network_sms_number_set(
                actor=actor,
                network=obj.network,
                number=obj.number,
                retention_days=obj.retention_days,
            )
        except DomainError as err:
            messages.error(request, err.message)
            return
        obj.pk = saved.pk
