"""Background work for needs and matches. Tasks only load rows and call services or notify."""

from django.urls import reverse
from django.utils.functional import lazy
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mutualaid.core.notify import email_member


def _match_path(match) -> str:  # type: ignore[no-untyped-def]
    return reverse(
        "needs:need_detail", kwargs={"slug": match.need.network.slug, "need_id": match.need_id}
    )


def _reasons(facts: list[list[object]]) -> str:
    """The suggestion's facts in words; a lazy string, translated when the email is rendered."""
    from mutualaid.matching.selectors import explanation_phrases

    return lazy(lambda: " · ".join(explanation_phrases(facts or [])) or "—", str)()


@db_task(retries=3, retry_delay=60)
def notify_match(event: str, match_id: int) -> None:
    from mutualaid.needs.models import Match

    match = (
        Match.objects.select_related(
            "need__requester__user", "need__network", "helper__user", "need__category"
        )
        .filter(pk=match_id)
        .first()
    )
    if match is None:
        return
    requester, helper = match.need.requester, match.helper
    # Lazy values: each email renders them in its recipient's language.
    what = match.need.category.label_lazy
    path = _match_path(match)
    helper_name = helper.display_name if helper else _("A former member")
    params = {"name": helper_name, "what": what}
    if event == "suggested" and helper:
        # The kind of help and why they were asked (distance, language, a free slot); who and
        # where exactly come only once the helper says yes and is accepted.
        email_member(
            helper,
            subject=_("A neighbour may need your help"),
            body=_(
                "Someone nearby needs help (%(what)s) and you might be a good fit: %(why)s. "
                "Can you help? Say yes or no here:"
            ),
            params={"what": what, "why": _reasons(match.explanation)},
            path=path,
        )
    elif event == "offered":
        email_member(
            requester,
            subject=_("%(name)s offered to help"),
            body=_("%(name)s offered to help with your need (%(what)s). Accept or decline:"),
            params=params,
            path=path,
        )
    elif event == "accepted" and helper:
        email_member(
            helper,
            subject=_("Your offer of help was accepted"),
            body=_("%(name)s accepted your offer to help (%(what)s). Sign in to see the details:"),
            params={"name": requester.display_name, "what": what},
            path=path,
        )
    elif event == "released":
        email_member(
            requester,
            subject=_("Your helper had to step back"),
            body=_("%(name)s can no longer help with your need (%(what)s). It is open again."),
            params=params,
            path=path,
        )
    elif event == "cancelled":
        other = helper if match.cancelled_by == match.Side.REQUESTER else requester
        if other:
            email_member(
                other,
                subject=_("A match was cancelled"),
                body=_("The help with a need (%(what)s) was cancelled."),
                params=params,
                path=path,
            )
    elif event == "done":
        for member in (requester, helper):
            if member:
                email_member(
                    member,
                    subject=_("Marked done, thank you"),
                    body=_("Both of you confirmed the help (%(what)s) is done. Thank you."),
                    params=params,
                    path=path,
                )


@db_task(retries=3, retry_delay=60)
def notify_need(event: str, need_id: int) -> None:
    from mutualaid.needs.models import Need

    need = (
        Need.objects.select_related("requester__user", "network", "category")
        .filter(pk=need_id)
        .first()
    )
    if need is None or event != "still_needed":
        return
    email_member(
        need.requester,
        subject=_("Do you still need help?"),
        body=_(
            "The time you gave for your need (%(what)s) has passed. Do you still need help? "
            "Answer on the page below; if we hear nothing, it will close in a few days."
        ),
        params={"what": need.category.label_lazy},
        path=reverse("needs:need_detail", kwargs={"slug": need.network.slug, "need_id": need.pk}),
    )


@db_periodic_task(crontab(minute="*/15"))
def expire_needs() -> dict[str, int]:
    from mutualaid.needs.services import needs_expire_sweep

    return needs_expire_sweep()


@db_periodic_task(crontab(minute="*/15"))
def lapse_suggestions() -> int:
    from mutualaid.needs.services import match_suggestions_lapse

    return match_suggestions_lapse()
