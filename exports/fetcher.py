"""A locked-down URL fetcher for WeasyPrint.

The passport HTML may only load the project's own stylesheet and fonts
(`wc-static:` URLs, from an allow-list) and the thumbnails of attachments the
requesting user may see (`wc-image:<attachment id>`, through the policy). Any
other URL — file://, http(s)://, data:, an @import, a CSS url() written by a
pupil — is refused without being read or requested, and written down.
"""

from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import Http404
from weasyprint.urls import URLFetcher, URLFetcherResponse

from classes.models import User
from portfolio.permissions import get_attachment_for

STATIC_ALLOWED = {
    "exports/passport.css": "text/css",
    "dsfr/dist/fonts/Marianne-Regular.woff": "font/woff",
    "dsfr/dist/fonts/Marianne-Bold.woff": "font/woff",
    "dsfr/dist/fonts/Marianne-Regular_Italic.woff": "font/woff",
}
STATIC_SCHEME = "wc-static:"
IMAGE_SCHEME = "wc-image:"
MAX_IMAGE_BYTES = 2 * 1024 * 1024


class PassportFetcher(URLFetcher):
    def __init__(self, user: User) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, timeout=1)
        self.user = user
        self.refused: list[str] = []

    def fetch(
        self, url: str, headers: dict[str, str] | None = None
    ) -> URLFetcherResponse:
        if url.startswith(STATIC_SCHEME):
            name = url.removeprefix(STATIC_SCHEME).lstrip("/")
            if name in STATIC_ALLOWED:
                path = finders.find(name)
                if isinstance(path, str):
                    with open(path, "rb") as handle:
                        body = handle.read()
                    return URLFetcherResponse(
                        url, body, headers={"Content-Type": STATIC_ALLOWED[name]}
                    )
        elif url.startswith(IMAGE_SCHEME):
            raw = url.removeprefix(IMAGE_SCHEME)
            if raw.isdigit():
                try:
                    attachment = get_attachment_for(self.user, int(raw), "view")
                except (Http404, PermissionDenied):
                    attachment = None
                if attachment is not None and attachment.thumbnail:
                    with attachment.thumbnail.open("rb") as handle:
                        body = handle.read(MAX_IMAGE_BYTES + 1)
                    if len(body) <= MAX_IMAGE_BYTES:
                        return URLFetcherResponse(
                            url, body, headers={"Content-Type": "image/jpeg"}
                        )
        self.refused.append(url)
        raise ValueError(f"refused by the passport fetcher: {url[:80]}")
