import time

from django.conf import settings
from django.utils import translation
from django.utils.cache import patch_vary_headers


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
