"""`{{ amount|money:currency }}`: minor units shown as money in the active language's format."""

from django import template
from django.utils.formats import number_format

register = template.Library()


@register.filter
def money(amount: int | None, currency: str = "") -> str:
    if amount is None:
        return ""
    text = number_format(amount / 100, decimal_pos=2, use_l10n=True, force_grouping=True)
    return f"{text} {currency}".strip()
