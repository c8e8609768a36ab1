from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ProjectsConfig(AppConfig):
    name = "projects"
    verbose_name = _("Venture projects and service purchases")

    def ready(self):
        from hepingorgs.extensions import hooks
        from projects import sections

        # Registered once, however often ready() runs (tests may call it again).
        if sections.profile_section not in hooks.profile_sections:
            hooks.profile_sections.append(sections.profile_section)
        if sections.admin_section not in hooks.admin_sections:
            hooks.admin_sections.append(sections.admin_section)
        hooks.organization_filters["venture_funded"] = sections.venture_funded
