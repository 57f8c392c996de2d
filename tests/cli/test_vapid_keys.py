"""`mutualaid vapid-keys`: a key pair for browser notifications, as environment lines."""

from click.testing import CliRunner
from cryptography.hazmat.primitives import serialization
from py_vapid import Vapid
from py_vapid.utils import b64urlencode

from mutualaid.cli import main


def _env(output: str) -> dict[str, str]:
    return dict(line.split("=", 1) for line in output.splitlines() if "=" in line)


def test_it_prints_a_matching_pair_that_pywebpush_can_sign_with():
    # When the command runs,
    result = CliRunner().invoke(main, ["vapid-keys"])

    # then it prints both settings,
    assert result.exit_code == 0, result.output
    env = _env(result.stdout)
    public, private = env["MUTUALAID_VAPID_PUBLIC_KEY"], env["MUTUALAID_VAPID_PRIVATE_KEY"]
    # and the private key, read the way pywebpush reads it, has that public key
    vapid = Vapid.from_string(private_key=private)
    point = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    assert b64urlencode(point) == public
    assert len(point) == 65  # the uncompressed P-256 point browsers take
    # and can sign a push request.
    headers = vapid.sign({"sub": "mailto:admin@example.org", "aud": "https://push.example"})
    assert headers["Authorization"].startswith("vapid t=")


def test_each_run_makes_a_new_pair():
    first = _env(CliRunner().invoke(main, ["vapid-keys"]).stdout)
    second = _env(CliRunner().invoke(main, ["vapid-keys"]).stdout)

    assert first["MUTUALAID_VAPID_PRIVATE_KEY"] != second["MUTUALAID_VAPID_PRIVATE_KEY"]
