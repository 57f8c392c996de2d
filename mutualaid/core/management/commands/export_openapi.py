"""Write the API's OpenAPI document to docs/api/openapi.json (or print it, or check it)."""

import json
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.core.serializers.json import DjangoJSONEncoder

from mutualaid.api import api

SNAPSHOT = Path(settings.BASE_DIR).parent / "docs" / "api" / "openapi.json"
COMMAND = "python manage.py export_openapi"


def openapi_document() -> str:
    """The live OpenAPI document, serialised the way the committed snapshot is."""
    schema = api.get_openapi_schema()
    return json.dumps(schema, indent=2, ensure_ascii=False, cls=DjangoJSONEncoder) + "\n"


class Command(BaseCommand):
    help = f"Regenerate the committed OpenAPI snapshot ({SNAPSHOT.name})."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--stdout", action="store_true", help="Print instead of writing.")
        parser.add_argument(
            "--check", action="store_true", help="Exit non-zero if the snapshot is out of date."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        document = openapi_document()
        if options["stdout"]:
            self.stdout.write(document, ending="")
        elif options["check"]:
            if not SNAPSHOT.exists() or SNAPSHOT.read_text() != document:
                raise CommandError(f"{SNAPSHOT} is out of date; run: {COMMAND}")
            self.stdout.write("OpenAPI snapshot is up to date.")
        else:
            SNAPSHOT.parent.mkdir(parents=True, exist_ok=True)
            SNAPSHOT.write_text(document)
            self.stdout.write(f"Wrote {SNAPSHOT}")
