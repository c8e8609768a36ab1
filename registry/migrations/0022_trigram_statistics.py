"""Statistics of the trigrams of the pinyin and the initials of organizations and groups
(``CREATE STATISTICS`` on ``show_trgm(column)``; ANALYZE gathers their most common
elements as for an array column). No plan reads them, since no condition is written on
that expression: ``registry.search.rows_holding`` does, to know that three Latin letters
("hpq") are in many names without counting them.
"""

from django.db import migrations

STATISTICS = [
    ("organization_pinyin_trigrams", "registry_organization", "name_pinyin"),
    ("organization_initials_trigrams", "registry_organization", "name_initials"),
    ("group_pinyin_trigrams", "registry_communitygroup", "name_pinyin"),
    ("group_initials_trigrams", "registry_communitygroup", "name_initials"),
]


class Migration(migrations.Migration):
    dependencies = [("registry", "0021_street_pinyin_index_carries_the_searched_columns")]

    operations = [
        migrations.RunSQL(
            f"CREATE STATISTICS {name} ON (show_trgm({column})) FROM {table}",
            f"DROP STATISTICS IF EXISTS {name}",
        )
        for name, table, column in STATISTICS
    ]
