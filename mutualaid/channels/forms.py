"""The notification settings form: one per network the person belongs to.

It only reads what was chosen; whether a choice is allowed (a kind that cannot be turned
off, quiet hours with one end missing) is the service's call, and its refusals land on the
fields they are about."""

from dataclasses import dataclass
from datetime import time
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mutualaid.channels.labels import kind_label
from mutualaid.channels.models import Channel, Timing
from mutualaid.channels.selectors import PreferenceGroup


@dataclass(frozen=True)
class KindRow:
    name: str
    label: str
    mandatory: bool
    fields: list[forms.BoundField]


@dataclass(frozen=True)
class GroupSection:
    label: str
    rows: list[KindRow]

    @property
    def has_errors(self) -> bool:
        return any(field.errors for row in self.rows for field in row.fields)


def choice_key(kind: str, channel: str) -> str:
    """The field's name, which is also the key the service reports a refusal under."""
    return f"{kind}:{channel}"


class NotificationSettingsForm(forms.Form):
    quiet_starts = forms.TimeField(
        label=_("Quiet from"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )
    quiet_ends = forms.TimeField(
        label=_("Quiet until"),
        required=False,
        widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M"),
    )

    def __init__(self, *args: Any, groups: list[PreferenceGroup], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._layout: list[tuple[str, list[tuple[str, bool, list[str]]]]] = []
        without_off = [(value, label) for value, label in Timing.choices if value != Timing.OFF]
        for group in groups:
            rows = []
            for row in group.rows:
                names = []
                for channel in Channel:
                    name = choice_key(row.kind.name, channel)
                    field = forms.ChoiceField(
                        label=channel.label, choices=Timing.choices, initial=row.timings[channel]
                    )
                    if row.kind.mandatory and row.kind.defaults.get(channel) != Timing.OFF:
                        # Offered without "off" where the kind is on by default; a crafted
                        # "off" still reaches the service, which refuses it in its own words.
                        # A channel that is off by default stays the member's to add or drop.
                        field.widget.choices = without_off
                    self.fields[name] = field
                    names.append(name)
                rows.append((row.kind.name, row.kind.mandatory, names))
            self._layout.append((group.label, rows))

    def sections(self) -> list[GroupSection]:
        """The fields as the page lays them out: by group, one row per kind."""
        return [
            GroupSection(
                label,
                [
                    KindRow(kind, kind_label(kind), mandatory, [self[name] for name in names])
                    for kind, mandatory, names in rows
                ],
            )
            for label, rows in self._layout
        ]

    def choices(self) -> dict[str, str]:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name not in ("quiet_starts", "quiet_ends")
        }

    def quiet_hours(self) -> tuple[time | None, time | None]:
        return self.cleaned_data.get("quiet_starts"), self.cleaned_data.get("quiet_ends")
