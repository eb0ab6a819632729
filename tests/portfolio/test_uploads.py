"""Attachments: what is accepted, what is refused, and what is stored."""

import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import override_settings
from PIL import Image

from tests.portfolio import files
from webclasseur.uploads import check_name, clean_upload


def test_a_photo_is_re_encoded_without_exif_or_gps():
    original = files.photo_with_gps()
    assert Image.open(io.BytesIO(original.read())).getexif()  # the phone wrote some
    original.seek(0)
    cleaned = clean_upload(original)
    stored = Image.open(io.BytesIO(cleaned.data))
    assert dict(stored.getexif()) == {}
    assert b"PhoneMaker" not in cleaned.data
    assert stored.format == "JPEG"
    assert cleaned.is_image
    assert Image.open(io.BytesIO(cleaned.thumbnail)).size[0] <= 480


def test_a_big_photo_is_scaled_down():
    cleaned = clean_upload(files.photo_with_gps(size=(4000, 3000)))
    assert max(Image.open(io.BytesIO(cleaned.data)).size) == 2560


@override_settings(ATTACHMENT_MAX_PIXELS=1_000_000)
def test_a_photo_over_the_pixel_cap_is_refused():
    with pytest.raises(ValidationError) as caught:
        clean_upload(files.photo_with_gps(size=(1200, 900)))
    assert caught.value.code == "too_many_pixels"


@pytest.mark.parametrize(
    ("upload", "code"),
    [
        (files.html_as_jpg, "disguised"),
        (files.svg, "bad_type"),
        (files.svg_as_png, "disguised"),
        (files.polyglot_png_html, "polyglot"),
        (files.zip_renamed_docx, "disguised"),
        (files.zip_bomb_docx, "bad_document"),
    ],
    ids=[
        "html-as-jpg",
        "svg",
        "svg-as-png",
        "png-html-polyglot",
        "zip-as-docx",
        "zip-bomb",
    ],
)
def test_disguised_files_are_refused(upload, code):
    with pytest.raises(ValidationError) as caught:
        clean_upload(upload())
    assert caught.value.code == code


@pytest.mark.parametrize("upload", [files.pdf, files.docx, files.png])
def test_plain_documents_are_accepted(upload):
    cleaned = clean_upload(upload())
    assert cleaned.data


@pytest.mark.parametrize(
    "name",
    [
        "../../etc/passwd.jpg",
        "dossier/photo.jpg",
        "photo\x00.jpg",
        "photo\n.jpg",
        "a\\b.png",
    ],
)
def test_names_with_folders_or_control_characters_are_refused(name):
    with pytest.raises(ValidationError) as caught:
        check_name(name)
    assert caught.value.code == "bad_name"


@override_settings(ATTACHMENT_MAX_BYTES=1000)
def test_a_file_over_the_limit_is_refused_with_the_sizes():
    upload = SimpleUploadedFile("gros.pdf", b"%PDF-1.4\n" + b"0" * 5000)
    with pytest.raises(ValidationError) as caught:
        clean_upload(upload)
    assert caught.value.code == "too_big"


def test_a_cut_off_photo_is_refused_even_once_weasyprint_is_loaded():
    import weasyprint.images  # noqa: F401 - it makes Pillow accept cut-off files
    from PIL import ImageFile

    assert ImageFile.LOAD_TRUNCATED_IMAGES is True
    whole = files.photo_with_gps(noisy=True).read()
    cut = SimpleUploadedFile("coupee.jpg", whole[: len(whole) // 2])
    with pytest.raises(ValidationError):
        clean_upload(cut)
    assert ImageFile.LOAD_TRUNCATED_IMAGES is True  # put back for WeasyPrint
