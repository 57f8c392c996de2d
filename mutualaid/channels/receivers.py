"""Signing out of a browser stops its push messages.

A shared or borrowed browser (a library computer, a friend's phone) must not go on showing
someone's notifications after they sign out. The browser's push subscription is the site's
only address for it, so the endpoints this session subscribed are remembered in the session,
and forgotten, with their subscriptions, when it signs out.
"""

from typing import Any

from mutualaid.channels.services import push_unsubscribe

PUSH_ENDPOINTS_SESSION_KEY = "push_endpoints"
# A session subscribes one browser; a few more allow for a browser that renewed its endpoint.
REMEMBERED_ENDPOINTS = 5


def push_endpoint_remember(session: Any, endpoint: str) -> None:
    """Remember that this session subscribed `endpoint`."""
    endpoints = [e for e in session.get(PUSH_ENDPOINTS_SESSION_KEY, []) if e != endpoint]
    session[PUSH_ENDPOINTS_SESSION_KEY] = [*endpoints, endpoint][-REMEMBERED_ENDPOINTS:]


def push_signed_out(sender: object, request: Any, user: Any, **kwargs: object) -> None:
    """`user_logged_out` receiver: unsubscribe what this session subscribed."""
    if request is None or getattr(user, "pk", None) is None:
        return  # no one signed in, or an account just deleted (its subscriptions went with it)
    for endpoint in request.session.get(PUSH_ENDPOINTS_SESSION_KEY, []):
        push_unsubscribe(user=user, endpoint=endpoint)
