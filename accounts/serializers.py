"""Serializers for the rider's own profile and the public profile."""

from rest_framework import serializers

from accounts.models import User
from accounts.services import PROFILE_FIELDS

# The brand model (industry.Brand) is reached through the profile's own foreign key: accounts
# sits below industry and imports none of it.
BRAND = User._meta.get_field("bike_brand").related_model


class ProfileSerializer(serializers.ModelSerializer):
    """The rider's own profile, every field; only ever shown to the rider."""

    bike_brand = serializers.SlugRelatedField(slug_field="slug", queryset=BRAND.objects.all(), allow_null=True,
                                              required=False)

    class Meta:
        model = User
        fields = ("username", "email", *PROFILE_FIELDS)
        read_only_fields = ("username", "email")


class PublicRiderSerializer(serializers.ModelSerializer):
    """What anyone may see of a rider: no contact, birth or emergency data."""

    name = serializers.CharField(source="public_name")
    bike_brand = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)

    class Meta:
        model = User
        fields = ("username", "name", "bike_brand")
