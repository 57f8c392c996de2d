"""Forms for the needs, offers and matches pages.

Forms only turn posted text into Python values (a category row, a datetime, a list of codes).
Whether those values are allowed is for the services to say; their DomainErrors are shown on
the same forms by the views.
"""

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import Model, QuerySet
from django.forms.boundfield import BoundWidget
from django.utils.translation import gettext_lazy as _

from mutualaid.core.forms import choice_field, model_choice_field
from mutualaid.core.languages import LANGUAGE_CHOICES
from mutualaid.needs.models import Match, Need, Offer
from mutualaid.networks.models import AVAILABILITY_SLOTS, DAY_PARTS, DAYS, Category, Neighbourhood

if TYPE_CHECKING:
    from django.utils.functional import _StrPromise as Promise

DATETIME_LOCAL_FORMAT = "%Y-%m-%dT%H:%M"


def _max_length(model: type[Model], field: str) -> int:
    """Lengths come from the model, so the form's limit and the database's never disagree."""
    return int(getattr(model._meta.get_field(field), "max_length", None) or 0)


class DateTimeLocalInput(forms.DateTimeInput):
    """`<input type="datetime-local">`: the phone's own date and time picker, no JavaScript."""

    input_type = "datetime-local"

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs, format=DATETIME_LOCAL_FORMAT)


def _datetime_field(label: "str | Promise") -> forms.DateTimeField:
    return forms.DateTimeField(
        label=label,
        widget=DateTimeLocalInput(),
        input_formats=[DATETIME_LOCAL_FORMAT, "%Y-%m-%dT%H:%M:%S", "%Y-%m-%d %H:%M"],
        error_messages={"invalid": _("Enter a date and time, for example 2025-05-01 14:30.")},
    )


def neighbourhood_choices(
    neighbourhoods: Iterable[Neighbourhood], own_cell: str = ""
) -> list[tuple[str, str]]:
    """The network's named neighbourhoods (value: the cell), plus the member's own area when
    it is not one of them, so a member can always post where they live."""
    choices = [(n.cell, n.name) for n in neighbourhoods]
    if own_cell and own_cell not in {cell for cell, _name in choices}:
        choices.insert(0, (own_cell, str(_("My area (from my profile)"))))
    return choices


def _category_field(
    *, required: bool, empty_label: "str | Promise"
) -> "forms.ModelChoiceField[Category]":
    return forms.ModelChoiceField(
        label=_("Category"),
        queryset=Category.objects.none(),
        required=required,
        empty_label=empty_label,
        error_messages={"invalid_choice": _("Choose a category from the list.")},
    )


class NeedFilterForm(forms.Form):
    """The filters above the list of needs. Every field is optional."""

    category = forms.ChoiceField(label=_("Category"), required=False)
    urgency = forms.ChoiceField(
        label=_("How urgent"),
        required=False,
        choices=[("", _("Any urgency")), *Need.Urgency.choices],
    )
    language = forms.ChoiceField(
        label=_("Language"),
        required=False,
        choices=[("", _("Any language")), *LANGUAGE_CHOICES],
    )
    near = forms.BooleanField(label=_("Near me (within my travel distance)"), required=False)

    def __init__(self, *args: Any, categories: Iterable[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "category").choices = [
            ("", _("All categories")),
            *((c.slug, c.label) for c in categories),
        ]

    def browse_filters(self) -> dict[str, Any]:
        """Keyword arguments for `needs_browse`."""
        data = self.cleaned_data
        return {
            "category_slug": data["category"],
            "urgency": data["urgency"],
            "language": data["language"],
            "nearby": data["near"],
        }


class _NetworkChoicesForm(forms.Form):
    """A form whose category and neighbourhood lists come from the member's network."""

    def __init__(
        self,
        *args: Any,
        categories: QuerySet[Category],
        cell_choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        model_choice_field(self, "category").queryset = categories
        choice_field(self, "cell").choices = cell_choices


class NeedForm(_NetworkChoicesForm):
    """Posting a need. Field names match the keyword arguments of `services.need_create`."""

    category = _category_field(required=True, empty_label=_("Choose a category"))
    description = forms.CharField(
        label=_("What do you need?"),
        max_length=_max_length(Need, "description"),
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_("Everyone in the network can read this. Leave out names and addresses."),
    )
    urgency = forms.ChoiceField(
        label=_("How urgent is it?"),
        choices=Need.Urgency.choices,
        widget=forms.RadioSelect,
        initial=Need.Urgency.THIS_WEEK,
    )
    window_start = _datetime_field(_("From"))
    window_end = _datetime_field(_("Until"))
    cell = forms.ChoiceField(
        label=_("Neighbourhood"),
        help_text=_("Others see only the neighbourhood, never the exact place."),
        error_messages={"invalid_choice": _("Choose a neighbourhood from the list.")},
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages you speak"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple(attrs={"class": "checkbox-grid"}),
    )
    address = forms.CharField(
        label=_("Exact address (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2, "autocomplete": "street-address"}),
    )
    phone = forms.CharField(
        label=_("Phone (optional)"),
        max_length=_max_length(Need, "phone"),
        required=False,
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
    )
    for_someone_else = forms.BooleanField(label=_("I am asking for someone else"), required=False)


class OfferHelpForm(forms.Form):
    """Offering to help with a need: a message and, optionally, one of my active offers."""

    message = forms.CharField(
        label=_("Message to the person asking (optional)"),
        max_length=_max_length(Match, "message"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )
    offer = forms.ModelChoiceField(
        label=_("Which of your offers is this? (optional)"),
        queryset=Offer.objects.none(),
        required=False,
        empty_label=_("No particular offer"),
        error_messages={"invalid_choice": _("Choose one of your own active offers.")},
    )

    def __init__(self, *args: Any, offers: QuerySet[Offer], **kwargs: Any) -> None:
        kwargs.setdefault("auto_id", "offer-help-%s")
        super().__init__(*args, **kwargs)
        model_choice_field(self, "offer").queryset = offers

    def has_offers(self) -> bool:
        offers = model_choice_field(self, "offer").queryset
        return offers is not None and offers.exists()


class StillNeededForm(forms.Form):
    still_needed = forms.TypedChoiceField(
        label=_("Do you still need help?"),
        choices=[("yes", _("Yes, I still need help")), ("no", _("No, close it"))],
        coerce=lambda value: value == "yes",
    )


class MatchStepForm(forms.Form):
    """The optional reason sent with a match step (the release step requires one)."""

    reason = forms.CharField(
        label=_("Reason"),
        max_length=_max_length(Match, "release_reason"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )


class OfferForm(_NetworkChoicesForm):
    """Posting an offer. Field names match the keyword arguments of `services.offer_create`."""

    kind = forms.ChoiceField(
        label=_("What kind of help?"), choices=Offer.Kind.choices, widget=forms.RadioSelect
    )
    category = _category_field(required=False, empty_label=_("Any category"))
    title = forms.CharField(label=_("What can you give?"), max_length=_max_length(Offer, "title"))
    description = forms.CharField(
        label=_("Details (optional)"),
        max_length=_max_length(Offer, "description"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    capacity = forms.IntegerField(
        label=_("How many times a week?"),
        initial=1,
        error_messages={"invalid": _("Enter a whole number.")},
    )
    availability = forms.MultipleChoiceField(
        label=_("When are you available?"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    radius_km = forms.IntegerField(
        label=_("How far can you travel (km)?"),
        initial=3,
        error_messages={"invalid": _("Enter a whole number.")},
    )
    cell = forms.ChoiceField(
        label=_("Neighbourhood"),
        help_text=_("Others see only the neighbourhood."),
        error_messages={"invalid_choice": _("Choose a neighbourhood from the list.")},
    )

    def __init__(
        self,
        *args: Any,
        categories: QuerySet[Category],
        cell_choices: list[tuple[str, str]],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, categories=categories, cell_choices=cell_choices, **kwargs)
        # Each box is labelled with its part of the day; the day is its fieldset's legend.
        parts = dict(DAY_PARTS)
        choice_field(self, "availability").choices = [
            (slot, parts[slot.split("-", 1)[1]]) for slot in AVAILABILITY_SLOTS
        ]

    def availability_days(self) -> list[tuple[str, list[BoundWidget]]]:
        """The availability checkboxes grouped by day, for a grid of fieldsets."""
        boxes = list(self["availability"])
        per_day = len(DAY_PARTS)
        return [
            (str(label), boxes[i * per_day : (i + 1) * per_day])
            for i, (_code, label) in enumerate(DAYS)
        ]


class OfferFilterForm(forms.Form):
    category = forms.ChoiceField(label=_("Category"), required=False)
    kind = forms.ChoiceField(
        label=_("Kind"), required=False, choices=[("", _("Any kind")), *Offer.Kind.choices]
    )

    def __init__(self, *args: Any, categories: Iterable[Category], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        choice_field(self, "category").choices = [
            ("", _("All categories")),
            *((c.slug, c.label) for c in categories),
        ]


class OfferStatusForm(forms.Form):
    status = forms.ChoiceField(label=_("Status"), choices=Offer.Status.choices)


class NeedCloseForm(forms.Form):
    """Closing a need asks nothing; the form carries the service's refusal, if any."""
