"""Pages of an LTI session render inside the platform's iframe.

- LtiFramingMiddleware (after XFrameOptionsMiddleware in MIDDLEWARE, so it
  sees the response first): for the HTML answers of a session opened by an
  LTI launch, and for the launch's own answers, CSP frame-ancestors lists
  the origins of that registered platform only, and X-Frame-Options is left
  out. Every other answer keeps frame-ancestors 'none' and DENY.
- LtiSessionCookieMiddleware (before SessionMiddleware, so it sees the
  cookies once set): the session and CSRF cookies of an LTI session are
  SameSite=None; Secure, so the browser sends them inside the cross-site
  iframe. Other sessions keep SameSite=Lax.
"""

from collections.abc import Callable

from django.conf import settings
from django.http import HttpRequest, HttpResponseBase

from lti_sso.lti.config import platform_origins
from lti_sso.models import LtiPlatform

#: Session key of a session opened by an LTI launch: the platform's pk.
SESSION_PLATFORM = "_lti_platform"
#: Session key: the launch ids this session may continue (class choice,
#: deep linking), newest last.
SESSION_LAUNCHES = "_lti_launches"
MAX_LAUNCHES = 10


def mark_lti_session(request: HttpRequest, platform: LtiPlatform) -> None:
    request.session[SESSION_PLATFORM] = platform.pk
    request.lti_session_started = True  # type: ignore[attr-defined]


def forget_lti_session(
    sender: object, request: HttpRequest | None, **kwargs: object
) -> None:
    """On every login (connected to user_logged_in): a session that was opened
    by a launch and then logs in another way (password, SSO) stops being an
    LTI session; the LTI launch marks its session again right after its own
    login."""
    session = getattr(request, "session", None)
    if session is not None:
        session.pop(SESSION_PLATFORM, None)
        session.pop(SESSION_LAUNCHES, None)


def remember_launch(request: HttpRequest, launch_id: str) -> None:
    launches = [*request.session.get(SESSION_LAUNCHES, []), launch_id]
    request.session[SESSION_LAUNCHES] = launches[-MAX_LAUNCHES:]


def session_launches(request: HttpRequest) -> list[str]:
    launches = request.session.get(SESSION_LAUNCHES, [])
    return [str(x) for x in launches] if isinstance(launches, list) else []


def allow_framing_by(request: HttpRequest, platform: LtiPlatform) -> None:
    """Let this one answer be framed by the platform (launch refusals)."""
    request.lti_frame_origins = platform_origins(platform)  # type: ignore[attr-defined]


def _session_platform_pk(request: HttpRequest) -> int | None:
    session = getattr(request, "session", None)
    if session is None:
        return None
    if settings.SESSION_COOKIE_NAME not in request.COOKIES and not getattr(
        request, "lti_session_started", False
    ):
        # No session yet: do not read it (no "Vary: Cookie" on public pages).
        return None
    pk = session.get(SESSION_PLATFORM)
    return pk if isinstance(pk, int) else None


def _frame_origins(request: HttpRequest) -> list[str]:
    explicit = getattr(request, "lti_frame_origins", None)
    if explicit is not None:
        return list(explicit)
    pk = _session_platform_pk(request)
    if pk is None or not request.user.is_authenticated:
        return []
    platform = LtiPlatform.objects.filter(pk=pk).first()
    return platform_origins(platform) if platform is not None else []


class LtiFramingMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if not response.get("Content-Type", "").startswith("text/html"):
            return response
        if response.status_code >= 300 and response.status_code < 400:
            return response
        origins = _frame_origins(request)
        if origins:
            replace = dict(getattr(response, "_csp_replace", None) or {})
            replace["frame-ancestors"] = origins
            response._csp_replace = replace  # type: ignore[attr-defined]
            response.xframe_options_exempt = True  # type: ignore[attr-defined]
        return response


class LtiSessionCookieMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        response = self.get_response(request)
        if _session_platform_pk(request) is None:
            return response
        for name in (settings.SESSION_COOKIE_NAME, settings.CSRF_COOKIE_NAME):
            morsel = response.cookies.get(name)
            if morsel is not None and morsel.value:
                morsel["samesite"] = "None"
                morsel["secure"] = True
        return response
