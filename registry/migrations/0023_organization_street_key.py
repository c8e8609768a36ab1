"""A street's organizations' keys from an index alone (street, key), for conditions that
meet them with another table's rows: ``street = x AND EXISTS (a credit listing)`` read
the street's rows from the table (a bitmap heap scan of 133,000 rows, 136 ms at a
million organizations) where an index-only scan takes 40 (bench/directory.py,
docs/benchmarks.md).

Built without locking the table (``CREATE INDEX CONCURRENTLY``, outside a transaction;
2 s at a million organizations).
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("registry", "0022_trigram_statistics")]

    operations = [
        AddIndexConcurrently(
            model_name="organization",
            index=models.Index(fields=["street", "id"], name="organization_street_key"),
        ),
    ]
