"""Route API input and output shapes."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from core.i18n import localized
from routes.errors import gpx_error_message
from routes.models import Collection, PointOfInterest, Route, RouteVersion, Tag
from routes.selectors import RouteFilters, ride_line_shown


def _pair(value: str, count: int, label: str) -> tuple[float, ...]:
    try:
        numbers = tuple(float(part) for part in value.split(","))
    except ValueError:
        numbers = ()
    if len(numbers) != count:
        raise serializers.ValidationError(_("Give %(label)s as %(count)s comma-separated numbers.")
                                          % {"label": label, "count": count})
    return numbers


class RouteSearchInput(serializers.Serializer):
    q = serializers.CharField(label=_("Text"), required=False, allow_blank=True, max_length=100)
    category = serializers.ChoiceField(label=_("Route type"), choices=Route.Category.choices, required=False,
                                       allow_blank=True)
    collection = serializers.SlugField(label=_("Collection"), required=False, allow_blank=True)
    tag = serializers.CharField(label=_("Tag"), required=False, allow_blank=True, max_length=40)
    difficulty = serializers.IntegerField(label=_("Difficulty"), required=False, min_value=1, max_value=5)
    min_distance_km = serializers.FloatField(label=_("Distance from (km)"), required=False, min_value=0)
    max_distance_km = serializers.FloatField(label=_("Distance to (km)"), required=False, min_value=0)
    min_gain_m = serializers.FloatField(label=_("Climbing from (m)"), required=False, min_value=0)
    max_gain_m = serializers.FloatField(label=_("Climbing to (m)"), required=False, min_value=0)
    near = serializers.CharField(label=_("Near (lat,lon)"), required=False, allow_blank=True, help_text="lat,lon")
    radius_km = serializers.FloatField(label=_("Radius (km)"), required=False, min_value=0.1, max_value=500, default=25)
    bbox = serializers.CharField(label=_("Map area"), required=False, allow_blank=True,
                                 help_text="south,west,north,east")

    def validate_near(self, value: str):
        if not value:
            return None
        lat, lon = _pair(value, 2, _("the point"))
        if not (-90 <= lat <= 90 and -180 <= lon <= 180):
            raise serializers.ValidationError(_("The point is outside the earth's coordinates."))
        return lat, lon

    def validate_bbox(self, value: str):
        return _pair(value, 4, _("the map area")) if value else None

    def to_filters(self) -> RouteFilters:
        d = self.validated_data
        return RouteFilters(
            text=d.get("q", ""), category=d.get("category", ""), collection=d.get("collection", ""),
            tag=d.get("tag", ""), difficulty=d.get("difficulty"), min_distance_km=d.get("min_distance_km"),
            max_distance_km=d.get("max_distance_km"), min_gain_m=d.get("min_gain_m"),
            max_gain_m=d.get("max_gain_m"), near=d.get("near"), radius_km=d.get("radius_km", 25),
            bbox=d.get("bbox"),
        )


FILE_HELP = "The route file: GPX, FIT or TCX, optionally gzipped (told apart by its content)."


class RouteUploadInput(serializers.Serializer):
    name = serializers.CharField(max_length=120)
    name_en = serializers.CharField(max_length=120, required=False, allow_blank=True)
    gpx = serializers.FileField(help_text=FILE_HELP)
    description = serializers.CharField(required=False, allow_blank=True)
    category = serializers.ChoiceField(choices=Route.Category.choices, default=Route.Category.ROAD)
    visibility = serializers.ChoiceField(choices=Route.Visibility.choices, default=Route.Visibility.PUBLIC)
    publish = serializers.BooleanField(default=False)


class RouteEditInput(serializers.ModelSerializer):
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, queryset=Tag.objects.all(), required=False)
    collection = serializers.SlugRelatedField(slug_field="slug", queryset=Collection.objects.all(), required=False,
                                              allow_null=True)

    class Meta:
        model = Route
        fields = ("name", "name_en", "description", "description_en", "category", "surface", "region", "status",
                  "visibility", "collection", "tags", "one_way")


class VersionUploadInput(serializers.Serializer):
    gpx = serializers.FileField(help_text=FILE_HELP)


class PoiOutput(serializers.ModelSerializer):
    class Meta:
        model = PointOfInterest
        fields = ("lat", "lon", "name", "kind", "description")


class VersionSummaryOutput(serializers.ModelSerializer):
    error = serializers.SerializerMethodField()

    class Meta:
        model = RouteVersion
        fields = ("number", "status", "error", "created_at", "processed_at", "points", "distance_m",
                  "elevation_gain_m", "elevation_loss_m")

    def get_error(self, version: RouteVersion) -> str:
        return gpx_error_message(version.error_code, version.error_params) if version.error_code else ""


class VersionStatsOutput(VersionSummaryOutput):
    class Meta(VersionSummaryOutput.Meta):
        fields = (*VersionSummaryOutput.Meta.fields, "source", "file_format", "elevation_quality", "elevation_source",
                  "recorded_gain_m", "recorded_loss_m", "segments", "has_elevation", "min_elevation_m",
                  "max_elevation_m", "max_gradient", "avg_climb_gradient", "is_loop", "min_lat", "min_lon",
                  "max_lat", "max_lon", "start_lat", "start_lon", "finish_lat", "finish_lon", "difficulty", "climbs")


class RouteListOutput(serializers.ModelSerializer):
    title = serializers.SerializerMethodField()
    collection = serializers.SlugRelatedField(slug_field="slug", read_only=True, allow_null=True)
    tags = serializers.SlugRelatedField(slug_field="slug", many=True, read_only=True)
    distance_m = serializers.FloatField(source="current_version.distance_m", default=None)
    elevation_gain_m = serializers.FloatField(source="current_version.elevation_gain_m", default=None)
    difficulty = serializers.IntegerField(source="current_version.difficulty", default=None)
    start = serializers.SerializerMethodField()
    near_km = serializers.FloatField(read_only=True, allow_null=True, default=None)  # km from ?near=, else null

    class Meta:
        model = Route
        fields = ("id", "slug", "name", "name_en", "title", "category", "surface", "collection", "tags", "status",
                  "visibility", "distance_m", "elevation_gain_m", "difficulty", "start", "near_km")

    def get_title(self, route: Route) -> str:
        return localized(route, "name")

    def get_start(self, route: Route) -> list[float] | None:
        v = route.current_version
        return [v.start_lat, v.start_lon] if v and v.start_lat is not None else None


class RouteDetailOutput(RouteListOutput):
    description = serializers.SerializerMethodField()
    version = VersionStatsOutput(source="current_version", read_only=True)
    line = serializers.JSONField(source="current_version.line", default=list)
    profile = serializers.JSONField(source="current_version.profile", default=list)
    pois = PoiOutput(source="current_version.pois", many=True, read_only=True, default=list)
    versions = VersionSummaryOutput(many=True, read_only=True)

    class Meta(RouteListOutput.Meta):
        fields = (*RouteListOutput.Meta.fields, "description", "version", "line", "profile", "pois", "versions")

    def get_description(self, route: Route) -> str:
        return localized(route, "description")


class RideUploadInput(serializers.Serializer):
    file = serializers.FileField(help_text="A recorded ride: FIT, GPX or TCX, optionally gzipped.")


class CompletionOutput(serializers.Serializer):
    route = serializers.CharField(source="route.slug", read_only=True, help_text="The route's slug.")
    coverage = serializers.FloatField(help_text="Share of the route covered in order, 0..1.")
    complete = serializers.BooleanField()
    elapsed_s = serializers.FloatField(allow_null=True)


class RideOutput(serializers.Serializer):
    id = serializers.IntegerField()
    status = serializers.ChoiceField(choices=["pending", "ready", "failed"],
                                     help_text="pending: a worker is measuring it (poll this ride); failed: see error.")
    error = serializers.SerializerMethodField(
        help_text="Why the file was refused (failed only), in the request's language.")
    file_format = serializers.CharField()
    started_at = serializers.DateTimeField(allow_null=True)
    elapsed_s = serializers.FloatField(allow_null=True)
    distance_m = serializers.FloatField()
    points = serializers.IntegerField()
    line = serializers.SerializerMethodField(help_text="Segments of [lat, lon], without the rider's privacy zone.")
    completions = CompletionOutput(many=True)

    def get_line(self, ride) -> list:
        return ride_line_shown(ride=ride)

    def get_error(self, ride) -> str:
        return gpx_error_message(ride.error_code, ride.error_params) if ride.error_code else ""
