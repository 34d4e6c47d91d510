"""``manage.py roles_table``: print the role × operation table (Markdown) for the README."""

from django.core.management.base import BaseCommand

from cxgov.tenancy.roles import roles_table_markdown


class Command(BaseCommand):
    help = "Print the role × operation table as Markdown, as the README shows it."

    def handle(self, *args, **options) -> None:
        self.stdout.write(roles_table_markdown())
