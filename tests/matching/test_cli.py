"""`mutualaid match` and `mutualaid simulate` from the command line."""

from click.testing import CliRunner

from mutualaid import cli
from mutualaid.needs.models import Match
from tests.factories import CategoryFactory, MemberFactory, NeedFactory
from tests.matching.helpers import a_helper


def run(*args: str):
    return CliRunner().invoke(cli.main, list(args))


def test_match_prints_a_summary_table_and_asks_the_helpers(network):
    CategoryFactory(network=network)
    NeedFactory(requester=MemberFactory(network=network))
    a_helper(network)

    result = run("match", "--network", network.slug)

    assert result.exit_code == 0, result.output
    header, row = result.output.splitlines()[:2]
    assert header.split() == [
        "network",
        "open",
        "needs",
        "helpers",
        "candidates",
        "proposed",
        "unmatched",
        "seconds",
    ]
    assert row.split()[:6] == [network.slug, "1", "1", "1", "1", "0"]
    assert Match.objects.filter(state=Match.State.SUGGESTED).count() == 1


def test_a_dry_run_asks_nobody(network):
    CategoryFactory(network=network)
    NeedFactory(requester=MemberFactory(network=network))
    a_helper(network)

    result = run("match", "--dry-run")

    assert result.exit_code == 0, result.output
    assert "nobody was asked" in result.output
    assert not Match.objects.exists()


def test_an_unknown_network_is_a_clear_error(db):
    result = run("match", "--network", "nowhere")

    assert result.exit_code != 0
    assert "No network with the short name 'nowhere'." in result.output


def test_simulate_hands_its_arguments_to_the_simulation(monkeypatch):
    import mutualaid.matching.simulation.cli as simulate

    seen = []
    monkeypatch.setattr(simulate, "cli_main", lambda argv: seen.append(argv) or 0)

    result = run("simulate", "--weeks", "2", "--seed", "7")

    assert result.exit_code == 0, result.output
    assert seen == [["--weeks", "2", "--seed", "7"]]
