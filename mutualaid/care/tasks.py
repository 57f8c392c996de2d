"""Background work for circles: retention, facilitator rotation, and short notices.

Notices say only that something needs a facilitator's eye, and link to the circle: never a
post's text, a pseudonym or who flagged.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mutualaid.core.notify import email_member


@db_task(retries=3, retry_delay=60)
def notify_facilitator(event: str, membership_id: int) -> None:
    from mutualaid.care.models import CircleMembership

    membership = (
        CircleMembership.objects.select_related("circle__network", "member__user")
        .filter(pk=membership_id, state=CircleMembership.State.ACTIVE)
        .first()
    )
    if membership is None:
        return
    circle = membership.circle
    path = reverse(
        "care:circle_detail", kwargs={"slug": circle.network.slug, "circle_id": circle.pk}
    )
    subjects = {
        "flag": _("A post in %(circle)s was flagged"),
        "request": _("Someone asked to join %(circle)s"),
        "invited": _("Someone was invited to join %(circle)s"),
        "rotated": _("You are now a facilitator of %(circle)s"),
    }
    bodies = {
        "flag": _("A member flagged a post in %(circle)s. Please look at it when you can."),
        "request": _("Someone asked to join %(circle)s. You can welcome them on its page."),
        "invited": _("A member invited someone to %(circle)s. You can welcome them on its page."),
        "rotated": _("The facilitator role of %(circle)s has been handed on to you. Thank you."),
    }
    if event in subjects:
        email_member(
            membership.member,
            subject=subjects[event],
            body=bodies[event],
            params={"circle": circle.name},
            path=path,
        )


@db_task(retries=3, retry_delay=60)
def notify_member(event: str, membership_id: int) -> None:
    """Tell a person about their own place in a circle: they were invited (they can decline
    on its page), or a facilitator welcomed them in. Nothing else about the circle."""
    from mutualaid.care.models import CircleMembership

    states = {"invited": CircleMembership.State.INVITED, "welcomed": CircleMembership.State.ACTIVE}
    if event not in states:
        return
    membership = (
        CircleMembership.objects.select_related("circle__network", "member__user")
        .filter(pk=membership_id, state=states[event])
        .first()
    )
    if membership is None:
        return  # declined, left or removed since: nothing to say
    circle = membership.circle
    path = reverse(
        "care:circle_detail", kwargs={"slug": circle.network.slug, "circle_id": circle.pk}
    )
    # The subject stays general: a mailbox list shows it to anyone looking at the screen.
    subjects = {
        "invited": _("You were invited to a peer-support circle"),
        "welcomed": _("You were welcomed into a peer-support circle"),
    }
    bodies = {
        "invited": _(
            "A member invited you to %(circle)s. Its facilitators will welcome you; if you "
            "would rather not join, you can decline on its page."
        ),
        "welcomed": _(
            "You are now a member of %(circle)s. Read and accept its agreement on its page "
            "before you share anything; you can leave at any time."
        ),
    }
    email_member(
        membership.member,
        subject=subjects[event],
        body=bodies[event],
        params={"circle": circle.name},
        path=path,
    )


@db_periodic_task(crontab(minute="*/10"))
def expire_posts() -> int:
    from mutualaid.care.services import posts_expire_sweep

    return posts_expire_sweep()


@db_periodic_task(crontab(hour="*", minute="7"))
def rotate_facilitators() -> int:
    from mutualaid.care.services import facilitators_rotate_sweep

    return facilitators_rotate_sweep()
