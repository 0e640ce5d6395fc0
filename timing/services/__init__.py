"""The timing services, one module per sub-domain (callers import from here)."""

from timing.services.corrections import passing_add, passing_delete, passing_move, ruling_lift, ruling_set
from timing.services.course import checkpoint_remove, checkpoint_save, point_along, timing_update
from timing.services.passings import PassingsReport, passings_ingest, passings_relink, points_of, resume_number
from timing.services.recount import (
    age_groups,
    rankings_recount,
    results_recount,
    results_recount_all,
    rider_result,
    timing_of,
)
from timing.services.tracking import (
    Fix,
    positions_erase_expired,
    positions_record,
    share_link_make,
    share_link_revoke,
    sos_send,
    tracking_start,
    tracking_stop,
)

__all__ = [
    "Fix",
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
    "positions_erase_expired",
    "positions_record",
    "rankings_recount",
    "results_recount",
    "results_recount_all",
    "resume_number",
    "rider_result",
    "ruling_lift",
    "ruling_set",
    "share_link_make",
    "share_link_revoke",
    "sos_send",
    "timing_of",
    "timing_update",
    "tracking_start",
    "tracking_stop",
]
