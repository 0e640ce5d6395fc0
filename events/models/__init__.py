"""Events, their categories and questions, registrations, check-in and results, and what an entry
includes: one module per sub-domain (event, registration, raceday, extras); callers import from
`events.models`."""

from events.models.event import Category, Event, Question, Wave, new_helper_key
from events.models.extras import AddOn, AddOnVariant, Coupon, EntryDocument, EntryItem, PriceTier, document_path
from events.models.raceday import CheckinScan, ChipTag, EventHelper, FieldMessage, LostBib
from events.models.registration import Ballot, EntryCode, IdAccess, QuotaGroup, Registration, TransferOffer

__all__ = [
    "AddOn", "AddOnVariant", "Ballot", "Category", "CheckinScan", "ChipTag", "Coupon", "EntryCode", "EntryDocument",
    "EntryItem", "Event", "EventHelper", "FieldMessage", "IdAccess", "LostBib", "PriceTier", "Question", "QuotaGroup",
    "Registration", "TransferOffer", "Wave", "document_path", "new_helper_key",
]
