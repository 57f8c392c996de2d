"""Small checks that services share, each raising InvalidInput with a readable message."""

from collections.abc import Iterable

from django.utils.translation import gettext as _

from mutualaid.core.errors import InvalidInput
from mutualaid.core.geo import is_valid_public_cell
from mutualaid.core.languages import LANGUAGE_CODES


def clean_text(value: str, *, field: str, max_length: int, required: bool = True) -> str:
    value = (value or "").strip()
    if required and not value:
        raise InvalidInput(_("This field is required."), fields={field: [_("Required.")]})
    if len(value) > max_length:
        message = _("Please keep this under %(n)d characters.") % {"n": max_length}
        raise InvalidInput(message, fields={field: [message]})
    return value


def clean_int(value: int, *, field: str, low: int, high: int) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        message = _("Enter a whole number from %(low)d to %(high)d.") % {"low": low, "high": high}
        raise InvalidInput(message, fields={field: [message]})
    return value


def clean_cell(cell: str, *, field: str = "cell", required: bool = True) -> str:
    if not cell and not required:
        return ""
    if not is_valid_public_cell(cell):
        message = _("Choose a neighbourhood from the list.")
        raise InvalidInput(message, fields={field: [message]})
    return cell


def clean_languages(codes: Iterable[str], *, field: str = "languages") -> list[str]:
    codes = list(dict.fromkeys(codes))
    unknown = [c for c in codes if c not in LANGUAGE_CODES]
    if unknown:
        message = _("Unknown language: %(codes)s.") % {"codes": ", ".join(unknown)[:100]}
        raise InvalidInput(message, fields={field: [message]})
    return codes


def clean_choices(values: Iterable[str], *, allowed: Iterable[str], field: str) -> list[str]:
    allowed_set = set(allowed)
    values = list(dict.fromkeys(values))
    if any(v not in allowed_set for v in values):
        message = _("Choose only from the options given.")
        raise InvalidInput(message, fields={field: [message]})
    return values


def clean_tags(tags: Iterable[str], *, field: str, max_tags: int = 20) -> list[str]:
    cleaned = [t.strip().lower() for t in tags if t and t.strip()]
    cleaned = list(dict.fromkeys(cleaned))
    if len(cleaned) > max_tags or any(len(t) > 40 for t in cleaned):
        message = _("Up to %(n)d tags of at most 40 characters each.") % {"n": max_tags}
        raise InvalidInput(message, fields={field: [message]})
    return cleaned
