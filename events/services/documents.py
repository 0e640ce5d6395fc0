"""Documents checked before entry and insurance (issue 30): a rider uploads a health certificate,
a CCA licence or their own insurance's certificate (checked for type and size, stored privately);
the organizer approves it or refuses it with the reason, and the rider is told by SMS and e-mail;
documents go with the ID numbers after the event. The insurer's list of certificate numbers is
imported all or nothing, matched by national ID number."""

from __future__ import annotations

import csv
import datetime
import io
from typing import Any

from django.conf import settings
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from core import outbox, transitions
from core.errors import ServiceError
from core.services import values_update
from events.models import Category, EntryDocument, Event, Question, Registration
from events.services.errors import ExtrasCode

TOPIC = "events.document"  # rendered by events.notifications.render_document
MAX_BYTES = 5 * 1024 * 1024
MAX_PIXELS = 40_000_000  # a bigger image is refused before it is decoded
KINDS_OF = {b"%PDF-": "application/pdf", b"\xff\xd8\xff": "image/jpeg", b"\x89PNG\r\n\x1a\n": "image/png"}


def document_kinds(event: Event, categories: list[Category] | None = None) -> list[str]:
    """The documents an event asks for: those its categories require, and an own insurance
    certificate where the event accepts one."""
    categories = categories if categories is not None else list(event.categories.all())
    kinds = sorted({c.document_required for c in categories if c.document_required})
    if event.own_insurance_allowed:
        kinds.append(EntryDocument.Kind.INSURANCE)
    return kinds


def _sniffed(data: bytes) -> str:
    """The file's real type from its first bytes and its structure (never the name or the browser's
    word): a PDF that has its header and its end, a JPEG or PNG that decodes."""
    kind = next((kind for magic, kind in KINDS_OF.items() if data.startswith(magic)), "")
    if kind == "application/pdf":
        return kind if b"%%EOF" in data[-2048:] else ""
    if kind:
        try:
            with Image.open(io.BytesIO(data)) as image:
                if image.width * image.height > MAX_PIXELS:
                    return ""
                image.verify()
        except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
            return ""
    return kind


def document_upload(*, event: Event, rider: Any, kind: str, upload: Any) -> EntryDocument:
    """A rider's document for the event (replacing one still waiting or refused); nothing is kept
    when it is refused here."""
    if kind not in document_kinds(event):
        raise ServiceError(_("This event does not ask for this document."), ExtrasCode.DOCUMENT, field="kind")
    size = getattr(upload, "size", 0) or 0
    if size > MAX_BYTES:
        raise ServiceError(_("The file is larger than 5 MB: send a smaller scan or photo."), ExtrasCode.DOCUMENT,
                           field="file")
    data = upload.read(MAX_BYTES + 1)
    content_type = _sniffed(data) if 0 < len(data) <= MAX_BYTES else ""
    if not content_type:
        raise ServiceError(_("Send a PDF, a JPEG or a PNG file."), ExtrasCode.DOCUMENT, field="file")
    with transaction.atomic():
        mine = EntryDocument.objects.select_for_update().filter(event=event, rider=rider, kind=kind)
        if mine.filter(status=EntryDocument.Status.APPROVED).exists():
            raise ServiceError(_("This document has been approved already."), ExtrasCode.DOCUMENT, field="kind")
        old = list(mine)
        document = EntryDocument(event=event, rider=rider, kind=kind, content_type=content_type, size=len(data))
        document.file.save("upload", ContentFile(data), save=False)
        document.save()
        transitions.created(document, table=EntryDocument.TRANSITIONS, by=rider, why="uploaded")
        for stale in old:
            stale.file.delete(save=False)
            stale.delete()
    return document


def document_review(*, event: Event, document_id: int, approve: bool, reason: str = "", by: Any) -> EntryDocument:
    """The organizer approves a document or refuses it with the reason; the rider is told."""
    reason = " ".join(reason.split())[:200]
    if not approve and not reason:
        raise ServiceError(_("Say why the document is refused: the rider reads it."), ExtrasCode.DOCUMENT,
                           field="reason")
    with transaction.atomic():
        document = EntryDocument.objects.select_for_update().filter(pk=document_id, event=event).first()
        if document is None:
            raise ServiceError(_("This document is not this event's."), ExtrasCode.DOCUMENT)
        if document.status != EntryDocument.Status.PENDING:
            raise ServiceError(_("This document has been checked already."), ExtrasCode.DOCUMENT)
        document.reason = "" if approve else reason
        document.reviewed_by, document.reviewed_at = by, timezone.now()
        transitions.move(document, EntryDocument.Status.APPROVED if approve else EntryDocument.Status.REFUSED,
                         table=EntryDocument.TRANSITIONS, by=by, why=reason or "approved",
                         fields=["reason", "reviewed_by", "reviewed_at"])
        outbox.enqueue(TOPIC, document.status, document.pk, recipient_id=document.rider_id)
    return document


def documents_erase(*, now: datetime.datetime | None = None) -> int:
    """Documents of events ended more than NATIONAL_ID_RETENTION_DAYS ago go, files and rows (with
    the ID numbers, events.services.privacy)."""
    cutoff = (now or timezone.now()) - datetime.timedelta(days=settings.NATIONAL_ID_RETENTION_DAYS)
    gone = 0
    for document in EntryDocument.objects.filter(event__ends_at__lt=cutoff).iterator():
        document.file.delete(save=False)
        document.delete()
        gone += 1
    return gone


def documents_of_rider_erase(*, rider: Any) -> int:
    """A deleted account's documents go with it (files and rows)."""
    gone = 0
    for document in EntryDocument.objects.filter(rider=rider):
        document.file.delete(save=False)
        document.delete()
        gone += 1
    return gone


def insurance_update(*, event: Event, insurer: str, policy: str, price_fen: int, own_allowed: bool) -> Event:
    event.insurer, event.insurance_policy = insurer.strip()[:120], policy.strip()[:60]
    event.insurance_fen, event.own_insurance_allowed = price_fen, own_allowed
    event.save(update_fields=["insurer", "insurance_policy", "insurance_fen", "own_insurance_allowed"])
    return event


def insurance_import(*, event: Event, text: str) -> int:
    """The insurer's list (CSV: national ID number, certificate number; a header line is skipped):
    each number matched to the seat whose rider gave that ID, all or nothing. Returns how many."""
    keys = list(Question.objects.filter(event=event, kind=Question.Kind.NATIONAL_ID).values_list("key", flat=True))
    if not keys:
        raise ServiceError(_("This event asks no national ID number: nothing to match the list by."),
                           ExtrasCode.INSURANCE_FILE)
    seats = list(Registration.objects.filter(event=event, status__in=Registration.SEATED).only("pk", "answers"))
    by_id: dict[str, Registration] = {}
    for seat in seats:
        for key in keys:
            if seat.answers.get(key):
                by_id[str(seat.answers[key]).strip().upper()] = seat
    found: dict[int, str] = {}
    problems = []
    for number, row in enumerate(csv.reader(io.StringIO(text)), start=1):
        cells = [cell.strip() for cell in row]
        if not any(cells):
            continue
        if len(cells) < 2 or not cells[1]:
            problems.append(_("line %(n)s: two columns are needed (ID number, certificate number)") % {"n": number})
            continue
        id_number, certificate = cells[0].upper(), cells[1][:40]
        match = by_id.get(id_number)
        if match is None:
            if number == 1 and not any(ch.isdigit() for ch in id_number):
                continue  # the header
            problems.append(_("line %(n)s: no rider of this event gave this ID number") % {"n": number})
        elif match.pk in found and found[match.pk] != certificate:
            problems.append(_("line %(n)s: this rider has two certificate numbers") % {"n": number})
        else:
            found[match.pk] = certificate
    if problems:
        raise ServiceError(_("Nothing was imported: %(problems)s.") % {"problems": "; ".join(problems[:10])},
                           ExtrasCode.INSURANCE_FILE, field="file")
    if not found:
        raise ServiceError(_("The file has no certificate numbers."), ExtrasCode.INSURANCE_FILE, field="file")
    with transaction.atomic():
        values_update(Registration, ["insurance_certificate"], list(found.items()), [""])
    return len(found)
