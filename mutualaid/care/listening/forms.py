from django import forms
from django.utils.translation import gettext_lazy as _

from mutualaid.care.listening.models import CAP_MAX, CAP_MIN, ListenRequest
from mutualaid.core.languages import LANGUAGE_CHOICES


class AskForm(forms.Form):
    language = forms.ChoiceField(
        label=_("Language you would like to talk in"), choices=LANGUAGE_CHOICES
    )
    preferred_time = forms.CharField(
        label=_("When suits you"),
        max_length=120,
        help_text=_('For example "weekday evenings" or "Saturday morning".'),
    )
    about = forms.CharField(
        label=_("What it is about (optional)"),
        max_length=500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only a listener who can take it reads this. Stored encrypted."),
    )
    pseudonymous = forms.BooleanField(
        label=_("Use a pseudonym instead of my name"), required=False, initial=True
    )
    retention_days = forms.TypedChoiceField(
        label=_("Delete our messages after"),
        choices=ListenRequest.Retention.choices,
        coerce=int,
        initial=ListenRequest.Retention.MONTH,
    )


class MessageForm(forms.Form):
    body = forms.CharField(label=_("Your message"), max_length=4000, widget=forms.Textarea)


class NoteForm(forms.Form):
    body = forms.CharField(
        label=_("Note"), max_length=2000, widget=forms.Textarea(attrs={"rows": 3})
    )


class ConsentForm(forms.Form):
    consent = forms.BooleanField(required=False)


class ListenerSettingsForm(forms.Form):
    weekly_cap = forms.IntegerField(
        label=_("Conversations I can take in seven days"),
        min_value=CAP_MIN,
        max_value=CAP_MAX,
    )
    languages = forms.MultipleChoiceField(
        label=_("Languages I listen in (none means all)"),
        choices=LANGUAGE_CHOICES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    available = forms.BooleanField(label=_("Email me about new requests"), required=False)
