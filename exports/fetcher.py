"""A locked-down URL fetcher for WeasyPrint.

The passport HTML may only load the project's own stylesheet and fonts
(`wc-static:` URLs, from an allow-list) and the thumbnails of attachments the
requesting user may see (`wc-image:<attachment id>`, through the policy). Any
other URL — file://, http(s)://, data:, an @import, a CSS url() written by a
pupil — is refused without being read or requested, and written down.

A thumbnail is served only if it is a small picture that decodes: at most
`MAX_IMAGE_BYTES` and `MAX_IMAGE_PIXELS`, a JPEG, PNG or WebP that Pillow reads
to the end and that is not cut short. A passport gets at most `MAX_IMAGES`
pictures and `MAX_TOTAL_IMAGE_BYTES` in all. Anything else is refused like a
foreign URL: WeasyPrint logs it and leaves the picture out (its alternative text
is shown).
"""

import io
import warnings

from django.contrib.staticfiles import finders
from django.core.exceptions import PermissionDenied
from django.http import Http404
from PIL import Image
from weasyprint.urls import URLFetcher, URLFetcherResponse

from classes.models import User
from exports import passport as bounds
from portfolio.models import Attachment
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
MAX_TOTAL_IMAGE_BYTES = 20 * 1024 * 1024
# Thumbnails are 480 px wide (webclasseur.uploads.THUMBNAIL_SIDE): anything much
# larger was not made here, and would cost memory to decode.
MAX_IMAGE_PIXELS = 2560 * 2560
IMAGE_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


class PassportFetcher(URLFetcher):
    def __init__(self, user: User) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, timeout=1)
        self.user = user
        self.refused: list[str] = []
        self.images_served = 0
        self.image_bytes = 0

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
            if raw.isdigit() and self.images_served < bounds.MAX_IMAGES:
                response = self._image(url, int(raw))
                if response is not None:
                    return response
        self.refused.append(url)
        raise ValueError(f"refused by the passport fetcher: {url[:80]}")

    def _image(self, url: str, pk: int) -> URLFetcherResponse | None:
        try:
            attachment: Attachment | None = get_attachment_for(self.user, pk, "view")
        except (Http404, PermissionDenied):
            attachment = None
        if attachment is None or not attachment.thumbnail:
            return None
        budget = min(MAX_IMAGE_BYTES, MAX_TOTAL_IMAGE_BYTES - self.image_bytes)
        try:
            with attachment.thumbnail.open("rb") as handle:
                body = handle.read(budget + 1)
        except OSError:  # the file is gone from the storage
            return None
        content_type = _picture_type(body) if len(body) <= budget else None
        if content_type is None:
            return None
        self.images_served += 1
        self.image_bytes += len(body)
        return URLFetcherResponse(url, body, headers={"Content-Type": content_type})


def _picture_type(body: bytes) -> str | None:
    """The picture's type if it is a small raster picture that decodes whole."""
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error", Image.DecompressionBombWarning)
            with Image.open(io.BytesIO(body)) as image:
                if image.format not in IMAGE_TYPES:
                    return None
                if image.width * image.height > MAX_IMAGE_PIXELS:
                    return None
                image.load()
                image_format = str(image.format)
    except Exception:  # any undecodable picture is left out
        return None
    return IMAGE_TYPES[image_format] if _whole(image_format, body) else None


def _whole(image_format: str, body: bytes) -> bool:
    """The file ends where its format says it ends. WeasyPrint sets Pillow's
    LOAD_TRUNCATED_IMAGES for the whole process, so `load()` alone accepts a cut
    picture (and pads it with grey)."""
    if image_format == "JPEG":
        return body.rstrip(b"\0").endswith(b"\xff\xd9")
    if image_format == "PNG":
        return b"IEND" in body[-12:]
    return 12 < int.from_bytes(body[4:8], "little") + 8 <= len(body)  # RIFF size
