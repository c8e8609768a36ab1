"""CommunityGroup's street and community are checked by the composite foreign key
communitygroup_community_in_street (migration 0002) alone, and its community, category
and creator have no index of their own (see the model). Only what changes in the database
is done: Django's AlterField would drop and add again the category's and the creator's
keys, which checks every row of a large table again."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


DROPPED_INDEXES = (
    "registry_communitygroup_category_id_e34603bc",
    "registry_communitygroup_community_id_ad351415",
    "registry_communitygroup_created_by_id_2e57e2b3",
)
INDEXES = ("category_id", "community_id", "created_by_id")

FORWARD = [
    "ALTER TABLE registry_communitygroup "
    "DROP CONSTRAINT registry_communitygr_street_id_0a483604_fk_registry_",
    "ALTER TABLE registry_communitygroup "
    "DROP CONSTRAINT registry_communitygr_community_id_ad351415_fk_registry_",
    *(f"DROP INDEX {name}" for name in DROPPED_INDEXES),
]
BACKWARD = [
    *(
        f"CREATE INDEX {name} ON registry_communitygroup ({column})"
        for name, column in zip(DROPPED_INDEXES, INDEXES, strict=True)
    ),
    "ALTER TABLE registry_communitygroup "
    "ADD CONSTRAINT registry_communitygr_community_id_ad351415_fk_registry_ "
    "FOREIGN KEY (community_id) REFERENCES registry_community (id) DEFERRABLE INITIALLY DEFERRED",
    "ALTER TABLE registry_communitygroup "
    "ADD CONSTRAINT registry_communitygr_street_id_0a483604_fk_registry_ "
    "FOREIGN KEY (street_id) REFERENCES registry_street (id) DEFERRABLE INITIALLY DEFERRED",
]


class Migration(migrations.Migration):
    dependencies = [
        ("registry", "0015_history_without_foreign_key_indexes"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="communitygroup",
                    name="category",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="community_groups",
                        to="registry.filingcategory",
                        verbose_name="category",
                    ),
                ),
                migrations.AlterField(
                    model_name="communitygroup",
                    name="community",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="community_groups",
                        to="registry.community",
                        verbose_name="community",
                    ),
                ),
                migrations.AlterField(
                    model_name="communitygroup",
                    name="created_by",
                    field=models.ForeignKey(
                        blank=True,
                        db_index=False,
                        editable=False,
                        null=True,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="+",
                        to=settings.AUTH_USER_MODEL,
                        verbose_name="created by",
                    ),
                ),
                migrations.AlterField(
                    model_name="communitygroup",
                    name="street",
                    field=models.ForeignKey(
                        db_constraint=False,
                        db_index=False,
                        on_delete=django.db.models.deletion.PROTECT,
                        related_name="community_groups",
                        to="registry.street",
                        verbose_name="street",
                    ),
                ),
            ],
            database_operations=[migrations.RunSQL(FORWARD, BACKWARD)],
        ),
    ]
