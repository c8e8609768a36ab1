"""registry_ngrams() without STRICT, so that PostgreSQL inlines it (see
``registry.search.NGRAMS_FUNCTION_SQL``). Its results are the same for every value, NULL
included, so the indexes built on it stay as they are."""

from django.db import migrations

from registry.search import NGRAMS_FUNCTION_SQL

STRICT_FUNCTION_SQL = NGRAMS_FUNCTION_SQL.replace(
    "IMMUTABLE PARALLEL SAFE", "IMMUTABLE STRICT PARALLEL SAFE"
)


class Migration(migrations.Migration):
    dependencies = [("registry", "0016_group_keys_checked_once")]

    operations = [migrations.RunSQL(NGRAMS_FUNCTION_SQL, STRICT_FUNCTION_SQL)]
