"""Per-request memo of values every page reads (classes.models.request_memo)."""

from collections.abc import Callable

from django.http import HttpRequest, HttpResponseBase

from classes.models import request_memo


class RequestMemoMiddleware:
    """SchoolYear.objects.current() is read once per request, not once per
    caller (roles, views, policy); forgotten when the answer is made."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]):
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        with request_memo():
            return self.get_response(request)
