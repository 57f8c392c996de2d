"""The `mutualaid` command: init, serve, demo, createtoken, match, simulate, rekey, care,
vapid-keys and manage.

Like the pages and the API, the command line is a door into the services: it parses input,
calls one service and prints the outcome. It sets up Django itself, so it runs from anywhere
once the package is installed.
"""

import csv
import os
import secrets
import signal
import subprocess
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass
from importlib.metadata import version
from pathlib import Path
from types import FrameType
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import click
import django
from django.conf import settings
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.management import call_command, execute_from_command_line
from django.core.validators import validate_email
from django.db import transaction
from django.urls import reverse
from django.utils.text import slugify
from huey.consumer_options import config_keys

from mutualaid.core.errors import DomainError

if TYPE_CHECKING:
    from mutualaid.networks.models import Network

# The preset areas in mutualaid.networks.demo.CITIES (named here so --help needs no Django).
PRESET_CITIES = ("oakland",)


def _django() -> None:
    """Set up Django for commands that need it (not for --help)."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualaid.settings")
    django.setup()


def _call(*args: str) -> None:

    call_command(*args)


def _migrate() -> None:
    click.echo("Bringing the database up to date…")
    _call("migrate", "--noinput", "-v0")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def main() -> None:
    """mutualaid: free, self-hostable software for mutual aid networks."""


# --- init -------------------------------------------------------------------------------


@dataclass(frozen=True)
class InitInput:
    name: str
    slug: str
    area_name: str
    lat: float
    lng: float
    timezone: str
    neighbourhoods: tuple[tuple[str, float, float], ...]
    email: str
    display_name: str
    password: str


def read_neighbourhoods(path: Path) -> tuple[tuple[str, float, float], ...]:
    """Rows of `name,lat,lng` from a CSV file; a header row is allowed."""
    rows: list[tuple[str, float, float]] = []
    with path.open(newline="", encoding="utf-8") as handle:
        for number, row in enumerate(csv.reader(handle), start=1):
            if not row or not "".join(row).strip():
                continue
            if len(row) != 3:
                raise click.BadParameter(
                    f"line {number}: expected name,lat,lng", param_hint="--neighbourhoods"
                )
            name, lat, lng = (cell.strip() for cell in row)
            try:
                point = (float(lat), float(lng))
            except ValueError:
                if number == 1 and not rows:
                    continue  # a header
                raise click.BadParameter(
                    f"line {number}: {lat!r}, {lng!r} are not coordinates",
                    param_hint="--neighbourhoods",
                ) from None
            if not name or not _on_earth(*point):
                raise click.BadParameter(
                    f"line {number}: needs a name and coordinates on Earth",
                    param_hint="--neighbourhoods",
                )
            rows.append((name, *point))
    if len({name for name, _lat, _lng in rows}) != len(rows):
        raise click.BadParameter("a neighbourhood is listed twice", param_hint="--neighbourhoods")
    return tuple(rows)


def _on_earth(lat: float, lng: float) -> bool:
    return -90 <= lat <= 90 and -180 <= lng <= 180


def _ask(value: Any, prompt: str, *, no_input: bool, option: str, **kwargs: Any) -> Any:
    if value is not None and value != "":
        return value
    if no_input:
        raise click.UsageError(f"Missing option {option} (it has no default).")
    return click.prompt(prompt, **kwargs)


def _check_email(email: str) -> str:

    email = email.strip()
    try:
        validate_email(email)
    except ValidationError:
        raise click.BadParameter(
            f"{email!r} is not an email address.", param_hint="--email"
        ) from None
    return email


def _check_password(password: str, email: str) -> None:
    # import here: models need Django set up (_django()); --help runs without it
    from django.contrib.auth.models import User

    try:
        validate_password(password, user=User(username=email, email=email))
    except ValidationError as error:
        raise click.BadParameter(" ".join(error.messages), param_hint="--password") from None


def _check_timezone(name: str) -> str:
    try:
        ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):
        raise click.BadParameter(f"unknown time zone {name!r}", param_hint="--timezone") from None
    return name


def _gather_init_input(options: dict[str, Any], *, no_input: bool) -> InitInput:
    """Every value init needs, asked for when missing, checked before anything is written."""

    # import here: models need Django set up (_django()); --help runs without it
    from mutualaid.accounts.selectors import user_by_email
    from mutualaid.networks.demo import CITIES
    from mutualaid.networks.models import Network

    def ask(key: str, prompt: str, option: str, **kwargs: Any) -> Any:
        return _ask(options.get(key), prompt, no_input=no_input, option=option, **kwargs)

    name = ask("name", "Network name", "--name").strip()
    slug = slugify(options.get("slug") or name)[:60]
    if not slug:
        raise click.BadParameter(
            "give the network a name with letters or numbers", param_hint="--name"
        )
    if Network.objects.filter(slug=slug).exists():
        raise click.ClickException(
            f"A network with the short name {slug!r} already exists; nothing was changed. "
            "Choose another --name or --slug."
        )
    city = CITIES.get(options.get("city") or "")
    area_name = options.get("area") or (city.area_name if city else None)
    if not area_name:
        area_name = ask("area", "Area name (e.g. 'Oakland, California')", "--area")
    lat = options.get("lat") if options.get("lat") is not None else (city.lat if city else None)
    lng = options.get("lng") if options.get("lng") is not None else (city.lng if city else None)
    lat = _ask(lat, "Area centre latitude", no_input=no_input, option="--lat", type=float)
    lng = _ask(lng, "Area centre longitude", no_input=no_input, option="--lng", type=float)
    if not _on_earth(lat, lng):
        raise click.BadParameter(
            "the area's centre must be on Earth (lat ±90, lng ±180)", param_hint="--lat/--lng"
        )
    neighbourhoods: tuple[tuple[str, float, float], ...] = ()
    if options.get("neighbourhoods"):
        neighbourhoods = read_neighbourhoods(Path(options["neighbourhoods"]))
    elif city:
        neighbourhoods = city.neighbourhoods
    timezone = _check_timezone(options.get("timezone") or (city.timezone if city else "UTC"))
    email = _check_email(ask("email", "Organiser's email", "--email"))
    display_name = ask("display_name", "Organiser's display name", "--display-name").strip()
    if not display_name or len(display_name) > 60:
        raise click.BadParameter(
            "a display name of 1 to 60 characters", param_hint="--display-name"
        )
    password = ""
    if user_by_email(email) is None:
        password = ask(
            "password",
            "Organiser's password",
            "--password",
            hide_input=True,
            confirmation_prompt=True,
        )
        _check_password(password, email)
    return InitInput(
        name=name,
        slug=slug,
        area_name=area_name.strip(),
        lat=lat,
        lng=lng,
        timezone=timezone,
        neighbourhoods=neighbourhoods,
        email=email,
        display_name=display_name,
        password=password,
    )


def network_links(network: "Network", *, site_url: str = "") -> tuple[str, str]:
    """The public page and the invitation link, as full URLs (on SITE_URL by default)."""

    site_url = site_url or settings.SITE_URL
    public = reverse("networks:public", kwargs={"slug": network.slug})
    join = reverse("networks:join", kwargs={"slug": network.slug, "code": network.invite_code})
    return f"{site_url}{public}", f"{site_url}{join}"


@main.command()
@click.option("--name", help="The network's name, e.g. 'Fruitvale Mutual Aid'.")
@click.option("--slug", help="Short name used in addresses (default: from the name).")
@click.option(
    "--city",
    type=click.Choice(PRESET_CITIES),
    help="Use a preset area: its centre, time zone and neighbourhoods.",
)
@click.option("--area", help="The area's name, e.g. 'Oakland, California'.")
@click.option("--lat", type=float, help="Latitude of the area's centre.")
@click.option("--lng", type=float, help="Longitude of the area's centre.")
@click.option("--timezone", help="IANA time zone, e.g. America/Los_Angeles (default UTC).")
@click.option(
    "--neighbourhoods",
    type=click.Path(exists=True, dir_okay=False),
    help="CSV file of name,lat,lng rows: the neighbourhoods members pick from.",
)
@click.option("--email", help="The founding organiser's email.")
@click.option("--display-name", help="The founding organiser's name as members see it.")
@click.option("--password", help="The organiser's password (asked for, hidden, if left out).")
@click.option("--no-input", is_flag=True, help="Never prompt; fail on a missing value.")
def init(no_input: bool, **options: Any) -> None:
    """Prepare a fresh install: the database, the first network and its founding organiser."""
    _django()

    # import here: models need Django set up (_django()); --help runs without it
    from mutualaid.accounts.selectors import user_by_email
    from mutualaid.accounts.verified import account_create_verified
    from mutualaid.membership.services import network_create

    _migrate()
    given = _gather_init_input(options, no_input=no_input)
    founder = user_by_email(given.email)
    if founder is not None:
        click.echo(f"{given.email} already has an account: it becomes the founding organiser.")
    try:
        with transaction.atomic():
            if founder is None:
                founder = account_create_verified(email=given.email, password=given.password)
            network = network_create(
                founder=founder,
                founder_display_name=given.display_name,
                name=given.name,
                slug=given.slug,
                area_name=given.area_name,
                center_lat=given.lat,
                center_lng=given.lng,
                neighbourhoods=given.neighbourhoods,
                timezone_name=given.timezone,
            )
    except DomainError as error:
        raise click.ClickException(f"{error.message} Nothing was changed.") from None
    public, join = network_links(network)
    click.echo(f"\nCreated {network.name} with {len(given.neighbourhoods)} neighbourhoods.")
    click.echo(f"Founding organiser: {given.email} ({given.display_name}); they can sign in now.")
    click.echo(f"Public page:      {public}")
    click.echo(f"Invitation link:  {join}  (share it with the first members)")
    click.echo("Start the server with: mutualaid serve")


# --- createtoken --------------------------------------------------------------------------


@main.command()
@click.option("--email", required=True, help="The member's email.")
@click.option("--network", "slug", required=True, help="The network's short name.")
@click.option("--name", default="command line", show_default=True, help="What the token is for.")
def createtoken(email: str, slug: str, name: str) -> None:
    """Print a new API token secret for a member (shown once; only its hash is stored)."""
    _django()
    # import here: models need Django set up (_django()); --help runs without it
    from mutualaid.accounts.selectors import user_by_email
    from mutualaid.networks.selectors import member_of, network_by_slug
    from mutualaid.networks.services import api_token_create

    try:
        network = network_by_slug(slug)
    except DomainError:
        raise click.ClickException(f"No network with the short name {slug!r}.") from None
    user = user_by_email(email)
    member = member_of(user, network) if user else None
    if member is None:
        raise click.ClickException(f"{email} is not a member of {network.name}.")
    try:
        _token, secret = api_token_create(actor=member, name=name)
    except DomainError as error:
        raise click.ClickException(error.message) from None
    click.echo(f"Token for {member.display_name} in {network.name} (shown once):", err=True)
    click.echo(secret)


# --- serve --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Child:
    name: str
    argv: list[str]


def default_web_workers() -> int:
    return max(2, os.cpu_count() or 1)


def server_commands(
    *, host: str, port: int, workers: int, threads: int, access_log: bool = True
) -> list[Child]:
    """The two processes `serve` runs: gunicorn for the web, the Huey consumer for jobs."""
    python = sys.executable
    web = [
        python, "-m", "gunicorn", "mutualaid.wsgi:application",
        "--bind", f"{host}:{port}",
        "--workers", str(workers),
        "--worker-class", "gthread",
        "--threads", str(threads),
        "--timeout", "60",
        "--graceful-timeout", "20",
        "--error-logfile", "-",
        # Each worker listens on its own socket and the kernel spreads connections evenly;
        # with one shared socket, one busy worker could take most of them.
        "--reuse-port",
    ]  # fmt: skip
    if access_log:
        web += ["--access-logfile", "-"]
    if _gunicorn_major() >= 27:
        # One control socket per user by default: two servers on a machine would share it.
        web.append("--no-control-socket")
    worker = [python, "-m", "django", "run_huey"]
    if _huey_has_graceful_signal():
        # SIGTERM (systemd's, a container's, ours) lets running jobs finish for up to 15 s.
        worker += ["--graceful-signal", "TERM", "--shutdown-timeout", "15"]
    return [Child("web", web), Child("worker", worker)]


def _huey_has_graceful_signal() -> bool:

    return "graceful_signal" in config_keys


def _gunicorn_major() -> int:

    return int(version("gunicorn").split(".")[0])


def supervise(children: Sequence[Child], *, grace_seconds: float = 25.0) -> int:
    """Run the children until one ends or we are told to stop; then stop the rest.

    SIGINT and SIGTERM are passed on to every child. Returns 0 after a requested stop, and
    the failed child's exit code (at least 1) when a child ended on its own.
    """
    procs: list[subprocess.Popen[bytes]] = []
    stopping: list[int] = []

    def forward(signum: int, _frame: FrameType | None) -> None:
        stopping.append(signum)
        for proc in procs:
            if proc.poll() is None:
                proc.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        for child in children:
            # Their own session: a Ctrl-C reaches them once, through us, not twice.
            procs.append(subprocess.Popen(child.argv, start_new_session=True))  # noqa: S603
        while all(proc.poll() is None for proc in procs) and not stopping:
            time.sleep(0.2)
        ended = next((i for i, proc in enumerate(procs) if proc.poll() is not None), None)
        if ended is not None and not stopping:
            code = procs[ended].returncode
            click.echo(f"{children[ended].name} exited ({code}); stopping the others.", err=True)
        # After a requested stop the children already have the signal; otherwise send one.
        _stop_all(procs, grace_seconds, terminate=not stopping)
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
        _stop_all(procs, 0)
    if stopping:
        return 0
    return (procs[ended].returncode or 1) if ended is not None else 1


def _stop_all(
    procs: Sequence["subprocess.Popen[bytes]"], grace_seconds: float, *, terminate: bool = True
) -> None:
    """Ask the children still running to stop, wait up to the grace period, then kill."""
    for proc in procs:
        if terminate and proc.poll() is None:
            proc.terminate()
    deadline = time.monotonic() + grace_seconds
    for proc in procs:
        try:
            proc.wait(timeout=max(0.0, deadline - time.monotonic()))
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()


def _serve(host: str, port: int, workers: int, threads: int, access_log: bool) -> None:
    _call("collectstatic", "--noinput", "-v0")
    click.echo(f"mutualaid is at http://{host}:{port}/  (Ctrl-C stops the web and the worker)")
    sys.stdout.flush()
    children = server_commands(
        host=host, port=port, workers=workers, threads=threads, access_log=access_log
    )
    sys.exit(supervise(children))


_serve_options = [
    click.option("--host", default="127.0.0.1", show_default=True),
    click.option(
        "--workers",
        type=click.IntRange(1, 64),
        default=default_web_workers,
        show_default="number of CPUs, at least 2",
        help="Web worker processes.",
    ),
    click.option("--threads", type=click.IntRange(1, 64), default=4, show_default=True),
    click.option("--access-log/--no-access-log", default=True, show_default=True),
]


def serve_options(func: Any) -> Any:
    for option in reversed(_serve_options):
        func = option(func)
    return func


@main.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@serve_options
def serve(host: str, port: int, workers: int, threads: int, access_log: bool) -> None:
    """Run in production: migrate, collect static files, then gunicorn and the worker."""
    _django()
    _migrate()
    _serve(host, port, workers, threads, access_log)


# --- demo ---------------------------------------------------------------------------------


@main.command()
@click.option("--port", type=click.IntRange(1, 65535), default=8000, show_default=True)
@click.option("--no-serve", is_flag=True, help="Prepare the demo, print the logins, and stop.")
@click.option("--reset", is_flag=True, help="Throw away the demo network and build it again.")
@serve_options
def demo(
    port: int,
    no_serve: bool,
    reset: bool,
    host: str,
    workers: int,
    threads: int,
    access_log: bool,
) -> None:
    """Try mutualaid with a lived-in demo network in Oakland, on SQLite under var/."""
    # Links in the demo's emails (printed to the console) point at this server.
    os.environ.setdefault("MUTUALAID_SITE_URL", f"http://{host}:{port}")
    _django()
    # import here: models need Django set up (_django()); --help runs without it
    from mutualaid.networks.demo import DEMO_LOGINS, DEMO_PASSWORD, demo_seed

    _migrate()
    click.echo("Rebuilding the demo network…" if reset else "Preparing the demo network…")
    summary = demo_seed(reset=reset)
    counts = summary.counts
    public, _join = network_links(summary.network, site_url=f"http://{host}:{port}")
    click.echo(
        f"\n{summary.network.name}: {counts['members']} members, {counts['needs']} needs "
        f"({counts['open_needs']} open), {counts['offers']} offers."
    )
    click.echo(f"Public page: {public}\n\nSign in with any of these (password: {DEMO_PASSWORD}):")
    for login in DEMO_LOGINS:
        click.echo(f"  {login.email:<34} {login.display_name}, {login.role}")
    click.echo("Emails are printed to this console instead of being sent.\n")
    if not no_serve:
        _serve(host, port, workers, threads, access_log)


# --- match and simulate -------------------------------------------------------------------


MATCH_COLUMNS = (
    "network",
    "open needs",
    "helpers",
    "candidates",
    "proposed",
    "unmatched",
    "seconds",
)


def match_table(rows: Sequence[Sequence[object]]) -> str:
    """The summary as an aligned text table, one network per line."""
    cells = [list(MATCH_COLUMNS), *[[str(value) for value in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(MATCH_COLUMNS))]
    lines = [
        "  ".join(
            value.ljust(width) if i == 0 else value.rjust(width)
            for i, (value, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    ]
    return "\n".join(lines)


@main.command()
@click.option("--network", "slug", help="Only this network (its short name); default: all.")
@click.option("--dry-run", is_flag=True, help="Solve and report, but suggest nothing to anyone.")
@click.option("--workers", type=click.IntRange(1, 64), default=1, show_default=True)
def match(slug: str | None, dry_run: bool, workers: int) -> None:
    """Run batch matching now and print what it did. Helpers are asked, never assigned."""
    _django()
    # import here: models need Django set up (_django()); --help runs without it
    from mutualaid.matching.services import matching_run
    from mutualaid.networks.models import Network

    networks = Network.objects.order_by("slug")
    if slug:
        networks = networks.filter(slug=slug)
        if not networks.exists():
            raise click.ClickException(f"No network with the short name {slug!r}.")
    rows = []
    for network in networks:
        try:
            summary = matching_run(network=network, dry_run=dry_run, workers=workers)
        except DomainError as error:
            raise click.ClickException(f"{network.slug}: {error.message}") from None
        rows.append(
            (
                summary.network,
                summary.open_needs,
                summary.helpers,
                summary.candidates,
                summary.proposed,
                summary.unmatched,
                f"{summary.seconds:.2f}",
            )
        )
    click.echo(match_table(rows))
    if dry_run:
        click.echo("Dry run: nothing was written and nobody was asked.")


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def simulate(args: tuple[str, ...]) -> None:
    """Simulate a network over some weeks and compare matching policies (--help for options)."""
    # import here: the simulation loads numpy and OR-Tools, which other commands do not need.
    from mutualaid.matching.simulation.cli import cli_main

    sys.exit(cli_main(list(args)))


# --- rekey --------------------------------------------------------------------------------


REKEY_COLUMNS = ("model", "re-encrypted", "current", "unencrypted", "unreadable")


@main.command()
@click.option("--dry-run", is_flag=True, help="Count what would be re-encrypted; change nothing.")
@click.option("--batch-size", type=click.IntRange(1, 100_000), default=500, show_default=True)
def rekey(dry_run: bool, batch_size: int) -> None:
    """Re-encrypt every encrypted value under the first of MUTUALAID_FIELD_KEYS, after a key
    rotation, so that the old key can be dropped. Safe to run again."""
    _django()
    # import here: models need Django set up (_django()); --help runs without it
    from mutualaid.core.rekey import fields_rekey

    counts = fields_rekey(dry_run=dry_run, batch_size=batch_size)
    rows = [(c.model, c.rewritten, c.current, c.unencrypted, c.unreadable) for c in counts]
    click.echo(_table(REKEY_COLUMNS, rows))
    unreadable = sum(c.unreadable for c in counts)
    if dry_run:
        click.echo("Dry run: nothing was written.")
    if unreadable:
        raise click.ClickException(
            f"{unreadable} values could not be opened with any configured key and were left "
            "as they are. Keep the old keys until you know why."
        )
    if not dry_run:
        click.echo("Every encrypted value is now under the first key.")


def _table(columns: Sequence[str], rows: Sequence[Sequence[object]]) -> str:
    cells = [list(columns), *[[str(value) for value in row] for row in rows]]
    widths = [max(len(row[i]) for row in cells) for i in range(len(columns))]
    return "\n".join(
        "  ".join(
            value.ljust(width) if i == 0 else value.rjust(width)
            for i, (value, width) in enumerate(zip(row, widths, strict=True))
        )
        for row in cells
    )


# --- vapid-keys ---------------------------------------------------------------------------


def vapid_key_pair() -> tuple[str, str]:
    """A new VAPID key pair for web push, as (public, private): the public key as browsers
    take it (the uncompressed P-256 point), the private one as pywebpush reads it (the raw
    32-byte secret), both base64url without padding."""
    # import here: py_vapid (from pywebpush) is only needed by this command.
    from cryptography.hazmat.primitives import serialization
    from py_vapid import Vapid02
    from py_vapid.utils import b64urlencode

    vapid = Vapid02()
    vapid.generate_keys()
    public = vapid.public_key.public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    private = vapid.private_key.private_numbers().private_value.to_bytes(32, "big")
    return b64urlencode(public), b64urlencode(private)


@main.command("vapid-keys")
def vapid_keys() -> None:
    """Make a key pair for browser notifications and print the settings to add to the
    environment. Keep the private key secret; changing it ends every browser's subscription."""
    public, private = vapid_key_pair()
    click.echo(f"MUTUALAID_VAPID_PUBLIC_KEY={public}")
    click.echo(f"MUTUALAID_VAPID_PRIVATE_KEY={private}")
    click.echo("MUTUALAID_VAPID_SUBJECT=mailto:you@example.org", err=True)
    click.echo(
        "Set these in the environment of the web and worker processes "
        "(and put your own address in MUTUALAID_VAPID_SUBJECT).",
        err=True,
    )


# --- sms ----------------------------------------------------------------------------------


@main.group()
def sms() -> None:
    """Text messages: try the commands without a phone."""


@sms.command("simulate")
@click.option(
    "--from", "from_number", required=True, help="The sender's number, e.g. +15105550123."
)
@click.option("--to", "to_number", default="", help="The network's number the text is sent to.")
@click.option("--sid", default="", help="The gateway's message id (default: a new one).")
@click.argument("body")
def sms_simulate(from_number: str, to_number: str, sid: str, body: str) -> None:
    """Run an incoming text through the same path as the webhook and print the reply."""
    _django()
    # import here: models need Django set up (_django()); --help runs without it
    from mutualaid.sms.services.inbound import sms_receive

    reply = sms_receive(
        from_number=from_number,
        to_number=to_number,
        body=body,
        message_sid=sid or f"SIM{secrets.token_hex(12)}",
    )
    click.echo(reply or "(no reply)")


# --- care ---------------------------------------------------------------------------------


@main.group()
def care() -> None:
    """Peer-support circles and the network's crisis lines."""


@care.command("sweep")
def care_sweep() -> None:
    """Run now what the worker runs on schedule: delete posts past their circle's retention,
    hand the facilitator role on where it is due, delete listening conversations past their
    retention, close care teams whose closing date passed and delete those closed long ago."""
    _django()
    # import here: models need Django set up (_django()); --help runs without it
    from mutualaid.care.listening.services import listening_expire_sweep
    from mutualaid.care.services import facilitators_rotate_sweep, posts_expire_sweep
    from mutualaid.care.teams.services import teams_close_due_sweep, teams_delete_closed_sweep

    deleted = posts_expire_sweep()
    rotated = facilitators_rotate_sweep()
    listening = listening_expire_sweep()
    closed = teams_close_due_sweep()
    teams_deleted = teams_delete_closed_sweep()
    click.echo(f"Posts deleted (retention ran out): {deleted}")
    click.echo(f"Circles whose facilitators were rotated: {rotated}")
    click.echo(f"Listening rows deleted (retention ran out): {listening}")
    click.echo(f"Care teams closed (closing date passed): {closed}")
    click.echo(f"Care team rows deleted (closed 30 days ago): {teams_deleted}")


@care.command("reindex")
def care_reindex() -> None:
    """Rebuild every circle's search index, after MUTUALAID_PSEUDONYM_KEY changed (until then,
    earlier posts do not turn up in search)."""
    _django()
    # import here: models need Django set up (_django()); --help runs without it
    from mutualaid.care.services import posts_reindex

    click.echo(f"Posts indexed: {posts_reindex()}")


@care.group("crisis")
def care_crisis() -> None:
    """The crisis lines and services a network lists in every circle and its footer."""


def _acting_member(slug: str, email: str) -> Any:
    """The network and the member acting in it, or a clear error."""
    # import here: models need Django set up (_django()); --help runs without it
    from mutualaid.accounts.selectors import user_by_email
    from mutualaid.networks.selectors import member_of, network_by_slug

    try:
        network = network_by_slug(slug)
    except DomainError:
        raise click.ClickException(f"No network with the short name {slug!r}.") from None
    user = user_by_email(email)
    member = member_of(user, network) if user else None
    if member is None:
        raise click.ClickException(f"{email} is not a member of {network.name}.")
    return member


@care_crisis.command("list")
@click.option("--network", "slug", required=True, help="The network's short name.")
def care_crisis_list(slug: str) -> None:
    """Print the network's crisis lines, in the order members see them."""
    _django()
    # import here: models need Django set up (_django()); --help runs without it
    from mutualaid.care.selectors import crisis_resources
    from mutualaid.networks.selectors import network_by_slug

    try:
        network = network_by_slug(slug)
    except DomainError:
        raise click.ClickException(f"No network with the short name {slug!r}.") from None
    resources = list(crisis_resources(network=network))
    if not resources:
        click.echo(f"{network.name} lists no crisis lines yet.")
    for resource in resources:
        details = " · ".join(
            part
            for part in (resource.phone, resource.hours, resource.languages, resource.notes)
            if part
        )
        click.echo(
            f"{resource.position:>4}  {resource.name}" + (f"  ({details})" if details else "")
        )


@care_crisis.command("add")
@click.option("--network", "slug", required=True, help="The network's short name.")
@click.option("--as", "email", required=True, help="The email of the organiser adding it.")
@click.option("--name", required=True, help="The line or service, e.g. 'Crisis Text Line'.")
@click.option("--phone", default="", help="Its phone number.")
@click.option("--hours", default="", help="When it answers, e.g. '24/7'.")
@click.option("--languages", default="", help="Languages it answers in.")
@click.option("--notes", default="", help="Anything else a person in crisis should know.")
@click.option(
    "--position",
    type=click.IntRange(0, 32767),
    default=100,
    show_default=True,
    help="Lower comes first.",
)
def care_crisis_add(slug: str, email: str, position: int, **fields: str) -> None:
    """List a crisis line for the whole network (organisers only)."""
    _django()
    # import here: models need Django set up (_django()); --help runs without it
    from mutualaid.care.services import crisis_resource_create

    actor = _acting_member(slug, email)
    try:
        resource = crisis_resource_create(actor=actor, position=position, **fields)
    except DomainError as error:
        raise click.ClickException(f"{error.message} Nothing was changed.") from None
    click.echo(f"Listed {resource.name} for {actor.network.name}.")


# --- manage -------------------------------------------------------------------------------


@main.command(
    context_settings={"ignore_unknown_options": True, "allow_extra_args": True},
    add_help_option=False,
)
@click.argument("args", nargs=-1, type=click.UNPROCESSED)
def manage(args: tuple[str, ...]) -> None:
    """Run a Django management command, e.g. `mutualaid manage createsuperuser`."""
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mutualaid.settings")

    execute_from_command_line(["mutualaid manage", *args])


if __name__ == "__main__":
    main()
