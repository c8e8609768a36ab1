"""The values the directory's lists are ordered by (pinyin, registration date) and the
key, carried by the two indexes that find a small list's keys
(``organization_filter_keys``, ``organization_listed_street``), so those keys come in
the list's order from the index alone instead of from the table: a street, a category
and a Party organization (3,906 of a million organizations) read 3,753 pages of the
table, 19.6 ms against 14.2 (docs/benchmarks.md).

Each index is built anew without locking the table (``CONCURRENTLY``, outside a
transaction; about 10 seconds at a million organizations) under a passing name, the old
one dropped the same way, and the new one given the old one's name.
"""

from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models

ORDER = ("name_pinyin", "registered_on")


def rebuilt(name, **index):
    """Index ``name`` built anew as ``index`` under a passing name, the old one dropped,
    and the new one given its name."""
    passing = f"{name}_0030"
    return [
        AddIndexConcurrently(model_name="organization", index=models.Index(name=passing, **index)),
        RemoveIndexConcurrently(model_name="organization", name=name),
        migrations.RenameIndex(model_name="organization", new_name=name, old_name=passing),
    ]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("registry", "0029_organization_filter_keys")]

    operations = [
        *rebuilt(
            "organization_filter_keys",
            fields=["field", "priority_category", "party_form", "org_type", "status", "street"],
            include=(*ORDER, "id"),
        ),
        *rebuilt(
            "organization_listed_street",
            fields=["street", "id"],
            condition=models.Q(ever_credit_listed=True, street__isnull=False),
            include=ORDER,
        ),
    ]
