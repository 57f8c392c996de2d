"""The network pages, through the browser's door: who sees what, and bad input writes nothing."""

import itertools
import re
from html.parser import HTMLParser

import pytest
from django.contrib import admin
from django.test import Client
from django.urls import reverse
from encrypted_fields.fields import EncryptedFieldMixin

from mutualaid.core.models import HistoryEntry
from mutualaid.networks import services
from mutualaid.networks.models import (
    ApiToken,
    Application,
    ApplicationVote,
    Member,
    Neighbourhood,
    Network,
    Skill,
)
from tests.conftest import SECRET_ADDRESS, SECRET_PHONE, client_for
from tests.factories import (
    FAR_CELL,
    NEARBY_CELL,
    CategoryFactory,
    MemberFactory,
    NeedFactory,
    NetworkFactory,
    UserFactory,
)

HUGE = "x" * 100_000


def url(name: str, network: Network, **kwargs) -> str:
    return reverse(f"networks:{name}", kwargs={"slug": network.slug, **kwargs})


def user_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def body(response) -> str:
    return response.content.decode()


@pytest.fixture
def organiser(network):
    return MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER, display_name="Ora")


@pytest.fixture
def stranger(db):
    """Signed up, verified, in no network."""
    return UserFactory()


@pytest.fixture
def application(network, stranger):
    network.application_questions = ["Why do you want to join?"]
    network.save()
    return services.application_submit(
        user=stranger, network=network, display_name="Sam", answers=["To help on Saturdays"]
    )


# --- The public page ---


def test_a_visitor_sees_counts_and_no_fees_but_no_personal_data(network, need, helper):
    response = Client().get(url("public", network))
    assert response.status_code == 200
    text = body(response)
    assert network.name in text
    assert "No membership fees, ever." in text
    assert "<strong>1</strong> open need" in text
    assert "<strong>2</strong> members" in text
    for private in (SECRET_ADDRESS, SECRET_PHONE, need.description, "Rosa", "Hugo"):
        assert private not in text
    assert url("apply", network) in text


def test_a_member_sees_a_link_to_their_home_on_the_public_page(network, requester):
    response = client_for(requester).get(url("public", network))
    assert url("dashboard", network) in body(response)
    assert url("apply", network) not in body(response)


def test_an_invite_only_network_says_so_instead_of_offering_to_apply(network):
    network.open_for_applications = False
    network.save()
    response = Client().get(url("public", network))
    assert "invite-only" in body(response)
    assert url("apply", network) not in body(response)


def test_an_applicant_sees_that_their_application_is_waiting(network, stranger, application):
    response = user_client(stranger).get(url("public", network))
    assert "waiting for members" in body(response)


def test_a_missing_network_is_a_404(db):
    response = Client().get(reverse("networks:public", kwargs={"slug": "nowhere"}))
    assert response.status_code == 404


# --- Joining by invitation ---


def test_a_visitor_with_an_invitation_is_sent_to_sign_up_and_back(network):
    join = url("join", network, code=network.invite_code)
    response = Client().get(join)
    assert response.status_code == 200
    assert f"{reverse('account_signup')}?next=%2Fn%2F{network.slug}%2Fjoin%2F" in body(response)
    assert f"{reverse('account_login')}?next=" in body(response)


def test_signing_in_from_an_invitation_comes_back_to_it(network, stranger):
    join = url("join", network, code=network.invite_code)
    response = Client().post(
        reverse("account_login"),
        {"login": stranger.email, "password": "correct horse battery", "next": join},
    )
    assert response.status_code == 302
    assert response["Location"] == join


def test_a_signed_in_person_joins_with_a_name_and_goes_to_their_profile(network, stranger):
    response = user_client(stranger).post(
        url("join", network, code=network.invite_code), {"display_name": "Juno"}
    )
    assert response.status_code == 302
    assert response["Location"] == url("profile", network)
    assert Member.objects.get(network=network, user=stranger).display_name == "Juno"


def test_an_old_invitation_link_shows_a_clear_403_and_joins_nobody(network, stranger):
    old = network.invite_code
    services.network_rotate_invite(
        actor=MemberFactory(network=network, role=Member.Role.FOUNDING_ORGANISER),
        network=network,
    )
    members = Member.objects.count()
    for client in (Client(), user_client(stranger)):
        response = client.post(url("join", network, code=old), {"display_name": "Juno"})
        assert response.status_code == 403
        assert "no longer valid" in body(response)
    assert Member.objects.count() == members


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "This field is required"),
        ({"display_name": "   "}, "required"),
        ({"display_name": HUGE}, "under 60 characters"),
    ],
)
def test_joining_with_a_bad_name_explains_and_joins_nobody(network, stranger, data, message):
    members = Member.objects.count()
    response = user_client(stranger).post(url("join", network, code=network.invite_code), data)
    assert response.status_code == 400
    assert message in body(response)
    assert Member.objects.count() == members


def test_joining_twice_makes_one_membership_and_says_so(network, stranger):
    client = user_client(stranger)
    join = url("join", network, code=network.invite_code)
    client.post(join, {"display_name": "Juno"})
    response = client.post(join, {"display_name": "Juno"})
    assert response.status_code == 409
    assert "already a member" in body(response)
    assert Member.objects.filter(network=network, user=stranger).count() == 1


def test_a_member_opening_the_invitation_again_goes_home(network, requester):
    response = client_for(requester).get(url("join", network, code=network.invite_code))
    assert response.status_code == 302
    assert response["Location"] == url("dashboard", network)


# --- Applying ---


def test_a_visitor_must_sign_in_to_apply(network):
    response = Client().get(url("apply", network))
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login") + "?next=")


def test_applying_answers_the_questions_and_shows_the_status(network, stranger):
    network.application_questions = ["Why?", "Which days?"]
    network.save()
    client = user_client(stranger)
    form = client.get(url("apply", network))
    assert "Why?" in body(form)
    assert 'for="id_answer_1"' in body(form)
    response = client.post(
        url("apply", network), {"display_name": "Sam", "answer_0": "To help", "answer_1": "Sat"}
    )
    assert response.status_code == 302
    application = Application.objects.get(network=network, user=stranger)
    assert [a["answer"] for a in application.answers] == ["To help", "Sat"]
    assert "waiting for members" in body(client.get(response["Location"]))


@pytest.mark.parametrize(
    "data",
    [
        {"display_name": "Sam"},
        {"display_name": "Sam", "answer_0": ""},
        {"display_name": "Sam", "answer_0": HUGE},
        {"display_name": HUGE, "answer_0": "Hi"},
    ],
)
def test_an_incomplete_or_huge_application_is_refused_and_not_saved(network, stranger, data):
    network.application_questions = ["Why?"]
    network.save()
    response = user_client(stranger).post(url("apply", network), data)
    assert response.status_code == 400
    assert "That was not saved" in body(response)
    assert Application.objects.count() == 0


def test_applying_twice_keeps_one_application_and_says_it_is_waiting(network, stranger):
    client = user_client(stranger)
    client.post(url("apply", network), {"display_name": "Sam"})
    response = client.post(url("apply", network), {"display_name": "Sam"})
    assert response.status_code == 409
    assert "already waiting" in body(response)
    assert Application.objects.filter(user=stranger).count() == 1


def test_an_invite_only_network_takes_no_applications(network, stranger):
    network.open_for_applications = False
    network.save()
    client = user_client(stranger)
    assert "invite-only" in body(client.get(url("apply", network)))
    response = client.post(url("apply", network), {"display_name": "Sam"})
    assert response.status_code == 403
    assert Application.objects.count() == 0


# --- Reviewing applications ---


def test_members_see_pending_applications_with_answers_and_progress(network, helper, application):
    response = client_for(helper).get(url("applications", network))
    assert response.status_code == 200
    text = body(response)
    assert "Sam" in text
    assert "To help on Saturdays" in text
    assert "Approvals so far: 0 of 1 needed" in text


def test_visitors_and_other_networks_never_see_applications(network, outsider, application):
    anonymous = Client().get(url("applications", network))
    assert anonymous.status_code == 302
    assert anonymous["Location"].startswith(reverse("account_login"))
    foreign = client_for(outsider).get(url("applications", network))
    assert foreign.status_code == 302
    assert foreign["Location"] == url("public", network)
    vote = client_for(outsider).post(
        url("application_vote", network, application_id=application.pk), {"decision": "approve"}
    )
    assert vote.status_code == 302
    assert ApplicationVote.objects.count() == 0


def test_an_approval_makes_the_applicant_a_member_and_emails_them(
    network, helper, application, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        response = client_for(helper).post(
            url("application_vote", network, application_id=application.pk),
            {"decision": "approve"},
        )
    assert response.status_code == 302
    application.refresh_from_db()
    assert application.status == Application.Status.APPROVED
    assert Member.objects.filter(network=network, user=application.user).exists()
    assert [m.to for m in mailoutbox] == [[application.user.email]]


def test_voting_twice_records_one_vote_and_says_why(network, helper, bystander, application):
    network.approvals_needed = 2  # of two active members
    network.save()
    client = client_for(helper)
    vote = url("application_vote", network, application_id=application.pk)
    client.post(vote, {"decision": "approve"})
    response = client.post(vote, {"decision": "approve"})
    assert response.status_code == 409
    assert "already answered" in body(response)
    assert ApplicationVote.objects.count() == 1


@pytest.mark.parametrize("data", [{}, {"decision": "maybe"}, {"decision": HUGE}])
def test_a_vote_without_a_clear_decision_is_refused(network, helper, application, data):
    response = client_for(helper).post(
        url("application_vote", network, application_id=application.pk), data
    )
    assert response.status_code == 400
    assert "Choose approve or decline" in body(response)
    assert ApplicationVote.objects.count() == 0


def test_voting_on_another_networks_or_a_missing_application_is_a_404(outsider, application):
    for application_id in (application.pk, 999_999):
        response = client_for(outsider).post(
            url("application_vote", outsider.network, application_id=application_id),
            {"decision": "approve"},
        )
        assert response.status_code == 404
    assert ApplicationVote.objects.count() == 0


def test_voting_needs_a_post(network, helper, application):
    response = client_for(helper).get(
        url("application_vote", network, application_id=application.pk)
    )
    assert response.status_code == 405


# --- The member's home ---


def test_a_member_sees_their_needs_links_and_pending_applications(
    network, requester, need, application
):
    NeedFactory(requester=MemberFactory(network=network), description="Someone else's need")
    response = client_for(requester).get(url("dashboard", network))
    assert response.status_code == 200
    text = body(response)
    assert need.description in text
    assert "Someone else&#x27;s need" not in text
    assert reverse("needs:need_create", kwargs={"slug": network.slug}) in text
    assert reverse("needs:offer_create", kwargs={"slug": network.slug}) in text
    assert reverse("needs:need_list", kwargs={"slug": network.slug}) in text
    assert "1 person is waiting to join" in text
    assert network.invite_code not in text
    assert SECRET_ADDRESS not in text


def test_an_organiser_sees_the_full_invitation_link_and_can_rotate_it(network, organiser):
    response = client_for(organiser).get(url("dashboard", network))
    expected = "http://testserver" + url("join", network, code=network.invite_code)
    assert expected in body(response)
    assert url("invite_rotate", network) in body(response)


def test_visitors_and_outsiders_do_not_get_a_members_home(network, outsider):
    assert Client().get(url("dashboard", network))["Location"].startswith(reverse("account_login"))
    assert client_for(outsider).get(url("dashboard", network))["Location"] == url("public", network)


# --- Profile ---


@pytest.fixture
def hood(network):
    return Neighbourhood.objects.create(network=network, name="Grand Lake", cell=NEARBY_CELL)


def profile_data(network, **overrides):
    skill = Skill.objects.create(network=network, slug="cooking", name="Cooking")
    data = {
        "display_name": "Rosa M",
        "languages": ["en", "es"],
        "skills": [str(skill.pk)],
        "free_tags": "bike repair, Sign Language",
        "accessibility_needs": "Step-free entrance",
        "cell": NEARBY_CELL,
        "availability": ["sat-morning", "sun-evening"],
        "weekly_task_cap": "3",
        "travel_radius_km": "5",
        "contact_preference": "phone",
        "phone": SECRET_PHONE,
    }
    data.update(overrides)
    return {k: v for k, v in data.items() if v is not None}


def snapshot(member: Member) -> tuple:
    member = Member.objects.get(pk=member.pk)
    return (
        member.display_name,
        member.languages,
        member.free_tags,
        member.accessibility_needs,
        member.cell,
        member.availability,
        member.weekly_task_cap,
        member.travel_radius_km,
        member.contact_preference,
        member.phone,
        sorted(member.skills.values_list("pk", flat=True)),
        HistoryEntry.objects.count(),
    )


def test_a_member_saves_their_whole_profile(network, requester, hood):
    response = client_for(requester).post(url("profile", network), profile_data(network))
    assert response.status_code == 302
    member = Member.objects.get(pk=requester.pk)
    assert member.display_name == "Rosa M"
    assert member.languages == ["en", "es"]
    assert [s.slug for s in member.skills.all()] == ["cooking"]
    assert member.free_tags == ["bike repair", "sign language"]
    assert member.accessibility_needs == "Step-free entrance"
    assert member.cell == NEARBY_CELL
    assert member.availability == ["sat-morning", "sun-evening"]
    assert (member.weekly_task_cap, member.travel_radius_km) == (3, 5)
    assert member.phone == SECRET_PHONE


def test_the_profile_form_shows_the_members_own_details_and_is_not_cached(network, requester, hood):
    client_for(requester).post(url("profile", network), profile_data(network))
    response = client_for(requester).get(url("profile", network))
    text = body(response)
    assert SECRET_PHONE in text
    assert "Grand Lake" in text
    assert 'id="availability-sat-morning" checked' in text
    assert "<legend>Languages I speak</legend>" in text
    assert "no-store" in response["Cache-Control"]


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"display_name": None}, "This field is required"),
        ({"display_name": HUGE}, "under 60 characters"),
        ({"weekly_task_cap": "many"}, "Enter a whole number"),
        ({"weekly_task_cap": "9" * 5000}, "Enter a whole number"),
        ({"weekly_task_cap": "999"}, "from 0 to 50"),
        ({"travel_radius_km": "-1"}, "from 0 to 200"),
        ({"languages": ["xx"]}, "Select a valid choice"),
        ({"availability": ["someday-noon"]}, "Select a valid choice"),
        ({"skills": ["999999"]}, "Select a valid choice"),
        ({"skills": ["abc"]}, "Select a valid choice"),
        ({"cell": "not-a-cell"}, "Select a valid choice"),
        ({"contact_preference": "pigeon"}, "Select a valid choice"),
        ({"contact_preference": "phone", "phone": ""}, "Add a phone number"),
        ({"phone": HUGE}, "under 40 characters"),
        ({"accessibility_needs": HUGE}, "under 1000 characters"),
        ({"free_tags": ",".join(["tag"] * 5 + [f"t{i}" for i in range(30)])}, "Up to 20 tags"),
        ({"free_tags": HUGE}, "Up to 20 tags"),
    ],
)
def test_a_bad_profile_is_explained_and_nothing_is_saved(
    network, requester, hood, overrides, message
):
    data = profile_data(network, **overrides)
    before = snapshot(requester)
    response = client_for(requester).post(url("profile", network), data)
    assert response.status_code == 400
    assert message in body(response)
    assert "That was not saved" in body(response)
    assert snapshot(requester) == before


def test_another_networks_skill_cannot_be_chosen(network, requester, outsider, hood):
    theirs = Skill.objects.create(network=outsider.network, slug="knitting", name="Knitting")
    before = snapshot(requester)
    response = client_for(requester).post(
        url("profile", network), profile_data(network, skills=[str(theirs.pk)])
    )
    assert response.status_code == 400
    assert snapshot(requester) == before


def test_another_networks_neighbourhood_cannot_be_chosen(network, requester, outsider, hood):
    far = Neighbourhood.objects.create(network=outsider.network, name="Far", cell=FAR_CELL)
    before = snapshot(requester)
    response = client_for(requester).post(
        url("profile", network), profile_data(network, cell=far.cell)
    )
    assert response.status_code == 400
    assert snapshot(requester) == before


def test_profiles_are_for_members_only(network, outsider):
    assert Client().get(url("profile", network)).status_code == 302
    response = client_for(outsider).get(url("profile", network))
    assert response["Location"] == url("public", network)


# --- Settings and the invitation link ---


def test_only_organisers_reach_the_settings_and_others_get_the_same_404(
    network, organiser, requester, outsider
):
    assert client_for(organiser).get(url("settings", network)).status_code == 200
    assert client_for(requester).get(url("settings", network)).status_code == 404
    assert client_for(outsider).get(url("settings", network)).status_code == 404
    assert Client().get(url("settings", network)).status_code == 302
    missing = reverse("networks:settings", kwargs={"slug": "nowhere"})
    assert client_for(organiser).get(missing).status_code == 404


def test_an_organiser_saves_settings_with_one_question_per_line(network, organiser):
    response = client_for(organiser).post(
        url("settings", network),
        {
            "description": "We help on the east side.",
            "open_for_applications": "on",
            "approvals_needed": "2",
            "application_questions": "Why?\n\n  Which days? \n",
        },
    )
    assert response.status_code == 302
    network.refresh_from_db()
    assert network.description == "We help on the east side."
    assert network.approvals_needed == 2
    assert network.application_questions == ["Why?", "Which days?"]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        ({}, "This field is required"),
        ({"approvals_needed": "lots"}, "Enter a whole number"),
        ({"approvals_needed": "0"}, "from 1 to 50"),
        ({"approvals_needed": "2", "description": HUGE}, "under 4000 characters"),
        ({"approvals_needed": "2", "application_questions": HUGE}, "under 300 characters"),
        (
            {"approvals_needed": "2", "application_questions": "\n".join("Q" * 11)},
            "at most 10 questions",
        ),
    ],
)
def test_bad_settings_are_explained_and_not_saved(network, organiser, data, message):
    before = Network.objects.filter(pk=network.pk).values().get()
    response = client_for(organiser).post(url("settings", network), data)
    assert response.status_code == 400
    assert message in body(response)
    assert Network.objects.filter(pk=network.pk).values().get() == before


def test_rotating_the_invitation_makes_the_old_link_stop_working(network, organiser, stranger):
    old = network.invite_code
    response = client_for(organiser).post(url("invite_rotate", network))
    assert response.status_code == 302
    network.refresh_from_db()
    assert network.invite_code != old
    assert user_client(stranger).get(url("join", network, code=old)).status_code == 403


def test_only_organisers_rotate_the_invitation_and_only_by_post(network, organiser, requester):
    old = network.invite_code
    assert client_for(requester).post(url("invite_rotate", network)).status_code == 404
    assert client_for(organiser).get(url("invite_rotate", network)).status_code == 405
    network.refresh_from_db()
    assert network.invite_code == old


# --- API tokens ---


def test_a_new_token_secret_is_shown_once(network, requester):
    client = client_for(requester)
    response = client.post(url("tokens", network), {"name": "My script"})
    assert response.status_code == 200
    assert "no-store" in response["Cache-Control"]
    token = ApiToken.objects.get(member=requester)
    text = body(response)
    assert f"ma_{token.prefix}_" in text
    assert "only time it is shown" in text
    later = body(client.get(url("tokens", network)))
    assert "My script" in later
    assert "only time it is shown" not in later
    secret = re.search(r'id="new-token-secret" type="text" readonly value="([^"]+)"', text)[1]
    assert services.api_token_authenticate(secret) == requester


@pytest.mark.parametrize(("data", "message"), [({}, "required"), ({"name": HUGE}, "under 80")])
def test_a_token_needs_a_sensible_name(network, requester, data, message):
    response = client_for(requester).post(url("tokens", network), data)
    assert response.status_code == 400
    assert message in body(response)
    assert ApiToken.objects.count() == 0


def test_a_member_revokes_their_own_token_but_not_anyone_elses(network, requester, helper):
    mine, _secret = services.api_token_create(actor=requester, name="mine")
    theirs, _secret = services.api_token_create(actor=helper, name="theirs")
    client = client_for(requester)
    assert client.post(url("token_revoke", network, token_id=theirs.pk)).status_code == 404
    assert client.post(url("token_revoke", network, token_id=999_999)).status_code == 404
    assert client.post(url("token_revoke", network, token_id=mine.pk)).status_code == 302
    assert list(ApiToken.objects.values_list("name", flat=True)) == ["theirs"]


def test_tokens_are_listed_only_to_their_owner(network, requester, helper, outsider):
    services.api_token_create(actor=helper, name="hugos token")
    assert "hugos token" not in body(client_for(requester).get(url("tokens", network)))
    assert client_for(outsider).get(url("tokens", network)).status_code == 302


# --- The admin ---


def test_no_admin_shows_an_encrypted_field(db, rf):
    superuser = UserFactory(is_superuser=True, is_staff=True)
    request = rf.get("/admin/")
    request.user = superuser
    for model, model_admin in admin.site._registry.items():
        form = model_admin.get_form(request)
        encrypted = {f.name for f in model._meta.get_fields() if isinstance(f, EncryptedFieldMixin)}
        shown = set(form.base_fields) | set(model_admin.get_readonly_fields(request))
        shown |= set(model_admin.get_list_display(request)) | set(model_admin.search_fields)
        assert not encrypted & shown, model


def test_an_organiser_finds_members_by_name_without_seeing_their_phone(network, organiser):
    MemberFactory(network=network, display_name="Findme", phone=SECRET_PHONE)
    response = client_for(organiser).get("/admin/networks/member/", {"q": "Findme"})
    assert response.status_code == 200
    assert "Findme" in body(response)
    member = Member.objects.get(display_name="Findme")
    change = client_for(organiser).get(f"/admin/networks/member/{member.pk}/change/")
    assert change.status_code == 200
    assert SECRET_PHONE not in body(change)


def test_an_organiser_filters_applications_by_status(network, organiser, application):
    response = client_for(organiser).get("/admin/networks/application/", {"status": "pending"})
    assert response.status_code == 200
    assert "Sam" in body(response)


def test_the_history_log_is_read_only_in_the_admin(network, organiser):
    history = HistoryEntry.objects.create(network=network, action="test.action")
    client = client_for(organiser)
    assert client.get("/admin/core/historyentry/").status_code == 200
    assert client.get("/admin/core/historyentry/add/").status_code == 403
    response = client.post(f"/admin/core/historyentry/{history.pk}/delete/", {"post": "yes"})
    assert response.status_code == 403
    assert HistoryEntry.objects.filter(pk=history.pk).exists()


def test_categories_can_be_switched_off_and_reordered_from_the_list(network, organiser):
    category = CategoryFactory(network=network)
    CategoryFactory(network=NetworkFactory(), slug="meals", name="Meals")
    client = client_for(organiser)
    response = client.get("/admin/networks/category/")
    assert response.status_code == 200
    assert 'name="form-0-is_active"' in body(response)
    assert "Meals" not in body(response)
    response = client.post(
        "/admin/networks/category/",
        {
            "form-TOTAL_FORMS": "1",
            "form-INITIAL_FORMS": "1",
            "form-0-id": str(category.pk),
            "form-0-position": "7",
            "_save": "Save",
        },
    )
    assert response.status_code == 302
    category.refresh_from_db()
    assert (category.is_active, category.position) == (False, 7)


# --- Accessibility basics on every page ---


class _PageStructure(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.ids: list[str] = []
        self.headings: list[int] = []
        self.label_for: set[str] = set()
        self.inputs: list[tuple[str, bool]] = []  # (id, wrapped in a label)
        self._label_depth = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        attributes = dict(attrs)
        if attributes.get("id"):
            self.ids.append(attributes["id"] or "")
        if re.fullmatch(r"h[1-6]", tag):
            self.headings.append(int(tag[1]))
        if tag == "label":
            self._label_depth += 1
            if attributes.get("for"):
                self.label_for.add(attributes["for"] or "")
        if tag in {"input", "select", "textarea"} and attributes.get("type") not in {
            "hidden",
            "submit",
        }:
            self.inputs.append((attributes.get("id") or "", self._label_depth > 0))

    def handle_endtag(self, tag: str) -> None:
        if tag == "label":
            self._label_depth -= 1


def assert_accessible_structure(html: str) -> None:
    """One h1, headings in order, unique ids, and a real label for every field."""
    page = _PageStructure()
    page.feed(html)
    assert page.headings.count(1) == 1, page.headings
    for before, after in itertools.pairwise(page.headings):
        assert after <= before + 1, page.headings
    duplicates = {i for i in page.ids if page.ids.count(i) > 1}
    assert not duplicates
    unlabelled = [i for i, wrapped in page.inputs if not wrapped and i not in page.label_for]
    assert not unlabelled


def test_every_network_page_has_one_h1_ordered_headings_and_labelled_fields(
    network, organiser, requester, need, application, stranger, hood
):
    services.api_token_create(actor=requester, name="script")
    pages = [
        (Client(), url("public", network)),
        (Client(), url("join", network, code=network.invite_code)),
        (user_client(stranger), url("join", network, code=network.invite_code)),
        (user_client(stranger), url("join", network, code="wrong")),
        (user_client(UserFactory()), url("apply", network)),
        (client_for(requester), url("applications", network)),
        (client_for(organiser), url("dashboard", network)),
        (client_for(requester), url("profile", network)),
        (client_for(organiser), url("settings", network)),
        (client_for(requester), url("tokens", network)),
    ]
    for client, path in pages:
        response = client.get(path)
        assert response.status_code in {200, 403}, path
        assert_accessible_structure(body(response))
    invalid = client_for(requester).post(url("profile", network), {"weekly_task_cap": "x"})
    assert_accessible_structure(body(invalid))
