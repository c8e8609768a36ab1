"""The organizations ever on a credit list, by street (a partial index on (street, key)
where ``ever_credit_listed``): the credit-list filter reads them alone, where it met
every row of a street with the listings (a street's 166,000 rows hashed against 10,000
listings, 35-50 ms at a million organizations; bench/directory.py,
docs/benchmarks.md).

Built without locking the table (``CREATE INDEX CONCURRENTLY``, outside a transaction).
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("registry", "0025_ever_credit_listed")]

    operations = [
        AddIndexConcurrently(
            model_name="organization",
            index=models.Index(
                condition=models.Q(("ever_credit_listed", True)),
                fields=["street", "id"],
                name="organization_listed_street",
            ),
        ),
    ]
