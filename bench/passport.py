"""Passport cost: the measured pupil (60 entries, 10 photos) downloads their
passport PDF (the real view: database, policy, template, WeasyPrint), against
WeasyPrint alone rendering the same final HTML string with every resource
(stylesheet, fonts, thumbnails) already in memory: no database work."""

import logging

from django.test import Client
from django.urls import reverse
from weasyprint import HTML
from weasyprint.urls import URLFetcher, URLFetcherResponse

from bench.common import Row, count_queries, median_ms, ratio_row

LIMIT = 1.2


class MemoryFetcher(URLFetcher):
    """Serves what the real fetcher served once, from memory."""

    def __init__(self, bodies: dict[str, tuple[bytes, str]]) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, timeout=1)
        self.bodies = bodies

    def fetch(
        self, url: str, headers: dict[str, str] | None = None
    ) -> URLFetcherResponse:
        body, content_type = self.bodies[url]
        return URLFetcherResponse(url, body, headers={"Content-Type": content_type})


class RecordingFetcher(URLFetcher):
    """Wraps the passport's fetcher and keeps what it served."""

    def __init__(self, inner: URLFetcher) -> None:
        super().__init__(allowed_protocols=(), allow_redirects=False, timeout=1)
        self.inner = inner
        self.bodies: dict[str, tuple[bytes, str]] = {}

    def fetch(
        self, url: str, headers: dict[str, str] | None = None
    ) -> URLFetcherResponse:
        response = self.inner.fetch(url, headers)
        body = response.read()
        content_type = response.headers.get("Content-Type", "")
        self.bodies[url] = (body, content_type)
        return URLFetcherResponse(url, body, headers={"Content-Type": content_type})


def measure(pupil, runs: int, scale: str) -> list[Row]:  # type: ignore[no-untyped-def]
    from exports.fetcher import STATIC_SCHEME, PassportFetcher
    from exports.passport import PassportChoice, build_passport
    from exports.render import passport_html

    logging.getLogger("weasyprint").setLevel(logging.ERROR)
    client = Client()
    client.force_login(pupil)
    url = reverse("exports:passport_pdf")

    def download() -> None:
        response = client.get(url)
        if response.status_code != 200 or not response.content.startswith(b"%PDF"):
            raise SystemExit(f"passport answered {response.status_code}")

    # The final HTML string, and every resource the real fetcher serves for it.
    html = passport_html(build_passport(pupil, PassportChoice()), for_pdf=True)
    recorder = RecordingFetcher(PassportFetcher(pupil))
    HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=recorder).write_pdf(
        pdf_tags=True
    )
    images = sum(1 for name in recorder.bodies if name.startswith("wc-image:"))
    memory = MemoryFetcher(recorder.bodies)

    def weasyprint_alone() -> None:
        HTML(string=html, base_url=STATIC_SCHEME, url_fetcher=memory).write_pdf(
            pdf_tags=True
        )

    queries = count_queries(download)
    base_queries = count_queries(weasyprint_alone)
    baseline_ms, base_all = median_ms(weasyprint_alone, runs)
    value_ms, all_ms = median_ms(download, runs)
    return [
        ratio_row(
            "passport",
            f"{pupil.entries.count()} entries, {images} images, PDF download",
            value_ms,
            "WeasyPrint alone, same HTML",
            baseline_ms,
            LIMIT,
            queries=queries,
            scale=scale,
            runs=runs,
            extra={
                "html_chars": len(html),
                "baseline_queries": base_queries,
                "all_ms": [round(t) for t in all_ms],
                "baseline_all_ms": [round(t) for t in base_all],
            },
        )
    ]
