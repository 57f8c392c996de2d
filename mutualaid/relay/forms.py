"""Forms of the conversation page. Whether a message may be posted is the service's call."""

from django import forms
from django.utils.translation import gettext_lazy as _

from mutualaid.relay.models import MESSAGE_MAX_LENGTH
from mutualaid.relay.services import REPORT_MAX_LENGTH


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Your message"),
        max_length=MESSAGE_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("They see your name and these words, never your number or email."),
    )


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this message?"),
        max_length=REPORT_MAX_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
