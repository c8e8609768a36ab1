from django.apps import AppConfig
from django.db.models.signals import post_migrate
from django.utils.translation import gettext_lazy as _


class RegistryConfig(AppConfig):
    name = "registry"
    verbose_name = _("Registry")

    def ready(self):
        from hepingorgs import access
        from registry import notices  # noqa: F401 - connects the revocation notice signal

        # Runs after registry's migrations; the handler creates every app's permissions
        # itself, so it does not depend on the order apps are listed in.
        post_migrate.connect(
            access.sync_role_permissions, sender=self, dispatch_uid="sync_role_permissions"
        )
