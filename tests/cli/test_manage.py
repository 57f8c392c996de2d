"""`mutualaid manage` passes through to Django's management commands."""

from click.testing import CliRunner

from mutualaid.cli import main


def test_manage_runs_a_django_command_with_its_own_options(db):
    result = CliRunner().invoke(main, ["manage", "check", "--fail-level", "ERROR"])

    assert result.exit_code == 0, result.output
    assert "System check identified no issues" in result.output


def test_manage_shows_djangos_help_not_ours():
    result = CliRunner().invoke(main, ["manage", "help", "migrate"])

    assert "--run-syncdb" in result.output


def test_the_command_lists_its_doors():
    result = CliRunner().invoke(main, ["--help"])

    for command in ("init", "serve", "demo", "createtoken", "manage"):
        assert command in result.output


def test_seed_demo_builds_the_demo_through_manage(db):
    result = CliRunner().invoke(main, ["manage", "seed_demo"])

    assert result.exit_code == 0, result.output
    assert "Built Oakland Mutual Aid (64 members, 150 needs" in result.output
