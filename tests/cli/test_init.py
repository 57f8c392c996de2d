"""`mutualaid init`: the first network and its founding organiser, from the command line."""

import pytest
from click.testing import CliRunner
from django.contrib.auth.models import User

from mutualaid.cli import main
from mutualaid.networks.models import Member, Neighbourhood, Network
from tests.factories import UserFactory

PASSWORD = "correct horse battery"


def init(*args: str, input: str | None = None):
    return CliRunner().invoke(main, ["init", *args], input=input)


def full_args(**overrides: str) -> list[str]:
    values = {
        "--name": "Fruitvale Aid",
        "--city": "oakland",
        "--email": "ana@example.org",
        "--display-name": "Ana",
        "--password": PASSWORD,
    } | overrides
    args = ["--no-input"]
    for option, value in values.items():
        if value is not None:
            args += [option, value]
    return args


def test_init_creates_the_network_and_an_organiser_who_can_sign_in_at_once(db, client):
    result = init(*full_args())

    assert result.exit_code == 0, result.output
    network = Network.objects.get(slug="fruitvale-aid")
    organiser = Member.objects.get(network=network)
    assert organiser.role == Member.Role.FOUNDING_ORGANISER
    assert organiser.display_name == "Ana"
    assert network.timezone == "America/Los_Angeles"
    assert network.neighbourhoods.count() == 20
    assert f"/n/fruitvale-aid/join/{network.invite_code}/" in result.output
    assert "/n/fruitvale-aid/" in result.output
    response = client.post("/accounts/login/", {"login": "ana@example.org", "password": PASSWORD})
    assert response.status_code == 302
    assert client.session["_auth_user_id"] == str(organiser.user_id)


def test_init_asks_for_what_is_missing_and_hides_the_password(db):
    answers = "\n".join(
        ["Laurel Aid", "Laurel, Oakland", "37.7935", "-122.2010", "bo@example.org", "Bo"]
        + [PASSWORD, PASSWORD, ""]
    )

    result = init(input=answers)

    assert result.exit_code == 0, result.output
    network = Network.objects.get(slug="laurel-aid")
    assert network.area_name == "Laurel, Oakland"
    assert network.timezone == "UTC"
    assert PASSWORD not in result.output
    assert User.objects.get(email="bo@example.org").check_password(PASSWORD)


def test_init_reads_neighbourhoods_from_a_csv_file(db, tmp_path):
    hoods = tmp_path / "hoods.csv"
    hoods.write_text("name,lat,lng\nFruitvale,37.7752,-122.2245\nDimond,37.8012,-122.2148\n")

    result = init(*full_args(**{"--neighbourhoods": str(hoods)}))

    assert result.exit_code == 0, result.output
    names = Neighbourhood.objects.values_list("name", flat=True)
    assert sorted(names) == ["Dimond", "Fruitvale"]


def test_init_refuses_a_network_that_already_exists_and_changes_nothing(db):
    assert init(*full_args()).exit_code == 0

    result = init(*full_args(**{"--email": "someone.else@example.org"}))

    assert result.exit_code != 0
    assert "already exists" in result.output
    assert Network.objects.count() == 1
    assert not User.objects.filter(email="someone.else@example.org").exists()


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"--email": None}, "Missing option --email"),
        ({"--email": "not-an-email"}, "is not an email address"),
        ({"--password": "12345678"}, "This password is too common"),
        ({"--password": "ana@example.org"}, "too similar"),
        ({"--name": "!!!"}, "letters or numbers"),
        ({"--city": None}, "Missing option --area"),
        ({"--city": None, "--area": "Nowhere", "--lat": "123", "--lng": "0"}, "on Earth"),
        ({"--timezone": "Mars/Olympus"}, "unknown time zone"),
        ({"--display-name": " "}, "display name"),
    ],
)
def test_bad_input_to_init_fails_clearly_and_writes_nothing(db, overrides, message):
    result = init(*full_args(**overrides))

    assert result.exit_code != 0
    assert message in result.output
    assert not Network.objects.exists()
    assert not User.objects.exists()


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ("Fruitvale,37.77\n", "line 1: expected name,lat,lng"),
        ("Fruitvale,37.77,-122.22\nDimond,north,-122.21\n", "line 2"),
        ("Fruitvale,97.77,-122.22\n", "on Earth"),
        ("Fruitvale,37.77,-122.22\nFruitvale,37.78,-122.22\n", "listed twice"),
    ],
)
def test_a_bad_neighbourhoods_file_is_refused_with_its_line(db, tmp_path, rows, message):
    hoods = tmp_path / "hoods.csv"
    hoods.write_text(rows)

    result = init(*full_args(**{"--neighbourhoods": str(hoods)}))

    assert result.exit_code != 0
    assert message in result.output
    assert not Network.objects.exists()


def test_an_existing_account_becomes_the_organiser_without_a_new_password(db):
    given = UserFactory(email="ana@example.org")
    args = [a for a in full_args() if a not in ("--password", PASSWORD)]

    result = init(*args)

    assert result.exit_code == 0, result.output
    assert "already has an account" in result.output
    assert Member.objects.get(network__slug="fruitvale-aid").user == given
    assert User.objects.count() == 1
