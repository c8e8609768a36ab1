"""Every form of the project refuses NUL characters, over-long text and out-of-range
numbers with a message: the forms of the workspaces, the incubator, the projects, the
imports' row forms, the public filters, and every admin form and inline (as a superuser
sees them).

Each field is checked as its form checks it: the form field's own ``clean``, then, for a
ModelForm's field, the model field's validators (``Model.full_clean`` runs them; they
carry PostgreSQL's integer range). A few whole journeys through real requests then show
the message on the page.
"""

import importlib
import pkgutil
from decimal import Decimal

import django_filters
import pytest
from django import forms
from django.contrib import admin
from django.contrib.auth.forms import ReadOnlyPasswordHashField
from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.test import RequestFactory

from hepingorgs.limits import INTEGER_MAX
from tests.conftest import make_user

APPS = ("hepingorgs", "registry", "incubator", "projects")
# Not run by a request: the development cluster, backups and the WSGI/ASGI entry points.
NOT_IMPORTED = ("migrations", "management", "devdb", "backup", "wsgi", "asgi")


def import_everything():
    for app in APPS:
        package = importlib.import_module(app)
        for module in pkgutil.walk_packages(package.__path__, app + "."):
            if not any(part in module.name.split(".") for part in NOT_IMPORTED):
                importlib.import_module(module.name)


def subclasses(cls):
    for sub in cls.__subclasses__():
        yield sub
        yield from subclasses(sub)


def own(cls):
    return cls.__module__.split(".")[0] in APPS


def project_forms():
    """(name, form fields, model) of every form the project defines, every filter set's
    form, and every admin form and inline form."""
    import_everything()
    found = []
    for form in {c for c in subclasses(forms.BaseForm) if own(c)}:
        model = getattr(getattr(form, "_meta", None), "model", None)
        found.append((f"{form.__module__}.{form.__name__}", form.base_fields, model))
    request = RequestFactory().get("/admin/")
    request.user = make_user("forms-superuser", is_superuser=True, is_staff=True)
    for filterset in {c for c in subclasses(django_filters.FilterSet) if own(c)}:
        model = filterset._meta.model
        if model is None:  # a base (PublicFilterSet)
            continue
        instance = filterset(data={}, queryset=model.objects.none(), request=request)
        found.append((f"{filterset.__module__}.{filterset.__name__}", instance.form.fields, None))
    for model, model_admin in admin.site._registry.items():
        form = model_admin.get_form(request)
        found.append((f"admin {model._meta.label}", form.base_fields, model))
        for inline in model_admin.get_inline_instances(request):
            inline_form = inline.get_formset(request).form
            found.append(
                (f"admin inline {inline.model._meta.label}", inline_form.base_fields, inline.model)
            )
    return sorted(found, key=lambda item: item[0])


def refused(field, value, model=None, name=None):
    """True when the form would put a message on this field for this value."""
    try:
        cleaned = field.clean([value] if isinstance(field, forms.MultipleChoiceField) else value)
        if model is not None:
            try:
                model_field = model._meta.get_field(name)
            except FieldDoesNotExist:
                return False
            if cleaned is not None:
                model_field.run_validators(cleaned)
    except ValidationError as error:
        return bool(error.messages) and all(str(message).strip() for message in error.messages)
    return False


# A checkbox's value is never stored (any value sent means "ticked"); a file field's
# input is a file (the imports' refusals test those); the password hash is read-only.
NOT_TYPED = (forms.BooleanField, forms.FileField, ReadOnlyPasswordHashField)
NUMBERS = (forms.IntegerField, forms.DecimalField, forms.FloatField)


def is_whole_number(field):
    # Django's DecimalField and FloatField are subclasses of its IntegerField.
    decimal = isinstance(field, forms.DecimalField | forms.FloatField)
    return isinstance(field, forms.IntegerField) and not decimal


PASSWORDS = ("password", "password1", "password2", "new_password1", "new_password2")


def typed_fields(db):
    for form_name, fields, model in project_forms():
        for name, field in fields.items():
            if not isinstance(field, NOT_TYPED) and name not in PASSWORDS:
                yield form_name, name, field, model


@pytest.fixture
def every_field(db):
    fields = list(typed_fields(db))
    assert len(fields) > 300  # the enumeration found the project's forms
    return fields


def test_every_field_refuses_a_nul_character(every_field):
    accepted = [
        f"{form} {name}"
        for form, name, field, model in every_field
        if not refused(field, "和平\x00区", model, name)
    ]
    assert not accepted, "\n".join(accepted)


def test_every_text_field_refuses_text_longer_than_its_bound(every_field):
    accepted = []
    for form, name, field, model in every_field:
        if isinstance(field, forms.CharField):
            # A field without max_length (the credit code: checked after normalizing)
            # must still refuse a page of text.
            bound = field.max_length or 5000
            if not refused(field, "字" * (bound + 1), model, name):
                accepted.append(f"{form} {name}: over {bound}")
    assert not accepted, "\n".join(accepted)


@pytest.mark.parametrize(
    "value,whole_numbers_only",
    [
        (INTEGER_MAX + 1, True),
        (-INTEGER_MAX - 2, True),
        # Beyond every column: money is numeric(14, 2), at most 999,999,999,999.99.
        (Decimal("1e20"), False),
        (Decimal("-1e20"), False),
    ],
)
def test_every_number_field_refuses_an_out_of_range_number(every_field, value, whole_numbers_only):
    accepted = [
        f"{form} {name}"
        for form, name, field, model in every_field
        if (is_whole_number(field) if whole_numbers_only else isinstance(field, NUMBERS))
        and not refused(field, str(value), model, name)
    ]
    assert not accepted, "\n".join(accepted)


# Whole journeys: the message is on the page, nothing is saved.


def test_a_clerk_filing_with_nul_too_long_and_huge_numbers_sees_messages(
    client, clerk_qyc, qyc_community
):
    from registry.models import CommunityGroup

    client.force_login(clerk_qyc)
    response = client.post(
        "/filings/new/",
        {
            "name": "夕阳红\x00合唱团",
            "community": qyc_community.pk,
            "leader_name": "张" * 300,
            "member_count": str(INTEGER_MAX + 1),
        },
    )
    assert response.status_code == 200
    errors = response.context["form"].errors
    assert {"name", "leader_name", "member_count"} <= set(errors)
    page = response.content.decode()
    assert "空字符" in page  # 不允许使用空字符 (Django's message, in Chinese)
    assert not CommunityGroup.objects.exists()


def test_the_admin_refuses_an_over_long_business_scope_with_a_message(client, superuser):
    from tests.conftest import make_organization

    organization = make_organization()
    client.force_login(superuser)
    url = f"/admin/registry/organization/{organization.pk}/change/"
    page = client.get(url)
    form = page.context["adminform"].form
    data = {
        name: value
        for name, value in form.initial.items()
        if value is not None and not isinstance(value, list | dict)
    }
    data["business_scope"] = "经营" * 1001
    response = client.post(url, data)
    assert response.status_code == 200
    assert "business_scope" in response.context["adminform"].form.errors
    assert "2000" in response.content.decode()
    organization.refresh_from_db()
    assert organization.business_scope != "经营" * 1001


def test_a_password_longer_than_128_characters_is_refused_with_a_message(client, superuser):
    from django.contrib.auth import get_user_model

    client.force_login(superuser)
    password = "Zq7!" * 33  # 132 characters
    response = client.post(
        "/admin/auth/user/add/",
        {"username": "new-clerk", "password1": password, "password2": password},
    )
    assert response.status_code == 200
    assert "128" in response.content.decode()
    assert not get_user_model().objects.filter(username="new-clerk").exists()
