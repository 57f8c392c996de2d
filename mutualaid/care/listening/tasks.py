"""Background work for listening: retention, tidying the debrief circles, and short notices.

Notices say only that something is waiting and link to the page: never what a request or a
message says, never a pseudonym, never who asked.
"""

from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from huey import crontab
from huey.contrib.djhuey import db_periodic_task, db_task

from mutualaid.core.notify import email_member

SUBJECTS = {
    "taken": _("A listener took your request"),
    "message": _("A new message in your listening conversation"),
    "closed": _("A listening conversation was closed"),
}
BODIES = {
    "taken": _("A trained listener took your request for a conversation. You can write to them."),
    "message": _("There is a new message for you in a listening conversation."),
    "closed": _("A listening conversation you are part of was closed."),
}


@db_task(retries=3, retry_delay=60)
def notify_listeners_new_request(request_id: int) -> None:
    from mutualaid.care.listening.models import ListenRequest
    from mutualaid.care.listening.selectors import listeners_to_tell

    request = (
        ListenRequest.objects.select_related("network")
        .filter(pk=request_id, state=ListenRequest.State.OPEN)
        .first()
    )
    if request is None:
        return
    path = reverse("care_listening:queue", kwargs={"slug": request.network.slug})
    for listener in listeners_to_tell(request=request):
        email_member(
            listener,
            subject=_("Someone asked for a listening conversation"),
            body=_("A member asked to talk with a listener. You can see the request in the queue."),
            path=path,
        )


@db_task(retries=3, retry_delay=60)
def notify_conversation(event: str, request_id: int, side: str) -> None:
    """Tell one side of a conversation that something happened in it."""
    from mutualaid.care.listening.models import ListenMessage, ListenRequest
    from mutualaid.care.listening.selectors import is_listener

    request = (
        ListenRequest.objects.select_related(
            "network",
            "requester__user",
            "requester__network",
            "listener__user",
            "listener__network",
        )
        .filter(pk=request_id)
        .first()
    )
    if request is None or event not in SUBJECTS:
        return
    member = request.requester if side == ListenMessage.Side.REQUESTER else request.listener
    if member is None or (side == ListenMessage.Side.LISTENER and not is_listener(member)):
        return
    path = reverse(
        "care_listening:conversation",
        kwargs={"slug": request.network.slug, "request_id": request.pk},
    )
    email_member(member, subject=SUBJECTS[event], body=BODIES[event], path=path)


@db_periodic_task(crontab(minute="*/10"))
def expire_listening() -> int:
    from mutualaid.care.listening.services import listening_expire_sweep

    return listening_expire_sweep()


@db_periodic_task(crontab(minute="*/10"))
def prune_debrief_circles() -> int:
    from mutualaid.care.listening.services import debrief_prune

    return debrief_prune()
