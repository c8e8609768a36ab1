"""Every evaluation grade has the date it expires (a grade lasts five years; the model's
save() and the ledger import already fill the date in from the award). Rows written
around them (``QuerySet.update``, ``bulk_create``, SQL) are given it here, five years
after the award (29 February gives 28 February, as ``registry.models.add_years``), and
the database then refuses a grade without one.

So the directory's "grade in force" is ``grade = X AND grade_expires_on >= today``,
one range of the index ``organization_grade_expiry``, where it was also ``OR
grade_expires_on IS NULL``, which PostgreSQL estimated at every organization ever given
the grade (21,531 of a million where none was) and so read the grade's whole list from
the filters' GIN index instead (docs/benchmarks.md, thirteenth round).

Adding the constraint reads the table once under its lock (about half a second at a
million organizations).
"""

from django.db import migrations, models

FILL_EXPIRY = """
UPDATE registry_organization
   SET grade_expires_on = (grade_awarded_on + interval '5 years')::date
 WHERE grade <> '' AND grade_awarded_on IS NOT NULL AND grade_expires_on IS NULL
"""


class Migration(migrations.Migration):
    dependencies = [("registry", "0026_organization_listed_street")]

    operations = [
        migrations.RunSQL(FILL_EXPIRY, migrations.RunSQL.noop),
        migrations.AddConstraint(
            model_name="organization",
            constraint=models.CheckConstraint(
                condition=models.Q(
                    ("grade", ""),
                    ("grade_awarded_on__isnull", True),
                    ("grade_expires_on__isnull", False),
                    _connector="OR",
                ),
                name="organization_grade_expires",
                violation_error_message="An evaluation grade needs the date it expires.",
            ),
        ),
    ]
