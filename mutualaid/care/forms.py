from typing import TYPE_CHECKING, Any

from django import forms
from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from mutualaid.care.models import Circle, Reaction
from mutualaid.networks.models import Member


class CircleForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("What it is for"), max_length=1000, required=False, widget=forms.Textarea
    )
    agreement = forms.CharField(
        label=_("Confidentiality agreement"),
        max_length=4000,
        widget=forms.Textarea,
        help_text=_("Every member reads and accepts it before posting."),
    )
    retention_days = forms.TypedChoiceField(
        label=_("Posts are deleted after"),
        choices=Circle.Retention.choices,
        coerce=int,
        initial=Circle.Retention.MONTH,
    )
    rotation_days = forms.IntegerField(
        label=_("Facilitators hand the role on every (days)"),
        min_value=1,
        max_value=365,
        initial=30,
    )


class PostForm(forms.Form):
    content_note = forms.CharField(
        label=_("Content note (optional)"),
        max_length=200,
        required=False,
        help_text=_('So readers can choose what to open, e.g. "mentions self-harm".'),
    )
    body = forms.CharField(
        label=_("What you want to share"), max_length=10000, widget=forms.Textarea
    )


class ReplyForm(forms.Form):
    content_note = forms.CharField(
        label=_("Content note (optional)"), max_length=200, required=False
    )
    body = forms.CharField(
        label=_("Your reply"), max_length=10000, required=False, widget=forms.Textarea
    )
    hear_you = forms.BooleanField(required=False)


class ReactionForm(forms.Form):
    kind = forms.ChoiceField(choices=Reaction.Kind.choices)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500)


class AgreementForm(forms.Form):
    version = forms.IntegerField(min_value=1)


class CircleSettingsForm(forms.Form):
    name = forms.CharField(label=_("Name"), max_length=120)
    description = forms.CharField(
        label=_("What it is for"), max_length=1000, required=False, widget=forms.Textarea
    )
    retention_days = forms.TypedChoiceField(
        label=_("Posts are deleted after"),
        choices=Circle.Retention.choices,
        coerce=int,
        help_text=_("Applies to posts written from now on; earlier posts keep their date."),
    )
    rotation_days = forms.IntegerField(
        label=_("Facilitators hand the role on every (days)"), min_value=1, max_value=365
    )


def offer_members(form: forms.Form, name: str, members: QuerySet[Member]) -> None:
    """Offer `members` in the form's member field `name`."""
    field = form.fields[name]
    assert isinstance(field, forms.ModelChoiceField)  # noqa: S101 - declared so below
    field.queryset = members


if TYPE_CHECKING:  # django-stubs' generic field; plain at runtime (no stubs monkeypatch)
    _MemberChoice = forms.ModelChoiceField[Member]
else:
    _MemberChoice = forms.ModelChoiceField


class MemberChoiceField(_MemberChoice):
    def label_from_instance(self, obj: Member) -> str:
        return obj.display_name


class InviteForm(forms.Form):
    member = MemberChoiceField(
        label=_("Who to invite"),
        queryset=Member.objects.none(),
        empty_label=_("Choose a member"),
        help_text=_("A facilitator welcomes them; they accept the agreement before posting."),
    )

    def __init__(self, *args: Any, members: QuerySet[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        offer_members(self, "member", members)


class WillingForm(forms.Form):
    willing = forms.TypedChoiceField(
        choices=[("1", _("yes")), ("0", _("no"))], coerce=lambda value: value == "1"
    )
