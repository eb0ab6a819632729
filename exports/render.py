"""Rendering the passport: the same HTML for the preview and the PDF."""

from django.template.loader import render_to_string
from django.templatetags.static import static
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import ngettext
from weasyprint import HTML

from classes.models import User
from exports import passport as bounds
from exports.fetcher import IMAGE_SCHEME, STATIC_SCHEME, PassportFetcher
from exports.passport import Passport


def passport_html(passport: Passport, *, for_pdf: bool) -> str:
    """The passport page. In the PDF, files come through the locked-down
    fetcher's schemes; in the preview, through the site's own URLs."""
    if for_pdf:
        static_base = STATIC_SCHEME

        def image_url(pk: int) -> str:
            return f"{IMAGE_SCHEME}{pk}"
    else:
        static_base = static("")

        def image_url(pk: int) -> str:
            return reverse("portfolio:attachment_thumbnail", args=[pk])

    for group in passport.groups:
        for entry in group.entries:
            for attachment in getattr(entry, "thumbnails", []):
                attachment.passport_url = image_url(attachment.pk)
    return render_to_string(
        "exports/passport.html",
        {
            "passport": passport,
            "static_base": static_base,
            "for_pdf": for_pdf,
            "bounds_notice": bounds_notice(passport),
        },
    )


def bounds_notice(passport: Passport) -> str:
    """What the passport left out to stay within its bounds, said in it."""
    lines = []
    if passport.entries_left_out:
        lines.append(
            ngettext(
                "%(count)s chosen entry is not in this passport: it holds the "
                "%(max)s most recent ones.",
                "%(count)s chosen entries are not in this passport: it holds the "
                "%(max)s most recent ones.",
                passport.entries_left_out,
            )
            % {"count": passport.entries_left_out, "max": bounds.MAX_ENTRIES}
        )
    if passport.images_left_out:
        lines.append(
            ngettext(
                "%(count)s photo is not shown: a passport shows at most "
                "%(per_entry)s photos per entry and %(max)s in all.",
                "%(count)s photos are not shown: a passport shows at most "
                "%(per_entry)s photos per entry and %(max)s in all.",
                passport.images_left_out,
            )
            % {
                "count": passport.images_left_out,
                "per_entry": bounds.MAX_IMAGES_PER_ENTRY,
                "max": bounds.MAX_IMAGES,
            }
        )
    if not lines:
        return ""
    return format_html(
        '<div class="notice" id="passport-bounds">{}</div>',
        format_html_join("", "<p>{}</p>", ((line,) for line in lines)),
    )


def passport_pdf(user: User, html: str, *, archival: bool = False) -> bytes:
    """The PDF (tagged; PDF/A-3b for archiving), with nothing fetched from
    outside the allow-list."""
    fetcher = PassportFetcher(user)
    document = HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=fetcher)
    options: dict[str, object] = {"pdf_tags": True}
    if archival:
        options["pdf_variant"] = "pdf/a-3b"
    return bytes(document.write_pdf(**options))
