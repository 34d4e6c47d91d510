"""manage.py org_restore <zip>: load an organization export into this installation."""

from __future__ import annotations

from django.core.management.base import BaseCommand, CommandError

from cxgov.portability.services import RestoreError, organization_restore


class Command(BaseCommand):
    help = (
        "Restore an organization from an export zip (made on its Organization data page). The "
        "organization must not exist here, and the rows' primary keys must be free (e.g. a fresh "
        "installation, or this one after the organization was deleted); otherwise nothing is written."
    )

    def add_arguments(self, parser) -> None:  # noqa: ANN001
        parser.add_argument("archive", help="Path of the export zip.")

    def handle(self, *args, **options) -> None:
        try:
            result = organization_restore(path=options["archive"], log=lambda m: self.stdout.write(m))
        except (RestoreError, OSError) as exc:
            raise CommandError(str(exc)) from exc
        org = result.organization
        self.stdout.write(self.style.SUCCESS(
            f"Restored {org.name} ({org.slug}): {result.rows} rows, {result.files} files, "
            f"{result.users_created} users created, {result.users_matched} matched by email."
        ))
        self.stdout.write("API tokens are not part of an export: issue new ones on the API tokens page.")
