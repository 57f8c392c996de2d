"""`{{ amount|money:currency }}`: minor units shown as money in the active language's format,
with the currency's own number of decimals (JPY none, USD two, KWD three)."""

from django import template
from django.utils.formats import number_format

from mutualaid.fund.money import exponent, to_major

register = template.Library()


@register.filter
def money(amount: int | None, currency: str = "") -> str:
    if amount is None:
        return ""
    places = exponent(currency) if currency else 2
    text = number_format(
        to_major(amount, currency or "USD"), decimal_pos=places, use_l10n=True, force_grouping=True
    )
    return f"{text} {currency}".strip()
