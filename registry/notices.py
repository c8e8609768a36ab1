"""Public notices (公告) of registration decisions, written from the record.

``publish_decision`` is called by the approval transition (``registry.applications``);
``publish_revocation`` by the Organization signal below, whenever an organization's status
becomes revoked (from the admin or anywhere else that saves the model).

What a notice may say is what the national platform publishes: the organization's name,
credit code, type, domicile, legal representative (a public office), supervisory unit,
business scope, registered funds, dates and what changed. Never a phone number, an ID
number or a person's address: the texts are built from the fields listed here only.
Texts are stored in Chinese, whatever language the acting user reads.
"""

from django.conf import settings
from django.db.models.signals import post_save, pre_save
from django.dispatch import receiver
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from registry.models import (
    ApplicationKind,
    ChangeItem,
    Notice,
    NoticeKind,
    Organization,
    OrgStatus,
)

PUBLISHED_LANGUAGE = "zh-hans"


def chinese_date(day):
    return f"{day.year}年{day.month}月{day.day}日"


def _quoted(value):
    return f"「{value}」" if value else _("(none)")


def _establishment_text(org, day):
    return _(
        "The establishment registration of %(name)s is approved. Unified social credit "
        "code: %(code)s; type: %(type)s; legal representative: %(representative)s; "
        "domicile: %(domicile)s; business supervisory unit: %(unit)s; business scope: "
        "%(scope)s; registered funds: %(funds)s yuan; registered on %(date)s."
    ) % {
        "name": org.name,
        "code": org.credit_code,
        "type": org.get_org_type_display(),
        "representative": org.legal_representative,
        "domicile": org.domicile,
        "unit": org.supervisory_unit or _("(none)"),
        "scope": org.business_scope or _("(none)"),
        "funds": org.registered_funds,
        "date": chinese_date(day),
    }


def _change_text(application, org, day):
    items = [
        _("%(item)s changed from %(old)s to %(new)s")
        % {
            "item": ChangeItem(change.item).label,
            "old": _quoted(change.old_value),
            "new": _quoted(change.new_value),
        }
        for change in application.changes.all()
    ]
    # After a change of name the notice is headed by the new name and recalls the old one.
    return _(
        "The change registration of %(name)s (unified social credit code %(code)s) is "
        "approved: %(items)s. Approved on %(date)s."
    ) % {
        "name": org.name,
        "code": org.credit_code,
        "items": "；".join(items),
        "date": chinese_date(day),
    }


def _deregistration_text(org, day):
    return _(
        "The deregistration of %(name)s (unified social credit code %(code)s) is approved; "
        "deregistered on %(date)s. Reason: %(reason)s. Its registration certificate and "
        "seals are withdrawn; it may no longer act under this name."
    ) % {
        "name": org.name,
        "code": org.credit_code,
        "date": chinese_date(day),
        "reason": org.status_reason,
    }


def _revocation_text(org, day):
    return _(
        "The registration of %(name)s (unified social credit code %(code)s) was revoked by "
        "%(authority)s on %(date)s. Reason: %(reason)s."
    ) % {
        "name": org.name,
        "code": org.credit_code,
        "authority": org.registration_authority or settings.REGISTRATION_AUTHORITY,
        "date": chinese_date(day),
        "reason": org.status_reason,
    }


TITLES = {
    NoticeKind.ESTABLISHMENT: gettext_noop("Establishment registration notice of %(name)s"),
    NoticeKind.CHANGE: gettext_noop("Change registration notice of %(name)s"),
    NoticeKind.DEREGISTRATION: gettext_noop("Deregistration notice of %(name)s"),
    NoticeKind.REVOCATION: gettext_noop("Revocation notice of %(name)s"),
}


def _title(kind, org):
    return _(TITLES[kind]) % {"name": org.name}


def publish_decision(application):
    """The notice of an approved application (one per application)."""
    org = application.organization
    day = application.decided_on
    with translation.override(PUBLISHED_LANGUAGE):
        if application.kind == ApplicationKind.ESTABLISHMENT:
            kind, text = NoticeKind.ESTABLISHMENT, _establishment_text(org, day)
        elif application.kind == ApplicationKind.CHANGE:
            kind, text = NoticeKind.CHANGE, _change_text(application, org, day)
        else:
            kind, text = NoticeKind.DEREGISTRATION, _deregistration_text(org, day)
        title = _title(kind, org)
    return Notice.objects.create(
        kind=kind,
        published_on=day,
        organization=org,
        application=application,
        name=org.name,
        credit_code=org.credit_code,
        title=title,
        text=text,
    )


def publish_revocation(org):
    day = org.status_changed_on or timezone.localdate()
    with translation.override(PUBLISHED_LANGUAGE):
        title, text = _title(NoticeKind.REVOCATION, org), _revocation_text(org, day)
    return Notice.objects.create(
        kind=NoticeKind.REVOCATION,
        published_on=day,
        organization=org,
        name=org.name,
        credit_code=org.credit_code,
        title=title,
        text=text,
    )


@receiver(pre_save, sender=Organization, dispatch_uid="notices_revocation_check")
def _remember_revocation(sender, instance, raw=False, **kwargs):
    """Only a save that *changes* the status to revoked publishes (one query, and only
    when the saved status is revoked)."""
    instance._becomes_revoked = False
    if raw or instance.status != OrgStatus.REVOKED or instance.pk is None:
        return
    before = sender.objects.filter(pk=instance.pk).values_list("status", flat=True).first()
    instance._becomes_revoked = before is not None and before != OrgStatus.REVOKED


@receiver(post_save, sender=Organization, dispatch_uid="notices_revocation_publish")
def _publish_revocation(sender, instance, created, raw=False, **kwargs):
    if getattr(instance, "_becomes_revoked", False):
        instance._becomes_revoked = False
        publish_revocation(instance)
