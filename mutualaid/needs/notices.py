"""The notices about needs and matches, as data: who hears of what, in which words.

Services send them with `notice_send("match.accepted", match.pk)` inside their transaction.
A notice says *that* something happened and links to the page; who and where exactly are seen
there, signed in, by whoever may see them.
"""

from collections.abc import Iterable

from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _

from mutualaid.core.notice_kinds import Extra, NoticeKind, notice_kinds
from mutualaid.needs.explanations import explanation_phrases
from mutualaid.needs.models import Match, Need
from mutualaid.networks.models import Member


def _match(match_id: int) -> Match | None:
    return (
        Match.objects.select_related(
            "need__requester__user", "need__network", "helper__user", "need__category"
        )
        .filter(pk=match_id)
        .first()
    )


def _need(need_id: int) -> Need | None:
    return (
        Need.objects.select_related("requester__user", "network", "category")
        .filter(pk=need_id)
        .first()
    )


def _need_path(need: Need) -> str:
    return reverse("needs:need_detail", kwargs={"slug": need.network.slug, "need_id": need.pk})


def _match_path(match: Match) -> str:
    return _need_path(match.need)


def _helper_and_what(match: Match, extra: Extra) -> dict[str, object]:
    # Lazy values: each email renders them in its recipient's language.
    helper_name = match.helper.display_name if match.helper else _("A former member")
    return {"name": helper_name, "what": match.need.category.label_lazy}


def _reasons(match: Match, extra: Extra) -> dict[str, object]:
    """The suggestion's facts in words; a lazy string, translated when the email is rendered."""
    why = lazy(lambda: " · ".join(explanation_phrases(match.explanation or [])) or "—", str)()
    return {"what": match.need.category.label_lazy, "why": why}


def _requester_and_what(match: Match, extra: Extra) -> dict[str, object]:
    return {"name": match.need.requester.display_name, "what": match.need.category.label_lazy}


def _to_helper(match: Match, extra: Extra) -> Iterable[Member | None]:
    return [match.helper]


def _to_requester(match: Match, extra: Extra) -> Iterable[Member | None]:
    return [match.need.requester]


def _to_the_other_side(match: Match, extra: Extra) -> Iterable[Member | None]:
    """Whoever did not cancel hears of it."""
    return [match.helper if match.cancelled_by == Match.Side.REQUESTER else match.need.requester]


def _to_both_sides(match: Match, extra: Extra) -> Iterable[Member | None]:
    return [match.need.requester, match.helper]


notice_kinds(
    # The kind of help and why they were asked (distance, language, a free slot); who and
    # where exactly come only once the helper says yes and is accepted.
    NoticeKind(
        name="match.suggested",
        load=_match,
        to=_to_helper,
        subject=_("A neighbour may need your help"),
        body=_(
            "Someone nearby needs help (%(what)s) and you might be a good fit: %(why)s. "
            "Can you help? Say yes or no here:"
        ),
        params=_reasons,
        path=_match_path,
    ),
    NoticeKind(
        name="match.offered",
        load=_match,
        to=_to_requester,
        subject=_("%(name)s offered to help"),
        body=_("%(name)s offered to help with your need (%(what)s). Accept or decline:"),
        params=_helper_and_what,
        path=_match_path,
    ),
    NoticeKind(
        name="match.accepted",
        load=_match,
        to=_to_helper,
        subject=_("Your offer of help was accepted"),
        body=_(
            "%(name)s accepted your offer to help (%(what)s). The details are on the match's page."
        ),
        params=_requester_and_what,
        path=_match_path,
    ),
    NoticeKind(
        name="match.released",
        load=_match,
        to=_to_requester,
        subject=_("Your helper had to step back"),
        body=_("%(name)s can no longer help with your need (%(what)s). It is open again."),
        params=_helper_and_what,
        path=_match_path,
        mandatory=True,
    ),
    NoticeKind(
        name="match.cancelled",
        load=_match,
        to=_to_the_other_side,
        subject=_("A match was cancelled"),
        body=_("The help with a need (%(what)s) was cancelled."),
        params=_helper_and_what,
        path=_match_path,
        mandatory=True,
    ),
    NoticeKind(
        name="match.done",
        load=_match,
        to=_to_both_sides,
        subject=_("Marked done, thank you"),
        body=_("Both of you confirmed the help (%(what)s) is done. Thank you."),
        params=_helper_and_what,
        path=_match_path,
    ),
    NoticeKind(
        name="need.still_needed",
        load=_need,
        to=lambda need, extra: [need.requester],
        subject=_("Do you still need help?"),
        body=_(
            "The time you gave for your need (%(what)s) has passed. Do you still need help? "
            "Answer on the page below; if we hear nothing, it will close in a few days."
        ),
        params=lambda need, extra: {"what": need.category.label_lazy},
        path=_need_path,
    ),
)
