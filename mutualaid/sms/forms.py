"""Forms for the text-messages settings page. Whether a number is valid is the service's call."""

from django import forms
from django.utils.translation import gettext_lazy as _


class PhoneForm(forms.Form):
    number = forms.CharField(
        label=_("Mobile number"),
        max_length=40,
        help_text=_("With the country code if it is not from this country, e.g. +52 55 1234 5678."),
        widget=forms.TextInput(attrs={"autocomplete": "tel", "inputmode": "tel"}),
    )


class CodeForm(forms.Form):
    code = forms.CharField(
        label=_("Code from the text"),
        max_length=10,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9 ]*"}
        ),
    )
