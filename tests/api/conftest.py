"""Fixtures for the JSON API: a client that speaks JSON with a member's bearer token."""

import json
from typing import Any

import pytest
from django.test import Client

from mutualaid.needs.models import Match
from mutualaid.networks.models import Member
from mutualaid.networks.services import api_token_create
from tests.factories import CategoryFactory, MatchFactory

API = "/api/v1"


class ApiClient:
    """Sends JSON to /api/v1 with `Authorization: Bearer <secret>` (or without, if None)."""

    def __init__(self, secret: str | None) -> None:
        self.secret = secret
        self.client = Client()

    def _headers(self, extra: dict[str, str] | None) -> dict[str, str]:
        headers = {"Authorization": f"Bearer {self.secret}"} if self.secret else {}
        return headers | (extra or {})

    def get(self, path: str, params: dict[str, Any] | None = None, **kw: Any):
        return self.client.get(API + path, params or {}, headers=self._headers(kw.get("headers")))

    def _send(self, method: str, path: str, body: Any, headers: dict[str, str] | None):
        data = (
            body if isinstance(body, str | bytes) else json.dumps(body if body is not None else {})
        )
        send = getattr(self.client, method)
        return send(
            API + path, data=data, content_type="application/json", headers=self._headers(headers)
        )

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None):
        return self._send("post", path, body, headers)

    def patch(self, path: str, body: Any = None, headers: dict[str, str] | None = None):
        return self._send("patch", path, body, headers)


def api_client_for(member: Member | None) -> ApiClient:
    if member is None:
        return ApiClient(None)
    _token, secret = api_token_create(actor=member, name="tests")
    return ApiClient(secret)


@pytest.fixture
def category(network):
    return CategoryFactory(network=network)


@pytest.fixture
def anonymous_api(db) -> ApiClient:
    return ApiClient(None)


@pytest.fixture
def requester_api(requester) -> ApiClient:
    return api_client_for(requester)


@pytest.fixture
def helper_api(helper) -> ApiClient:
    return api_client_for(helper)


@pytest.fixture
def bystander_api(bystander) -> ApiClient:
    return api_client_for(bystander)


@pytest.fixture
def outsider_api(outsider) -> ApiClient:
    return api_client_for(outsider)


@pytest.fixture
def accepted_match(need, helper) -> Match:
    """`helper` has offered to help with `need` and `requester` accepted."""
    from mutualaid.needs import services

    match = services.match_propose(actor=helper, need=need, message="I can go")
    return services.match_accept(actor=need.requester, match=match)


@pytest.fixture
def proposed_match(need, helper) -> Match:
    """`helper` has offered to help with `need`; the requester has not answered yet."""
    return MatchFactory(need=need, helper=helper)


def assert_error(response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is the API's JSON error shape with this status (and code)."""
    assert response.status_code == status, response.content[:500]
    assert response["Content-Type"].startswith("application/json")
    body = response.json()
    assert set(body) == {"code", "message", "fields"}, body
    assert isinstance(body["message"], str)
    assert body["message"]
    if code is not None:
        assert body["code"] == code, body
    return body
