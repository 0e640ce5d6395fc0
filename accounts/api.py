"""Account API: the caller's own profile and public rider profiles."""

from rest_framework import permissions
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from accounts.selectors import rider_public_get
from accounts.serializers import ProfileSerializer, PublicRiderSerializer
from accounts.services import profile_update


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
