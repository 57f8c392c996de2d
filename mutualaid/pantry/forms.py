"""Forms for the pantry pages. They only turn posted text into values; whether the values are
allowed (quantities, units, expiry dates, fair shares) is for the services to say."""

import re
from datetime import time
from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mutualaid.networks.models import Member
from mutualaid.pantry.models import (
    DietaryTag,
    FairShareRule,
    Household,
    Item,
    ItemCategory,
    Lot,
    StockMovement,
    Unit,
)

OPENING = re.compile(r"^([0-6])\s+(\d{2}:\d{2})\s*-\s*(\d{2}:\d{2})$")


class ItemForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=80)
    unit = forms.ChoiceField(label=_("Counted in"), choices=Unit.choices)
    category = forms.ChoiceField(label=_("Category"), choices=ItemCategory.choices)
    dietary_tags = forms.MultipleChoiceField(
        label=_("Dietary tags"),
        choices=DietaryTag.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    low_stock_below = forms.IntegerField(label=_("Low on stock below"), min_value=0, initial=5)


class _ItemChoiceForm(forms.Form):
    def __init__(self, *args: Any, items: QuerySet[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["item"]).queryset = items


class IntakeForm(forms.Form):
    source = forms.ChoiceField(label=_("Where it came from"), choices=Lot.Source.choices)
    donor = forms.CharField(
        label=_("Donor (optional; leave empty to stay anonymous)"), max_length=120, required=False
    )


class IntakeLineForm(_ItemChoiceForm):
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.none(), required=False)
    quantity = forms.IntegerField(label=_("Quantity"), required=False)
    unit = forms.ChoiceField(label=_("Unit"), choices=Unit.choices, required=False)
    expires_on = forms.DateField(
        label=_("Expiry date"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    location = forms.CharField(label=_("Storage location"), max_length=80, required=False)


class DistributionForm(forms.Form):
    household = forms.ModelChoiceField(label=_("Household"), queryset=Household.objects.none())
    need = forms.IntegerField(label=_("Need number (optional)"), required=False, min_value=1)
    override_reason = forms.CharField(
        label=_("Reason to go over the fair share (only if needed)"),
        max_length=500,
        required=False,
    )

    def __init__(self, *args: Any, households: QuerySet[Household], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["household"]).queryset = households


class DistributionLineForm(_ItemChoiceForm):
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.none(), required=False)
    quantity = forms.IntegerField(label=_("Quantity"), required=False)


class HouseholdForm(forms.Form):
    code = forms.CharField(label=_("Household code"), max_length=40)


class HouseholdLinkForm(forms.Form):
    member = forms.ModelChoiceField(
        label=_("Member who collects for this household (empty to unlink)"),
        queryset=Member.objects.none(),
        required=False,
    )

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["member"]).queryset = members


class AdjustForm(forms.Form):
    change = forms.IntegerField(label=_("Change (negative takes away)"))
    reason = forms.ChoiceField(
        label=_("Reason"), choices=[c for c in StockMovement.Reason.choices if c[0]]
    )
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class CountForm(forms.Form):
    counted = forms.IntegerField(label=_("Counted on the shelf"), min_value=0)
    note = forms.CharField(label=_("Note"), max_length=200, required=False)


class ReservationForm(_ItemChoiceForm):
    match = forms.IntegerField(label=_("Match number"), min_value=1)
    item = forms.ModelChoiceField(label=_("Item"), queryset=Item.objects.none())
    quantity = forms.IntegerField(label=_("Quantity"))


class SettingsForm(forms.Form):
    weekly_household_slots = forms.IntegerField(
        label=_("Household slots a week (0: no limit shown)"), min_value=0, max_value=100_000
    )
    open_hours = forms.CharField(
        label=_(
            "Open hours, one per line: weekday number (0 = Monday) and hours, e.g. 2 10:00-13:00"
        ),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )

    def clean_open_hours(self) -> list[tuple[int, time, time]]:
        hours = []
        for line in self.cleaned_data["open_hours"].splitlines():
            if not line.strip():
                continue
            match = OPENING.match(line.strip())
            if not match:
                raise forms.ValidationError(
                    _("Write each opening like this: 2 10:00-13:00 (0 is Monday).")
                )
            day, opens, closes = match.groups()
            try:
                hours.append((int(day), time.fromisoformat(opens), time.fromisoformat(closes)))
            except ValueError:
                raise forms.ValidationError(_("Give times like 09:30.")) from None
        return hours


class FairShareProposalForm(forms.Form):
    item = forms.ModelChoiceField(
        label=_("Item (or choose a category below)"), queryset=Item.objects.none(), required=False
    )
    category = forms.ChoiceField(
        label=_("Category"), choices=[("", "—"), *ItemCategory.choices], required=False
    )
    quantity = forms.IntegerField(
        label=_("Up to how many per household (0 removes the rule)"), min_value=0, max_value=1000
    )
    period = forms.ChoiceField(label=_("Per"), choices=FairShareRule.Period.choices)
    days = forms.IntegerField(
        label=_("Days for members to decide"), min_value=1, max_value=60, initial=7
    )

    def __init__(self, *args: Any, items: QuerySet[Item], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["item"]).queryset = items


class AlertsForm(forms.Form):
    on = forms.BooleanField(required=False)


IntakeLineFormSet = forms.formset_factory(IntakeLineForm, extra=5, max_num=20, absolute_max=20)
DistributionLineFormSet = forms.formset_factory(
    DistributionLineForm, extra=3, max_num=20, absolute_max=20
)
