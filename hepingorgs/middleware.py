import time

from django.conf import settings
from django.http import JsonResponse
from django.shortcuts import render
from django.utils import translation
from django.utils.cache import patch_vary_headers
from django.utils.translation import gettext as _


class DefaultLanguageMiddleware:
    """Simplified Chinese unless the user chose another language (language cookie).

    Django's LocaleMiddleware would follow the browser's Accept-Language, so a bureau
    PC with an English browser would show English; the bureau's working language is
    Chinese, and English stays one click away (the set_language view).
    """

    def __init__(self, get_response):
        self.get_response = get_response
        self.supported = {code for code, _name in settings.LANGUAGES}

    def __call__(self, request):
        language = request.COOKIES.get(settings.LANGUAGE_COOKIE_NAME)
        if language not in self.supported:
            language = settings.LANGUAGE_CODE
        translation.activate(language)
        request.LANGUAGE_CODE = language
        response = self.get_response(request)
        patch_vary_headers(response, ("Cookie",))
        response.headers.setdefault("Content-Language", language)
        return response


class ContentSecurityPolicyMiddleware:
    """Sends ``settings.CONTENT_SECURITY_POLICY`` on every response that has none: no
    external origin, no inline script (the admin and our pages load scripts from files)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        if settings.CONTENT_SECURITY_POLICY:
            response.headers.setdefault("Content-Security-Policy", settings.CONTENT_SECURITY_POLICY)
        return response


SESSION_REFRESHED_KEY = "_refreshed_at"


def mark_session_fresh(session):
    session[SESSION_REFRESHED_KEY] = int(time.time())


class SessionRefreshMiddleware:
    """Sessions end after ``SESSION_COOKIE_AGE`` of inactivity.

    Django renews a session's expiry only when the session is saved. Saving it on every
    request (SESSION_SAVE_EVERY_REQUEST) would add a write to every page view; instead
    the session is marked changed, and so saved with a new expiry, when its last renewal
    is older than ``SESSION_REFRESH_SECONDS``. Logging in renews it
    (``hepingorgs.security``).
    """

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        session = getattr(request, "session", None)
        if session is not None and session.session_key is not None:
            refreshed = session.get(SESSION_REFRESHED_KEY)
            if refreshed is None or time.time() - refreshed >= settings.SESSION_REFRESH_SECONDS:
                mark_session_fresh(session)
        return self.get_response(request)


# Longest value one query parameter may carry. The longest real one is a search (at
# most SEARCH_MAX_LENGTH characters, checked with a message by each filter set) or a
# credit code; anything far longer is a mistake or an attack on the search.
MAX_PARAMETER_LENGTH = 1000


def error_answer(request, status, message, template):
    """An error for the client: JSON (``{"detail": ...}``, as DRF's errors) under
    ``/api/``, the site's page ``template`` with ``message`` elsewhere."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"detail": message}, status=status, json_dumps_params={"ensure_ascii": False}
        )
    return render(request, template, {"message": message}, status=status)


class BadParametersMiddleware:
    """Answers 400, before any view sees the request, when its path or a query
    parameter carries a NUL character or is longer than ``MAX_PARAMETER_LENGTH``.

    PostgreSQL cannot store or compare text with NUL in it (psycopg refuses it with an
    error, which would be a 500: the admin's search box did), nobody can type one into a
    browser, and no view has a use for either. Form fields sent by POST refuse NUL
    themselves, next to the field (Django's form fields do). The answer is JSON under
    ``/api/`` (``{"detail": ...}``, as DRF's errors) and a page elsewhere."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        message = self.problem(request)
        if message is not None:
            return error_answer(request, 400, message, "400.html")
        return self.get_response(request)

    @staticmethod
    def problem(request):
        if "\x00" in request.path:
            return _("The address contains a NUL character.")
        if len(request.path) > MAX_PARAMETER_LENGTH:
            return _("The address is longer than %(limit)d characters.") % {
                "limit": MAX_PARAMETER_LENGTH
            }
        for key, values in request.GET.lists():
            if "\x00" in key or any("\x00" in value for value in values):
                return _("The parameter %(name)s contains a NUL character.") % {
                    "name": key.replace("\x00", "\\0")[:50]
                }
            if any(len(value) > MAX_PARAMETER_LENGTH for value in values):
                return _("The parameter %(name)s is longer than %(limit)d characters.") % {
                    "name": key[:50],
                    "limit": MAX_PARAMETER_LENGTH,
                }
        return None
