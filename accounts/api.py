"""Account API: the caller's own profile, public rider profiles, the API token."""

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import permissions, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import rider_public_get
from accounts.serializers import ProfileSerializer, PublicRiderSerializer
from accounts.services import api_token_login, api_token_revoke, profile_update
from core.drf import ERRORS, ErrorOutput


class ProfileMeApi(APIView):
    permission_classes = [permissions.IsAuthenticated]
    serializer_class = ProfileSerializer

    def get(self, request: Request) -> Response:
        return Response(ProfileSerializer(request.user).data)

    def patch(self, request: Request) -> Response:
        serializer = ProfileSerializer(request.user, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        user = profile_update(user=request.user, **serializer.validated_data)
        return Response(ProfileSerializer(user).data)


class RiderPublicApi(APIView):
    permission_classes = [permissions.AllowAny]
    serializer_class = PublicRiderSerializer

    def get(self, request: Request, username: str) -> Response:
        return Response(PublicRiderSerializer(rider_public_get(username=username)).data)


class TokenInput(serializers.Serializer):
    username = serializers.CharField(max_length=254, help_text="Username or e-mail address.")
    password = serializers.CharField(max_length=4096, style={"input_type": "password"})


TokenOutput = inline_serializer("TokenOutput", {"token": serializers.CharField()})


class TokenApi(APIView):
    """POST: a token for a verified account (the HTML login's limits apply). DELETE: revoke yours."""

    def get_permissions(self) -> list:
        return [permissions.IsAuthenticated()] if self.request.method == "DELETE" else [permissions.AllowAny()]

    @extend_schema(request=TokenInput, responses={200: TokenOutput, 429: ErrorOutput, **ERRORS})
    def post(self, request: Request) -> Response:
        data = TokenInput(data=request.data)
        data.is_valid(raise_exception=True)
        token = api_token_login(request=request._request, login=data.validated_data["username"],
                                password=data.validated_data["password"])
        return Response({"token": token.key})

    @extend_schema(request=None, responses={204: None})
    def delete(self, request: Request) -> Response:
        api_token_revoke(user=request.user)
        return Response(status=status.HTTP_204_NO_CONTENT)
