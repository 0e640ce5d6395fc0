"""The timing services, one module per sub-domain (callers import from here)."""

from timing.services.corrections import passing_add, passing_delete, passing_move, ruling_lift, ruling_set
from timing.services.course import checkpoint_remove, checkpoint_save, point_along, timing_update
from timing.services.passings import PassingsReport, passings_ingest, passings_relink, points_of, resume_number
from timing.services.recount import age_groups, rankings_recount, results_recount, rider_result, timing_of

__all__ = [
    "PassingsReport",
    "age_groups",
    "checkpoint_remove",
    "checkpoint_save",
    "passing_add",
    "passing_delete",
    "passing_move",
    "passings_ingest",
    "passings_relink",
    "point_along",
    "points_of",
    "rankings_recount",
    "results_recount",
    "resume_number",
    "rider_result",
    "ruling_lift",
    "ruling_set",
    "timing_of",
    "timing_update",
]
