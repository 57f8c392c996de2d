"""Forms for the fund pages. Amounts are typed as money (12.50 USD, 1850 JPY) and turned into
minor units here, with the currency's own number of decimals;
every rule about them lives in the services."""

from decimal import Decimal
from typing import Any, cast

from django import forms
from django.core.validators import DecimalValidator
from django.utils.translation import gettext_lazy as _

from mutualaid.fund.models import Account, CapPeriod, FundRequest, OverBudgetRule
from mutualaid.fund.money import exponent, to_minor


class MoneyField(forms.DecimalField):
    """A money amount typed with as many decimals as the currency has (JPY none, USD two,
    KWD three), cleaned to integer minor units. The form sets the currency."""

    def __init__(self, **kwargs: Any) -> None:
        kwargs.setdefault("max_digits", 12)
        kwargs.setdefault("decimal_places", 2)
        super().__init__(**kwargs)
        self.currency = "USD"

    def set_currency(self, currency: str) -> None:
        places = exponent(currency)
        self.currency, self.decimal_places = currency, places
        self.validators = [v for v in self.validators if not isinstance(v, DecimalValidator)] + [
            DecimalValidator(self.max_digits, places)
        ]
        self.widget.attrs["step"] = str(Decimal(1).scaleb(-places))

    def clean(self, value: Any) -> int | None:
        amount: Decimal | None = super().clean(value)
        if amount is None:
            return None
        try:
            return to_minor(amount, self.currency)
        except ValueError:
            raise forms.ValidationError(
                _("%(currency)s amounts have at most %(places)d decimals.")
                % {"currency": self.currency, "places": exponent(self.currency)}
            ) from None


class CurrencyForm(forms.Form):
    """A form whose money fields take the fund's currency (`currency=` when made)."""

    def __init__(self, *args: Any, currency: str = "USD", **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for field in self.fields.values():
            if isinstance(field, MoneyField):
                field.set_currency(currency)


class RequestForm(CurrencyForm):
    kind = forms.ChoiceField(label=_("What kind of help"), choices=FundRequest.Kind.choices)
    category = forms.ChoiceField(label=_("What for"), choices=FundRequest.Category.choices)
    amount = MoneyField(label=_("Amount"))
    purpose = forms.CharField(
        label=_("In a few words"), max_length=1000, required=False, widget=forms.Textarea
    )
    payout_details = forms.CharField(
        label=_("How to pay you (a handle or account)"), max_length=200, required=False
    )
    show_name = forms.BooleanField(label=_("Show my name in the members' report"), required=False)
    receipt = forms.FileField(label=_("Receipt (photo or PDF)"), required=False)


class ReasonForm(forms.Form):
    reason = forms.CharField(label=_("Reason"), max_length=500, required=False)


class ContributionForm(CurrencyForm):
    source = forms.ModelChoiceField(label=_("From"), queryset=Account.objects.none())
    amount = MoneyField(label=_("Amount"))
    memo = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["source"]).queryset = accounts.filter(
            kind=Account.Kind.INCOME
        )


class FeeForm(CurrencyForm):
    fees = forms.ModelChoiceField(label=_("Fees account"), queryset=Account.objects.none())
    amount = MoneyField(label=_("Amount"))
    memo = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["fees"]).queryset = accounts.filter(
            kind=Account.Kind.EXPENSE
        )


class ReverseForm(forms.Form):
    memo = forms.CharField(label=_("What was wrong"), max_length=200)


class AccountForm(forms.Form):
    kind = forms.ChoiceField(
        label=_("Kind"),
        choices=[
            (Account.Kind.INCOME, Account.Kind.INCOME.label),
            (Account.Kind.PAYOUT, Account.Kind.PAYOUT.label),
            (Account.Kind.EXPENSE, Account.Kind.EXPENSE.label),
        ],
    )
    name = forms.CharField(label=_("Name"), max_length=80)


class PayoutForm(forms.Form):
    method = forms.ModelChoiceField(label=_("Paid by"), queryset=Account.objects.none())
    note = forms.CharField(label=_("Note"), max_length=200, required=False)

    def __init__(self, *args: Any, accounts: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        cast("forms.ModelChoiceField[Any]", self.fields["method"]).queryset = accounts.filter(
            kind=Account.Kind.PAYOUT
        )


class StatementForm(forms.Form):
    statement = forms.FileField(label=_("Bank or payment-app statement (CSV)"))


class PolicyProposalForm(CurrencyForm):
    """Propose a new fund policy. Blank fields stay as they are; amounts are money."""

    auto_approve_up_to = MoneyField(label=_("Approve at once up to"), required=False)
    approvals_needed = forms.IntegerField(
        label=_("Approvals needed above that"), min_value=1, max_value=20, required=False
    )
    person_cap = MoneyField(label=_("Most one person may receive (0: no cap)"), required=False)
    cap_period = forms.ChoiceField(
        label=_("Per"), choices=[("", "—"), *CapPeriod.choices], required=False
    )
    monthly_budget = MoneyField(label=_("Monthly budget (0: none)"), required=False)
    over_budget_rule = forms.ChoiceField(
        label=_("When requests go over the budget"),
        choices=[("", "—"), *OverBudgetRule.choices],
        required=False,
    )
    lottery_seed = forms.CharField(
        label=_("Lottery seed (published)"), max_length=64, required=False
    )
    overdraft_limit = MoneyField(label=_("Overdraft allowed (0: none)"), required=False)
    days = forms.IntegerField(
        label=_("Days for members to decide"), min_value=1, max_value=60, initial=7
    )

    def changes(self) -> dict[str, Any]:
        return {
            name: value
            for name, value in self.cleaned_data.items()
            if name != "days" and value not in (None, "")
        }
