"""``manage.py roles_table``: print the role × operation table (Markdown) for the README.

``--endpoints`` prints the table of every page and API operation instead, each with the operation its
view declares and the outcome for every role (discovered from the URL configuration and the schema);
``--endpoints --update-readme`` writes it into README.md between its two markers.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError

from cxgov.tenancy.roles import roles_table_markdown

START = "<!-- endpoints-table:start -->"
END = "<!-- endpoints-table:end -->"


class Command(BaseCommand):
    help = "Print the role × operation table as Markdown, as the README shows it."

    def add_arguments(self, parser) -> None:
        parser.add_argument("--endpoints", action="store_true",
                            help="print every page and API operation × role instead")
        parser.add_argument("--update-readme", action="store_true",
                            help=f"with --endpoints: replace the text between {START} and {END} in README.md")

    def handle(self, *args, **options) -> None:
        if not options["endpoints"]:
            if options["update_readme"]:
                raise CommandError("--update-readme goes with --endpoints.")
            self.stdout.write(roles_table_markdown())
            return
        from cxgov.tenancy.endpoints import endpoints_table_markdown

        table = endpoints_table_markdown()
        if not options["update_readme"]:
            self.stdout.write(table)
            return
        readme = Path(settings.BASE_DIR) / "README.md"
        text = readme.read_text(encoding="utf-8")
        if text.count(START) != 1 or text.count(END) != 1 or text.index(START) > text.index(END):
            raise CommandError(f"README.md needs exactly one {START} … {END} pair.")
        before, rest = text.split(START)
        _old, after = rest.split(END)
        readme.write_text(f"{before}{START}\n\n{table}\n\n{END}{after}", encoding="utf-8")
        self.stdout.write(f"README.md: {table.count(chr(10)) + 1} lines of the endpoint table written.")
