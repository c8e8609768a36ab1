"""The import pages through HTTP: who may use which URL, the two steps (check, then
import), the error report, the templates, and a clerk's file with another street's row."""

import io

import pytest
from django.urls import reverse
from openpyxl import load_workbook

from registry.models import CommunityGroup, ImportBatch
from tests.conftest import PASSWORD, make_user
from tests.registry.workbooks import group_row, xlsx

pytestmark = pytest.mark.django_db

ACTORS = ["clerk_qyc", "clerk_xbl", "district_staff", "incubator_staff", "anonymous"]


@pytest.fixture
def actors(clerk_qyc, clerk_xbl, district_staff, incubator_staff):
    return {
        "clerk_qyc": clerk_qyc,
        "clerk_xbl": clerk_xbl,
        "district_staff": district_staff,
        "incubator_staff": incubator_staff,
        "anonymous": None,
    }


def upload(client, url, content, kind="community-groups", name="台账.xlsx"):
    file = io.BytesIO(content)
    file.name = name
    return client.post(url, {"kind": kind, "file": file})


@pytest.fixture
def qyc_batch(clerk_qyc, qyc_community, client):
    """A checked upload of 劝业场's clerk, waiting for its commit."""
    client.force_login(clerk_qyc)
    response = upload(client, reverse("filings:import"), xlsx([group_row()]))
    assert response.status_code == 302
    client.logout()
    return ImportBatch.objects.get()


# (url, method) -> expected status per actor, in ACTORS order. The batch is the clerk of
# 劝业场's: everybody else gets 404 for it (district staff too: an upload is its owner's).
def matrix(batch):
    return [
        (reverse("filings:import"), "get", [200, 200, 200, 403, 302]),
        (reverse("filings:import_batch", args=[batch.pk]), "get", [200, 404, 404, 403, 302]),
        (reverse("filings:import_commit", args=[batch.pk]), "get", [405, 405, 405, 405, 405]),
        (reverse("filings:import_errors", args=[batch.pk]), "get", [404, 404, 404, 403, 302]),
        (
            reverse("filings:import_template", args=["community-groups"]),
            "get",
            [200, 200, 200, 403, 302],
        ),
        (
            reverse("filings:import_template", args=["organizations"]),
            "get",
            [404, 404, 404, 403, 302],
        ),
        (reverse("imports:import"), "get", [403, 403, 200, 403, 302]),
        (reverse("imports:import_batch", args=[batch.pk]), "get", [403, 403, 404, 403, 302]),
        (reverse("imports:import_commit", args=[batch.pk]), "post", [403, 403, 404, 403, 302]),
        (reverse("imports:import_errors", args=[batch.pk]), "get", [403, 403, 404, 403, 302]),
        (
            reverse("imports:import_template", args=["annual-reports"]),
            "get",
            [403, 403, 200, 403, 302],
        ),
    ]


@pytest.mark.parametrize("actor_index,actor", list(enumerate(ACTORS)))
def test_who_may_use_each_url(client, actors, qyc_batch, actor_index, actor):
    if actors[actor]:
        client.force_login(actors[actor])
    for url, method, expected in matrix(qyc_batch):
        response = getattr(client, method)(url)
        assert response.status_code == expected[actor_index], (url, method)
    assert CommunityGroup.objects.count() == 0  # nobody but the owner committed


def test_commit_by_its_owner(client, clerk_qyc, qyc_batch):
    client.force_login(clerk_qyc)
    response = client.post(reverse("filings:import_commit", args=[qyc_batch.pk]))
    assert response.status_code == 302
    assert CommunityGroup.objects.get().filing_number == "QYC-2016-0001"
    qyc_batch.refresh_from_db()
    assert qyc_batch.committed_at is not None
    # A second click changes nothing.
    client.post(reverse("filings:import_commit", args=[qyc_batch.pk]))
    assert CommunityGroup.objects.count() == 1


def test_staff_check_then_import_from_the_admin(client, district_staff, qyc_community):
    client.force_login(district_staff)
    index = client.get(reverse("admin:index"))
    assert reverse("imports:import") in index.content.decode()
    response = upload(client, reverse("imports:import"), xlsx([group_row()]))
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("imports:import_batch", args=[batch.pk])
    page = client.get(response["Location"])
    assert page.status_code == 200 and page.context["can_commit"]
    assert "福明社区夕阳红合唱团" in page.content.decode()
    assert CommunityGroup.objects.count() == 0  # the check writes nothing
    client.post(reverse("imports:import_commit", args=[batch.pk]))
    assert CommunityGroup.objects.count() == 1
    event = CommunityGroup.objects.get().events.get()
    assert event.pgh_context.metadata["batch"] == batch.pk
    assert event.pgh_context.metadata["import_file"] == "台账.xlsx"


def test_a_clerk_importing_another_streets_rows_writes_nothing(
    client, clerk_qyc, qyc_community, xbl_community
):
    client.force_login(clerk_qyc)
    content = xlsx([group_row("福明社区合唱团"), group_row("开封道舞蹈队", street="小白楼街道")])
    upload(client, reverse("filings:import"), content)
    batch = ImportBatch.objects.get()
    page = client.get(reverse("filings:import_batch", args=[batch.pk]))
    assert not page.context["can_commit"]
    assert [e[0] for e in page.context["errors"]] == [3]
    assert "小白楼街道" in page.context["errors"][0][2]
    client.post(reverse("filings:import_commit", args=[batch.pk]))
    assert CommunityGroup.objects.count() == 0


def test_the_error_report_workbook(client, district_staff, qyc_community):
    client.force_login(district_staff)
    short = group_row("@SUM(1)", 成员人数="很多")[:8]  # the row's last cells are empty
    content = xlsx([group_row("甲队"), short])
    upload(client, reverse("imports:import"), content)
    batch = ImportBatch.objects.get()
    response = client.get(reverse("imports:import_errors", args=[batch.pk]))
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.content)).active
    rows = [[c.value for c in row] for row in sheet.iter_rows()]
    assert rows[0][0] == "行" and rows[0][-1] == "错误"
    assert len(rows) == 2 and rows[1][0] == 3 and "成员人数" in rows[1][-1]
    assert len(rows[1]) == len(rows[0])  # the errors stand in their own column
    assert sheet.cell(row=2, column=2).data_type == "s"  # the formula-like name stays text


def test_upload_refused_file_shows_the_message(client, district_staff):
    client.force_login(district_staff)
    upload(client, reverse("imports:import"), b"not a workbook", name="data.xlsx")
    page = client.get(reverse("imports:import_batch", args=[ImportBatch.objects.get().pk]))
    assert page.context["report"].refused and not page.context["can_commit"]


@pytest.mark.parametrize("kind", ["organizations", "annual-reports", "community-groups"])
def test_templates_have_drop_downs_and_marked_required_columns(client, district_staff, kind):
    client.force_login(district_staff)
    response = client.get(reverse("imports:import_template", args=[kind]))
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.content))
    sheet = book.worksheets[0]
    assert sheet.data_validations.dataValidation  # drop-down lists for coded columns
    assert book["lists"].sheet_state == "hidden"
    header = [c.value for c in sheet[1]]
    assert any(h.endswith("*") for h in header)


def test_uploads_are_kept_on_the_server_not_in_the_session(client, district_staff, qyc_community):
    client.force_login(district_staff)
    content = xlsx([group_row()])
    upload(client, reverse("imports:import"), content)
    batch = ImportBatch.objects.get()
    assert bytes(batch.content) == content and batch.uploaded_by == district_staff
    assert all(len(str(v)) < 200 for v in client.session.values())


def test_another_staff_member_cannot_see_or_commit_my_upload(client, district_staff, qyc_community):
    from hepingorgs import access

    client.force_login(district_staff)
    upload(client, reverse("imports:import"), xlsx([group_row()]))
    batch = ImportBatch.objects.get()
    other = make_user("district2", access.DISTRICT_STAFF, is_staff=True)
    client.force_login(other)
    assert client.get(reverse("imports:import_batch", args=[batch.pk])).status_code == 404
    assert client.post(reverse("imports:import_commit", args=[batch.pk])).status_code == 404
    assert CommunityGroup.objects.count() == 0
    assert PASSWORD


def test_upload_page_queries_do_not_grow_with_uploads(
    client, district_staff, qyc_community, django_assert_num_queries
):
    client.force_login(district_staff)
    upload(client, reverse("imports:import"), xlsx([group_row()]))
    client.get(reverse("imports:import"))
    # session, user, groups (role check), recent uploads
    with django_assert_num_queries(4):
        client.get(reverse("imports:import"))
    for _ in range(3):
        upload(client, reverse("imports:import"), b"not a workbook")
    with django_assert_num_queries(4):
        client.get(reverse("imports:import"))
    url = reverse("imports:import_batch", args=[ImportBatch.objects.first().pk])
    # session, user, groups, the upload (with its report)
    with django_assert_num_queries(4):
        client.get(url)


def test_the_admin_lists_imports_read_only(client, district_staff, qyc_community):
    client.force_login(district_staff)
    upload(client, reverse("imports:import"), xlsx([group_row()]))
    response = client.get(reverse("admin:registry_importbatch_changelist"))
    assert response.status_code == 200 and "台账.xlsx" in response.content.decode()
    assert client.get(reverse("admin:registry_importbatch_add")).status_code == 403


def test_an_upload_whose_check_never_finished_cannot_be_committed(client, district_staff):
    batch = ImportBatch.objects.create(
        kind="community-groups", file_name="x.xlsx", content=b"", uploaded_by=district_staff
    )
    client.force_login(district_staff)
    page = client.get(reverse("imports:import_batch", args=[batch.pk]))
    assert "未完成" in page.context["report"].refused and not page.context["can_commit"]
    client.post(reverse("imports:import_commit", args=[batch.pk]))
    batch.refresh_from_db()
    assert batch.committed_at is None


def test_the_filled_template_is_read_back_column_for_column(client, district_staff, qyc_community):
    from registry.imports import importer_for

    client.force_login(district_staff)
    response = client.get(reverse("imports:import_template", args=["community-groups"]))
    report = importer_for("community-groups", district_staff).run(response.content)
    assert report.ok, report.errors or report.refused
    assert report.extra_columns == [] and report.header_row == 1
    assert report.counts["create"] == 1  # the sample row, in 福明社区 of 劝业场
