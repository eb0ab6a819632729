"""LTI 1.3 views: login initiation, launch, JWKS (public); class choice,
deep linking and roster sync (after a launch); platform registrations and
the tool's keys (administration)."""

import datetime
import logging
from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_not_required
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import IntegrityError
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from classes import queries
from classes.forms import AssignmentForm, form_errors_from
from classes.models import Assignment, School, User
from classes.permissions import (
    authenticated_user,
    get_class_for,
    get_school_for,
)
from lti_sso.adapters import refusal_page
from lti_sso.lti import keys
from lti_sso.lti.accounts import (
    LaunchOutcome,
    LtiRefusal,
    context_for,
    current_class,
    link_context,
    provision_from_launch,
    teachable_classes,
)
from lti_sso.lti.config import find_platform, origin_of, platform_origins
from lti_sso.lti.deep_linking import response_jwt, return_url_of
from lti_sso.lti.framing import (
    allow_framing_by,
    mark_lti_session,
    remember_launch,
    session_launches,
)
from lti_sso.lti.launch import (
    DEEP_LINKING_REQUEST,
    MESSAGE_TYPE,
    NRPS,
    LaunchRefused,
    forget_launch,
    login_redirect,
    stored_launch,
    validate_launch,
)
from lti_sso.lti.nrps import (
    RosterError,
    refresh_if_stale,
    remember_memberships_url,
    roster_contexts,
    sync_roster,
)
from lti_sso.lti.registration import (
    parse_deployment_ids,
    register_platform,
    validate_platform,
)
from lti_sso.lti_forms import ClassChoiceForm, LtiPlatformForm
from lti_sso.models import LtiPlatform, LtiToolKey
from lti_sso.permissions import (
    can_rotate_tool_keys,
    can_sync_roster,
    get_lti_platform_for,
    lti_platforms_of,
    owns_launch,
)

logger = logging.getLogger(__name__)

BACKEND = "django.contrib.auth.backends.ModelBackend"


def _launch_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(reverse("lti:launch"))


def _refused(request: HttpRequest, refusal: LaunchRefused) -> HttpResponse:
    logger.warning("LTI refused: %s", refusal.detail)
    if refusal.kind == "unknown":
        reason = _(
            "This platform or this deployment is not registered in the "
            "Webclasseur: you are not logged in."
        )
        contact = _("your school's Webclasseur administrator")
    else:
        reason = _(
            "The launch from your platform could not be verified: you are not "
            "logged in. Open the activity again from your course."
        )
        contact = _("the platform's administrator if it happens again")
    issuer = request.POST.get("iss") or request.GET.get("iss") or ""
    client_id = request.POST.get("client_id") or request.GET.get("client_id") or ""
    platform = refusal.platform or (
        find_platform(issuer, client_id) if issuer and client_id else None
    )
    if platform is not None:
        allow_framing_by(request, platform)
    return refusal_page(request, reason, contact)


@login_not_required
@csrf_exempt  # the platform posts the initiation cross-site; nothing is written
@never_cache
@require_http_methods(["GET", "POST"])
def lti_login(request: HttpRequest) -> HttpResponse:
    """OIDC third-party login initiation."""
    try:
        return login_redirect(request, _launch_url(request))
    except LaunchRefused as refusal:
        return _refused(request, refusal)


@login_not_required
@csrf_exempt  # cross-site POST, authenticated by the signed id_token + state
@never_cache
@require_POST
def lti_launch(request: HttpRequest) -> HttpResponse:
    """Resource link launch or deep linking request."""
    try:
        launch = validate_launch(request, _launch_url(request))
    except LaunchRefused as refusal:
        return _refused(request, refusal)
    platform = launch.platform
    if platform is None:  # validate() sets it; never reached
        return _refused(request, LaunchRefused("no platform"))
    allow_framing_by(request, platform)
    claims = launch.claims
    try:
        outcome = provision_from_launch(platform, claims)
    except LtiRefusal as refusal:
        forget_launch(launch.get_launch_id())
        return refusal_page(request, refusal.reason, refusal.contact)
    except (ValidationError, IntegrityError) as error:
        # IntegrityError: the same person's launch in two tabs at once.
        logger.warning("LTI launch could not be provisioned: %s", error)
        forget_launch(launch.get_launch_id())
        return refusal_page(
            request,
            _("Your account could not be set up from this launch."),
            _("your school's Webclasseur administrator"),
        )
    login(request, outcome.user, backend=BACKEND)  # a new session key
    mark_lti_session(request, platform)
    launch_id = launch.get_launch_id()
    remember_launch(request, launch_id)
    if outcome.context is not None:
        remember_memberships_url(outcome.context, claims.get(NRPS))
        refresh_if_stale(outcome.context)
    return redirect(_landing(outcome, platform, claims, launch_id))


def _landing(
    outcome: LaunchOutcome,
    platform: LtiPlatform,
    claims: dict[str, Any],
    launch_id: str,
) -> str:
    if outcome.needs_class_choice:
        return reverse("lti:context_link", args=[launch_id])
    if claims.get(MESSAGE_TYPE) == DEEP_LINKING_REQUEST:
        return reverse("lti:deep_link", args=[launch_id])
    if outcome.profile == "pupil":
        if outcome.assignment is not None:
            return reverse("staff:assignment_detail", args=[outcome.assignment.pk])
        return reverse("portfolio:home")
    school_class = current_class(outcome.context)
    if outcome.profile == "teacher" and school_class is not None:
        return reverse("classes:class_detail", args=[school_class.pk])
    return reverse("classes:school_overview", args=[platform.school_id])


@login_not_required
@require_GET
def lti_jwks(request: HttpRequest) -> JsonResponse:
    """The tool's public keys (active and not yet retired)."""
    response = JsonResponse(keys.published_jwks())
    response["Cache-Control"] = "public, max-age=300"
    return response


# --- After a launch ------------------------------------------------------------


def _own_launch(
    request: HttpRequest, launch_id: str
) -> tuple[LtiPlatform, dict[str, Any]]:
    """A launch validated in this session for this user, else 404."""
    user = authenticated_user(request)
    if launch_id not in session_launches(request):
        raise Http404
    found = stored_launch(launch_id)
    if found is None:
        raise Http404
    platform, claims = found
    if not owns_launch(user, platform, claims.get("sub")):
        raise Http404
    return platform, claims


def context_link(request: HttpRequest, launch_id: str) -> HttpResponse:
    """A teacher says which of their classes the course is."""
    user = authenticated_user(request)
    platform, claims = _own_launch(request, launch_id)
    context = context_for(platform, claims, create=False)
    if context is None:
        raise Http404
    classes = teachable_classes(user, platform)
    form = ClassChoiceForm(request.POST or None, classes=classes)
    if request.method == "POST" and form.is_valid():
        try:
            link_context(
                by=user, context=context, school_class=form.cleaned_data["school_class"]
            )
        except LtiRefusal as refusal:
            form.add_error("school_class", refusal.reason)
        else:
            refresh_if_stale(context)
            messages.success(request, _("The course is linked to your class."))
            if claims.get(MESSAGE_TYPE) == DEEP_LINKING_REQUEST:
                return redirect("lti:deep_link", launch_id=launch_id)
            return redirect("classes:class_detail", pk=context.school_class_id)
    return render(
        request,
        "lti_sso/lti/context_link.html",
        {"form": form, "classes": classes, "context": context, "platform": platform},
        status=422 if form.errors else 200,
    )


def _deep_link_answer(
    request: HttpRequest,
    launch_id: str,
    platform: LtiPlatform,
    claims: dict[str, Any],
    assignment: Assignment,
) -> HttpResponse:
    return_url = return_url_of(claims)
    token = response_jwt(
        platform=platform,
        claims=claims,
        assignment=assignment,
        launch_url=_launch_url(request),
    )
    forget_launch(launch_id)
    response = render(
        request,
        "lti_sso/lti/deep_link_return.html",
        {"return_url": return_url, "jwt": token, "assignment": assignment},
    )
    # The form goes to the platform: allow that one origin as a form target.
    response._csp_update = {"form-action": [origin_of(return_url)]}  # type: ignore[attr-defined]
    return response


def deep_link(request: HttpRequest, launch_id: str) -> HttpResponse:
    """Choose (or create) the assignment the course will open."""
    user = authenticated_user(request)
    platform, claims = _own_launch(request, launch_id)
    if claims.get(MESSAGE_TYPE) != DEEP_LINKING_REQUEST:
        raise Http404
    context = context_for(platform, claims, create=False)
    school_class = current_class(context)
    if context is None or school_class is None:
        return redirect("lti:context_link", launch_id=launch_id)
    school_class = get_class_for(user, school_class.pk, "teach")
    assignments = list(
        Assignment.objects.filter(school_class=school_class).order_by(
            "-due_on", "title"
        )
    )
    today = timezone.localdate()
    creating = request.method == "POST" and request.POST.get("action") == "create"
    form = AssignmentForm(
        request.POST if creating else None,
        pupils=queries.class_pupils(school_class),
        initial={
            "opens_on": today,
            "due_on": today + datetime.timedelta(days=14),
            "answer_expected": True,
        },
    )
    error = ""
    if request.method == "POST" and not creating:
        chosen = next(
            (a for a in assignments if str(a.pk) == request.POST.get("assignment")),
            None,
        )
        if chosen is not None:
            return _deep_link_answer(request, launch_id, platform, claims, chosen)
        error = _("Choose an activity of the class.")
    if creating and form.is_valid():
        assignment = form.create_assignment(by=user, school_class=school_class)
        if assignment is not None:
            return _deep_link_answer(request, launch_id, platform, claims, assignment)
    return render(
        request,
        "lti_sso/lti/deep_link.html",
        {
            "school_class": school_class,
            "assignments": assignments,
            "form": form,
            "error": error,
            "launch_id": launch_id,
        },
        status=422 if (error or form.errors) else 200,
    )


@require_POST
def roster_sync(request: HttpRequest, pk: int) -> HttpResponse:
    """“Synchroniser la liste des élèves”: the class's linked courses."""
    user = authenticated_user(request)
    school_class = get_class_for(user, pk, "teach")
    if not can_sync_roster(user, school_class):
        raise PermissionDenied
    contexts = roster_contexts(school_class).select_related("platform", "school_class")
    if not contexts:
        messages.error(
            request,
            _("No course of a platform offers the list of pupils for this class."),
        )
        return redirect("classes:class_detail", pk=school_class.pk)
    enrolled, failed = 0, 0
    for context in contexts:
        try:
            enrolled += sync_roster(context)
        except RosterError as error:
            logger.warning(
                "LTI roster sync of context %s failed: %s", context.pk, error
            )
            failed += 1
    if failed:
        messages.error(
            request,
            _("The platform did not give the list of pupils. Try again later."),
        )
    else:
        messages.success(
            request,
            _("The list of pupils is up to date (%(count)s pupils enrolled).")
            % {"count": enrolled},
        )
    return redirect("classes:class_detail", pk=school_class.pk)


# --- Administration -------------------------------------------------------------


def _tool_configuration(request: HttpRequest) -> dict[str, str]:
    def url(name: str) -> str:
        return request.build_absolute_uri(reverse(name))

    return {
        "login_url": url("lti:login"),
        "launch_url": url("lti:launch"),
        "jwks_url": url("lti:jwks"),
        "deep_linking_url": url("lti:launch"),
        "domain": request.get_host(),
    }


@require_GET
def platform_list(request: HttpRequest, pk: int) -> HttpResponse:
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    return render(
        request,
        "lti_sso/lti/platform_list.html",
        {
            "school": school,
            "platforms": lti_platforms_of(school),
            "tool": _tool_configuration(request),
        },
    )


def _save_platform(
    user: User, school: School, form: LtiPlatformForm, platform: LtiPlatform | None
) -> LtiPlatform | None:
    if not form.is_valid():
        _add_the_other_errors(form, platform)
        return None
    data = form.cleaned_data
    try:
        return register_platform(
            by=user,
            school=school,
            platform=platform,
            name=data["name"],
            issuer=data["issuer"],
            client_id=data["client_id"],
            auth_login_url=data["auth_login_url"],
            auth_token_url=data["auth_token_url"],
            key_set_url=data["key_set_url"],
            key_set=data["key_set"],
            deployment_ids=parse_deployment_ids(data["deployment_ids"]),
        )
    except ValidationError as error:
        form_errors_from(form, error)
        return None


def _add_the_other_errors(form: LtiPlatformForm, platform: LtiPlatform | None) -> None:
    """A form with a missing field also shows every other problem (a bad
    address, no keys, a duplicate), so one correction round is enough."""
    fields = (
        "name",
        "issuer",
        "client_id",
        "auth_login_url",
        "auth_token_url",
        "key_set_url",
        "key_set",
    )
    values = {
        field: form.cleaned_data.get(field, str(form.data.get(field, "")).strip())
        for field in fields
    }
    deployment_ids = form.cleaned_data.get(
        "deployment_ids", str(form.data.get("deployment_ids", ""))
    )
    try:
        validate_platform(
            platform=platform,
            deployment_ids=parse_deployment_ids(deployment_ids),
            **values,
        )
    except ValidationError as error:
        for field, errors in error.message_dict.items():
            if field not in form.errors:
                for message in errors:
                    form.add_error(field, message)


def _platform_page(
    request: HttpRequest,
    school: School,
    form: LtiPlatformForm,
    *,
    title: str,
    platform: LtiPlatform | None = None,
) -> HttpResponse:
    return render(
        request,
        "lti_sso/lti/platform_form.html",
        {
            "school": school,
            "form": form,
            "page_title": title,
            "platform": platform,
            "origins": platform_origins(platform) if platform else [],
            "tool": _tool_configuration(request),
        },
        status=422 if form.errors else 200,
    )


def platform_create(request: HttpRequest, pk: int) -> HttpResponse:
    """Register an LMS or ENT platform (LTI 1.3) for the school."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    form = LtiPlatformForm(request.POST or None, initial={"deployment_ids": "1"})
    if request.method == "POST":
        platform = _save_platform(user, school, form, None)
        if platform is not None:
            messages.success(
                request,
                _("The platform is registered. Copy the tool's configuration into it."),
            )
            return redirect(
                "lti:platform_detail", pk=school.pk, platform_pk=platform.pk
            )
    return _platform_page(request, school, form, title=_("Register an LTI platform"))


def platform_detail(request: HttpRequest, pk: int, platform_pk: int) -> HttpResponse:
    """The tool's configuration to copy into the platform, and the form."""
    user = authenticated_user(request)
    school = get_school_for(user, pk, "manage")
    action = "edit" if request.method == "POST" else "view"
    platform = get_lti_platform_for(user, school, platform_pk, action)
    form = LtiPlatformForm(
        request.POST or None, initial=LtiPlatformForm.initial_from(platform)
    )
    if request.method == "POST":
        saved = _save_platform(user, school, form, platform)
        if saved is not None:
            messages.success(request, _("The platform was saved."))
            return redirect("lti:platform_detail", pk=school.pk, platform_pk=saved.pk)
        platform.refresh_from_db()
    return _platform_page(request, school, form, title=platform.name, platform=platform)


@require_http_methods(["GET", "POST"])
def tool_keys(request: HttpRequest) -> HttpResponse:
    """The tool's signing keys; the platform administrator rotates them."""
    user = authenticated_user(request)
    if not can_rotate_tool_keys(user):
        raise PermissionDenied
    if request.method == "POST":
        key = keys.rotate_tool_keys()
        messages.success(
            request,
            _("A new key (%(kid)s) now signs; the previous one stays published.")
            % {"kid": key.kid},
        )
        return redirect("lti:tool_keys")
    keys.ensure_tool_key()
    return render(
        request,
        "lti_sso/lti/tool_keys.html",
        {"keys": LtiToolKey.objects.all(), "tool": _tool_configuration(request)},
    )
