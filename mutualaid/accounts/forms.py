"""Forms for the account pages."""

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _


def delete_word() -> str:
    """The word a person types to confirm deletion, in their language."""
    return str(_("DELETE"))


class AccountDeleteForm(forms.Form):
    confirm = forms.CharField(label=_("Type the word to confirm"), max_length=100)

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        kwargs.setdefault("label_suffix", "")
        super().__init__(*args, **kwargs)
        self.fields["confirm"].label = _("Type %(word)s to confirm") % {"word": delete_word()}
        self.fields["confirm"].widget.attrs["autocomplete"] = "off"

    def clean_confirm(self) -> str:
        typed = str(self.cleaned_data["confirm"]).strip()
        if typed.casefold() != delete_word().casefold():
            raise forms.ValidationError(
                _("Type %(word)s exactly, or leave this page to keep your account."),
                params={"word": delete_word()},
            )
        return typed
