"""Forms for the lending library's pages.

Forms only turn posted text into Python values; whether those values are allowed is for the
services to say, and their DomainErrors are shown on the same forms by the views.
"""

from typing import Any, cast

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mutualaid.library.models import Thing
from mutualaid.library.photos import MAX_PHOTO_BYTES
from mutualaid.needs.forms import DATETIME_LOCAL_FORMAT, DateTimeLocalInput
from mutualaid.networks.models import Member

DATETIME_FORMATS = [DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"]


class ThingFilterForm(forms.Form):
    q = forms.CharField(label=_("Search"), max_length=100, required=False)
    kind = forms.ChoiceField(label=_("Kind"), required=False)
    condition = forms.ChoiceField(
        label=_("Condition"),
        required=False,
        choices=[("", _("Any condition")), *Thing.Condition.choices],
    )
    free_now = forms.BooleanField(label=_("Free right now"), required=False)

    def __init__(self, *args: Any, kinds: list[str], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["kind"]).choices = [
            ("", _("Any kind")),
            *((k, k) for k in kinds),
        ]


class ThingForm(forms.Form):
    name = forms.CharField(label=_("What is it?"), max_length=120)
    kind = forms.SlugField(label=_("Kind (one word, e.g. chainsaw)"), max_length=60, required=False)
    description = forms.CharField(
        label=_("Details"), max_length=1000, required=False, widget=forms.Textarea
    )
    condition = forms.ChoiceField(label=_("Condition"), choices=Thing.Condition.choices)
    cell = forms.ChoiceField(label=_("Neighbourhood"))
    pickup_notes = forms.CharField(
        label=_("Pickup notes (only shown to members with a confirmed booking)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea,
    )
    needs_training = forms.BooleanField(
        label=_("Only lend it to members trained to use it"), required=False
    )
    photo = forms.FileField(
        label=_("Photo (JPEG, PNG or WebP, up to 5 MB)"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def __init__(self, *args: Any, cells: list[tuple[str, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast(forms.ChoiceField, self.fields["cell"]).choices = cells

    def clean_photo(self) -> bytes | None:
        upload = self.cleaned_data.get("photo")
        if not upload:
            return None
        if upload.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("Please choose a photo smaller than 5 MB."))
        return bytes(upload.read())


class BookingForm(forms.Form):
    starts_at = forms.DateTimeField(
        label=_("From"), widget=DateTimeLocalInput(), input_formats=DATETIME_FORMATS
    )
    ends_at = forms.DateTimeField(
        label=_("Until"), widget=DateTimeLocalInput(), input_formats=DATETIME_FORMATS
    )


class BookingStepForm(forms.Form):
    condition_notes = forms.CharField(
        label=_("Condition notes"), max_length=500, required=False, widget=forms.Textarea
    )


class TrainingForm(forms.Form):
    trainee = forms.ModelChoiceField(label=_("Member you trained"), queryset=Member.objects.none())
    whole_kind = forms.BooleanField(
        label=_("For every thing of this kind, not only this one"), required=False
    )

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["trainee"]).queryset = members


class KeeperForm(forms.Form):
    keeper = forms.ModelChoiceField(label=_("New keeper"), queryset=Member.objects.none())

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["keeper"]).queryset = members


class PhotoForm(forms.Form):
    photo = forms.FileField(
        label=_("New photo (JPEG, PNG or WebP, up to 5 MB)"),
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
    )

    def clean_photo(self) -> bytes:
        upload = self.cleaned_data["photo"]
        if upload.size > MAX_PHOTO_BYTES:
            raise forms.ValidationError(_("Please choose a photo smaller than 5 MB."))
        return bytes(upload.read())


class ThingStateForm(forms.Form):
    condition = forms.ChoiceField(label=_("Condition now"), choices=Thing.Condition.choices)
    is_active = forms.BooleanField(label=_("Can be booked"), required=False)
