from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from classes.mfa import staff_only_mfa_urls
from webclasseur import views

# A database error that escapes every middleware still answers 503
# (webclasseur/faults.py); other errors get the 500 page.
handler500 = "webclasseur.faults.server_error"
handler400 = "webclasseur.faults.bad_request"

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    # The language switch works before logging in too.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # The second factor's setup pages are for staff only (classes/mfa.py);
    # mounted before allauth's own, which they shadow.
    path("accounts/2fa/", include(staff_only_mfa_urls())),
    path("accounts/", include("allauth.urls")),
    path("parcours/passeport/", include("exports.urls")),
    path("parcours/", include("portfolio.urls")),
    path("classes/exports/", include("exports.batch_urls")),
    path("classes/", include("portfolio.staff_urls")),
    path("etablissement/", include("portfolio.coverage_urls")),
    path("etablissement/", include("lti_sso.urls")),
    # LTI 1.3: /lti/… (login, launch, JWKS, …) and /etablissement/<pk>/lti/….
    path("", include("lti_sso.lti_urls")),
    path("etablissement/", include("classes.rgpd_urls")),
    path("etablissement/", include("classes.import_urls")),
    path("etablissement/", include("classes.school_admin_urls")),
    path("entretiens/", include("portfolio.interview_urls")),
    path("", include("classes.notice_urls")),
    path("", include("classes.urls")),
    path("api/v1/", include("webclasseur.api.urls")),
    path("admin/", admin.site.urls),
]
