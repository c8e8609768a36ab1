"""The six streets of Heping District, the community-group categories, the role groups,
and the composite foreign key that keeps a filing's community inside its street."""

from django.db import migrations

STREETS = [
    ("120101001", "劝业场街道", "QYC"),
    ("120101002", "小白楼街道", "XBL"),
    ("120101003", "五大道街道", "WDD"),
    ("120101004", "新兴街道", "XX"),
    ("120101005", "南营门街道", "NYM"),
    ("120101006", "南市街道", "NS"),
]

CATEGORIES = [
    ("life_services", "生活服务类"),
    ("charity", "公益慈善类"),
    ("mutual_aid", "居民互助类"),
    ("culture_sports", "文体娱乐类"),
    ("community_affairs", "社区事务类"),
    ("other", "其他"),
]

ROLE_GROUPS = ["民政局工作人员", "街道办事员", "孵化中心工作人员"]


def forwards(apps, schema_editor):
    Street = apps.get_model("registry", "Street")
    FilingCategory = apps.get_model("registry", "FilingCategory")
    Group = apps.get_model("auth", "Group")
    for code, name, abbreviation in STREETS:
        Street.objects.update_or_create(
            code=code, defaults={"name": name, "abbreviation": abbreviation}
        )
    for position, (code, name) in enumerate(CATEGORIES):
        FilingCategory.objects.update_or_create(
            code=code, defaults={"name": name, "position": position}
        )
    for name in ROLE_GROUPS:
        Group.objects.get_or_create(name=name)


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("registry", "0001_initial"),
    ]

    operations = [
        migrations.RunPython(forwards, migrations.RunPython.noop),
        migrations.RunSQL(
            sql=(
                "ALTER TABLE registry_communitygroup ADD CONSTRAINT "
                "communitygroup_community_in_street FOREIGN KEY (community_id, street_id) "
                "REFERENCES registry_community (id, street_id)"
            ),
            reverse_sql=(
                "ALTER TABLE registry_communitygroup DROP CONSTRAINT "
                "communitygroup_community_in_street"
            ),
        ),
    ]
