"""The shared form-field markup (templates/_form_field.html): every
aria-describedby names elements that exist on the page, with and without
errors, so screen readers read the hint and the error of each field."""

import re

from django.urls import reverse

DESCRIBED_BY = re.compile(r'aria-describedby="([^"]+)"')


def dangling_references(html: str) -> list[str]:
    ids = set(re.findall(r'\bid="([^"]+)"', html))
    referenced = [ref for refs in DESCRIBED_BY.findall(html) for ref in refs.split()]
    assert referenced, "the page has no described field: the check would prove nothing"
    return [ref for ref in referenced if ref not in ids]


def test_the_platform_form_points_at_its_hints(world):
    school = world.college_class("3e A").school_id
    page = world.client_for("head").get(reverse("lti:platform_create", args=[school]))
    html = page.content.decode()
    assert 'id="id_client_id_helptext"' in html
    assert dangling_references(html) == []


def test_a_field_in_error_points_at_its_hint_and_its_error(world):
    school = world.college_class("3e A").school_id
    page = world.client_for("head").post(
        reverse("lti:platform_create", args=[school]), {"name": "Moodle"}
    )
    assert page.status_code == 422
    html = page.content.decode()
    assert 'aria-describedby="id_client_id_helptext id_client_id-errors"' in html
    assert dangling_references(html) == []


def test_the_entry_form_points_at_existing_elements(world):
    page = world.client_for("pupil").get(reverse("portfolio:entry_create"))
    assert page.status_code == 200
    assert dangling_references(page.content.decode()) == []
