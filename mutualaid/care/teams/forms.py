"""Forms for the care team pages. They only turn posted text into values; whether those
values are allowed is for the services to say."""

from typing import Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mutualaid.care.forms import MemberChoiceField, offer_members
from mutualaid.care.teams.models import Slot
from mutualaid.needs.forms import DATETIME_LOCAL_FORMAT, DateTimeLocalInput
from mutualaid.networks.models import Member


def _when(label: Any) -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": _("Enter a date and time, for example 2025-05-01 14:30.")},
    )


class DateInput(forms.DateInput):
    input_type = "date"

    def __init__(self) -> None:
        super().__init__(format="%Y-%m-%d")


class TeamForm(forms.Form):
    ME = "me"
    MEMBER = "member"
    NO_ACCOUNT = "no_account"

    name = forms.CharField(
        label=_("Name of the team"),
        max_length=120,
        help_text=_('For example "Meals for Rosa". Everyone on the team sees it.'),
    )
    purpose = forms.CharField(
        label=_("What it is for (optional)"),
        max_length=200,
        required=False,
        help_text=_('A few words, for example "after surgery".'),
    )
    for_whom = forms.ChoiceField(
        label=_("Who is at the centre of this team?"),
        widget=forms.RadioSelect,
        initial=ME,
        choices=[
            (ME, _("Me")),
            (MEMBER, _("A member of this network (they accept or decline first)")),
            (NO_ACCOUNT, _("Someone without an account (you hold their controls)")),
        ],
    )
    recipient = MemberChoiceField(
        label=_("The member at the centre"), queryset=Member.objects.none(), required=False
    )
    closes_on = forms.DateField(
        label=_("The team closes on (optional)"), required=False, widget=DateInput()
    )

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_members(self, "recipient", members)

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("for_whom") == self.MEMBER and not data.get("recipient"):
            self.add_error("recipient", _("Choose the member at the centre of the team."))
        return data


class SlotForm(forms.Form):
    kind = forms.ChoiceField(label=_("Kind of help"), choices=Slot.Kind.choices)
    starts_at = _when(_("Starts"))
    ends_at = _when(_("Ends"))
    address = forms.CharField(
        label=_("Address (optional, only the team sees it)"), max_length=500, required=False
    )
    details = forms.CharField(
        label=_("Details (optional, only the team sees them)"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )


class ShareForm(forms.Form):
    dietary_needs = forms.CharField(
        label=_("Dietary needs"),
        max_length=1000,
        required=False,
        widget=forms.Textarea({"rows": 2}),
    )
    share_dietary_needs = forms.BooleanField(label=_("Share the dietary needs"), required=False)
    address = forms.CharField(label=_("Address"), max_length=500, required=False)
    share_address = forms.BooleanField(label=_("Share the address"), required=False)
    door_code = forms.CharField(label=_("Door code"), max_length=60, required=False)
    share_door_code = forms.BooleanField(label=_("Share the door code"), required=False)
    notes = forms.CharField(
        label=_("Other notes"), max_length=2000, required=False, widget=forms.Textarea({"rows": 2})
    )
    share_notes = forms.BooleanField(label=_("Share the other notes"), required=False)


class ClosesOnForm(forms.Form):
    closes_on = forms.DateField(
        label=_("The team closes on"),
        required=False,
        widget=DateInput(),
        help_text=_("Leave empty to keep it open until you close it."),
    )


class InviteForm(forms.Form):
    member = MemberChoiceField(label=_("Invite"), queryset=Member.objects.none())

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_members(self, "member", members)
