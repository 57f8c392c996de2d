"""Forms for the governance pages. They only parse input; services judge it."""

from collections.abc import Sequence
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from mutualaid.core.selectors import HISTORY_KIND_LABELS
from mutualaid.governance.models import Proposal
from mutualaid.governance.services.proposals import BALLOT_CHOICES, MAX_SCORE
from mutualaid.matching.models import MatchingPolicy
from mutualaid.matching.services import POLICY_FIELDS, WEIGHTS
from mutualaid.networks.forms import PageForm
from mutualaid.networks.models import Member


class HistoryFilterForm(PageForm):
    kind = forms.ChoiceField(label=_("What"), required=False)
    member = forms.TypedChoiceField(label=_("Who"), required=False, coerce=int, empty_value=None)

    def __init__(self, *args: Any, members: list[Member], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kind_field = self.fields["kind"]
        assert isinstance(kind_field, forms.ChoiceField)  # noqa: S101
        kind_field.choices = [("", _("Everything"))] + [
            (kind, label) for kind, label in HISTORY_KIND_LABELS.items()
        ]
        member_field = self.fields["member"]
        assert isinstance(member_field, forms.ChoiceField)  # noqa: S101
        member_field.choices = [("", _("Everyone"))] + [(m.pk, m.display_name) for m in members]


# --- proposals ------------------------------------------------------------------------------

# Ballot choices in the order a member reads them, with their words.
BALLOT_ORDER: dict[str, list[str]] = {
    Proposal.Method.CONSENT: ["consent", "objection", "abstain"],
    Proposal.Method.CONSENSUS: ["agree", "abstain", "disagree", "block"],
    Proposal.Method.MAJORITY: ["yes", "no", "abstain"],
}
CHOICE_LABELS: dict[str, Any] = {
    "consent": _("I consent"),
    "objection": _("I object"),
    "abstain": _("I abstain"),
    "agree": _("I agree"),
    "disagree": _("I disagree"),
    "block": _("I block"),
    "yes": _("Yes"),
    "no": _("No"),
}

# The actions a proposal page offers, each built into the registry's {"type", "params"}.
ACTION_CHOICES = [
    ("", _("A plain decision: nothing changes by itself")),
    ("disaster_on", _("Switch the network to disaster mode")),
    ("disaster_off", _("Switch disaster mode off")),
    ("role_change_threshold", _("Change how much trust a role needs")),
    ("role_renew", _("Renew a role's holders for another term")),
    ("role_grant", _("Give a member a role that is given by decision (such as listener)")),
    ("role_remove", _("Take a role that is given by decision away from a member")),
    ("concern_start", _("Start the conflict-resolution process about a member")),
    ("matching_policy_change", _("Change how matching weighs things and limits helpers")),
    ("agreement_adopt", _("Adopt an agreement, or a new version of one")),
]


def _matching_fields() -> dict[str, forms.Field]:
    """One optional field per setting of the matching policy (left empty: unchanged), with the
    matching app's own labels and bounds."""
    fields: dict[str, forms.Field] = {}
    for name, bounds in POLICY_FIELDS.items():
        label = getattr(MatchingPolicy._meta.get_field(name), "verbose_name", name)
        if bounds is None:
            fields[name] = forms.ChoiceField(
                label=label,
                required=False,
                choices=[("", _("unchanged")), ("yes", _("yes")), ("no", _("no"))],
            )
        elif name in WEIGHTS:
            fields[name] = forms.FloatField(
                label=label, required=False, min_value=bounds[0], max_value=bounds[1]
            )
        else:
            fields[name] = forms.IntegerField(
                label=label, required=False, min_value=int(bounds[0]), max_value=int(bounds[1])
            )
    return fields


def _lines(text: str) -> list[str]:
    return [line.strip() for line in text.splitlines() if line.strip()]


class ProposalForm(PageForm):
    title = forms.CharField(label=_("Title"), max_length=120)
    body = forms.CharField(
        label=_("What do you propose, and why?"),
        max_length=4000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    method = forms.ChoiceField(label=_("How we decide"), choices=Proposal.Method.choices)
    options = forms.CharField(
        label=_("Options, one per line"),
        help_text=_("Only for ranked choice and score votes."),
        max_length=2500,
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
    )
    deadline = forms.DateTimeField(
        label=_("Voting closes"), widget=forms.DateTimeInput(attrs={"type": "datetime-local"})
    )
    quorum = forms.IntegerField(
        label=_("Quorum (votes needed for a decision)"),
        min_value=1,
        max_value=100_000,
        required=False,
    )
    anonymous = forms.BooleanField(label=_("Anonymous votes"), required=False)
    action = forms.ChoiceField(
        label=_("What happens if it passes"), choices=ACTION_CHOICES, required=False
    )
    role = forms.ChoiceField(label=_("Role"), required=False)
    member = forms.TypedChoiceField(
        label=_("Member (the concern is about, or the role goes to)"),
        required=False,
        coerce=int,
        empty_value=None,
    )
    threshold_fraction = forms.DecimalField(
        label=_("Share of active members whose trust is needed (0 to 1)"),
        min_value=0,
        max_value=1,
        max_digits=4,
        decimal_places=3,
        required=False,
    )
    threshold_min = forms.IntegerField(
        label=_("Never less trust needed than"), min_value=1, max_value=1000, required=False
    )
    threshold_cap = forms.IntegerField(
        label=_("Never more trust needed than"), min_value=1, max_value=1000, required=False
    )
    agreement = forms.SlugField(
        label=_("Agreement short name (lowercase letters, digits, dashes)"),
        max_length=60,
        required=False,
    )
    agreement_title = forms.CharField(label=_("Agreement title"), max_length=120, required=False)
    agreement_text = forms.CharField(
        label=_("Agreement text"),
        max_length=20000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
    )
    agreement_review_on = forms.DateField(
        label=_("Review the agreement on"),
        required=False,
        widget=forms.DateInput(attrs={"type": "date"}),
    )

    def __init__(
        self,
        *args: Any,
        roles: list[tuple[str, str]],
        members: Sequence[tuple[int, str]] = (),
        **kwargs: Any,
    ) -> None:
        super().__init__(*args, **kwargs)
        role_field = self.fields["role"]
        assert isinstance(role_field, forms.ChoiceField)  # noqa: S101
        role_field.choices = [("", "—"), *roles]
        member_field = self.fields["member"]
        assert isinstance(member_field, forms.ChoiceField)  # noqa: S101
        member_field.choices = [("", "—"), *members]
        for name, field in _matching_fields().items():
            self.fields[f"matching_{name}"] = field

    def matching_boundfields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.fields if name.startswith("matching_")]

    def _matching_changes(self) -> dict[str, Any]:
        changes: dict[str, Any] = {}
        for name in _matching_fields():
            value = self.cleaned_data.get(f"matching_{name}")
            if value in (None, ""):
                continue
            changes[name] = {"yes": True, "no": False}.get(value, value)
        return changes

    def proposal_kwargs(self) -> dict[str, Any]:
        """The cleaned input as `services.proposal_open` takes it."""
        data = self.cleaned_data
        return {
            "title": data["title"],
            "body": data["body"],
            "method": data["method"],
            "options": _lines(data["options"]),
            "deadline": data["deadline"],
            "quorum": data["quorum"],
            "anonymous": data["anonymous"],
            "action": self._action(),
        }

    def _action(self) -> dict[str, Any]:
        data = self.cleaned_data
        kind = data["action"]
        if kind in ("disaster_on", "disaster_off"):
            return {"type": "disaster_mode", "params": {"on": kind == "disaster_on"}}
        if kind == "role_change_threshold":
            fraction = data["threshold_fraction"]
            return {
                "type": kind,
                "params": {
                    "role": data["role"],
                    "threshold_fraction": "" if fraction is None else str(fraction),
                    "threshold_min": data["threshold_min"],
                    "threshold_cap": data["threshold_cap"],
                },
            }
        if kind == "matching_policy_change":
            return {"type": kind, "params": self._matching_changes()}
        if kind == "role_renew":
            return {"type": kind, "params": {"role": data["role"]}}
        if kind == "concern_start":
            return {"type": kind, "params": {"member": data["member"]}}
        if kind in ("role_grant", "role_remove"):
            return {"type": kind, "params": {"role": data["role"], "member": data["member"]}}
        if kind == "agreement_adopt":
            review_on = data["agreement_review_on"]
            return {
                "type": kind,
                "params": {
                    "agreement": data["agreement"],
                    "title": data["agreement_title"],
                    "text": data["agreement_text"],
                    "review_on": review_on.isoformat() if review_on else None,
                },
            }
        return {}


class VoteForm(PageForm):
    """A ballot shaped by the proposal's method: one choice, a rank per option, or a score
    per option; and a reason."""

    reason = forms.CharField(
        label=_("Your reason (optional)"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args: Any, proposal: Proposal, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.proposal = proposal
        method = proposal.method
        if method in BALLOT_CHOICES:
            self.fields["choice"] = forms.ChoiceField(
                label=_("Your vote"),
                choices=[(c, CHOICE_LABELS.get(c, c)) for c in BALLOT_ORDER[method]],
                widget=forms.RadioSelect,
            )
            self.order_fields(["choice", "reason"])
        elif method == Proposal.Method.RANKED:
            ranks = [("", _("not ranked"))] + [
                (str(n), str(n)) for n in range(1, len(proposal.options) + 1)
            ]
            for index, option in enumerate(proposal.options):
                self.fields[f"rank_{index}"] = forms.ChoiceField(
                    label=option, choices=ranks, required=False
                )
            self.order_fields([*self.option_fields(), "reason"])
        else:
            for index, option in enumerate(proposal.options):
                self.fields[f"score_{index}"] = forms.IntegerField(
                    label=option, min_value=0, max_value=MAX_SCORE, required=False
                )
            self.order_fields([*self.option_fields(), "reason"])

    def option_fields(self) -> list[str]:
        prefix = "rank_" if self.proposal.method == Proposal.Method.RANKED else "score_"
        return [f"{prefix}{i}" for i in range(len(self.proposal.options))]

    def option_boundfields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.option_fields() if name in self.fields]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if self.proposal.method == Proposal.Method.RANKED:
            ranks = [data.get(name) for name in self.option_fields()]
            given = [int(r) for r in ranks if r]
            if not given:
                raise forms.ValidationError(_("Rank at least one option."))
            if len(set(given)) != len(given):
                raise forms.ValidationError(_("Give each rank to one option only."))
        return data

    def ballot(self) -> dict[str, Any]:
        """The cleaned ballot as `services.proposal_vote` takes it."""
        data = self.cleaned_data
        options = self.proposal.options
        if self.proposal.method in BALLOT_CHOICES:
            return {"choice": data["choice"], "reason": data["reason"]}
        if self.proposal.method == Proposal.Method.RANKED:
            ranked = [
                (int(data[f"rank_{i}"]), option)
                for i, option in enumerate(options)
                if data.get(f"rank_{i}")
            ]
            return {
                "ranking": [option for _rank, option in sorted(ranked)],
                "reason": data["reason"],
            }
        scores = {
            option: data[f"score_{i}"]
            for i, option in enumerate(options)
            if data.get(f"score_{i}") is not None
        }
        return {"scores": scores, "reason": data["reason"]}


class CommentForm(PageForm):
    body = forms.CharField(
        label=_("Your comment"), max_length=4000, widget=forms.Textarea(attrs={"rows": 4})
    )


class WithdrawForm(PageForm):
    reason = forms.CharField(label=_("Why (optional)"), max_length=500, required=False)


# --- conflict resolution ----------------------------------------------------------------------

CONCERN_CHOICE_LABELS: dict[str, Any] = {
    "talk": _("Talk more"),
    "no_change": _("No change"),
    "remove": _("Remove from the network"),
}


class ConcernForm(PageForm):
    about = forms.TypedChoiceField(label=_("Who is the concern about?"), coerce=int)
    text = forms.CharField(
        label=_("What happened, and why it concerns you"),
        help_text=_(
            "The member it is about reads this and can answer. It is stored encrypted, and "
            "never sent by email."
        ),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args: Any, members: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        about_field = self.fields["about"]
        assert isinstance(about_field, forms.ChoiceField)  # noqa: S101
        about_field.choices = [("", "—"), *members]


class ConcernAnswerForm(PageForm):
    text = forms.CharField(
        label=_("Your answer"),
        help_text=_("Members read it before they vote. Answering opens the vote."),
        max_length=4000,
        widget=forms.Textarea(attrs={"rows": 6}),
    )


class ConcernVoteForm(PageForm):
    choice = forms.ChoiceField(
        label=_("Your vote"),
        choices=list(CONCERN_CHOICE_LABELS.items()),
        widget=forms.RadioSelect,
    )
