"""Writes to the route library. Public names are re-exported here: import from routes.services.

- library: file ingest (GPX, FIT, TCX through one door), versions, publishing
- cues: cue sheets (turns found in the geometry, points of interest, the organizer's edits)
- rides: ride uploads, matching them to routes, completions and challenges
"""

from routes.services.cues import cue_add, cue_delete, cue_rename, cues_build, cues_ensure
from routes.services.files import UPLOAD_FIELD, file_parse, gpx_refusal, gpx_upload_read
from routes.services.library import (
    DEM_MIN_COVER,
    EDITABLE_FIELDS,
    PROCESS_SWEEP_AFTER,
    RESERVED_SLUGS,
    ROUTE_VERSION_TASK,
    Ingested,
    gpx_ingest,
    poi_kind,
    route_import,
    route_update,
    route_version_process,
    route_versions_sweep,
)
from routes.services.rides import RIDE_TASK, ride_delete, ride_process, ride_upload, rides_erase, rides_sweep

__all__ = [
    "DEM_MIN_COVER",
    "EDITABLE_FIELDS",
    "PROCESS_SWEEP_AFTER",
    "RESERVED_SLUGS",
    "RIDE_TASK",
    "ROUTE_VERSION_TASK",
    "UPLOAD_FIELD",
    "Ingested",
    "cue_add",
    "cue_delete",
    "cue_rename",
    "cues_build",
    "cues_ensure",
    "file_parse",
    "gpx_ingest",
    "gpx_refusal",
    "gpx_upload_read",
    "poi_kind",
    "ride_delete",
    "ride_process",
    "ride_upload",
    "rides_erase",
    "rides_sweep",
    "route_import",
    "route_update",
    "route_version_process",
    "route_versions_sweep",
]
