"""The browsable documentation of the API (Swagger UI) for logged-in staff.

Its assets come from drf-spectacular-sidecar (no CDN): the settings name
SWAGGER_UI_DIST = "SIDECAR". Anonymous visitors go to the login page, like
any page; signed-in users who are not staff get 403."""

from collections.abc import Sequence
from typing import Any

from django.contrib.auth.decorators import login_required
from drf_spectacular.views import SpectacularSwaggerSplitView
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.permissions import IsAuthenticated

from webclasseur.api.permissions import ApiDocsPermission


class ApiDocsView(SpectacularSwaggerSplitView):
    """SpectacularSwaggerView, with its start script served from this URL
    (`?script`) rather than inline: the site's Content-Security-Policy
    (`script-src 'self'`) blocks inline scripts."""

    url_name = "api:schema"
    title = "Webclasseur API v1"
    authentication_classes: Sequence[type[BaseAuthentication]] = [SessionAuthentication]
    permission_classes: Sequence[Any] = [IsAuthenticated, ApiDocsPermission]

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        # A page: anonymous visitors go to the login page, then come back.
        return login_required(super().as_view(**initkwargs))
