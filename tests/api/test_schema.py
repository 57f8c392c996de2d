"""The API contract: the committed OpenAPI snapshot, and the choices the schemas spell out."""

from typing import get_args

import pytest

from mutualaid.core.languages import LANGUAGE_CODES
from mutualaid.core.management.commands.export_openapi import COMMAND, SNAPSHOT, openapi_document
from mutualaid.needs import api as needs_api
from mutualaid.needs.models import Match, Need, Offer
from mutualaid.networks import api as networks_api
from mutualaid.networks.models import AVAILABILITY_SLOTS, Application, ApplicationVote, Member


def test_the_committed_openapi_snapshot_matches_the_live_schema():
    committed = SNAPSHOT.read_text() if SNAPSHOT.exists() else ""
    assert committed == openapi_document(), (
        f"docs/api/openapi.json is out of date with the API. Regenerate it with `{COMMAND}` "
        "and commit the result."
    )


def test_the_openapi_document_is_served_at_api_v1(client):
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    assert "/api/v1/needs" in response.json()["paths"]


def test_every_operation_has_a_stable_operation_id_and_a_tag():
    import json

    paths = json.loads(openapi_document())["paths"]
    operations = [op for methods in paths.values() for op in methods.values()]
    ids = [op["operationId"] for op in operations]
    assert len(ids) == len(set(ids))
    assert all(op.get("tags") for op in operations)
    assert all("." not in i and not i.startswith("mutualaid") for i in ids)


@pytest.mark.parametrize(
    ("literal", "values"),
    [
        (needs_api.Urgency, Need.Urgency.values),
        (needs_api.NeedStatus, Need.Status.values),
        (needs_api.OfferKind, Offer.Kind.values),
        (needs_api.OfferStatus, Offer.Status.values),
        (needs_api.MatchState, Match.State.values),
        (needs_api.Side, Match.Side.values),
        (networks_api.LanguageCode, sorted(LANGUAGE_CODES)),
        (networks_api.ContactPreference, Member.ContactPreference.values),
        (networks_api.Role, Member.Role.values),
        (networks_api.ApplicationStatus, Application.Status.values),
        (networks_api.Decision, ApplicationVote.Decision.values),
    ],
)
def test_the_api_lists_exactly_the_models_choices(literal, values):
    assert sorted(get_args(literal)) == sorted(values)


def test_the_availability_pattern_accepts_exactly_the_models_slots():
    import re

    pattern = re.compile(networks_api.AVAILABILITY_PATTERN)
    days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]
    parts = ["morning", "afternoon", "evening"]
    candidates = [f"{d}-{p}" for d in days + ["xyz"] for p in parts + ["night"]]
    assert sorted(c for c in candidates if pattern.fullmatch(c)) == sorted(AVAILABILITY_SLOTS)
