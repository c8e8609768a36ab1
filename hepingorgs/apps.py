from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class HepingorgsConfig(AppConfig):
    name = "hepingorgs"
    verbose_name = _("Heping social organizations")
