"""The Leap2A export: a well-formed Atom feed with the Leap2A namespaces, an
item per entry with its dates, kind and files, zipped with the files."""

import io
import zipfile

import pytest
from django.urls import reverse
from django.utils import timezone
from lxml import etree

from exports.leap2a import (
    ATOM,
    CATEGORIES,
    FEED_NAME,
    KIND_SCHEME,
    LEAP2,
    LEAP2_VERSION,
    RDF,
    leap2a_zip,
)
from portfolio import services
from portfolio.models import Entry, EntryKind, Visibility

NS = {"atom": ATOM, "leap2": LEAP2, "rdf": RDF}


def open_zip(data: bytes) -> tuple[etree._Element, set[str], zipfile.ZipFile]:
    archive = zipfile.ZipFile(io.BytesIO(data))
    # lxml refuses a malformed document: this is the well-formedness check.
    parser = etree.XMLParser(resolve_entities=False, no_network=True)
    feed = etree.fromstring(archive.read(FEED_NAME), parser)
    return feed, set(archive.namelist()), archive


@pytest.fixture
def lea_feed(world):
    return open_zip(leap2a_zip(owner=world.user("pupil")))


def items(feed, leap_type: str) -> list:
    return feed.xpath(
        f"atom:entry[rdf:type/@rdf:resource='{leap_type}']", namespaces=NS
    )


def test_the_feed_has_the_leap2a_namespaces_and_header(lea_feed, world):
    feed, _names, _zip = lea_feed
    assert feed.tag == f"{{{ATOM}}}feed"
    assert feed.nsmap["leap2"] == LEAP2
    assert feed.nsmap["rdf"] == RDF
    assert feed.nsmap["categories"] == CATEGORIES
    assert feed.findtext("leap2:version", namespaces=NS) == LEAP2_VERSION
    for tag in ("atom:id", "atom:title", "atom:updated", "atom:author/atom:name"):
        assert feed.findtext(tag, namespaces=NS)
    assert feed.findtext("atom:author/atom:name", namespaces=NS) == "Léa Martin"


def test_every_item_has_id_title_updated_and_author(lea_feed):
    feed, _names, _zip = lea_feed
    entries = feed.findall("atom:entry", namespaces=NS)
    assert entries
    ids = [e.findtext("atom:id", namespaces=NS) for e in entries]
    assert len(set(ids)) == len(ids)
    for entry in entries:
        assert entry.findtext("atom:id", namespaces=NS)
        assert entry.findtext("atom:title", namespaces=NS)
        assert entry.findtext("atom:updated", namespaces=NS)
        assert entry.findtext("atom:author/atom:name", namespaces=NS)
        assert entry.find("rdf:type", namespaces=NS) is not None


def test_entries_are_activities_or_entries_with_dates_and_kind(lea_feed, world):
    feed, _names, _zip = lea_feed
    lea = world.user("pupil")
    alive = Entry.objects.alive().filter(owner=lea)
    activities, writings = items(feed, "leap2:activity"), items(feed, "leap2:entry")
    assert len(activities) + len(writings) == alive.count()
    assert activities
    for item in activities + writings:
        title = item.findtext("atom:title", namespaces=NS)
        entry = alive.get(title=title)
        kind = item.find(f"atom:category[@scheme='{KIND_SCHEME}']", namespaces=NS)
        assert kind is not None
        assert kind.get("term") == entry.kind
        start = item.find("leap2:date[@leap2:point='start']", namespaces=NS)
        if entry.start_date:
            assert start is not None
            assert start.text == entry.start_date.isoformat()
        end = item.find("leap2:date[@leap2:point='end']", namespaces=NS)
        assert (end is None) == (entry.end_date is None)


def test_attachments_are_resources_whose_files_are_in_the_zip(lea_feed):
    feed, names, archive = lea_feed
    resources = items(feed, "leap2:resource")
    assert resources
    ids = {e.findtext("atom:id", namespaces=NS) for e in feed.findall("atom:entry", NS)}
    for resource in resources:
        enclosure = resource.find("atom:link[@rel='enclosure']", namespaces=NS)
        assert enclosure is not None
        href = enclosure.get("href")
        assert href in names
        assert href.startswith("files/")
        assert int(enclosure.get("length")) == len(archive.read(href))
        parent = resource.find("atom:link[@rel='leap2:is_attachment_of']", NS)
        assert parent.get("href") in ids
    for link in feed.xpath(
        "atom:entry/atom:link[@rel='leap2:has_attachment']", namespaces=NS
    ):
        assert link.get("href") in ids


def test_markup_and_control_characters_stay_text(world):
    lea = world.user("pupil")
    services.entry_save(
        by=lea,
        entry=Entry(
            title="<script>alert(1)</script> & co \x0b",
            kind=EntryKind.PERSONAL_RESEARCH,
            start_date=timezone.localdate(),
            what_i_did='<img src="file:///etc/passwd"> مرحبا 🎉',
            visibility=Visibility.PRIVATE,
        ),
    )
    feed, _names, _zip = open_zip(leap2a_zip(owner=lea))
    titles = [t.text for t in feed.iterfind("atom:entry/atom:title", NS)]
    assert "<script>alert(1)</script> & co " in titles
    assert not feed.xpath("//*[local-name()='script' or local-name()='img']")
    assert "مرحبا 🎉" in etree.tostring(feed, encoding="unicode")


def test_another_pupils_entries_are_not_in_the_feed(world):
    mate = world.user("classmate")
    services.entry_save(
        by=mate,
        entry=Entry(
            title="Le secret du camarade",
            kind=EntryKind.OTHER,
            start_date=timezone.localdate(),
            visibility=Visibility.SHARED,
        ),
    )
    feed, _names, _zip = open_zip(leap2a_zip(owner=world.user("pupil")))
    assert b"Le secret du camarade" not in etree.tostring(feed)


def test_the_download_is_the_pupils_own(world):
    response = world.client_for("pupil").get(reverse("exports:leap2a"))
    assert response.status_code == 200
    assert response["Content-Type"] == "application/zip"
    open_zip(response.content)
    for alias in ("teacher", "head", "platform_admin"):
        assert world.client_for(alias).get(reverse("exports:leap2a")).status_code == 403
