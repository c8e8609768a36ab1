"""``hepingorgs.admin.QuickChangeList.result_rows`` writes the admin's rows itself, for
speed (bench/directory.py); these tests hold it to Django's own rows, cell for cell, on
every admin list of the demo district that it writes."""

import pytest
from django.contrib import admin
from django.contrib.admin.templatetags import admin_list
from django.urls import reverse
from django.utils import translation

from hepingorgs.admin import QuickListMixin
from registry.models import CommunityGroup, Organization

QUICK_ADMINS = sorted(
    (
        (model, model_admin)
        for model, model_admin in admin.site._registry.items()
        if isinstance(model_admin, QuickListMixin)
    ),
    key=lambda pair: pair[0]._meta.label,
)


def djangos_rows(cl):
    """The rows as Django's ``result_list`` writes them (its cells one after another)."""
    return ["".join(items) for items in admin_list.results(cl)]


@pytest.mark.parametrize(
    ("model", "model_admin"), QUICK_ADMINS, ids=[model._meta.label for model, _ in QUICK_ADMINS]
)
def test_rows_are_djangos(client, demo_district, superuser, model, model_admin):
    client.force_login(superuser)
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")
    # Sorted by the first column, so every row's link carries the list's filters too.
    response = client.get(url, {"o": "1"})
    assert response.status_code == 200
    page = response.content.decode()
    cl = response.context["cl"]
    with translation.override("zh-hans"):
        ours = cl.result_rows()
        if ours is None:  # a column computed by a method, or an editable list: Django's
            assert cl.formset is not None or any(
                name != "action_checkbox"
                and not isinstance(name, str)
                or not any(f.name == name for f in model._meta.concrete_fields)
                for name in cl.list_display
            )
            return
        assert ours == djangos_rows(cl)
    for row in ours:
        assert f"<tr>{row}</tr>" in page


@pytest.mark.parametrize(("model", "status"), [(Organization, "active"), (CommunityGroup, "filed")])
def test_the_large_lists_rows_are_written_quickly(client, demo_district, superuser, model, status):
    """The lists that grow to millions of rows are the ones written by ``result_rows``:
    every column (choices, dates, numbers, related rows, blank text, selection boxes)
    as Django writes it, searched and filtered."""
    client.force_login(superuser)
    url = reverse(f"admin:registry_{model._meta.model_name}_changelist")
    word = model.objects.order_by("pk").first().name[:2]
    for query in ({}, {"q": word}, {"status__exact": status, "o": "-2"}):
        response = client.get(url, query)
        cl = response.context["cl"]
        with translation.override("zh-hans"):
            ours = cl.result_rows()
            assert ours is not None and ours == djangos_rows(cl)
        assert len(ours) == len(cl.result_list) > 0


def test_the_list_of_apps_is_made_only_for_the_pages_that_show_it(
    client, district_staff, monkeypatch
):
    """``hepingorgs.admin.AdminSite.get_app_list`` is lazy: every admin page gets it for
    the navigation sidebar, which is off, and only the index pages read it."""
    made = []
    build = admin.AdminSite._build_app_dict

    def counted(site, request, label=None):
        made.append(label)
        return build(site, request, label)

    monkeypatch.setattr(admin.AdminSite, "_build_app_dict", counted)
    client.force_login(district_staff)
    changelist = reverse("admin:registry_organization_changelist")
    assert client.get(changelist).status_code == 200
    assert made == []
    index = client.get(reverse("admin:index"))
    assert made and changelist in index.content.decode()
    made.clear()
    app_index = client.get(reverse("admin:app_list", args=["registry"]))
    assert made == ["registry"] and changelist in app_index.content.decode()
