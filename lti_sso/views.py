"""A school's identity providers: list, add and change from pasted metadata,
and what to hand to the ENT operator or the GAR (SP entity ID, metadata URL)."""

from typing import Any

from allauth.socialaccount.models import SocialApp
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from classes.forms import form_errors_from
from classes.models import School, User
from classes.permissions import authenticated_user, get_school_for
from lti_sso import services
from lti_sso.forms import IdentityProviderForm
from lti_sso.metadata import fingerprint
from lti_sso.permissions import (
    allowed_uais_of,
    can_edit_identity_provider,
    get_identity_provider_for,
    identity_providers_of,
    managed_schools_of,
)


def _summary(request: HttpRequest, app: SocialApp, user: User) -> dict[str, Any]:
    """What the page shows of an identity provider and of our SP for it."""
    settings = app.settings or {}
    idp = settings.get("idp") or {}
    extra = settings.get("webclasseur") or {}
    slug = app.client_id
    metadata_url = request.build_absolute_uri(reverse("saml_metadata", args=[slug]))
    cert = idp.get("x509cert") or ""
    return {
        "app": app,
        "entity_id": app.provider_id,
        "sso_url": idp.get("sso_url", ""),
        "slo_url": idp.get("slo_url", ""),
        "fingerprint": extra.get("fingerprint") or (fingerprint(cert) if cert else ""),
        "allowed_uais": allowed_uais_of(app),
        "preset": dict(services.PRESET_CHOICES).get(extra.get("preset", "gar"), ""),
        "sp_entity_id": (settings.get("sp") or {}).get("entity_id") or metadata_url,
        "sp_metadata_url": metadata_url,
        "sp_acs_url": request.build_absolute_uri(reverse("saml_acs", args=[slug])),
        "sp_sls_url": request.build_absolute_uri(reverse("saml_sls", args=[slug])),
        "login_url": request.build_absolute_uri(reverse("saml_login", args=[slug])),
        "can_edit": can_edit_identity_provider(user, app),
    }


@require_GET
def idp_list(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    return render(
        request,
        "lti_sso/idp_list.html",
        {
            "school": school,
            "providers": [
                _summary(request, app, user) for app in identity_providers_of(school)
            ],
        },
    )


def _save(
    request: HttpRequest,
    user: User,
    school: School,
    form: IdentityProviderForm,
    app: SocialApp | None,
) -> SocialApp | None:
    if not form.is_valid():
        return None
    try:
        return services.identity_provider_save(
            by=user,
            app=app,
            name=form.cleaned_data["name"],
            metadata_xml=form.cleaned_data["metadata"],
            preset=form.cleaned_data["preset"],
            allowed_uais=form.cleaned_data["allowed_uais"],
        )
    except ValidationError as error:
        form_errors_from(form, error)
        return None


def _page(
    request: HttpRequest,
    school: School,
    form: IdentityProviderForm | None,
    *,
    title: str,
    provider: dict[str, Any] | None = None,
) -> HttpResponse:
    return render(
        request,
        "lti_sso/idp_form.html",
        {
            "school": school,
            "form": form,
            "page_title": title,
            "provider": provider,
        },
        status=422 if form is not None and form.errors else 200,
    )


def idp_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Connect an ENT or the GAR by pasting its metadata."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    form = IdentityProviderForm(
        request.POST or None,
        schools=managed_schools_of(user),
        initial={"allowed_uais": [school.uai], "preset": "gar"},
    )
    if request.method == "POST":
        app = _save(request, user, school, form, None)
        if app is not None:
            messages.success(
                request,
                _(
                    "The identity provider is connected. Send the information "
                    "below to its operator."
                ),
            )
            return redirect("sso:idp_detail", pk=school.pk, app_pk=app.pk)
    return _page(request, school, form, title=_("Connect an ENT or the GAR"))


def idp_detail(request: HttpRequest, pk: int, app_pk: int) -> HttpResponse:
    """What is pinned for a provider, what to send to it, and (for those who may
    change it) its form."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    action = "edit" if request.method == "POST" else "view"
    app = get_identity_provider_for(user, school, app_pk, action)
    form = None
    if can_edit_identity_provider(user, app):
        extra = (app.settings or {}).get("webclasseur") or {}
        form = IdentityProviderForm(
            request.POST or None,
            schools=managed_schools_of(user),
            initial={
                "name": app.name,
                "metadata": extra.get("metadata_xml", ""),
                "preset": extra.get("preset", "gar"),
                "allowed_uais": allowed_uais_of(app),
            },
        )
    if request.method == "POST" and form is not None:
        saved = _save(request, user, school, form, app)
        if saved is not None:
            messages.success(request, _("The identity provider was saved."))
            if school.uai not in allowed_uais_of(saved):
                return redirect("sso:idp_list", pk=school.pk)
            return redirect("sso:idp_detail", pk=school.pk, app_pk=saved.pk)
        app.refresh_from_db()
    return _page(
        request,
        school,
        form,
        title=app.name,
        provider=_summary(request, app, user),
    )
