"""Checking and cleaning uploaded files: pupils' attachments and class resources.

A file is accepted only when its name is plain, its size fits, its bytes are
what its extension says (libmagic), and — for images — Pillow can decode it;
images are then re-encoded, which drops EXIF data (a photo's GPS position) and
any bytes hidden after the picture, and a thumbnail is made. Office documents
are zip files: their expanded size is bounded (zip bombs).
"""

import io
import unicodedata
import zipfile
from dataclasses import dataclass
from pathlib import PurePosixPath

import magic
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import UploadedFile
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError

DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ODT = "application/vnd.oasis.opendocument.text"
EXPECTED_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".webp": "image/webp",
    ".pdf": "application/pdf",
    ".odt": ODT,
    ".docx": DOCX,
}
IMAGE_FORMATS = {"image/jpeg": "JPEG", "image/png": "PNG", "image/webp": "WEBP"}
# Bytes that have no business in a picture: a browser could run them as a page.
MARKUP_MARKERS = (b"<html", b"<script", b"<svg", b"<?php", b"<!doctype", b"<iframe")
MAX_IMAGE_SIDE = 2560
THUMBNAIL_SIDE = 480
MAX_ZIP_EXPANDED = 100 * 1024 * 1024
MAX_ZIP_MEMBERS = 5000
MAX_NAME_LENGTH = 150


@dataclass(frozen=True)
class CleanUpload:
    name: str
    content_type: str
    data: bytes
    is_image: bool
    thumbnail: bytes | None = None


def check_name(name: str) -> str:
    """Refuse names with folders, control characters or no extension we accept."""
    if (
        not name
        or "/" in name
        or "\\" in name
        or ".." in name
        or any(unicodedata.category(c) in {"Cc", "Cf"} for c in name)
    ):
        raise ValidationError(
            _("The file name “%(name)s” contains forbidden characters: rename it."),
            code="bad_name",
            params={"name": name.encode("unicode_escape").decode()[:80]},
        )
    if len(name) > MAX_NAME_LENGTH:
        raise ValidationError(
            _("The file name is too long (%(max)s characters at most): rename it."),
            code="long_name",
            params={"max": MAX_NAME_LENGTH},
        )
    suffix = PurePosixPath(name).suffix.lower()
    if suffix not in EXPECTED_TYPES:
        raise ValidationError(
            _(
                "“%(name)s”: this kind of file is not accepted. Attach a photo "
                "(JPEG, PNG, WebP), a PDF or a text document (ODT, DOCX)."
            ),
            code="bad_type",
            params={"name": name},
        )
    return name


def clean_upload(upload: UploadedFile) -> CleanUpload:
    name = check_name(upload.name or "")
    if upload.size is not None and upload.size > settings.ATTACHMENT_MAX_BYTES:
        raise ValidationError(
            _("“%(name)s” is too big: %(size)s, the limit is %(max)s."),
            code="too_big",
            params={
                "name": name,
                "size": filesizeformat(upload.size),
                "max": filesizeformat(settings.ATTACHMENT_MAX_BYTES),
            },
        )
    data = upload.read()
    expected = EXPECTED_TYPES[PurePosixPath(name).suffix.lower()]
    detected = magic.from_buffer(data[: 1024 * 1024], mime=True)
    if detected != expected:
        raise ValidationError(
            _(
                "“%(name)s” is not really what its name says (its content is "
                "%(detected)s): it is refused."
            ),
            code="disguised",
            params={"name": name, "detected": detected},
        )
    if expected in IMAGE_FORMATS:
        return _clean_image(name, expected, data)
    if expected in {DOCX, ODT}:
        _check_office_document(name, expected, data)
    return CleanUpload(name=name, content_type=expected, data=data, is_image=False)


def _refuse_image(name: str) -> ValidationError:
    return ValidationError(
        _("“%(name)s” is not a readable image."),
        code="bad_image",
        params={"name": name},
    )


def _load_whole(image: Image.Image) -> None:
    """Decode every byte of the picture. WeasyPrint switches Pillow to accept
    truncated files for the whole process when it is imported; an upload must
    still be refused when it is cut off (a web process serves one request at a
    time, so the switch is restored before anything else runs)."""
    previous = ImageFile.LOAD_TRUNCATED_IMAGES
    ImageFile.LOAD_TRUNCATED_IMAGES = False
    try:
        image.load()
    finally:
        ImageFile.LOAD_TRUNCATED_IMAGES = previous


def _clean_image(name: str, content_type: str, data: bytes) -> CleanUpload:
    lowered = data.lower()
    if any(marker in lowered for marker in MARKUP_MARKERS):
        raise ValidationError(
            _("“%(name)s” hides web code inside the picture: it is refused."),
            code="polyglot",
            params={"name": name},
        )
    try:
        with Image.open(io.BytesIO(data)) as probe:
            if probe.width * probe.height > settings.ATTACHMENT_MAX_PIXELS:
                raise ValidationError(
                    _("“%(name)s” has too many pixels (%(mp)s megapixels at most)."),
                    code="too_many_pixels",
                    params={
                        "name": name,
                        "mp": settings.ATTACHMENT_MAX_PIXELS // 10**6,
                    },
                )
            _load_whole(probe)
            image = ImageOps.exif_transpose(probe)
    except (UnidentifiedImageError, OSError, Image.DecompressionBombError):
        raise _refuse_image(name) from None
    image.thumbnail((MAX_IMAGE_SIDE, MAX_IMAGE_SIDE))
    return CleanUpload(
        name=name,
        content_type=content_type,
        data=_encode(image, IMAGE_FORMATS[content_type]),
        is_image=True,
        thumbnail=_thumbnail(image),
    )


def _encode(image: Image.Image, image_format: str) -> bytes:
    """Encode without metadata: Pillow writes EXIF only when asked to."""
    out = io.BytesIO()
    if image_format == "JPEG":
        image.convert("RGB").save(out, "JPEG", quality=85, optimize=True)
    elif image_format == "PNG":
        image.save(out, "PNG", optimize=True)
    else:
        image.save(out, "WEBP", quality=85)
    return out.getvalue()


def _thumbnail(image: Image.Image) -> bytes:
    small = image.copy()
    small.thumbnail((THUMBNAIL_SIDE, THUMBNAIL_SIDE))
    out = io.BytesIO()
    small.convert("RGB").save(out, "JPEG", quality=80)
    return out.getvalue()


def _check_office_document(name: str, content_type: str, data: bytes) -> None:
    refused = ValidationError(
        _("“%(name)s” is not a valid text document, or it expands too much."),
        code="bad_document",
        params={"name": name},
    )
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            members = archive.infolist()
            expanded = sum(member.file_size for member in members)
            names = {member.filename for member in members}
    except (zipfile.BadZipFile, OSError):
        raise refused from None
    if len(members) > MAX_ZIP_MEMBERS or expanded > MAX_ZIP_EXPANDED:
        raise refused
    required = (
        {"[Content_Types].xml", "word/document.xml"}
        if content_type == DOCX
        else {
            "mimetype",
            "content.xml",
        }
    )
    if not required <= names:
        raise refused


def quota_left(used: int) -> int:
    return max(settings.ATTACHMENT_QUOTA_BYTES - used, 0)


def check_quota(uploads: list[CleanUpload], used: int) -> None:
    incoming = sum(len(upload.data) for upload in uploads)
    if incoming > quota_left(used):
        raise ValidationError(
            _(
                "These files need %(incoming)s but only %(left)s are left in "
                "your space (%(quota)s in all). Delete old attachments or pick "
                "smaller files."
            ),
            code="quota",
            params={
                "incoming": filesizeformat(incoming),
                "left": filesizeformat(quota_left(used)),
                "quota": filesizeformat(settings.ATTACHMENT_QUOTA_BYTES),
            },
        )
