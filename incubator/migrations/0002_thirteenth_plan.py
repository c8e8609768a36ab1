"""The district's 13th five-year "百千万" plan for the incubation centre, as editable data:
within five years, 100 public-benefit organizations cultivated, 1,000 professionals
trained, tens of thousands of households benefiting."""

import datetime

from django.db import migrations

PLAN = {
    "name": "“百千万”计划（“十三五”时期）",
    "starts_on": datetime.date(2016, 1, 1),
    "ends_on": datetime.date(2020, 12, 31),
    "target_organizations": 100,
    "target_trained": 1000,
    "target_households": 10000,
}


def forwards(apps, schema_editor):
    Plan = apps.get_model("incubator", "Plan")
    Plan.objects.get_or_create(name=PLAN["name"], defaults=PLAN)


class Migration(migrations.Migration):
    dependencies = [("incubator", "0001_initial")]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop)]
