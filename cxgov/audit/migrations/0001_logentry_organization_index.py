"""An index for the audit trail page: entries are read per organization, newest first.

The organization lives in django-auditlog's ``additional_data`` JSON (auditlog's model is not ours
to add a column to), so on PostgreSQL an expression index on that key serves the page's
``additional_data__organization_id = <id> ORDER BY timestamp DESC`` and the organization's deletion.
SQLite, the single-organization embedded default, goes without.
"""

from django.db import migrations

INDEX = "audit_logentry_org_time"


def create_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON auditlog_logentry "
        "((additional_data -> 'organization_id'), timestamp DESC, id DESC)"
    )


def drop_index(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("auditlog", "0017_add_actor_email")]

    operations = [migrations.RunPython(create_index, drop_index)]
