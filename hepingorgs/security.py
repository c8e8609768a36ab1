"""Logins of staff and clerks, successful or not, go to the ``hepingorgs.security`` log
with the user name and the client's address. django-axes keeps the same events in its
tables (AccessLog, AccessFailureLog), which superusers read in the admin."""

import logging

from axes.backends import AxesStandaloneBackend
from django.contrib.auth.signals import user_logged_in, user_login_failed
from django.core.exceptions import ValidationError
from django.dispatch import receiver
from django.utils.translation import gettext as _

from hepingorgs.clientip import client_ip
from hepingorgs.middleware import mark_session_fresh

logger = logging.getLogger("hepingorgs.security")


@receiver(user_logged_in, dispatch_uid="hepingorgs.security.logged_in")
def log_login(sender, request, user, **kwargs):
    if request is not None and hasattr(request, "session"):
        mark_session_fresh(request.session)
    logger.info(
        "login succeeded: user=%s ip=%s staff=%s",
        user.get_username(),
        client_ip(request) if request is not None else "-",
        user.is_staff,
    )


@receiver(user_login_failed, dispatch_uid="hepingorgs.security.login_failed")
def log_login_failure(sender, credentials, request=None, **kwargs):
    # Django masks the password in ``credentials``; only the user name is logged.
    logger.warning(
        "login failed: user=%s ip=%s",
        credentials.get("username", "-"),
        client_ip(request) if request is not None else "-",
    )


class LoginThrottleBackend(AxesStandaloneBackend):
    """django-axes' throttle, first of AUTHENTICATION_BACKENDS: refuses a login while the
    user name or the client's address is locked out.

    ``authenticate()`` without a request (``manage.py`` commands, the test client's
    ``login()``) is no login over the network, so there is no address to throttle; axes
    itself would raise for it.
    """

    def authenticate(self, request, username=None, password=None, **kwargs):
        if request is None:
            return None
        return super().authenticate(request, username=username, password=password, **kwargs)


class MaximumLengthValidator:
    """Refuses a password longer than ``max_length`` characters (default 128), with a
    message, so that a form never hashes a page of text (each attempt costs the
    server hundreds of thousands of hash rounds over it)."""

    def __init__(self, max_length=128):
        self.max_length = max_length

    def validate(self, password, user=None):
        if len(password) > self.max_length:
            raise ValidationError(
                _("This password is longer than %(max_length)d characters."),
                code="password_too_long",
                params={"max_length": self.max_length},
            )

    def get_help_text(self):
        return _("Your password can’t be longer than %(max_length)d characters.") % {
            "max_length": self.max_length
        }
