"""Writes of the events app, one module per sub-domain (pretix's base/services layout):

- lifecycle: events and categories created, edited, published, paused, cancelled, completed
- signup: sign-up of one rider (window, rider checks, entry codes, ballot entries, identity, answers)
- holds: seats held for a team or a group, confirmed or declined by each member, lapsing
- changes: withdrawal, category switch, deferral
- transfers: a seat offered to another rider, accepted or declined
- paid: a payment confirming a held seat, an unpaid hold lapsing (money's reactions on seats)
- family: an adult with their children or companions, all seats or none
- history: a past event's participation recorded from elsewhere (a previous platform, the demo)
- ballot, codes, challenges, privacy: ballots and their draw, entry and deferral codes, anytime
  challenges, the ID-number log and erasure
- seats: seat claims, the lock order (lock_seat), recounts, bibs, promotion from the waitlist
- status: the one door for status moves (registration_move ...), checked and recorded
- answers: answers checked against the event's questions
- outbox: e-mails queued in the writing transaction, sent after commit
- checkin: the signed check-in code and checking riders in
- raceday: check-in devices' offline actions synced in batches (nonces, the scan's own time)
- helpers: check-in helpers joining by the organizer's link, removed, the link renewed
- chips: timing chips' tags on entries, imported from the timing company's CSV
- results: the results CSV import
- extras: what an entry includes: price tiers, coupons, add-ons with sizes and stock (taken with
  the seat, changed, taken back)
- documents: documents checked before entry, the insurance and the insurer's list, the share of
  erasure they take
- errors: the codes of every refusal

Callers import from `events.services`; the names below are the public ones.
"""

from events.selectors import entry_price_fen
from events.services.answers import answers_clean
from events.services.ballot import ballot_draw, ballot_no_shows_last, ballot_setup, ballot_verify, quota_group_add
from events.services.challenges import challenge_progress
from events.services.changes import (
    registration_cancel,
    registration_change_category,
    registration_defer,
    registration_switch,
)
from events.services.checkin import CheckinOutcome, CheckinResult, checkin, checkin_by_id, checkin_code
from events.services.chips import chips_import
from events.services.codes import deferral_codes_issue, entry_codes_create, entry_codes_import, entry_codes_release
from events.services.documents import (
    document_review,
    document_upload,
    documents_erase,
    insurance_import,
    insurance_update,
)
from events.services.errors import EventCode, RegistrationCode, no_such_category
from events.services.extras import (
    addon_create,
    coupon_create,
    coupon_delete,
    item_add,
    item_change,
    item_refund,
    item_remove,
    tier_add,
    tier_delete,
    variant_stock_set,
)
from events.services.family import registrations_create_family
from events.services.field import FieldPreview, field_message_preview, field_message_send
from events.services.helpers import helper_join, helper_join_code, helper_remove, helpers_link_renew
from events.services.history import PastEntry, registrations_record_past
from events.services.holds import (
    registration_hold_confirm,
    registration_hold_decline,
    registrations_create_group,
    registrations_holds_expire,
)
from events.services.lifecycle import (
    category_add,
    category_update,
    event_cancel,
    event_complete,
    event_create,
    event_publish,
    event_registration_pause,
    event_update,
    question_add,
)
from events.services.outbox import mail_on_commit
from events.services.paid import registration_paid, registrations_payment_lapsed
from events.services.privacy import id_access_log, national_ids_erase
from events.services.raceday import Scan, ScanAnswer, ScanReason, checkins_sync, registration_proxy_set
from events.services.results import results_import
from events.services.seats import bibs_renumber, lock_seat, seats_lock
from events.services.signup import (
    registration_answers_give,
    registration_answers_missing,
    registration_create,
    registration_window_error,
    rider_check,
)
from events.services.status import event_move, offer_move, registration_move, registrations_move
from events.services.transfers import registration_transfer, transfer_accept, transfer_decline, transfer_withdraw
from events.services.waves import BY_RESULTS, registration_wave_move, wave_add, wave_remove, waves_seed

__all__ = [
    "BY_RESULTS",
    "CheckinOutcome",
    "CheckinResult",
    "EventCode",
    "FieldPreview",
    "PastEntry",
    "RegistrationCode",
    "Scan",
    "ScanAnswer",
    "ScanReason",
    "addon_create",
    "answers_clean",
    "ballot_draw",
    "ballot_no_shows_last",
    "ballot_setup",
    "ballot_verify",
    "bibs_renumber",
    "category_add",
    "category_update",
    "challenge_progress",
    "checkin",
    "checkin_by_id",
    "checkin_code",
    "checkins_sync",
    "chips_import",
    "coupon_create",
    "coupon_delete",
    "deferral_codes_issue",
    "document_review",
    "document_upload",
    "documents_erase",
    "entry_codes_create",
    "entry_codes_import",
    "entry_codes_release",
    "entry_price_fen",
    "event_cancel",
    "event_complete",
    "event_create",
    "event_move",
    "event_publish",
    "event_registration_pause",
    "event_update",
    "field_message_preview",
    "field_message_send",
    "helper_join",
    "helper_join_code",
    "helper_remove",
    "helpers_link_renew",
    "id_access_log",
    "insurance_import",
    "insurance_update",
    "item_add",
    "item_change",
    "item_refund",
    "item_remove",
    "lock_seat",
    "mail_on_commit",
    "national_ids_erase",
    "no_such_category",
    "offer_move",
    "question_add",
    "quota_group_add",
    "registration_answers_give",
    "registration_answers_missing",
    "registration_cancel",
    "registration_change_category",
    "registration_create",
    "registration_defer",
    "registration_hold_confirm",
    "registration_hold_decline",
    "registration_move",
    "registration_paid",
    "registration_proxy_set",
    "registration_switch",
    "registration_transfer",
    "registration_wave_move",
    "registration_window_error",
    "registrations_create_family",
    "registrations_create_group",
    "registrations_holds_expire",
    "registrations_move",
    "registrations_payment_lapsed",
    "registrations_record_past",
    "results_import",
    "rider_check",
    "seats_lock",
    "tier_add",
    "tier_delete",
    "transfer_accept",
    "transfer_decline",
    "transfer_withdraw",
    "variant_stock_set",
    "wave_add",
    "wave_remove",
    "waves_seed",
]
