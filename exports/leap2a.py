"""The portfolio as Leap2A (2010-07): an Atom feed another e-portfolio (Mahara
and others) imports, zipped as Mahara does: `leap2a.xml` and the files under
`files/`.

Each entry of the pupil (trash left out) is an Atom entry typed
`leap2:activity` (visits, stages, meetings: something done over time) or
`leap2:entry` (personal research, other, undated drafts), with its dates
(`leap2:date` start/end), its kind as a category, its tags as plain
categories, and its files as `leap2:resource` entries with an `enclosure`
link to the file in the zip, linked both ways (`leap2:has_attachment` /
`leap2:is_attachment_of`). The project is a `leap2:plan`. Comments,
interviews and the access log stay in the webclasseur archive only. Pupil
text is only ever written as XML text (never parsed as markup).
"""

import io
import re
import zipfile
from pathlib import PurePosixPath
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _
from lxml import etree

from classes.models import User
from exports.archive import instance_id
from portfolio import permissions
from portfolio.models import Entry, EntryKind, RomeDomain

ATOM = "http://www.w3.org/2005/Atom"
RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
LEAP2 = "http://terms.leapspecs.org/"
CATEGORIES = "http://wiki.leapspecs.org/2A/categories/"
XHTML = "http://www.w3.org/1999/xhtml"
LEAP2_VERSION = "http://www.leapspecs.org/2010-07/2A/"
KIND_SCHEME = "https://webclasseur.fr/leap2a/kind#"
NSMAP = {None: ATOM, "rdf": RDF, "leap2": LEAP2, "categories": CATEGORIES}
FEED_NAME = "leap2a.xml"
# Entries that are a piece of writing rather than something done over time.
WRITING_KINDS = {EntryKind.PERSONAL_RESEARCH, EntryKind.OTHER}


# Characters XML 1.0 cannot carry (control characters a pasted text may hold).
NOT_XML = re.compile(
    "[^\u0009\u000a\u000d\u0020-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]"
)


def _el(parent: Any, tag: str, text: str | None = None, **attrs: str) -> Any:
    node = etree.SubElement(
        parent, tag, {k: NOT_XML.sub("", v) for k, v in attrs.items()}
    )
    if text is not None:
        node.text = NOT_XML.sub("", text)
    return node


def _atom(tag: str) -> str:
    return f"{{{ATOM}}}{tag}"


def _leap(tag: str) -> str:
    return f"{{{LEAP2}}}{tag}"


def _author(parent: Any, name: str) -> None:
    author = _el(parent, _atom("author"))
    _el(author, _atom("name"), name)


def _xhtml(parent: Any, sections: list[tuple[str, str]]) -> None:
    content = _el(parent, _atom("content"), type="xhtml")
    div = etree.SubElement(content, f"{{{XHTML}}}div", nsmap={None: XHTML})
    for heading, text in sections:
        if not text.strip():
            continue
        _el(div, f"{{{XHTML}}}h3", heading)
        for paragraph in text.split("\n\n"):
            _el(div, f"{{{XHTML}}}p", paragraph.strip())


def _type(parent: Any, leap_type: str) -> None:
    etree.SubElement(parent, f"{{{RDF}}}type", {f"{{{RDF}}}resource": leap_type})


def _date(parent: Any, point: str, value: Any) -> None:
    if value is not None:
        _el(parent, _leap("date"), value.isoformat(), **{_leap("point"): point})


def leap2a_feed(*, owner: User) -> tuple[bytes, dict[str, bytes]]:
    """The feed's XML bytes and the files it refers to (path in the zip → bytes),
    read through the policy as the pupil."""
    base = f"urn:webclasseur:{instance_id()}:pupil:{owner.pk}"
    name = owner.get_full_name() or owner.get_username()
    entries = (
        permissions.entries_visible_to(owner)
        .filter(owner=owner)
        .prefetch_related("metiers", "formations", "tags", "attachments")
        .order_by("start_date", "created_at")
    )
    feed = etree.Element(_atom("feed"), nsmap=NSMAP)
    _el(feed, _leap("version"), LEAP2_VERSION)
    _el(feed, _atom("id"), f"{base}:leap2a")
    _el(feed, _atom("title"), _("Portfolio of %(name)s") % {"name": name})
    _author(feed, name)
    _el(feed, _atom("updated"), timezone.now().isoformat())
    _el(feed, _atom("generator"), "webclasseur")
    files: dict[str, bytes] = {}
    kinds = dict(EntryKind.choices)
    for entry in entries:
        _entry(feed, entry, base, name, str(kinds.get(entry.kind, entry.kind)), files)
    _project(feed, owner, base, name)
    xml = etree.tostring(feed, xml_declaration=True, encoding="UTF-8")
    return xml, files


def _entry(
    feed: Any, entry: Entry, base: str, name: str, kind_label: str, files: dict
) -> None:
    entry_id = f"{base}:entry:{entry.pk}"
    node = _el(feed, _atom("entry"))
    _el(node, _atom("title"), entry.title or str(_("Untitled draft")))
    _el(node, _atom("id"), entry_id)
    _el(node, _atom("updated"), entry.updated_at.isoformat())
    _el(node, _atom("published"), entry.created_at.isoformat())
    _author(node, name)
    metiers = ", ".join(str(m) for m in entry.metiers.all())
    formations = ", ".join(str(f) for f in entry.formations.all())
    organisation = ", ".join(
        part
        for part in (
            entry.organisation_name,
            entry.organisation_sector,
            entry.organisation_town,
        )
        if part
    )
    _xhtml(
        node,
        [
            (str(_("organisation")), organisation),
            (str(_("what I did")), entry.what_i_did),
            (str(_("what I learned")), entry.what_i_learned),
            (str(_("what I liked or disliked")), entry.what_i_liked),
            (str(_("métiers")), metiers),
            (str(_("formations")), formations),
        ],
    )
    is_activity = entry.start_date is not None and entry.kind not in WRITING_KINDS
    _type(node, "leap2:activity" if is_activity else "leap2:entry")
    _el(
        node,
        _atom("category"),
        scheme="categories:life_area#",
        term="Education",
    )
    _el(node, _atom("category"), scheme=KIND_SCHEME, term=entry.kind, label=kind_label)
    for tag in entry.tags.all():
        _el(node, _atom("category"), term=tag.name)
    _date(node, "start", entry.start_date)
    _date(node, "end", entry.end_date)
    for attachment in entry.attachments.all():
        resource_id = f"{base}:file:{attachment.pk}"
        _el(node, _atom("link"), rel="leap2:has_attachment", href=resource_id)
        suffix = PurePosixPath(attachment.original_name).suffix.lower()
        path = f"files/{attachment.pk}{suffix}"
        with attachment.file.open("rb") as handle:
            files[path] = handle.read()
        resource = _el(feed, _atom("entry"))
        _el(resource, _atom("title"), attachment.original_name)
        _el(resource, _atom("id"), resource_id)
        _el(resource, _atom("updated"), attachment.created_at.isoformat())
        _author(resource, name)
        _el(resource, _atom("summary"), attachment.original_name)
        _type(resource, "leap2:resource")
        _el(
            resource,
            _atom("category"),
            scheme="categories:resource_type#",
            term="Offline",
            label="File",
        )
        _el(
            resource,
            _atom("link"),
            rel="enclosure",
            href=path,
            type=attachment.content_type,
            length=str(len(files[path])),
        )
        _el(resource, _atom("link"), rel="leap2:is_attachment_of", href=entry_id)


def _project(feed: Any, owner: User, base: str, name: str) -> None:
    project = permissions.projects_visible_to(owner).filter(owner=owner).first()
    if project is None:
        return
    domains = dict(RomeDomain.choices)
    interests = "\n\n".join(
        f"{domains.get(i.domain, i.domain)} : {i.get_level_display()}"
        for i in project.interests.all()
    )
    wishes = "\n\n".join(
        f"{wish.school_year} : {wish.text}"
        for wish in project.wishes.select_related("school_year")
    )
    node = _el(feed, _atom("entry"))
    _el(node, _atom("title"), str(_("My orientation project")))
    _el(node, _atom("id"), f"{base}:project")
    _el(node, _atom("updated"), project.updated_at.isoformat())
    _author(node, name)
    _xhtml(
        node,
        [
            (str(_("métiers I am considering")), project.metiers),
            (str(_("formations I am considering")), project.formations),
            (str(_("My interests")), interests),
            (str(_("my wishes for next year")), wishes),
        ],
    )
    _type(node, "leap2:plan")


def leap2a_zip(*, owner: User) -> bytes:
    """`leap2a.xml` and `files/…`, as Mahara exports and imports it."""
    xml, files = leap2a_feed(owner=owner)
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr(FEED_NAME, xml)
        for path, data in files.items():
            archive.writestr(path, data, compress_type=zipfile.ZIP_STORED)
    return out.getvalue()
