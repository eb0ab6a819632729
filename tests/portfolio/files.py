"""Test files made on the fly: real photos with EXIF, and disguised files."""

import io
import os
import zipfile

from django.core.files.uploadedfile import SimpleUploadedFile
from PIL import Image

GPS_LATITUDE_REF = 1


def photo_with_gps(
    name: str = "visite.jpg", size: tuple[int, int] = (1200, 900), noisy: bool = False
):
    """A JPEG with EXIF: camera maker and a GPS position (as a phone writes).
    `noisy` pictures do not compress, like real photos."""
    if noisy:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (180, 90, 40))
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x8825] = {GPS_LATITUDE_REF: "N", 2: (45.0, 46.0, 1.0)}  # GPSInfo
    out = io.BytesIO()
    image.save(out, "JPEG", exif=exif)
    return SimpleUploadedFile(name, out.getvalue(), content_type="image/jpeg")


def png(name: str = "schema.png", extra: bytes = b"") -> SimpleUploadedFile:
    out = io.BytesIO()
    Image.new("RGB", (64, 64), (0, 0, 145)).save(out, "PNG")
    return SimpleUploadedFile(name, out.getvalue() + extra, content_type="image/png")


def html_as_jpg() -> SimpleUploadedFile:
    page = b"<!DOCTYPE html><html><body><script>alert(1)</script></body></html>"
    return SimpleUploadedFile("photo.jpg", page, content_type="image/jpeg")


def svg() -> SimpleUploadedFile:
    drawing = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    return SimpleUploadedFile("dessin.svg", drawing, content_type="image/svg+xml")


def svg_as_png() -> SimpleUploadedFile:
    drawing = b'<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
    return SimpleUploadedFile("dessin.png", drawing, content_type="image/png")


def polyglot_png_html() -> SimpleUploadedFile:
    """A valid PNG with an HTML page after its end: both a picture and a page."""
    return png(
        "poly.png", extra=b"<html><script>alert(document.cookie)</script></html>"
    )


def docx(
    name: str = "compte-rendu.docx", body: bytes = b"<w:document/>"
) -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("_rels/.rels", "<Relationships/>")
        archive.writestr("word/document.xml", body)
    return SimpleUploadedFile(name, out.getvalue())


def zip_renamed_docx() -> SimpleUploadedFile:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        archive.writestr("notes.txt", "bonjour")
    return SimpleUploadedFile("devoir.docx", out.getvalue())


def zip_bomb_docx() -> SimpleUploadedFile:
    """A real-looking DOCX whose document expands to 200 MB."""
    return docx("bombe.docx", body=b"\0" * (200 * 1024 * 1024))


def pdf() -> SimpleUploadedFile:
    content = (
        b"%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n"
        b"2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\ntrailer<</Root 1 0 R>>\n%%EOF\n"
    )
    return SimpleUploadedFile("convention.pdf", content, content_type="application/pdf")
