"""The staff lists' ordering index (street, pinyin, key) carries the columns a staff search
and the workspace's filters test, so that a search's walk down it tests each row from the
index alone (``registry.search.walked``).

The new index is built without locking the table (``CREATE INDEX CONCURRENTLY``, outside a
transaction; 15 s at three million groups) before the old one is dropped, so that the
lists are never without an index in their order.
"""

from django.contrib.postgres.operations import (
    AddIndexConcurrently,
    RemoveIndexConcurrently,
)
from django.db import migrations, models


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("registry", "0020_street_ngrams")]

    operations = [
        AddIndexConcurrently(
            model_name="communitygroup",
            index=models.Index(
                fields=["street", "name_pinyin", "id"],
                include=[
                    "community",
                    "category",
                    "status",
                    "name",
                    "name_initials",
                    "filing_number",
                    "leader_name",
                ],
                name="group_street_pinyin_cover",
            ),
        ),
        RemoveIndexConcurrently(
            model_name="communitygroup",
            name="communitygroup_street_pinyin",
        ),
    ]
