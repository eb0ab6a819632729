"""Serving stored files (attachments, class resources, export ZIPs) once a
view has asked the policy: the same protective headers everywhere."""

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404

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
