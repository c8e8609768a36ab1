"""The n-grams of each group's name and leader's name within its street
(``registry_street_ngrams``, ``registry.search._Terms.name_condition``): a clerk's search reads
its street's entries of the index alone.

The indexes are built without locking the table (``CREATE INDEX CONCURRENTLY``, outside
a transaction): at three million groups each takes a few minutes, during which clerks
go on filing.
"""

from django.contrib.postgres.indexes import GinIndex
from django.contrib.postgres.operations import AddIndexConcurrently
from django.db import migrations

from registry.search import STREET_NGRAMS_FUNCTION_SQL, StreetNgrams


class Migration(migrations.Migration):
    atomic = False

    dependencies = [("registry", "0019_prefix_indexes_carry_the_pinyin")]

    operations = [
        migrations.RunSQL(
            STREET_NGRAMS_FUNCTION_SQL,
            "DROP FUNCTION IF EXISTS registry_street_ngrams(bigint, text)",
        ),
        AddIndexConcurrently(
            model_name="communitygroup",
            index=GinIndex(
                StreetNgrams("street", "name"), name="group_street_name_ngrams"
            ),
        ),
        AddIndexConcurrently(
            model_name="communitygroup",
            index=GinIndex(
                StreetNgrams("street", "leader_name"),
                name="group_street_leader_ngrams",
            ),
        ),
    ]
