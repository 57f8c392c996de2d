"""Caching of hot, read-only member pages (the open-needs list), safe for privacy.

A cached copy is keyed by the signed-in user's session (pages carry its CSRF token), the
language, the full URL and the network's *data version*. Every service write records history,
and `history_record` moves the network's version forward once the write commits, so a cached
page never outlives a change to what it shows, including the member's own profile and
membership. A short timeout bounds everything else (relative times like "posted 5 minutes
ago"). Pages with pending flash messages are never served from or stored in the cache, and a
page is stored only after the view itself has let the member in.
"""

import hashlib
import time
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.contrib.auth import HASH_SESSION_KEY, SESSION_KEY
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse
from django.utils import translation
from django.utils.cache import patch_cache_control
from django.utils.crypto import constant_time_compare

PAGE_TIMEOUT_SECONDS = 60
_VERSION_TIMEOUT_SECONDS = 24 * 3600


# Versions are keyed by the network's slug (fixed once created), which is what a URL carries.
def _version_key(network_slug: str) -> str:
    return f"network-data-version:{network_slug}"


def network_data_version(network_slug: str) -> int:
    version = cache.get(_version_key(network_slug))
    if version is None:
        # A lost version (evicted, expired) restarts from the clock, never from a number a
        # page cached in the last minute could still carry.
        fresh = time.time_ns() // 1000
        cache.add(_version_key(network_slug), fresh, _VERSION_TIMEOUT_SECONDS)
        version = cache.get(_version_key(network_slug), fresh)
    return int(version)


def network_snapshot_key(network_slug: str, name: str) -> str:
    """The one cache key of a snapshot of a network's data (e.g. matching's helper arrays).

    A snapshot is overwritten in place, never piled up under new keys, and deleted by every
    write to the network once it commits; whoever stores one checks the data version again
    afterwards and deletes it if a write came in between. So a stored copy never holds what a
    committed write removed (an account deletion included)."""
    if name not in NETWORK_SNAPSHOTS:
        raise ValueError(f"unknown network snapshot {name!r}")
    return f"network-snapshot:{name}:{network_slug}"


NETWORK_SNAPSHOTS = ("matching-helpers",)


def network_data_changed(network_slug: str) -> None:
    """Invalidate every cached page about this network and delete its snapshots (called after a
    write commits)."""
    try:
        cache.incr(_version_key(network_slug))
    except ValueError:  # not cached yet, or evicted: start a fresh, distinct version
        cache.set(_version_key(network_slug), network_data_version(network_slug) + 1)
    cache.delete_many([network_snapshot_key(network_slug, name) for name in NETWORK_SNAPSHOTS])


def _auth_hash_key(user_id: object) -> str:
    return f"session-auth-hash:{user_id}"


def forget_session_auth_hash(user_id: object) -> None:
    """Called whenever a user row is saved or deleted (password change, deactivation)."""
    cache.delete(_auth_hash_key(user_id))


def _signed_in_user_id(request: HttpRequest) -> str | None:
    """The signed-in user's id, checked like Django's sign-in check (the session's password
    hash must match the user's current one, and the user be active) but, when the user's
    current hash is cached, without a database query."""
    session = getattr(request, "session", None)
    if session is None or not session.session_key:
        return None
    user_id, session_hash = session.get(SESSION_KEY), session.get(HASH_SESSION_KEY)
    if not user_id or not session_hash:
        return None
    known = cache.get(_auth_hash_key(user_id))
    if known is not None and constant_time_compare(known, session_hash):
        return str(user_id)
    user = request.user
    if not user.is_authenticated or str(user.pk) != str(user_id):
        return None
    cache.set(_auth_hash_key(user_id), user.get_session_auth_hash(), PAGE_TIMEOUT_SECONDS * 5)
    return str(user_id)


def _has_pending_messages(request: HttpRequest) -> bool:
    return "messages" in request.COOKIES or "_messages" in getattr(request, "session", {})


def cached_member_page(
    *, params: frozenset[str]
) -> Callable[[Callable[..., HttpResponse]], Callable[..., HttpResponse]]:
    """Serve a GET page from the cache when nothing it shows has changed.

    Only URLs whose query uses the page's own `params` are cached, so made-up query strings
    can neither fill the cache nor be answered from it. Wraps `member_page`: a hit costs a few
    cache reads and no database query."""

    def decorator(view: Callable[..., HttpResponse]) -> Callable[..., HttpResponse]:
        return _cached(view, params)

    return decorator


def _cached(
    view: Callable[..., HttpResponse], params: frozenset[str]
) -> Callable[..., HttpResponse]:
    @wraps(view)
    def wrapper(request: HttpRequest, slug: str, *args: Any, **kwargs: Any) -> HttpResponse:
        if (
            request.method != "GET"
            or not params.issuperset(request.GET.keys())
            or _has_pending_messages(request)
        ):
            return view(request, slug, *args, **kwargs)
        user_id = _signed_in_user_id(request)
        if user_id is None:
            return view(request, slug, *args, **kwargs)
        session_key = request.session.session_key or ""
        raw = "|".join(
            [
                view.__module__ + "." + view.__name__,
                slug,
                str(network_data_version(slug)),
                session_key,
                user_id,
                translation.get_language() or "",
                request.get_full_path(),
                request.headers.get("HX-Request", ""),
            ]
        )
        key = "page:" + hashlib.sha256(raw.encode()).hexdigest()
        hit = cache.get(key)
        if hit is not None:
            content, content_type = hit
            response = HttpResponse(content, content_type=content_type)
        else:
            response = view(request, slug, *args, **kwargs)
            let_in = getattr(request, "member", None) is not None
            if let_in and response.status_code == 200 and not response.streaming:
                cache.set(key, (response.content, response["Content-Type"]), PAGE_TIMEOUT_SECONDS)
        # Personal pages: never kept by shared caches; the browser revalidates.
        patch_cache_control(response, private=True, no_cache=True)
        return response

    return wrapper


class ApiListCacheMiddleware:
    """The same cache for the busiest API reads (GET /api/v1/needs), keyed by the bearer token.

    A hit needs no database: the token's network is remembered from the last answered call.
    Revoking a token, like every write, records history and so moves the version on; the next
    call misses, and the API checks the token again."""

    CACHEABLE_PATHS = frozenset({"/api/v1/needs"})

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        authorization = request.headers.get("Authorization", "")
        if (
            request.method != "GET"
            or request.path not in self.CACHEABLE_PATHS
            or not authorization.startswith("Bearer ")
        ):
            return self.get_response(request)
        token_key = "api-token-network:" + hashlib.sha256(authorization.encode()).hexdigest()
        slug = cache.get(token_key)
        key = self._key(request, authorization, slug) if slug else None
        hit = cache.get(key) if key else None
        if hit is not None:
            content, content_type = hit
            return HttpResponse(content, content_type=content_type)
        response = self.get_response(request)
        member = getattr(request, "auth", None)
        network = getattr(member, "network", None)
        if response.status_code == 200 and network is not None:
            cache.set(token_key, network.slug, PAGE_TIMEOUT_SECONDS)
            key = self._key(request, authorization, network.slug)
            cache.set(key, (response.content, response["Content-Type"]), PAGE_TIMEOUT_SECONDS)
        return response

    @staticmethod
    def _key(request: HttpRequest, authorization: str, slug: str) -> str:
        raw = "|".join(
            [
                "api",
                slug,
                str(network_data_version(slug)),
                authorization,
                translation.get_language() or "",
                request.get_full_path(),
            ]
        )
        return "api:" + hashlib.sha256(raw.encode()).hexdigest()
