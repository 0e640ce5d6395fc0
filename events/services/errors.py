"""Codes of every refusal the events services make; the API returns them as `code`."""

from enum import StrEnum


class EventCode(StrEnum):
    NO_CATEGORIES = "no_categories"
    BIB_RANGES = "bib_ranges"
    NOT_DRAFT = "not_draft"
    MODE_LOCKED = "mode_locked"


class RegistrationCode(StrEnum):
    WRONG_EVENT = "wrong_event"
    NO_CATEGORY = "no_category"
    CLOSED = "closed"
    WAIVER = "waiver"
    AGE_UNKNOWN = "age_unknown"
    TOO_YOUNG = "too_young"
    TOO_OLD = "too_old"
    GENDER = "gender"
    MEMBERS_ONLY = "members_only"
    ANSWERS = "answers"
    FULL = "full"
    NOT_ENOUGH_SEATS = "not_enough_seats"
    BIBS_EXHAUSTED = "bibs_exhausted"
    CANCELLED = "cancelled"
    TRANSFER_CLOSED = "transfer_closed"
    ALREADY_REGISTERED = "already_registered"
    NO_RIDER = "no_rider"
    EMPTY_GROUP = "empty_group"
    QUESTIONS = "questions"
    NOT_HELD = "not_held"
    HOLD_EXPIRED = "hold_expired"
    PAYMENT_REQUIRED = "payment_required"
    ID_CONSENT = "id_consent"
    ID_MISMATCH = "id_mismatch"
    ID_FILL_PROFILE = "id_fill_profile"
    BALLOT_DRAWN = "ballot_drawn"
    BALLOT_OPEN = "ballot_open"
    BALLOT_QUOTA = "ballot_quota"
