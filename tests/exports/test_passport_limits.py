"""The passport on bad input: nothing at all, 500 entries, huge and broken
pictures, a very long reflection, emoji and right-to-left text; the bounds of a
render (entries, pictures per entry and per passport, picture bytes); French
typography."""

import datetime
import io
import os
import time

import pytest
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.utils import timezone, translation
from PIL import Image
from pypdf import PdfReader

from exports import fetcher as fetcher_module
from exports import passport as passport_module
from exports.fetcher import IMAGE_SCHEME, PassportFetcher
from exports.passport import MAX_ENTRIES, PassportChoice, build_passport
from exports.render import passport_html, passport_pdf
from exports.templatetags.passport import NARROW_NBSP, NBSP, fr_typo
from portfolio.models import Attachment, Entry, EntryKind, Visibility


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def pdf_image_count(data: bytes) -> int:
    """Distinct pictures in the PDF (pages may share one resource dictionary)."""
    seen = set()
    for page in PdfReader(io.BytesIO(data)).pages:
        for image in page.images:
            ref = image.indirect_reference
            seen.add(ref.idnum if ref is not None else image.name)
    return len(seen)


def render(owner, choice: PassportChoice | None = None) -> bytes:
    passport = build_passport(owner, choice or PassportChoice())
    return passport_pdf(owner, passport_html(passport, for_pdf=True))


@pytest.fixture
def pupil(world):
    """Léa's classmate, with an empty portfolio."""
    mate = world.user("classmate")
    Entry.objects.filter(owner=mate).delete()
    return mate


def add_entry(owner, title: str, **fields) -> Entry:
    values = {
        "kind": EntryKind.COMPANY_VISIT,
        "start_date": datetime.date(2025, 3, 14),
        "visibility": Visibility.SHARED,
        "is_draft": False,
        "what_i_did": "Nous avons visité l'atelier et rencontré les techniciens.",
        **fields,
    }
    return Entry.objects.create(owner=owner, title=title, **values)


def picture(size: tuple[int, int], *, noise: bool = False, fmt: str = "JPEG") -> bytes:
    if noise:
        image = Image.frombytes("RGB", size, os.urandom(size[0] * size[1] * 3))
    else:
        image = Image.new("RGB", size, (0, 90, 200))
    out = io.BytesIO()
    image.save(out, fmt, quality=95)
    return out.getvalue()


def add_picture(entry: Entry, name: str, thumbnail: bytes) -> Attachment:
    """An attachment row made directly, with whatever thumbnail it is given."""
    stored = default_storage.save(f"attachments/limits/{name}", ContentFile(thumbnail))
    return Attachment.objects.create(
        entry=entry,
        file=stored,
        thumbnail=stored,
        original_name=name,
        content_type="image/jpeg",
        size=len(thumbnail),
        is_image=True,
    )


# --- Nothing, and a lot ------------------------------------------------------


def test_a_pupil_with_no_entries_gets_a_passport_that_says_so(pupil):
    text = pdf_text(render(pupil)).replace("\n", " ")
    assert "aucune découverte" in text


def test_500_entries_render(pupil):
    day = datetime.date(2022, 9, 1)
    Entry.objects.bulk_create(
        Entry(
            owner=pupil,
            title=f"Découverte numéro {n}",
            kind=EntryKind.COMPANY_VISIT,
            start_date=day + datetime.timedelta(days=n * 2),
            visibility=Visibility.SHARED,
            is_draft=False,
            what_i_did="J'ai observé le travail de l'équipe : accueil, atelier, "
            "bureau d'études ; et j'ai posé mes questions !",
            what_i_learned="Qu'il faut un bac pro ou un BTS pour ce métier.",
        )
        for n in range(500)
    )
    started = time.perf_counter()
    with translation.override("en"):
        data = render(pupil)
    elapsed = time.perf_counter() - started
    print(f"\n500 entries: {elapsed:.1f} s, {len(data) // 1024} KB")  # noqa: T201
    reader = PdfReader(io.BytesIO(data))
    assert len(reader.pages) > 20
    text = pdf_text(data)
    # The most recent MAX_ENTRIES, and a word about the others.
    assert MAX_ENTRIES < 500
    assert "Découverte numéro 499" in text
    assert f"Découverte numéro {500 - MAX_ENTRIES}\n" in text
    assert f"Découverte numéro {499 - MAX_ENTRIES}\n" not in text
    assert "Découverte numéro 0\n" not in text
    flat = text.replace("\n", " ")
    assert f"{500 - MAX_ENTRIES} chosen entries are not in this passport" in flat


def test_beyond_max_entries_the_passport_says_what_it_left_out(pupil, monkeypatch):
    monkeypatch.setattr(passport_module, "MAX_ENTRIES", 5)
    for n in range(8):
        add_entry(pupil, f"Visite {n}", start_date=datetime.date(2025, 1, 1 + n))
    passport = build_passport(pupil, PassportChoice())
    assert passport.entry_count == 5
    assert passport.entries_left_out == 3
    with translation.override("en"):
        data = passport_pdf(pupil, passport_html(passport, for_pdf=True))
    text = pdf_text(data).replace("\n", " ")
    assert "3 chosen entries are not in this passport" in text
    assert "the 5 most recent ones" in text
    # The most recent ones are kept.
    assert "Visite 7" in text
    assert "Visite 2" not in text


# --- Pictures ------------------------------------------------------------------


def test_huge_and_broken_pictures_are_left_out_without_a_word(pupil, caplog):
    entry = add_entry(pupil, "Visite du laboratoire")
    good = add_picture(entry, "bon.jpg", picture((300, 200)))
    heavy = add_picture(
        entry, "lourd.jpg", picture((1800, 1400), noise=True)
    )  # > MAX_IMAGE_BYTES
    assert heavy.size > fetcher_module.MAX_IMAGE_BYTES
    vast = add_picture(entry, "immense.png", picture((6000, 6000), fmt="PNG"))
    assert vast.size < fetcher_module.MAX_IMAGE_BYTES  # small file, huge picture
    not_image = add_picture(entry, "faux.jpg", b"ceci n'est pas une image " * 100)
    svg = add_picture(
        entry,
        "dessin.jpg",
        b'<svg xmlns="http://www.w3.org/2000/svg"><image href="file:///etc/passwd"/>'
        b"</svg>",
    )
    whole = picture((300, 200))
    truncated = add_picture(entry, "coupe.jpg", whole[: len(whole) // 2])
    gone = add_picture(entry, "perdu.jpg", picture((10, 10)))
    default_storage.delete(gone.thumbnail.name)

    fetcher = PassportFetcher(pupil)
    html = passport_html(build_passport(pupil, PassportChoice()), for_pdf=True)
    data = passport_pdf(pupil, html)
    text = pdf_text(data)
    assert "Visite du laboratoire" in text
    assert pdf_image_count(data) == 1  # the good one only
    for word in ("rror", "rreur", "refused", "Traceback", "passwd"):
        assert word not in text
    # Each bad one, asked for directly, is refused by the fetcher.
    for bad in (heavy, vast, not_image, svg, truncated, gone):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(f"{IMAGE_SCHEME}{bad.pk}")
    assert fetcher.fetch(f"{IMAGE_SCHEME}{good.pk}").content_type == "image/jpeg"


def test_pictures_per_entry_and_per_passport_are_bounded(pupil):
    thumbnail = default_storage.save(
        "attachments/limits/petit.jpg", ContentFile(picture((60, 40)))
    )
    entries = [
        add_entry(pupil, f"Stage {n}", start_date=datetime.date(2025, 1, 1 + n))
        for n in range(10)
    ]
    Attachment.objects.bulk_create(
        Attachment(
            entry=entry,
            file=thumbnail,
            thumbnail=thumbnail,
            original_name=f"photo-{n}.jpg",
            content_type="image/jpeg",
            size=100,
            is_image=True,
        )
        for entry in entries
        for n in range(8)
    )
    passport = build_passport(pupil, PassportChoice())
    shown = [
        len(entry.thumbnails) for group in passport.groups for entry in group.entries
    ]
    # Newest first: six each until the forty are used up.
    assert shown == [6, 6, 6, 6, 6, 6, 4, 0, 0, 0]
    assert passport.images_left_out == 80 - 40
    with translation.override("en"):
        data = passport_pdf(pupil, passport_html(passport, for_pdf=True))
    assert "40 photos are not shown" in pdf_text(data).replace("\n", " ")
    assert pdf_image_count(data) == 40


def test_the_fetcher_stops_at_the_picture_budget(pupil, monkeypatch):
    entry = add_entry(pupil, "Visite")
    first, second, third = (
        add_picture(entry, f"p{n}.jpg", picture((200, 100))) for n in range(3)
    )
    size = first.size
    monkeypatch.setattr(fetcher_module, "MAX_TOTAL_IMAGE_BYTES", size * 2 + 10)
    fetcher = PassportFetcher(pupil)
    fetcher.fetch(f"{IMAGE_SCHEME}{first.pk}")
    fetcher.fetch(f"{IMAGE_SCHEME}{second.pk}")
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(f"{IMAGE_SCHEME}{third.pk}")
    monkeypatch.setattr(fetcher_module, "MAX_TOTAL_IMAGE_BYTES", 10**9)
    monkeypatch.setattr(passport_module, "MAX_IMAGES", 2)
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(f"{IMAGE_SCHEME}{third.pk}")
    assert fetcher.images_served == 2


# --- Text ----------------------------------------------------------------------


def test_a_10000_character_reflection(pupil):
    words = "Je voudrais devenir technicienne de laboratoire après un bac STL. "
    reflection = (words * 200)[:9980] + " FINDEREFLEXION"
    assert len(reflection) >= 9990
    add_entry(pupil, "Une longue réflexion", what_i_learned=reflection)
    text = pdf_text(render(pupil))
    assert "Une longue réflexion" in text
    assert "FINDEREFLEXION" in text
    assert text.count("technicienne") >= 100


def test_right_to_left_text(pupil):
    add_entry(
        pupil,
        "Visite du laboratoire",
        what_i_did="زيارة إلى المختبر مع الصف",
        what_i_learned="ביקור במעבדה עם הכיתה",
        what_i_liked="Mélange : j'ai dit שלום et مرحبا !",
    )
    text = pdf_text(render(pupil)).replace("\n", " ")
    assert "Visite du laboratoire" in text
    for word in ("زيارة", "المختبر", "במעבדה", "הכיתה", "שלום", "مرحبا"):
        # Logical order, or visual order for an extractor that does not reorder.
        assert word in text or word[::-1] in text, word


def test_emoji_do_not_break_the_render(pupil):
    add_entry(
        pupil,
        "Visite du labo 🔬🚀 avec ma classe 👩‍🔬",
        what_i_did="Trop bien 😀👍🏽 ! Drapeau 🇫🇷, famille 👨‍👩‍👧, pictogramme ☀︎.",
    )
    html = passport_html(build_passport(pupil, PassportChoice()), for_pdf=True)
    assert "Visite du labo 🔬🚀 avec ma classe 👩‍🔬" in html
    data = passport_pdf(pupil, html)
    reader = PdfReader(io.BytesIO(data))
    # No emoji font is bundled: WeasyPrint draws an empty box for each one. A
    # font holding a .notdef glyph gets its own encoding CMap, which pypdf
    # cannot read back (other readers do), so only the rest of the page is read.
    assert data.startswith(b"%PDF")
    assert len(reader.pages) >= 3


# --- French typography ---------------------------------------------------------


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("Pourquoi ?", f"Pourquoi{NARROW_NBSP}?"),
        ("Super !", f"Super{NARROW_NBSP}!"),
        ("un ; deux", f"un{NARROW_NBSP}; deux"),
        ("Métiers : trois", f"Métiers{NBSP}: trois"),
        ('Il a dit "bonjour" !', f"Il a dit «{NBSP}bonjour{NBSP}»{NARROW_NBSP}!"),
        ("« déjà »", f"«{NBSP}déjà{NBSP}»"),
        ("Pas de changement.", "Pas de changement."),
        ("https://example.org", "https://example.org"),
    ],
)
def test_fr_typo(raw, expected):
    assert fr_typo(raw) == expected


def test_fr_typo_keeps_the_text_escaped():
    out = fr_typo('<img src="file:///etc/passwd"> & "x" <b>gras</b> ?')
    assert "<img" not in out
    assert "<b>" not in out
    assert "&lt;img src=" in out
    assert "&amp;" in out
    assert "&lt;b&gt;gras&lt;/b&gt;" in out
    assert out.endswith(f"{NARROW_NBSP}?")
    # A lone quote stays an entity, never a bare quote that could end an attribute.
    assert '"' not in fr_typo('un " seul')
    assert fr_typo(None) == ""
    assert fr_typo(timezone.localdate().year) == str(timezone.localdate().year)
