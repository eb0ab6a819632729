"""Security middleware of our own: Permissions-Policy and session timeouts.

The Content-Security-Policy comes from django-csp (settings.CONTENT_SECURITY_POLICY);
HSTS, nosniff, Referrer-Policy and X-Frame-Options from Django's own settings.
"""

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth import SESSION_KEY, logout
from django.contrib.sessions.backends.base import SessionBase
from django.http import HttpRequest, HttpResponseBase
from django.utils import timezone

#: Session keys: when the session was opened (first authenticated request
#: after a login), under which session key, and when it was last used (POSIX
#: timestamps). Login cycles the session key, which restarts the clock.
STARTED_KEY = "_webclasseur_started_at"
STARTED_FOR_KEY = "_webclasseur_started_for"
SEEN_KEY = "_webclasseur_seen_at"
#: Set on the fresh, anonymous session after a timeout; the next request (the
#: login page) pops it and reads `request.session_expired`.
EXPIRED_KEY = "_webclasseur_session_expired"
#: The last-seen time is written at most once a minute (one session write per
#: minute of activity, not per request).
SEEN_RESOLUTION_SECONDS = 60


class PermissionsPolicyMiddleware:
    """Permissions-Policy from settings.PERMISSIONS_POLICY: {feature: [origins]};
    an empty list denies the feature to every origin, ourselves included."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response
        self.header = ", ".join(
            f"{feature}=({' '.join(origins)})"
            for feature, origins in getattr(settings, "PERMISSIONS_POLICY", {}).items()
        )

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if self.header:
            response.headers.setdefault("Permissions-Policy", self.header)
        return response


def session_is_expired(session: SessionBase, *, now: float) -> bool:
    """True when the session was idle too long or opened too long ago."""
    started = session.get(STARTED_KEY)
    seen = session.get(SEEN_KEY)
    if session.get(STARTED_FOR_KEY) != session.session_key:
        return False  # a login since: the clock restarts
    if started is None or seen is None:
        return False
    idle = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
    absolute = settings.SESSION_MAX_AGE_HOURS * 3600
    return bool(now - seen > idle or now - started > absolute)


class SessionTimeoutMiddleware:
    """End a logged-in session idle for SESSION_IDLE_TIMEOUT_MINUTES or opened
    more than SESSION_MAX_AGE_HOURS ago, and the session of a user who was
    deactivated or deleted. The request then goes on as anonymous: the default
    deny (LoginRequiredMiddleware, after this one) sends it to the login page,
    which says the session expired.

    Placed after AuthenticationMiddleware, before LoginRequiredMiddleware.
    """

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        session = request.session
        expired = bool(session.pop(EXPIRED_KEY, False))
        request.session_expired = expired  # type: ignore[attr-defined]
        if SESSION_KEY in session:
            now = timezone.now().timestamp()
            if not request.user.is_authenticated:
                # The session names a user the backends refuse: deactivated
                # (is_active=False) or deleted. Drop the session row for good.
                session.flush()
            elif session_is_expired(session, now=now):
                logout(request)  # flushes the session, new key
                request.session[EXPIRED_KEY] = True
            else:
                if session.get(STARTED_FOR_KEY) != session.session_key:
                    session[STARTED_FOR_KEY] = session.session_key
                    session[STARTED_KEY] = now
                    session[SEEN_KEY] = now
                if now - session.get(SEEN_KEY, 0) >= SEEN_RESOLUTION_SECONDS:
                    session[SEEN_KEY] = now
        return self.get_response(request)
