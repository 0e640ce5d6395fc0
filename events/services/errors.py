"""Codes of every refusal the events services make; the API returns them as `code`."""

from enum import StrEnum

from django.utils.translation import gettext as _

from core.errors import ServiceError


class EventCode(StrEnum):
    NO_CATEGORIES = "no_categories"
    CHALLENGE_NO_ROUTE = "challenge_no_route"
    BIB_RANGES = "bib_ranges"
    NOT_DRAFT = "not_draft"
    MODE_LOCKED = "mode_locked"
    NOT_ENDED = "not_ended"
    HAS_ENTRIES = "has_entries"
    PAST_ENTRY = "past_entry"
    HELPER_LINK = "helper_link"
    FIELD_MESSAGE = "field_message"
    WAVES = "waves"


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
    CODE_INVALID = "code_invalid"
    CODE_EXPIRED = "code_expired"
    CODE_USED = "code_used"
    CODE_RESERVE = "code_reserve"
    DEFERRAL_CLOSED = "deferral_closed"
    GUARDIAN = "guardian"
    REAL_NAME = "real_name"
    PROXY = "proxy"
    COUPON = "coupon"
    ADDON = "addon"
    SOLD_OUT = "sold_out"
    DOCUMENT = "document"
    LICENSED = "licensed"
    INSURANCE = "insurance"


class ExtrasCode(StrEnum):
    TIER = "tier"
    COUPON = "coupon"
    ADDON = "addon"
    STOCK = "stock"
    DOCUMENT = "document"
    INSURANCE_FILE = "insurance_file"
    ITEM = "item"


def no_such_category() -> ServiceError:
    """The one refusal for a category that is not this event's (the API and the pages alike)."""
    return ServiceError(_("This event has no such category."), RegistrationCode.NO_CATEGORY, field="category")
