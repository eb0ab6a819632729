"""Serving stored files (attachments, class resources, export ZIPs) once a
view has asked the policy: the same protective headers everywhere."""

import logging
from collections.abc import Iterable

from django.core.files.storage import default_storage
from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

logger = logging.getLogger(__name__)

# A file is never a page: no script, no framing, no caching by proxies.
FILE_CSP = "default-src 'none'; img-src 'self'; sandbox; frame-ancestors 'none'"


def protected_file_response(
    file_field: FieldFile, *, name: str, content_type: str, inline: bool = False
) -> FileResponse:
    """The file as a download (or inline, for images we re-encoded ourselves);
    404 when the storage no longer has it."""
    try:
        opened = file_field.open("rb")
    except (FileNotFoundError, ValueError):
        raise Http404 from None
    response = FileResponse(
        opened, as_attachment=not inline, filename=name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = FILE_CSP
    response["Cache-Control"] = "private, max-age=0, no-store"
    return response


def delete_stored_files(names: Iterable[str]) -> None:
    """Remove files from storage (after the rows that named them are gone);
    a file that cannot be removed is logged, never fatal."""
    for name in names:
        try:
            default_storage.delete(name)
        except OSError:
            logger.exception("could not delete the stored file %s", name)
