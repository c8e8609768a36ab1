"""The name's and the initials' prefix indexes carry the pinyin too
(``registry.models.prefix_indexes``, ``registry.search._best_keys``).

Built without locking the tables (``CREATE INDEX CONCURRENTLY``, outside a transaction):
each new index under a temporary name, then the old one dropped the same way, then the
new one renamed. At a million organizations and three million groups the four take
about 20 s, during which searches and filings go on; a plain ``CREATE INDEX`` after
``DROP INDEX`` in one transaction would hold every reader of both tables for that long.
"""

from django.conf import settings
from django.contrib.postgres.operations import AddIndexConcurrently, RemoveIndexConcurrently
from django.db import migrations, models


def rebuilt(model, column, name):
    """The operations that replace the index ``name`` of ``model`` by one on ``column``
    that carries the key and the pinyin, without locking the table."""
    building = f"{name.split('_')[0][:5]}_{column}_prefix_new"
    return [
        AddIndexConcurrently(
            model_name=model,
            index=models.Index(
                fields=[column],
                include=("id", "name_pinyin"),
                name=building,
                opclasses=["varchar_pattern_ops"],
            ),
        ),
        RemoveIndexConcurrently(model_name=model, name=name),
        migrations.RenameIndex(model_name=model, new_name=name, old_name=building),
    ]


class Migration(migrations.Migration):
    atomic = False

    dependencies = [
        ("registry", "0018_directory_filters_of_rare_values"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        *rebuilt("communitygroup", "name", "communitygroup_name_prefix"),
        *rebuilt("communitygroup", "name_initials", "communitygroup_initials_prefix"),
        *rebuilt("organization", "name", "organization_name_prefix"),
        *rebuilt("organization", "name_initials", "organization_initials_prefix"),
    ]
