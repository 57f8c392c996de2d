"""Production settings pass Django's deployment checklist, and refuse to start half-configured.

Each case runs `manage.py` in a fresh process with only the environment a real deployment
would set, because settings are read once at start-up.
"""

import secrets
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def production_env(tmp_path):
    return {
        "PATH": "/usr/bin:/bin",
        "MUTUALAID_ENV": "production",
        "SECRET_KEY": secrets.token_urlsafe(50),
        "MUTUALAID_FIELD_KEYS": f"{secrets.token_urlsafe(32)},{secrets.token_urlsafe(32)}",
        "MUTUALAID_PSEUDONYM_KEY": secrets.token_urlsafe(32),
        "ALLOWED_HOSTS": "aid.example.org",
        "MUTUALAID_VAR_DIR": str(tmp_path),
    }


def manage(env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "manage.py", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )


def deploy_check(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return manage(env, "check", "--deploy", "--fail-level", "WARNING")


def test_production_settings_pass_the_deployment_checklist(production_env):
    result = deploy_check(production_env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize(
    ("change", "warning"),
    [
        ({"SECRET_KEY": "short-and-guessable"}, "security.W009"),
        ({"DEBUG": "1"}, "security.W018"),
        ({"SECURE_SSL_REDIRECT": "0"}, "security.W008"),
    ],
    ids=["weak secret key", "debug on", "no https redirect"],
)
def test_the_checklist_catches_a_weakened_deployment(production_env, change, warning):
    # The passing test above means something only if the check can fail.
    result = deploy_check(production_env | change)
    assert result.returncode != 0
    assert warning in result.stderr + result.stdout


@pytest.mark.parametrize(
    "missing", ["SECRET_KEY", "MUTUALAID_FIELD_KEYS", "MUTUALAID_PSEUDONYM_KEY"]
)
def test_production_refuses_to_start_without_its_secrets(production_env, missing):
    env = {key: value for key, value in production_env.items() if key != missing}
    result = manage(env, "check")
    assert result.returncode != 0
    assert f"{missing} must be set when MUTUALAID_ENV=production" in result.stderr


def test_development_starts_without_any_configuration(tmp_path):
    result = manage({"PATH": "/usr/bin:/bin", "MUTUALAID_VAR_DIR": str(tmp_path)}, "check")
    assert result.returncode == 0, result.stderr


def test_production_refuses_to_print_texts_to_its_log(production_env):
    # The console backend writes members' numbers and words to stdout, which logs keep.
    result = manage(production_env | {"MUTUALAID_SMS_BACKEND": "console"}, "check")
    assert result.returncode != 0
    assert "MUTUALAID_SMS_BACKEND=console prints members' numbers" in result.stderr


def test_production_without_a_gateway_sends_no_texts(production_env):
    result = manage(
        production_env,
        "shell",
        "-c",
        "from django.conf import settings; print(settings.MUTUALAID_SMS_BACKEND)",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "off"
