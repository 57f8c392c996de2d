"""Forms for the network pages. They only parse and shape input; services judge it."""

from collections.abc import Iterable
from typing import Any, cast

from django import forms
from django.utils.functional import lazy
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mutualaid.core.errors import DomainError
from mutualaid.core.languages import LANGUAGE_CHOICES
from mutualaid.core.pages import form_error
from mutualaid.networks.models import (
    DAY_PARTS,
    DAYS,
    ApplicationVote,
    Member,
    Neighbourhood,
    Network,
    Skill,
)


class PageForm(forms.Form):
    """A form whose labels read as plain words (no trailing colon)."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)

    def add_domain_error(self, err: DomainError) -> None:
        """Show a service's error: its message on top, its field messages by their fields."""
        form_error(self, err)


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


def _display_name_field() -> forms.CharField:
    return forms.CharField(
        label=_("Your name in this network"),
        help_text=_("A first name or nickname is enough. Other members see it."),
        widget=forms.TextInput(attrs={"autocomplete": "nickname"}),
    )


class JoinForm(PageForm):
    display_name = _display_name_field()


class ApplyForm(PageForm):
    """The display name plus one answer field per question the network asks."""

    display_name = _display_name_field()

    def __init__(self, *args: Any, questions: Iterable[str] = (), **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.questions = list(questions)
        for i, question in enumerate(self.questions):
            self.fields[f"answer_{i}"] = forms.CharField(
                label=question, widget=forms.Textarea(attrs={"rows": 3})
            )

    def answers(self) -> list[str]:
        return [self.cleaned_data[f"answer_{i}"] for i in range(len(self.questions))]


class VoteForm(PageForm):
    decision = forms.ChoiceField(choices=ApplicationVote.Decision.choices)


def _slot_label(day: object, part: object) -> str:
    # Translators: one weekly availability slot, e.g. "Monday morning".
    return gettext("%(day)s %(part)s") % {"day": day, "part": part}


AVAILABILITY_CHOICES = [
    (f"{day}-{part}", lazy(_slot_label, str)(day_label, part_label))
    for day, day_label in DAYS
    for part, part_label in DAY_PARTS
]


class ProfileForm(PageForm):
    display_name = _display_name_field()
    languages = forms.MultipleChoiceField(
        label=_("Languages I speak"),
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    skills = forms.TypedMultipleChoiceField(
        label=_("Things I can help with"),
        coerce=int,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    free_tags = forms.CharField(
        label=_("Other skills"),
        help_text=_("Separate them with commas, for example: bike repair, sign language."),
        required=False,
    )
    accessibility_needs = forms.CharField(
        label=_("Accessibility needs"),
        help_text=_(
            "Optional. Shared only with a helper you accept, so they can come prepared. "
            "Stored encrypted."
        ),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
    )
    cell = forms.ChoiceField(
        label=_("Neighbourhood"),
        help_text=_("Pick the area closest to you. Other members only ever see this area."),
    )
    availability = forms.MultipleChoiceField(
        label=_("When I am usually free"),
        choices=AVAILABILITY_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        required=False,
    )
    weekly_task_cap = forms.IntegerField(
        label=_("Tasks a week I can take"),
        help_text=_("We will not suggest more than this. 0 means only when I choose."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    travel_radius_km = forms.IntegerField(
        label=_("How far I can travel (km)"),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    contact_preference = forms.ChoiceField(
        label=_("How helpers may reach me"),
        choices=Member.ContactPreference.choices,
        widget=forms.RadioSelect,
    )
    phone = forms.CharField(
        label=_("Phone"),
        help_text=_("Only needed if you want to be reached by phone. Stored encrypted."),
        widget=forms.TextInput(attrs={"type": "tel", "autocomplete": "tel"}),
        required=False,
    )

    def __init__(
        self,
        *args: Any,
        network: Network,
        skills: Iterable[Skill],
        neighbourhoods: Iterable[Neighbourhood],
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        skill_field = cast(forms.TypedMultipleChoiceField, self.fields["skills"])
        skill_field.choices = [(skill.pk, skill.label) for skill in skills]
        hoods = [(hood.cell, hood.name) for hood in neighbourhoods]
        if network.center_cell not in {cell for cell, _name in hoods}:
            hoods.insert(
                0, (network.center_cell, _("Somewhere in %(area)s") % {"area": network.area_name})
            )
        cast(forms.ChoiceField, self.fields["cell"]).choices = hoods

    @classmethod
    def initial_for(cls, member: Member) -> dict[str, Any]:
        return {
            "display_name": member.display_name,
            "languages": member.languages,
            "skills": [skill.pk for skill in member.skills.all()],
            "free_tags": ", ".join(member.free_tags),
            "accessibility_needs": member.accessibility_needs or "",
            "cell": member.cell,
            "availability": member.availability,
            "weekly_task_cap": member.weekly_task_cap,
            "travel_radius_km": member.travel_radius_km,
            "contact_preference": member.contact_preference,
            "phone": member.phone or "",
        }

    def clean_free_tags(self) -> list[str]:
        return [tag.strip() for tag in self.cleaned_data["free_tags"].split(",") if tag.strip()]

    def availability_columns(self) -> list[str]:
        return [str(label) for _part, label in DAY_PARTS]

    def availability_rows(self) -> list[dict[str, Any]]:
        """The availability checkboxes as a grid: one row per day, one column per part."""
        chosen = set(self["availability"].value() or [])
        return [
            {
                "label": day_label,
                "slots": [
                    {
                        "value": f"{day}-{part}",
                        "id": f"availability-{day}-{part}",
                        "label": _slot_label(day_label, part_label),
                        "checked": f"{day}-{part}" in chosen,
                    }
                    for part, part_label in DAY_PARTS
                ],
            }
            for day, day_label in DAYS
        ]

    def service_kwargs(self) -> dict[str, Any]:
        data = dict(self.cleaned_data)
        data["skill_ids"] = data.pop("skills")
        return data


class SettingsForm(PageForm):
    description = forms.CharField(
        label=_("Description"),
        help_text=_("What the network is for and who it serves. Shown on the public page."),
        widget=forms.Textarea(attrs={"rows": 5}),
        required=False,
    )
    open_for_applications = forms.BooleanField(
        label=_("Anyone can apply to join"),
        help_text=_("If unticked, people can only join with the invitation link."),
        required=False,
    )
    approvals_needed = forms.IntegerField(
        label=_("Approvals needed"),
        help_text=_("How many members must approve (or decline) an application."),
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    application_questions = forms.CharField(
        label=_("Questions for applicants"),
        help_text=_("One question per line."),
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
    )
    inactive_after_days = forms.IntegerField(
        label=_("Ask members who have been away this many days whether they are still here"),
        help_text=_(
            "0 means never. Members who do not answer are shown as inactive, never removed."
        ),
        min_value=0,
        max_value=3650,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )
    inactive_grace_days = forms.IntegerField(
        label=_("Days they have to answer"),
        min_value=1,
        max_value=365,
        required=False,
        widget=forms.NumberInput(attrs={"inputmode": "numeric"}),
    )

    @classmethod
    def initial_for(cls, network: Network) -> dict[str, Any]:
        return {
            "description": network.description,
            "open_for_applications": network.open_for_applications,
            "approvals_needed": network.approvals_needed,
            "application_questions": "\n".join(network.application_questions),
            "inactive_after_days": network.inactive_after_days,
            "inactive_grace_days": network.inactive_grace_days,
        }

    def clean_application_questions(self) -> list[str]:
        return _lines(self.cleaned_data["application_questions"])


class TokenForm(PageForm):
    name = forms.CharField(
        label=_("Token name"),
        help_text=_("Something to recognise it by, such as the app or script that uses it."),
    )
