"""Every refusal of the timing services, by code (API clients branch on it)."""

from enum import StrEnum


class TimingCode(StrEnum):
    UNREADABLE = "passings_unreadable"
    TOO_MANY = "passings_too_many"
    NO_CHECKPOINTS = "timing_no_checkpoints"
    CHECKPOINT_INVALID = "checkpoint_invalid"
    NOT_A_RIDER = "timing_not_a_rider"
    PASSING_GONE = "passing_gone"
    NOT_STARTED = "event_not_started"
    TRACKING_OFF = "tracking_off"
    POSITION_INVALID = "position_invalid"
