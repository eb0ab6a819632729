"""The API's own endpoints: who am I, and my tokens."""

from typing import Any

from django.db.models import QuerySet
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.permissions import BasePermission, IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from classes.models import ApiToken
from classes.roles import roles_of
from webclasseur.api.base import (
    ApiListView,
    ApiView,
    InputSerializer,
    acting_user,
    validated,
)
from webclasseur.api.tokens import (
    SessionOnlyPermission,
    api_token_create,
    api_token_revoke,
    api_tokens_visible_to,
    get_api_token_for,
)


class RolesOut(serializers.Serializer):
    current_year_id = serializers.IntegerField(allow_null=True)
    pupil_class_ids = serializers.ListField(child=serializers.IntegerField())
    taught_class_ids = serializers.ListField(child=serializers.IntegerField())
    team_school_ids = serializers.ListField(child=serializers.IntegerField())
    is_pupil = serializers.BooleanField()
    is_teacher = serializers.BooleanField()
    is_team = serializers.BooleanField()
    is_platform_admin = serializers.BooleanField()
    former_pupil_until = serializers.DateField(allow_null=True)


class MeOut(serializers.Serializer):
    id = serializers.IntegerField()
    username = serializers.CharField()
    first_name = serializers.CharField()
    last_name = serializers.CharField()
    email = serializers.CharField()
    roles = RolesOut()


class MeView(ApiView):
    @extend_schema(responses=MeOut, summary="The current user and their roles")
    def get(self, request: Request) -> Response:
        user = acting_user(request)
        roles = roles_of(user)
        data = {
            "id": user.pk,
            "username": user.username,
            "first_name": user.first_name,
            "last_name": user.last_name,
            "email": user.email,
            "roles": {
                "current_year_id": roles.current_year_id,
                "pupil_class_ids": sorted(roles.pupil_class_ids),
                "taught_class_ids": sorted(roles.taught_class_ids),
                "team_school_ids": sorted(roles.team_school_ids),
                "is_pupil": roles.is_pupil,
                "is_teacher": roles.is_teacher,
                "is_team": roles.is_team,
                "is_platform_admin": roles.is_platform_admin,
                "former_pupil_until": roles.former_pupil_until,
            },
        }
        return Response(MeOut(data).data)


class ApiTokenOut(serializers.ModelSerializer):
    class Meta:
        model = ApiToken
        fields = [
            "id",
            "name",
            "prefix",
            "scope",
            "created_at",
            "last_used_at",
            "revoked_at",
        ]


class ApiTokenCreatedOut(ApiTokenOut):
    key = serializers.CharField(help_text="The full token, shown only this once.")

    class Meta(ApiTokenOut.Meta):
        fields = [*ApiTokenOut.Meta.fields, "key"]


class ApiTokenIn(InputSerializer):
    name = serializers.CharField(max_length=80)
    scope = serializers.ChoiceField(choices=ApiToken.Scope.choices)


TOKEN_PERMISSIONS: list[type[BasePermission]] = [IsAuthenticated, SessionOnlyPermission]


class ApiTokenListView(ApiListView):
    """Your API tokens (from the website's session only)."""

    serializer_class = ApiTokenOut
    permission_classes = TOKEN_PERMISSIONS

    def get_queryset(self) -> QuerySet[ApiToken]:
        return api_tokens_visible_to(acting_user(self.request))

    @extend_schema(request=ApiTokenIn, responses={201: ApiTokenCreatedOut})
    def post(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        data = validated(ApiTokenIn, request)
        token, key = api_token_create(
            by=acting_user(request), name=data["name"], scope=data["scope"]
        )
        token.key = key  # type: ignore[attr-defined]
        return Response(ApiTokenCreatedOut(token).data, status=status.HTTP_201_CREATED)


class ApiTokenRevokeView(ApiView):
    permission_classes = TOKEN_PERMISSIONS

    @extend_schema(request=None, responses={204: None}, summary="Revoke a token")
    def delete(self, request: Request, pk: int) -> Response:
        user = acting_user(request)
        token = get_api_token_for(user, pk, "revoke")
        api_token_revoke(by=user, token=token)
        return Response(status=status.HTTP_204_NO_CONTENT)
