"""A match's reasons in words: the matching engine stores (fact, value) pairs on the match,
and pages, the API and notices show them as short phrases in the reader's language."""

from collections.abc import Iterable, Sequence
from typing import Any

from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mutualaid.core.languages import LANGUAGE_CHOICES
from mutualaid.networks.models import AVAILABILITY_SLOTS, DAY_PARTS, DAYS

LANGUAGE_LABELS = dict(LANGUAGE_CHOICES)


def _slot_label(slot: Any) -> str:
    index = AVAILABILITY_SLOTS.index(slot) if isinstance(slot, str) else int(slot)
    day, part = divmod(index, len(DAY_PARTS))
    return f"{DAYS[day][1]} {DAY_PARTS[part][1]}"


def _phrase(fact: str, value: Any) -> str | None:
    """One fact from the engine's explanation, in the active language; None if unknown."""
    if fact == "distance_km":
        return _("%(km)s km away") % {"km": f"{float(value):.1f}"}
    if fact in {"language", "shared_language"}:
        return _("speaks %(language)s") % {"language": LANGUAGE_LABELS.get(str(value), value)}
    if fact in {"slot", "shared_slot", "free_slot"}:
        return _("free %(when)s") % {"when": _slot_label(value)}
    if fact in {"recent_load", "load"}:
        count = int(value)
        if count == 0:
            return _("has not helped yet this month")
        return ngettext("helped once recently", "helped %(n)d times recently", count) % {"n": count}
    if fact in {"capacity", "capacity_left"}:
        count = int(value)
        return ngettext("can take %(n)d more task", "can take %(n)d more tasks", count) % {
            "n": count
        }
    if fact == "skill":
        return _("offers %(what)s") % {"what": value}
    return None


def explanation_phrases(facts: Iterable[Sequence[Any]]) -> list[str]:
    """The engine's (fact, value) pairs as short phrases, e.g. ["1.2 km away", "speaks
    Spanish", "free Saturday morning"]. Facts this version cannot put in words are left out."""
    phrases = []
    for item in facts:
        if not isinstance(item, list | tuple) or len(item) != 2:
            continue
        try:
            phrase = _phrase(str(item[0]), item[1])
        except (TypeError, ValueError, IndexError):
            phrase = None
        if phrase:
            phrases.append(phrase)
    return phrases
