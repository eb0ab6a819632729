"""What every API view shares: authentication, throttling, pagination, problem
details (RFC 7807) for every error, and ETag checks for optimistic concurrency."""

import hashlib
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy
from rest_framework import exceptions, generics, serializers, status
from rest_framework.authentication import BaseAuthentication, SessionAuthentication
from rest_framework.negotiation import DefaultContentNegotiation
from rest_framework.pagination import PageNumberPagination
from rest_framework.parsers import BaseParser, JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.renderers import BaseRenderer, JSONRenderer
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.serializers import as_serializer_error
from rest_framework.throttling import AnonRateThrottle, BaseThrottle, SimpleRateThrottle
from rest_framework.views import APIView, set_rollback

from classes.models import ApiToken, User
from webclasseur.api.tokens import ApiTokenAuthentication, TokenScopePermission

PROBLEM_CONTENT_TYPE = "application/problem+json"

# Short titles of the problems, by HTTP status.
TITLES = {
    400: _lazy("Invalid request"),
    401: _lazy("Authentication required"),
    403: _lazy("Forbidden"),
    404: _lazy("Not found"),
    405: _lazy("Method not allowed"),
    406: _lazy("Not acceptable"),
    410: _lazy("Gone"),
    412: _lazy("Changed in the meantime"),
    415: _lazy("Unsupported media type"),
    428: _lazy("Precondition required"),
    429: _lazy("Too many requests"),
}


class PreconditionFailed(exceptions.APIException):
    status_code = status.HTTP_412_PRECONDITION_FAILED
    default_detail = _lazy(
        "Someone changed this while you were editing it. Nothing was saved: "
        "read it again, then make your change."
    )
    default_code = "precondition_failed"


class PreconditionRequired(exceptions.APIException):
    status_code = status.HTTP_428_PRECONDITION_REQUIRED
    default_detail = _lazy(
        "Send the If-Match header with the ETag you read, so that nobody's "
        "change is overwritten."
    )
    default_code = "precondition_required"


class Gone(exceptions.APIException):
    """What was there is no more (an expired export)."""

    status_code = status.HTTP_410_GONE
    default_detail = _lazy("Gone")
    default_code = "gone"


class FileContentNegotiation(DefaultContentNegotiation):
    """For views answering a file: whatever the client accepts, the file is
    sent as it is (its own content type), and errors as problem details."""

    def select_renderer(
        self,
        request: Request,
        renderers: Iterable[BaseRenderer],
        format_suffix: Any = None,
    ) -> tuple[BaseRenderer, str]:
        renderer = next(iter(renderers))
        return renderer, str(renderer.media_type)


def problem_exception_handler(
    exc: Exception, context: dict[str, Any]
) -> Response | None:
    """Every error as problem details: `type`, `title`, `status`, `detail`,
    and `errors` (field → messages) for invalid data. Unknown exceptions are
    left to Django (500)."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        message = str(exc)
        exc = exceptions.PermissionDenied(detail=message or None)
    elif isinstance(exc, DjangoValidationError):
        exc = exceptions.ValidationError(detail=as_serializer_error(exc))
    if not isinstance(exc, exceptions.APIException):
        return None
    headers: dict[str, str] = {}
    auth_header = getattr(exc, "auth_header", None)
    if auth_header:
        headers["WWW-Authenticate"] = auth_header
    wait = getattr(exc, "wait", None)
    if wait:
        headers["Retry-After"] = str(int(wait))
    code = exc.status_code
    body: dict[str, Any] = {
        "type": f"urn:webclasseur:problem:{_code_of(exc)}",
        "title": str(TITLES.get(code, _("Error"))),
        "status": code,
    }
    if isinstance(exc, exceptions.ValidationError):
        detail = exc.detail
        body["detail"] = _("Nothing was saved: correct the fields shown.")
        body["errors"] = (
            detail if isinstance(detail, dict) else {"non_field_errors": detail}
        )
    else:
        body["detail"] = str(exc.detail)
    set_rollback()
    return Response(
        body, status=code, headers=headers, content_type=PROBLEM_CONTENT_TYPE
    )


def _code_of(exc: exceptions.APIException) -> str:
    if isinstance(exc, exceptions.ValidationError):
        return "invalid"
    return str(exc.default_code)


class ProblemSerializer(serializers.Serializer):
    """RFC 7807 problem details."""

    type = serializers.CharField()
    title = serializers.CharField()
    status = serializers.IntegerField()
    detail = serializers.CharField()
    errors = serializers.DictField(  # type: ignore[assignment]
        required=False,
        help_text="For invalid data: each field (or non_field_errors) with its "
        "messages.",
    )


class Pagination(PageNumberPagination):
    page_size = 20
    page_size_query_param = "page_size"
    max_page_size = 100


class UserOrTokenThrottle(SimpleRateThrottle):
    """Per token for token requests, per user for the web app's session."""

    scope = "user"
    rate = "1200/min"

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, ApiToken):
            ident = f"token-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            return None
        return f"api-throttle-{ident}"


class AnonymousThrottle(AnonRateThrottle):
    rate = "120/min"


class ApiView(APIView):
    """The settings of every API view (settings.py is shared: they live here)."""

    authentication_classes: Sequence[type[BaseAuthentication]] = [
        ApiTokenAuthentication,
        SessionAuthentication,
    ]
    permission_classes: Sequence[Any] = [IsAuthenticated, TokenScopePermission]
    throttle_classes: Sequence[type[BaseThrottle]] = [
        UserOrTokenThrottle,
        AnonymousThrottle,
    ]
    renderer_classes: Sequence[type[BaseRenderer]] = [JSONRenderer]
    parser_classes: Sequence[type[BaseParser]] = [JSONParser]

    def get_exception_handler(self) -> Callable[..., Response | None]:
        return problem_exception_handler

    @classmethod
    def as_view(cls, **initkwargs: Any) -> Any:
        view = super().as_view(**initkwargs)
        # Authentication is the API's own (session or token): the site's
        # LoginRequiredMiddleware would redirect token requests to the login page.
        view.login_required = False  # type: ignore[attr-defined]
        return view


class ApiListView(ApiView, generics.ListAPIView):
    pagination_class = Pagination


def acting_user(request: Request) -> User:
    """The authenticated user (IsAuthenticated runs first)."""
    user = request.user
    if not isinstance(user, User):
        raise exceptions.NotAuthenticated
    return user


def validated(
    serializer_class: type[serializers.Serializer], request: Request, **kwargs: Any
) -> dict[str, Any]:
    serializer = serializer_class(data=request.data, **kwargs)
    serializer.is_valid(raise_exception=True)
    return dict(serializer.validated_data)


class InputSerializer(serializers.Serializer):
    """Refuses fields it does not know, so that a field the caller may not set
    (a review mark, an owner) is answered with an error, not ignored."""

    def to_internal_value(self, data: Any) -> Any:
        if isinstance(data, dict):
            unknown = sorted(set(data) - set(self.fields))
            if unknown:
                raise exceptions.ValidationError(
                    {name: [_("This field cannot be set here.")] for name in unknown}
                )
        return super().to_internal_value(data)


def form_errors(form_errors: Any) -> dict[str, list[str]]:
    """A Django form's errors as the API's field map."""
    return {
        ("non_field_errors" if name == "__all__" else name): list(messages)
        for name, messages in form_errors.items()
    }


# --- ETags and If-Match ---------------------------------------------------


def etag_of(*parts: object) -> str:
    digest = hashlib.sha256("|".join(str(part) for part in parts).encode())
    return f'"{digest.hexdigest()[:32]}"'


def check_if_match(request: Request, current: str, *, required: bool = True) -> None:
    """428 without If-Match (when required), 412 when it names another version."""
    header = request.headers.get("If-Match")
    if not header:
        if required:
            raise PreconditionRequired
        return
    sent: Iterable[str] = (tag.strip().removeprefix("W/") for tag in header.split(","))
    if current not in set(sent):
        raise PreconditionFailed
