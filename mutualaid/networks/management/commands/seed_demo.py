"""`manage.py seed_demo [--reset]`: the demo network without starting a server.

The same builder as `mutualaid demo --no-serve`, for scripts and tests that speak manage.py.
"""

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from mutualaid.networks.demo import DEMO_PASSWORD, demo_seed


class Command(BaseCommand):
    help = "Build the Oakland demo network unless it exists (or rebuild it with --reset)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--reset", action="store_true", help="Rebuild it from scratch.")

    def handle(self, *args: Any, reset: bool = False, **options: Any) -> None:
        summary = demo_seed(reset=reset)
        verb = "Built" if summary.created else "Kept"
        counts = ", ".join(f"{n} {what.replace('_', ' ')}" for what, n in summary.counts.items())
        self.stdout.write(f"{verb} {summary.network.name} ({counts}).")
        self.stdout.write(f"Demo password: {DEMO_PASSWORD}")
