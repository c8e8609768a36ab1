from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HepingorgsConfig(AppConfig):
    name = "hepingorgs"
    verbose_name = _("Heping social organizations")

    def ready(self):
        from hepingorgs import security  # noqa: F401  (connects the login signal receivers)
