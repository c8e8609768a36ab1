"""A street's n-grams of its organizations' names (``registry_street_ngrams``, as the
groups have since migration 0020): a public search within a street looks up that
street's entries alone. 养老 with a street and a status at a million organizations:
the keys took 22 ms, most of it reading the street's 166,000 rows to intersect them
with the 12,700 names holding 养老; 6 ms from this index (bench/directory.py,
docs/benchmarks.md).

Built without locking the table (``CREATE INDEX CONCURRENTLY``, outside a transaction;
about a minute at a million organizations).
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations

import registry.search


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("registry", "0023_organization_street_key")]

    operations = [
        AddIndexConcurrently(
            model_name="organization",
            index=GinIndex(
                registry.search.StreetNgrams("street", "name"),
                name="organization_street_ngrams",
            ),
        ),
    ]
