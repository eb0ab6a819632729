"""The passport: what the pupil chose and nothing else, rendered with a
fetcher that reads nothing outside the allow-list."""

import http.server
import io
import threading

import pytest
from django.urls import reverse
from pypdf import PdfReader

from exports.fetcher import PassportFetcher
from exports.passport import PassportChoice, build_passport
from exports.render import passport_html, passport_pdf
from portfolio import services
from portfolio.models import Entry, EntryKind


def pdf_text(data: bytes) -> str:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() or "" for page in reader.pages)


def test_the_default_passport_holds_shared_entries_and_no_private_one(world):
    client = world.client_for("pupil")
    response = client.get(reverse("exports:passport_pdf"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content)
    assert "Garage des Tonkins" in text
    assert "Forum des métiers du collège" in text
    assert "Recherches sur les bacs pro" not in text  # private
    # The interview synthesis only once Léa adds it; never the confidential note.
    assert "Situation familiale" not in text


def test_a_chosen_selection_and_the_interview_the_pupil_added(world):
    lea = world.user("pupil")
    interview = world.interview_of_lea()
    services.interview_set_in_passport(by=lea, interview=interview, shown=True)
    forum = world.entry("Forum des métiers du collège")
    response = world.client_for("pupil").get(
        reverse("exports:passport_pdf"),
        {"entries": [forum.pk], "with_interviews": "on"},
    )
    text = pdf_text(response.content)
    assert "Forum des métiers du collège" in text
    assert "Garage des Tonkins" not in text
    assert "hésite entre la santé et le numérique" in text.replace("\n", " ")
    assert "Situation familiale" not in text
    assert "Aller en 2de générale" not in text  # the project was not ticked


def test_pdf_metadata_pages_and_archival_variant(world):
    lea = world.user("pupil")
    html = passport_html(build_passport(lea, PassportChoice()), for_pdf=True)
    reader = PdfReader(io.BytesIO(passport_pdf(lea, html)))
    assert reader.metadata is not None
    assert "Léa Martin" in (reader.metadata.title or "")
    assert reader.metadata.author == "Léa Martin"
    assert len(reader.pages) >= 4  # cover, contents, summary, a year
    assert "/Lang" in reader.trailer["/Root"]
    archival = PdfReader(io.BytesIO(passport_pdf(lea, html, archival=True)))
    xmp = archival.xmp_metadata
    assert xmp is not None
    # The PDF/A identification: part 3, conformance B.
    assert xmp.custom_properties.get("pdfaid:part") == "3" or (
        b"pdfaid:part" in xmp.stream.get_data()
    )


def test_an_empty_passport_says_so_nicely(world):
    mate = world.user("classmate")
    Entry.objects.filter(owner=mate).delete()
    html = passport_html(build_passport(mate, PassportChoice()), for_pdf=True)
    assert "ne contient encore aucune découverte" in html


class CountingHandler(http.server.BaseHTTPRequestHandler):
    hits: list[str] = []

    def do_GET(self) -> None:
        CountingHandler.hits.append(self.path)
        self.send_response(200)
        self.end_headers()

    def log_message(self, *args: object) -> None:
        pass


@pytest.fixture
def listening_server():
    server = http.server.HTTPServer(("127.0.0.1", 0), CountingHandler)
    CountingHandler.hits = []
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}"
    server.shutdown()


def test_hostile_text_is_escaped_and_fetches_nothing(world, listening_server):
    lea = world.user("pupil")
    hostile = (
        '<img src="file:///etc/passwd"> '
        f'<link rel="stylesheet" href="{listening_server}/x.css"> '
        f'<style>@import "{listening_server}/i.css"; '
        f'body {{ background: url("{listening_server}/bg.png") }}</style>'
    )
    entry = Entry(
        kind=EntryKind.OTHER,
        title="Piège",
        start_date=world.entry("Forum des métiers du collège").start_date,
        what_i_did=hostile,
        visibility="shared",
    )
    services.entry_save(by=lea, entry=entry)
    html = passport_html(build_passport(lea, PassportChoice()), for_pdf=True)
    assert '<img src="file:' not in html
    assert "&lt;img" in html
    text = pdf_text(passport_pdf(lea, html))
    assert "file:///etc/passwd" in text.replace("\n", "")  # shown as text
    assert CountingHandler.hits == []


def test_the_fetcher_refuses_everything_outside_its_allow_list(world, listening_server):
    lea = world.user("pupil")
    fetcher = PassportFetcher(lea)
    for url in (
        "file:///etc/passwd",
        f"{listening_server}/x.css",
        "data:text/css,body{}",
        "wc-static:../../settings.py",
        "wc-static:admin/css/base.css",
    ):
        with pytest.raises(ValueError, match="refused"):
            fetcher.fetch(url)
    assert CountingHandler.hits == []
    # Even a page built with such links by mistake reads nothing.
    page = (
        '<html><head><link rel="stylesheet" '
        f'href="{listening_server}/evil.css"></head><body>'
        '<img src="file:///etc/passwd"><p>x</p></body></html>'
    )
    passport_pdf(lea, page)
    assert CountingHandler.hits == []


def test_a_classmates_photo_is_not_fetched(world):
    photo = world.entry("Visite de l'atelier du Garage des Tonkins").attachments.get()
    fetcher = PassportFetcher(world.user("classmate"))
    with pytest.raises(ValueError, match="refused"):
        fetcher.fetch(f"wc-image:{photo.pk}")
    assert fetcher.refused == [f"wc-image:{photo.pk}"]
    own = PassportFetcher(world.user("pupil")).fetch(f"wc-image:{photo.pk}")
    assert own.read()[:2] == b"\xff\xd8"  # a JPEG


def test_staff_have_no_passport_page(world):
    assert (
        world.client_for("teacher").get(reverse("exports:passport")).status_code == 403
    )
