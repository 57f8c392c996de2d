"""My profile, my data, the network's lists and applications, through the API."""

from mutualaid.networks.models import Application, ApplicationVote, Member, Neighbourhood, Skill
from tests.api.conftest import api_client_for, assert_error
from tests.factories import CENTER_CELL, FAR_CELL, MemberFactory, NeedFactory, UserFactory


def test_me_is_my_membership_and_profile(requester, requester_api):
    body = requester_api.get("/me").json()
    assert body["id"] == requester.pk
    assert body["display_name"] == "Rosa"
    assert body["network"]["slug"] == requester.network.slug
    assert body["role"] == "member"


def test_a_profile_patch_changes_only_the_fields_sent(requester, requester_api):
    requester.phone = "+1 555 0100"
    requester.availability = ["sat-morning"]
    requester.save()
    skill = Skill.objects.create(network=requester.network, slug="cooking", name="Cooking")

    response = requester_api.patch(
        "/me/profile", {"display_name": "Rosa M.", "skill_ids": [skill.pk], "cell": FAR_CELL}
    )

    assert response.status_code == 200, response.content
    body = response.json()
    assert body["display_name"] == "Rosa M."
    assert body["skills"] == [{"id": skill.pk, "slug": "cooking", "label": "Cooking"}]
    requester.refresh_from_db()
    assert requester.cell == FAR_CELL
    assert requester.phone == "+1 555 0100"  # kept
    assert requester.availability == ["sat-morning"]  # kept
    assert requester.languages == ["en"]  # kept


def test_a_profile_patch_is_checked_by_the_service(requester, requester_api, outsider):
    foreign = Skill.objects.create(network=outsider.network, slug="x", name="X")
    assert_error(requester_api.patch("/me/profile", {"skill_ids": [foreign.pk]}), 400)
    body = assert_error(requester_api.patch("/me/profile", {"contact_preference": "phone"}), 400)
    assert "phone" in body["fields"]
    assert_error(requester_api.patch("/me/profile", {"availability": ["someday"]}), 422)
    assert_error(requester_api.patch("/me/profile", {"weekly_task_cap": 51}), 422)
    requester.refresh_from_db()
    assert requester.contact_preference == Member.ContactPreference.EMAIL


def test_my_data_is_the_same_export_as_the_page(requester, requester_api):
    NeedFactory(requester=requester)
    body = requester_api.get("/me/data").json()
    assert body["account"]["email"] == requester.user.email
    [membership] = body["memberships"]
    assert len(membership["needs"]) == 1


def test_categories_and_neighbourhoods_of_my_network(network, requester_api, outsider, category):
    Neighbourhood.objects.create(network=network, name="Lakeside", cell=CENTER_CELL)
    Neighbourhood.objects.create(network=outsider.network, name="Elsewhere", cell=FAR_CELL)
    assert requester_api.get("/categories").json() == [{"slug": "groceries", "label": "Groceries"}]
    hoods = requester_api.get("/neighbourhoods").json()
    assert [h["name"] for h in hoods] == ["Lakeside"]


def test_members_review_and_decide_applications(network, requester, requester_api):
    application = Application.objects.create(
        network=network,
        user=UserFactory(),
        display_name="Newcomer",
        answers=[{"question": "Why?", "answer": "To help"}],
    )
    listed = requester_api.get("/applications").json()
    assert [a["id"] for a in listed["items"]] == [application.pk]
    assert listed["items"][0]["answers"] == [{"question": "Why?", "answer": "To help"}]

    response = requester_api.post(f"/applications/{application.pk}/vote", {"decision": "approve"})

    assert response.status_code == 200, response.content
    assert response.json()["status"] == "approved"
    assert response.json()["my_vote"] == "approve"
    assert Member.objects.filter(network=network, user=application.user).exists()
    again = requester_api.post(f"/applications/{application.pk}/vote", {"decision": "approve"})
    assert_error(again, 409)


def test_applications_of_other_networks_are_404(requester_api, outsider):
    elsewhere = Application.objects.create(
        network=outsider.network, user=UserFactory(), display_name="X"
    )
    response = requester_api.post(f"/applications/{elsewhere.pk}/vote", {"decision": "approve"})
    assert_error(response, 404, "not_found")
    assert not ApplicationVote.objects.exists()


def test_a_bad_decision_is_422(network, requester_api):
    application = Application.objects.create(network=network, user=UserFactory(), display_name="X")
    response = requester_api.post(f"/applications/{application.pk}/vote", {"decision": "maybe"})
    assert_error(response, 422, "invalid_input")


def test_a_member_of_two_networks_sees_the_network_of_the_token(requester):
    other = MemberFactory(user=requester.user, display_name="Rosa elsewhere")
    assert api_client_for(other).get("/me").json()["network"]["slug"] == other.network.slug
