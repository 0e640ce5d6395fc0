"""Routes, their versions (one per uploaded GPX file) and collections."""

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _

from accounts.models import HomeArea


class Collection(models.Model):
    """A named series of routes, such as the "Riding Taihang" lines."""

    slug = models.SlugField(_("slug"), unique=True)
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)

    class Meta:
        verbose_name = _("collection")
        verbose_name_plural = _("collections")

    def __str__(self) -> str:
        return self.name


class Tag(models.Model):
    slug = models.SlugField(_("slug"), unique=True, max_length=40, allow_unicode=True)
    name = models.CharField(_("name (Chinese)"), max_length=40)
    name_en = models.CharField(_("name (English)"), max_length=40, blank=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["slug"]

    def __str__(self) -> str:
        return self.name


class Route(models.Model):
    class Category(models.TextChoices):
        GREENWAY = "greenway", _("Greenway")
        ROAD = "road", _("Road")
        MOUNTAIN = "mountain", _("Mountain road")
        GRAVEL = "gravel", _("Gravel")
        MTB = "mtb", _("MTB")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")
        ARCHIVED = "archived", _("Archived")

    class Visibility(models.TextChoices):
        PUBLIC = "public", _("Public")
        CLUB = "club", _("Club members")
        PRIVATE = "private", _("Only me")

    class Surface(models.TextChoices):
        PAVED = "paved", _("Paved")
        MIXED = "mixed", _("Mixed")
        UNPAVED = "unpaved", _("Unpaved")

    slug = models.SlugField(_("slug"), unique=True, max_length=80, allow_unicode=True)
    name = models.CharField(_("name (Chinese)"), max_length=120)
    name_en = models.CharField(_("name (English)"), max_length=120, blank=True)
    description = models.TextField(_("description (Chinese)"), blank=True)
    description_en = models.TextField(_("description (English)"), blank=True)
    surface = models.CharField(_("surface"), max_length=10, choices=Surface.choices, default=Surface.PAVED)
    region = models.CharField(_("region"), max_length=12, choices=HomeArea.choices, blank=True)
    tags = models.ManyToManyField(Tag, blank=True, related_name="routes", verbose_name=_("tags"))
    current_version = models.ForeignKey(
        "RouteVersion", on_delete=models.SET_NULL, null=True, blank=True, related_name="+",
        verbose_name=_("current version"),
    )
    category = models.CharField(_("category"), max_length=12, choices=Category.choices, default=Category.ROAD)
    status = models.CharField(_("status"), max_length=12, choices=Status.choices, default=Status.DRAFT)
    visibility = models.CharField(
        _("visibility"), max_length=12, choices=Visibility.choices, default=Visibility.PUBLIC
    )
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="routes")
    club = models.ForeignKey("clubs.Club", on_delete=models.SET_NULL, null=True, blank=True, related_name="routes",
                             verbose_name=_("club"))
    collection = models.ForeignKey(
        Collection, on_delete=models.SET_NULL, null=True, blank=True, related_name="routes",
        verbose_name=_("collection"),
    )
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)
    one_way = models.BooleanField(
        _("ridden in its direction only"), default=True,
        help_text=_("Untick for a route that counts as completed in either direction."))

    class Meta:
        verbose_name = _("route")
        verbose_name_plural = _("routes")
        ordering = ["name"]
        # the public list in its order: the first page of 100,000 routes read from the index, not
        # sorted from all of them (issue 27, docs/routes.md)
        indexes = [models.Index(fields=["name", "id"], name="route_public_by_name",
                                condition=models.Q(status="published", visibility="public"))]

    def __str__(self) -> str:
        return self.name


class RouteVersion(models.Model):
    """One uploaded GPX, FIT or TCX file of a route and the statistics computed from it once, at ingest.

    Events pin a version, so a version never changes after it is processed. The route page and
    API read only these columns (line, profile, climbs), never the GPX file.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("Processing")
        READY = "ready", _("Ready")
        FAILED = "failed", _("Failed")

    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField(_("version"))
    gpx_file = models.FileField(_("route file"), upload_to="routes/gpx/%Y/%m/")  # GPX, FIT or TCX as uploaded
    original_filename = models.CharField(max_length=255, blank=True)
    size_bytes = models.PositiveIntegerField(default=0)
    uploaded_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    status = models.CharField(_("status"), max_length=10, choices=Status.choices, default=Status.PENDING)
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)
    # a new route measured later is kept a draft until its file is measured; then it is published
    # if the uploader asked for it (a file that fails leaves nothing public)
    publish_when_ready = models.BooleanField(default=False)
    cues_built = models.BooleanField(default=False)  # its cue sheet was made (then only the organizer edits it)

    source = models.CharField(max_length=8, blank=True)  # "track" or "route" (rtept, a FIT/TCX course)
    file_format = models.CharField(max_length=4, blank=True)  # gpx, fit or tcx: read from the content
    points = models.PositiveIntegerField(default=0)
    segments = models.PositiveIntegerField(default=0)
    distance_m = models.FloatField(_("distance (m)"), default=0)
    class ElevationQuality(models.TextChoices):
        GOOD = "good", _("Good")
        REPAIRED = "repaired", _("Repaired")
        UNRELIABLE = "unreliable", _("Unreliable")

    class ElevationSource(models.TextChoices):
        RECORDED = "recorded", _("Recorded in the file")
        TERRAIN = "terrain", _("Terrain model (SRTM)")

    has_elevation = models.BooleanField(default=False)
    # routes/geo.py repairs spikes and steps; "unreliable" hides climbs and grades on the page
    elevation_quality = models.CharField(_("elevation quality"), max_length=12, blank=True,
                                         choices=ElevationQuality.choices)
    elevation_source = models.CharField(_("elevation source"), max_length=10, blank=True,
                                        choices=ElevationSource.choices)
    # the file's own heights, kept beside a terrain model's when those are shown
    recorded_gain_m = models.FloatField(null=True, blank=True)
    recorded_loss_m = models.FloatField(null=True, blank=True)
    recorded_quality = models.CharField(max_length=12, blank=True, choices=ElevationQuality.choices)
    elevation_gain_m = models.FloatField(_("elevation gain (m)"), null=True, blank=True)
    elevation_loss_m = models.FloatField(_("elevation loss (m)"), null=True, blank=True)
    min_elevation_m = models.FloatField(null=True, blank=True)
    max_elevation_m = models.FloatField(null=True, blank=True)
    max_gradient = models.FloatField(null=True, blank=True)
    avg_climb_gradient = models.FloatField(null=True, blank=True)
    is_loop = models.BooleanField(default=False)
    min_lat = models.FloatField(null=True, blank=True)
    min_lon = models.FloatField(null=True, blank=True)
    max_lat = models.FloatField(null=True, blank=True)
    max_lon = models.FloatField(null=True, blank=True)
    start_lat = models.FloatField(null=True, blank=True)
    start_lon = models.FloatField(null=True, blank=True)
    finish_lat = models.FloatField(null=True, blank=True)
    finish_lon = models.FloatField(null=True, blank=True)
    difficulty = models.PositiveSmallIntegerField(_("difficulty"), default=1)
    climbs = models.JSONField(default=list, blank=True)
    line = models.JSONField(default=list, blank=True)  # [[ [lat, lon], ... ], ...] per segment
    profile = models.JSONField(default=list, blank=True)  # [[km, metres], ...]

    class Meta:
        verbose_name = _("route version")
        verbose_name_plural = _("route versions")
        ordering = ["route", "-number"]
        constraints = [models.UniqueConstraint(fields=["route", "number"], name="route_version_number_unique")]
        indexes = [
            models.Index(fields=["distance_m"]),
            models.Index(fields=["elevation_gain_m"]),
            models.Index(fields=["start_lat", "start_lon"]),
        ]

    def __str__(self) -> str:
        return f"{self.route} v{self.number}"


class PointOfInterest(models.Model):
    """A waypoint of the GPX file, shown on the map."""

    class Kind(models.TextChoices):
        WATER = "water", _("Water")
        REPAIR = "repair", _("Repair")
        FOOD = "food", _("Food")
        VIEWPOINT = "viewpoint", _("Viewpoint")
        DANGER = "danger", _("Danger")
        OTHER = "other", _("Point of interest")

    version = models.ForeignKey(RouteVersion, on_delete=models.CASCADE, related_name="pois")
    lat = models.FloatField()
    lon = models.FloatField()
    name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.OTHER)
    description = models.TextField(blank=True)

    class Meta:
        verbose_name = _("point of interest")
        verbose_name_plural = _("points of interest")

    def __str__(self) -> str:
        return self.name or self.get_kind_display()


class Cue(models.Model):
    """One line of a route version's cue sheet: a turn found in the geometry (routes/cues.py), a
    point of interest placed along the route, or a line the organizer added. Organizers rename and
    delete lines; the version's geometry never changes."""

    class Kind(models.TextChoices):
        START = "start", _("Start")
        LEFT = "left", _("Turn left")
        RIGHT = "right", _("Turn right")
        SLIGHT_LEFT = "slight_left", _("Bear left")
        SLIGHT_RIGHT = "slight_right", _("Bear right")
        SHARP_LEFT = "sharp_left", _("Sharp left")
        SHARP_RIGHT = "sharp_right", _("Sharp right")
        U_TURN = "u_turn", _("U-turn")
        STRAIGHT = "straight", _("Straight on")
        WATER = "water", _("Water")
        FOOD = "food", _("Food")
        REPAIR = "repair", _("Repair")
        VIEWPOINT = "viewpoint", _("Viewpoint")
        DANGER = "danger", _("Danger")
        CONTROL = "control", _("Control point")
        OTHER = "other", _("Note")
        FINISH = "finish", _("Finish")

    class Source(models.TextChoices):
        GEOMETRY = "geometry", _("Found in the route")
        POI = "poi", _("Point of interest")
        ORGANIZER = "organizer", _("Added by the organizer")

    version = models.ForeignKey(RouteVersion, on_delete=models.CASCADE, related_name="cues")
    distance_m = models.FloatField(_("distance from start (m)"))
    lat = models.FloatField()
    lon = models.FloatField()
    kind = models.CharField(_("kind"), max_length=14, choices=Kind.choices)
    text = models.CharField(_("text"), max_length=120, blank=True)  # blank: the kind's own words
    angle = models.FloatField(null=True, blank=True)  # degrees, right positive (turns only)
    source = models.CharField(max_length=10, choices=Source.choices, default=Source.GEOMETRY)

    class Meta:
        verbose_name = _("cue")
        verbose_name_plural = _("cues")
        ordering = ["version", "distance_m", "pk"]

    def __str__(self) -> str:
        return self.text or self.get_kind_display()

    @property
    def label(self) -> str:
        return self.text or str(self.get_kind_display())


CUE_ADDABLE_KINDS = [k for k in Cue.Kind if k not in (Cue.Kind.START, Cue.Kind.FINISH)]  # all but start, finish



RIDES_FOLDER = "rides"


def rider_folder(rider_id: int) -> str:
    return f"{RIDES_FOLDER}/u{rider_id}"


def ride_file_path(ride: "Ride", filename: str) -> str:
    return f"{rider_folder(ride.rider_id)}/{filename}"


class Ride(models.Model):
    """A ride a rider recorded and uploaded (FIT, GPX or TCX), matched against the published routes.

    The file stays private to the rider. What others may see (the line) leaves out the rider's
    privacy zone; that is applied when shown, so a zone set later hides old rides too.
    """

    class Status(models.TextChoices):
        PENDING = "pending", _("being measured")
        READY = "ready", _("ready")
        FAILED = "failed", _("refused")

    rider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="rides")
    # under the rider's own folder, so that deleting the account removes every file of theirs, even
    # one whose row never committed (routes.services.rides.rides_erase)
    file = models.FileField(upload_to=ride_file_path)
    original_filename = models.CharField(max_length=255, blank=True)
    file_format = models.CharField(max_length=4)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.READY)
    error_code = models.CharField(max_length=40, blank=True)
    error_params = models.JSONField(default=dict, blank=True)
    uploaded_at = models.DateTimeField(auto_now_add=True)
    started_at = models.DateTimeField(_("started"), null=True, blank=True)
    elapsed_s = models.FloatField(_("elapsed time (s)"), null=True, blank=True)
    distance_m = models.FloatField(_("distance (m)"), default=0)
    points = models.PositiveIntegerField(default=0)
    line = models.JSONField(default=list, blank=True)  # simplified, as RouteVersion.line (zone not yet removed)
    min_lat = models.FloatField(null=True)  # none while it is being measured
    min_lon = models.FloatField(null=True)
    max_lat = models.FloatField(null=True)
    max_lon = models.FloatField(null=True)

    class Meta:
        verbose_name = _("ride")
        verbose_name_plural = _("rides")
        ordering = ["-uploaded_at"]

    def __str__(self) -> str:
        return f"{self.rider} {self.started_at or self.uploaded_at:%Y-%m-%d}"

    @property
    def ridden_at(self):
        """When it was ridden: the file's first timestamp, else when it was uploaded."""
        return self.started_at or self.uploaded_at


class Completion(models.Model):
    """How much of a route one ride covered (routes/matching.py): complete at 95% in order."""

    ride = models.ForeignKey(Ride, on_delete=models.CASCADE, related_name="completions")
    route = models.ForeignKey(Route, on_delete=models.CASCADE, related_name="completions")
    version = models.ForeignKey(RouteVersion, on_delete=models.CASCADE, related_name="+")
    rider = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="completions")
    coverage = models.FloatField(_("coverage"))
    complete = models.BooleanField(_("completed"), default=False)
    elapsed_s = models.FloatField(_("elapsed time (s)"), null=True, blank=True)
    ridden_at = models.DateTimeField(_("ridden"))

    class Meta:
        verbose_name = _("route completion")
        verbose_name_plural = _("route completions")
        ordering = ["-ridden_at"]
        constraints = [models.UniqueConstraint(fields=["ride", "route"], name="one_completion_per_ride_and_route")]
        indexes = [models.Index(fields=["route", "complete", "elapsed_s"])]

    def __str__(self) -> str:
        return f"{self.route} {self.coverage:.0%}"
