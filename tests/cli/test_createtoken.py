"""`mutualaid createtoken`: a member's API token from the command line."""

import hashlib

from click.testing import CliRunner

from mutualaid.cli import main
from mutualaid.networks.services import api_token_authenticate
from tests.factories import MemberFactory, UserFactory


def createtoken(*args: str):
    return CliRunner().invoke(main, ["createtoken", *args])


def test_the_printed_secret_is_the_members_new_token(db):
    member = MemberFactory(user=UserFactory(email="hugo@example.org"))

    result = createtoken("--email", "hugo@example.org", "--network", member.network.slug)

    assert result.exit_code == 0, result.output
    secret = result.stdout.strip()
    token = member.api_tokens.get()
    assert token.name == "command line"
    assert secret.startswith(f"ma_{token.prefix}_")
    assert hashlib.sha256(secret.encode()).hexdigest() == token.secret_hash


def test_the_printed_secret_authenticates_as_the_member(db):
    member = MemberFactory()

    # Several, as a token's random part sometimes holds "_", the separator.
    secrets = [
        createtoken("--email", member.user.email, "--network", member.network.slug).stdout.strip()
        for _ in range(8)
    ]

    assert all(api_token_authenticate(secret) == member for secret in secrets)


def test_a_token_can_be_named(db):
    member = MemberFactory()

    createtoken("--email", member.user.email, "--network", member.network.slug, "--name", "bench")

    assert member.api_tokens.get().name == "bench"


def test_someone_outside_the_network_gets_no_token(db, network):
    outsider = MemberFactory()

    result = createtoken("--email", outsider.user.email, "--network", network.slug)

    assert result.exit_code != 0
    assert "is not a member" in result.output
    assert not outsider.api_tokens.exists()


def test_an_unknown_network_is_named_in_the_error(db):
    result = createtoken("--email", "a@example.org", "--network", "nowhere")

    assert result.exit_code != 0
    assert "No network with the short name 'nowhere'" in result.output
