"""Idempotency-Key on the writes that create things: a retry gets the first response and
writes nothing; the same key for a different request is refused; concurrent retries create
one object."""

import threading
import uuid
from datetime import timedelta
from unittest import mock

import pytest
from django.db import connection
from django.utils import timezone

from mutualaid.core import idempotency
from mutualaid.core.models import IdempotencyRecord
from mutualaid.needs.models import Match, Need, Offer
from tests.api.conftest import api_client_for, assert_error
from tests.factories import NEARBY_CELL, CategoryFactory, MemberFactory, NeedFactory


def need_body(description="Groceries, please"):
    now = timezone.now()
    return {
        "category": "groceries",
        "description": description,
        "window_start": now.isoformat(),
        "window_end": (now + timedelta(days=2)).isoformat(),
        "cell": NEARBY_CELL,
    }


def key() -> dict[str, str]:
    return {"Idempotency-Key": str(uuid.uuid4())}


@pytest.fixture
def groceries(network):
    return CategoryFactory(network=network)


def test_a_retried_need_returns_the_first_response_and_writes_once(requester_api, groceries):
    headers, body = key(), need_body()
    first = requester_api.post("/needs", body, headers=headers)
    retry = requester_api.post("/needs", body, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json() == first.json()
    assert Need.objects.count() == 1
    assert IdempotencyRecord.objects.count() == 1


def test_without_a_key_each_post_creates(requester_api, groceries):
    requester_api.post("/needs", need_body())
    requester_api.post("/needs", need_body())
    assert Need.objects.count() == 2
    assert not IdempotencyRecord.objects.exists()


def test_the_same_key_for_a_different_request_is_refused(requester_api, groceries):
    headers = key()
    requester_api.post("/needs", need_body("one thing"), headers=headers)
    other_body = requester_api.post("/needs", need_body("another"), headers=headers)
    other_path = requester_api.post("/offers", {"kind": "time", "title": "x"}, headers=headers)
    body = assert_error(other_body, 422, "idempotency_key_reused")
    assert "Idempotency-Key" in body["message"]
    assert_error(other_path, 422, "idempotency_key_reused")
    assert Need.objects.count() == 1
    assert not Offer.objects.exists()


def test_keys_belong_to_one_member(requester_api, bystander_api, groceries):
    headers, body = key(), need_body()
    requester_api.post("/needs", body, headers=headers)
    bystander_api.post("/needs", body, headers=headers)
    assert Need.objects.count() == 2


def test_a_refused_write_is_not_stored_so_a_corrected_retry_goes_through(requester_api, groceries):
    headers = key()
    bad = requester_api.post("/needs", need_body() | {"cell": "not-a-cell"}, headers=headers)
    assert_error(bad, 400)
    assert not IdempotencyRecord.objects.exists()
    # The same key now names the corrected request.
    assert requester_api.post("/needs", need_body(), headers=headers).status_code == 201


def test_a_retried_offer_of_help_returns_201_instead_of_a_conflict(need, helper_api):
    headers = key()
    first = helper_api.post(f"/needs/{need.pk}/offers-of-help", {"message": "hi"}, headers=headers)
    retry = helper_api.post(f"/needs/{need.pk}/offers-of-help", {"message": "hi"}, headers=headers)
    assert first.status_code == retry.status_code == 201
    assert retry.json()["id"] == first.json()["id"]
    assert Match.objects.count() == 1


def test_a_retried_offer_is_created_once(helper_api):
    headers, body = key(), {"kind": "item", "title": "A ladder"}
    ids = {helper_api.post("/offers", body, headers=headers).json()["id"] for _ in range(3)}
    assert len(ids) == 1
    assert Offer.objects.count() == 1


@pytest.mark.parametrize("bad_key", ["", "k" * 129])
def test_a_key_out_of_bounds_is_422(requester_api, groceries, bad_key):
    response = requester_api.post("/needs", need_body(), headers={"Idempotency-Key": bad_key})
    assert_error(response, 422)
    assert not Need.objects.exists()


def test_the_key_is_documented_as_an_optional_header(client):
    schema = client.get("/api/v1/openapi.json").json()
    for path in ("/api/v1/needs", "/api/v1/offers", "/api/v1/needs/{need_id}/offers-of-help"):
        params = schema["paths"][path]["post"]["parameters"]
        [header] = [p for p in params if p["in"] == "header"]
        assert header["name"] == "Idempotency-Key"
        assert header["required"] is False


def test_a_request_that_loses_the_race_rolls_back_and_returns_the_winners_response(
    requester_api, groceries
):
    # given a first request that has stored its response
    headers, body = key(), need_body()
    first = requester_api.post("/needs", body, headers=headers)
    # when a concurrent twin missed that record when it looked (it looked just before the
    # first committed), so it goes on to write
    real_stored = idempotency._stored
    looks: list[object] = []

    def missed_then_real(**kwargs):
        looks.append(kwargs)
        return None if len(looks) == 1 else real_stored(**kwargs)

    with mock.patch.object(idempotency, "_stored", side_effect=missed_then_real):
        twin = requester_api.post("/needs", body, headers=headers)
    assert len(looks) == 2  # it looked, wrote, hit the constraint, and looked again
    # then the unique constraint stops it, its need is rolled back, and it answers as the first
    assert twin.status_code == 201
    assert twin.json() == first.json()
    assert Need.objects.count() == 1


@pytest.mark.django_db(transaction=True)
def test_simultaneous_retries_with_one_key_create_one_need():
    # given a member and eight copies of the same keyed request, released at the same moment
    need = NeedFactory()  # makes a network with the groceries category
    member = MemberFactory(network=need.network)
    client_of = [api_client_for(member) for _ in range(8)]
    headers, body = key(), need_body()
    barrier = threading.Barrier(len(client_of))
    responses: list[object] = [None] * len(client_of)

    def send(i: int) -> None:
        try:
            barrier.wait(timeout=30)
            responses[i] = client_of[i].post("/needs", body, headers=headers)
        finally:
            connection.close()

    threads = [threading.Thread(target=send, args=(i,)) for i in range(len(client_of))]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    # then every one of them answers 201 with the same need, and only one was created
    assert [r.status_code for r in responses] == [201] * len(client_of)  # type: ignore[union-attr]
    assert len({r.json()["id"] for r in responses}) == 1  # type: ignore[union-attr]
    assert Need.objects.filter(requester=member).count() == 1
