"""The role matrix: every URL of the app, every role, the expected answer.

A row per URL name, a column per user of the cast. The URL sweep in
test_urls.py fails when a URL pattern is neither public nor a row here, so a
new view cannot ship without deciding who may open it.

Codes: 200 shown, 302 redirected (anonymous: to the login page), 403 seen but
not allowed, 404 not visible (no existence leak). SELF means "the user's own
account page": any logged-in user gets a page or an account redirect, never an
error, and anonymous users are sent to the login page.
"""

import pytest
from django.urls import reverse

SELF = "self"

CAST = (
    "anonymous",
    "pupil",
    "classmate",
    "other_class_pupil",
    "other_school_pupil",
    "teacher",
    "other_teacher",
    "head",
    "cpe",
    "psyen",
    "documentalist",
    "other_school_head",
    "platform_admin",
)


def _class_3e_a(world):
    return {"pk": world.college_class("3e A").pk}


def _college(world):
    return {"pk": world.college_class("3e A").school_id}


def _pupil(world):
    return {"pupil_pk": world.user("pupil").pk}


# fmt: off
# Demo accounts have a password; the other pupils and teachers are SSO-only.
#                             anon pupil mate ocls osch tchr otch head cpe  psy  doc  oshd admin
REAUTHENTICATION =           (302, 200, 403, 403, 200, 200, 403, 200, 200, 200, 200, 200, 200)
REAUTHENTICATION_BY_CODE =   (302, 302, 403, 403, 302, 302, 403, 302, 302, 302, 302, 302, 302)
OWN_ACCOUNT =                (302, *[SELF] * 12)

# url name -> (kwargs builder or None, expected code per CAST column)
MATRIX = {
    #                                          anon pupil mate ocls osch tchr otch head cpe  psy  doc  oshd admin
    "home":                      (None,        (302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302, 302)),
    "portfolio:home":            (None,        (302, 200, 200, 200, 200, 403, 403, 403, 403, 403, 403, 403, 403)),
    "portfolio:pupil_portfolio": (_pupil,      (302, 200, 404, 404, 404, 200, 404, 200, 200, 200, 200, 404, 404)),
    "classes:my_classes":        (None,        (302, 403, 403, 403, 403, 200, 200, 403, 403, 403, 403, 403, 403)),
    "classes:class_detail":      (_class_3e_a, (302, 200, 200, 404, 404, 200, 404, 200, 200, 200, 200, 404, 200)),
    "classes:school_home":       (None,        (302, 403, 403, 403, 403, 403, 403, 302, 302, 302, 302, 302, 200)),
    "classes:school_overview":   (_college,    (302, 403, 403, 403, 404, 403, 403, 200, 200, 200, 200, 404, 200)),
    # django-allauth's own account pages (local accounts)
    "account_email":                         (None, OWN_ACCOUNT),
    "account_change_password":               (None, OWN_ACCOUNT),
    "account_set_password":                  (None, OWN_ACCOUNT),
    "account_confirm_reauthentication_code": (None, OWN_ACCOUNT),
    # Re-authenticating asks for a password: SSO-only accounts have none ...
    "account_reauthenticate":                (None, REAUTHENTICATION),
    # ... and by emailed code is off: password accounts are sent to the form above.
    "account_request_reauthentication_code": (None, REAUTHENTICATION_BY_CODE),
}
# fmt: on

ROWS = [
    pytest.param(name, column, expected, id=f"{name}-{column}")
    for name, (_, codes) in MATRIX.items()
    for column, expected in zip(CAST, codes, strict=True)
]


@pytest.mark.parametrize(("url_name", "who", "expected"), ROWS)
def test_it_answers_each_role_as_the_matrix_says(world, url_name, who, expected):
    build_kwargs, _codes = MATRIX[url_name]
    url = reverse(url_name, kwargs=build_kwargs(world) if build_kwargs else None)
    response = world.client_for(who).get(url)
    if who == "anonymous":
        assert response.status_code == 302
        assert response["Location"].startswith(reverse("account_login"))
    elif expected == SELF:
        assert response.status_code in {200, 302}
        if response.status_code == 302:
            assert not response["Location"].startswith(reverse("account_login"))
    else:
        assert response.status_code == expected
