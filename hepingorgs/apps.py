from django.apps import AppConfig
from django.contrib.admin import apps as admin_apps
from django.utils.translation import gettext_lazy as _


class HepingorgsConfig(AppConfig):
    name = "hepingorgs"
    verbose_name = _("Heping social organizations")

    def ready(self):
        from hepingorgs import security  # noqa: F401  (connects the login signal receivers)


class AdminConfig(admin_apps.AdminConfig):
    """``django.contrib.admin`` with ``hepingorgs.admin.AdminSite`` as ``admin.site``
    (named in INSTALLED_APPS; the ``hepingorgs`` app is ``HepingorgsConfig``)."""

    default = False
    default_site = "hepingorgs.admin.AdminSite"
