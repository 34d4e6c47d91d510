"""``manage.py seed_demo [--slug SLUG] [--responses N]``: the demo organisation, idempotently."""

from __future__ import annotations

import time
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cxgov.demo.seed import DEFAULT_RESPONSES, seed


class Command(BaseCommand):
    help = (
        "Create or complete a demo organisation (Banco Aurora, a retail bank) with users of every role, "
        "governance bodies, journeys, initiatives, a submitted assessment and N feedback responses. "
        "Prints one 'login: <email> <password> <role>' line per user and an 'API token: <token>' line."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", default="demo", help="Organisation slug; user emails are <name>@<slug>.example.")
        parser.add_argument(
            "--responses", type=int, default=DEFAULT_RESPONSES,
            help=f"Feedback responses over the last 12 months (default {DEFAULT_RESPONSES}).",
        )

    def handle(self, *args: Any, slug: str, responses: int, **options: Any) -> None:
        if responses < 0:
            raise CommandError("--responses cannot be negative.")
        started = time.monotonic()
        try:
            report = seed(slug=slug, responses=responses)
        except ValidationError as exc:
            raise CommandError(f"Could not seed '{slug}': {exc}") from exc
        for email, password, role in report.logins:
            self.stdout.write(f"login: {email} {password} {role}")
        self.stdout.write(f"API token: {report.token}")
        self.stderr.write(
            f"Seeded {report.org.name} (slug {report.org.slug}): {report.responses_created} responses created, "
            f"{report.responses_duplicate} already present, in {time.monotonic() - started:.1f} s."
        )
