"""The directory's coded filters in one btree (``organization_filter_keys``: field,
priority category, Party organization, type, status, street), and the constraint that
each coded column holds one of its listed values (``organization_codes_listed``), on
which ``registry.filters.filter_key_fills`` relies to stand for "any value" with the
list of them. A combination of common values (a street, a field, a category and a
Party organization: 288 of a million organizations) took 40 ms to intersect through
the GIN index and takes 0.4 ms as ranges of this one (docs/benchmarks.md).

The index is built without locking the table (``CONCURRENTLY``, outside a transaction;
a few seconds at a million organizations); adding the constraint reads the table once
under its lock (under a second at that size).
"""

from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("registry", "0028_organization_filter_values")]

    operations = [
        migrations.AddConstraint(
            model_name="organization",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("org_type__in", ["1", "2", "3"]),
                    ("priority_category__in", ["industry", "science", "charity", "community", "other"]),
                    (
                        "field__in",
                        ["00", "01", "02", "03", "04", "05", "06", "07", "08", "09", "10", "11", "12", "13"],
                    ),
                    ("status__in", ["active", "deregistered", "revoked"]),
                    ("party_form__in", ["single", "joint", "instructor", "none"]),
                ),
                name="organization_codes_listed",
                violation_error_message=(
                    "The type, priority category, field, status and Party organization must "
                    "each be one of their listed values."
                ),
            ),
        ),
        AddIndexConcurrently(
            model_name="organization",
            index=models.Index(
                fields=["field", "priority_category", "party_form", "org_type", "status", "street"],
                name="organization_filter_keys",
            ),
        ),
    ]
