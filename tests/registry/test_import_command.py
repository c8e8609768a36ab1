"""manage.py import_workbook: dry run by default, --commit writes, errors exit 1."""

import pytest
from django.core.management import call_command
from pghistory.models import Context

from registry.models import CommunityGroup, ImportBatch
from tests.registry.workbooks import group_row, xlsx

pytestmark = pytest.mark.django_db


@pytest.fixture
def ledger(tmp_path, qyc_community):
    path = tmp_path / "劝业场台账.xlsx"
    path.write_bytes(xlsx([group_row("福明社区合唱团"), group_row("福明社区书画社")]))
    return path


def test_dry_run_writes_nothing(ledger, capsys):
    call_command("import_workbook", str(ledger), kind="community-groups")
    assert CommunityGroup.objects.count() == 0
    assert "create 2" in capsys.readouterr().out


def test_commit_as_a_user_records_the_batch(ledger, district_staff, capsys):
    call_command(
        "import_workbook", str(ledger), kind="community-groups", commit=True, user="district"
    )
    assert CommunityGroup.objects.count() == 2
    batch = ImportBatch.objects.get()
    assert batch.committed_at is not None
    contexts = Context.objects.filter(metadata__batch=batch.pk)
    assert contexts.count() == 1
    assert contexts.get().metadata["import_file"] == "劝业场台账.xlsx"


def test_errors_exit_1_and_write_nothing(tmp_path, qyc_community, capsys):
    path = tmp_path / "bad.xlsx"
    path.write_bytes(xlsx([group_row("甲"), group_row("乙", 成员人数="很多")]))
    with pytest.raises(SystemExit) as exit_:
        call_command("import_workbook", str(path), kind="community-groups", commit=True)
    assert exit_.value.code == 1
    assert CommunityGroup.objects.count() == 0
    assert "row 3 成员人数" in capsys.readouterr().out
