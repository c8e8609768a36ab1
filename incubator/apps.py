from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IncubatorConfig(AppConfig):
    """The incubation centre. 1+1 pairings stay on the registry's community groups
    (``upgrade_partner``, ``upgrade_since``): the centre reads them, it keeps no copy."""

    name = "incubator"
    verbose_name = _("Incubation centre")

    def ready(self):
        from hepingorgs.extensions import hooks
        from incubator.profile import incubation_history

        if incubation_history not in hooks.profile_sections:
            hooks.profile_sections.append(incubation_history)
