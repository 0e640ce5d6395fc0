"""Issue 30: documents checked before a seat (health certificate, CCA licence, own insurance),
insurance with certificate numbers from the insurer's list, and the event's share preview."""

import datetime
import io
from decimal import Decimal

import pytest
from django.core import mail
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone, translation
from PIL import Image

from core import sms
from core.errors import ServiceError
from core.outbox import send_due
from events.models import Category, EntryDocument, Registration
from events.services import (
    document_review,
    document_upload,
    insurance_import,
    insurance_update,
    national_ids_erase,
    registration_create,
)
from payments.models import Order, OrderLine
from tests.events.conftest import VALID_ID
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (40, 30), (200, 10, 10)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.fixture
def elite(make_event):
    event = make_event(categories=[{"name": "精英组", "name_en": "Elite", "capacity": 5, "fee_cny": Decimal("0")},
                                   {"name": "业余组", "name_en": "Amateur", "capacity": 5, "fee_cny": Decimal("0")}])
    elite_group, amateur = event.categories.order_by("pk")
    Category.objects.filter(pk=elite_group.pk).update(document_required="licence")
    Category.objects.filter(pk=amateur.pk).update(document_required="health", licensed_barred=True)
    return event


def test_a_category_needing_a_document_takes_a_rider_only_once_it_is_approved(elite, organizer):
    elite_group, amateur = elite.categories.order_by("pk")
    rider = UserFactory(phone="+8613811112222", phone_verified=True, email="r@example.com", notify_by="both")
    with pytest.raises(ServiceError, match="approved by the organizer first") as refused:
        registration_create(event=elite, category=elite_group, rider=rider)
    assert refused.value.error_code == "document"
    document = document_upload(event=elite, rider=rider, kind="licence",
                               upload=SimpleUploadedFile("licence.pdf", PDF, content_type="text/html"))
    assert document.content_type == "application/pdf" and document.file.name.startswith("private/documents/")
    with pytest.raises(ServiceError, match="approved by the organizer first"):
        registration_create(event=elite, category=elite_group, rider=rider)  # waiting is not approved
    sms.sent.clear()
    with pytest.raises(ServiceError, match="Say why"):
        document_review(event=elite, document_id=document.pk, approve=False, reason="  ", by=organizer)
    document_review(event=elite, document_id=document.pk, approve=False, reason="照片看不清", by=organizer)
    send_due()
    refused_texts = [m for m in sms.sent if m.kind == "document"]
    assert len(refused_texts) == 1 and "照片看不清" in refused_texts[0].text
    assert "照片看不清" in mail.outbox[-1].body
    with pytest.raises(ServiceError, match="checked already"):
        document_review(event=elite, document_id=document.pk, approve=True, by=organizer)
    again = document_upload(event=elite, rider=rider, kind="licence",
                            upload=SimpleUploadedFile("licence.png", _png(), content_type="image/png"))
    assert not EntryDocument.objects.filter(pk=document.pk).exists()  # the refused one is replaced
    document_review(event=elite, document_id=again.pk, approve=True, by=organizer)
    send_due()
    assert len([m for m in sms.sent if m.kind == "document"]) == 2  # refused, then approved
    seat = registration_create(event=elite, category=elite_group, rider=rider)[0]
    assert seat.status == "confirmed"
    # the licence the platform approved bars the rider from the amateur field (at any event)
    seat.delete()
    document_upload(event=elite, rider=rider, kind="health",
                    upload=SimpleUploadedFile("h.pdf", PDF, content_type="application/pdf"))
    document_review(event=elite, document_id=EntryDocument.objects.get(kind="health").pk, approve=True,
                    by=organizer)
    with pytest.raises(ServiceError, match="amateurs") as barred:
        registration_create(event=elite, category=amateur, rider=rider)
    assert barred.value.error_code == "licensed"


@pytest.mark.parametrize(("name", "data", "message"), [
    ("x.pdf", b"<html><script>alert(1)</script></html>", "PDF, a JPEG or a PNG"),
    ("x.png", b"\x89PNG\r\n\x1a\nnot really a png", "PDF, a JPEG or a PNG"),
    ("x.pdf", b"%PDF-1.4 truncated without its end", "PDF, a JPEG or a PNG"),
    ("x.pdf", b"", "PDF, a JPEG or a PNG"),
    ("big.pdf", b"%PDF-" + b"0" * (5 * 1024 * 1024) + b"%%EOF", "larger than 5 MB"),
])
def test_a_document_is_checked_for_type_and_size_and_nothing_is_kept_when_refused(elite, name, data, message):
    rider = UserFactory()
    with pytest.raises(ServiceError, match=message):
        document_upload(event=elite, rider=rider, kind="licence", upload=SimpleUploadedFile(name, data))
    assert not EntryDocument.objects.exists()


def test_a_document_is_read_only_by_its_rider_and_the_organizers(elite, organizer, client):
    rider, stranger = UserFactory(), UserFactory()
    document = document_upload(event=elite, rider=rider, kind="health",
                               upload=SimpleUploadedFile("h.pdf", PDF))
    url = f"/events/{elite.slug}/documents/{document.pk}/"
    client.force_login(stranger)
    assert client.get(url).status_code == 404
    assert client.get(f"/media/{document.file.name}").status_code == 404  # never as a plain media file
    client.force_login(rider)
    response = client.get(url)
    assert response.status_code == 200 and response.content == PDF
    assert response["Content-Disposition"].startswith("attachment") and response["X-Content-Type-Options"] == "nosniff"
    client.force_login(organizer)
    assert client.get(url).status_code == 200
    page = client.get(f"/events/{elite.slug}/extras/", headers={"accept-language": "zh-hans"}).content.decode()
    assert f'data-document="{document.pk}"' in page and "等待主办方审核" in page


def test_the_upload_page_refuses_a_bad_file_in_the_riders_language(elite, client):
    rider = UserFactory()
    client.force_login(rider)
    page = client.get(f"/events/{elite.slug}/", headers={"accept-language": "zh-hans"}).content.decode()
    assert 'id="document-form"' in page and "体检证明" in page
    response = client.post(f"/events/{elite.slug}/documents/", {"kind": "health", "file": SimpleUploadedFile(
        "x.pdf", b"MZ\x90\x00 an executable")}, headers={"accept-language": "zh-hans"}, follow=True)
    assert response.status_code == 200 and "请上传 PDF、JPEG 或 PNG 文件" in response.content.decode()
    assert not EntryDocument.objects.exists()
    response = client.post(f"/events/{elite.slug}/documents/", {"kind": "health", "file": SimpleUploadedFile(
        "x.pdf", PDF)}, follow=True)
    assert EntryDocument.objects.get().status == "pending"


def test_documents_go_with_the_id_numbers_after_the_event_and_with_the_account(elite, settings):
    rider, other = UserFactory(), UserFactory()
    document_upload(event=elite, rider=rider, kind="health", upload=SimpleUploadedFile("h.pdf", PDF))
    kept = document_upload(event=elite, rider=other, kind="health", upload=SimpleUploadedFile("h.pdf", PDF))
    from accounts.services import account_delete

    account_delete(user=rider)
    assert list(EntryDocument.objects.values_list("pk", flat=True)) == [kept.pk]
    national_ids_erase(now=elite.ends_at + datetime.timedelta(days=settings.NATIONAL_ID_RETENTION_DAYS - 1))
    assert EntryDocument.objects.count() == 1
    name = kept.file.name
    national_ids_erase(now=elite.ends_at + datetime.timedelta(days=settings.NATIONAL_ID_RETENTION_DAYS + 1))
    assert not EntryDocument.objects.exists()
    from django.core.files.storage import default_storage

    assert not default_storage.exists(name)


@pytest.fixture
def insured(make_event):
    event = make_event(categories=[{"name": "100公里", "capacity": 5, "fee_cny": Decimal("100")}],
                       questions=[{"key": "id", "label": "身份证号", "kind": "national_id", "required": True}])
    insurance_update(event=event, insurer="人保财险", policy="PICC-2026-001", price_fen=1500, own_allowed=True)
    return event


def _seat(event, number, **extra):
    rider = UserFactory(date_of_birth=datetime.date(1949, 12, 31), gender="male" if int(number[16]) % 2 else "female")
    return registration_create(event=event, category=event.categories.get(), rider=rider, answers={"id": number},
                               id_consent=True, **extra)[0]


def test_insurance_is_a_line_of_the_order_and_its_certificate_comes_from_the_insurers_list(insured, client):
    seat = _seat(insured, VALID_ID)
    order = Order.objects.get(registration=seat)
    assert [(line.kind, line.amount_fen) for line in OrderLine.objects.filter(order=order)] == [
        ("entry", 10000), ("insurance", 1500)]
    assert seat.insurance == "event"
    own = _seat(insured, "110105194912310038", insurance="own")
    assert own.insurance == "own" and Order.objects.get(registration=own).amount_fen == 10000
    with pytest.raises(ServiceError, match="line 2: no rider"):
        insurance_import(event=insured, text=f"身份证号,凭证号\n110101199001011234,C-2\n{VALID_ID},C-1\n")
    assert not Registration.objects.exclude(insurance_certificate="").exists()  # all or nothing
    assert insurance_import(event=insured, text=f"身份证号,凭证号\n{VALID_ID.lower()},C-1\n") == 1
    assert Registration.objects.get(pk=seat.pk).insurance_certificate == "C-1"
    client.force_login(seat.rider)
    page = client.get(f"/events/registrations/{seat.pk}/", headers={"accept-language": "zh-hans"}).content.decode()
    assert "C-1" in page and "PICC-2026-001" in page and "人保财险" in page


def test_the_insurers_list_uploaded_on_the_page_in_gb18030(insured, organizer, client):
    seat = _seat(insured, VALID_ID)
    client.force_login(organizer)
    body = f"身份证号,保险凭证号\n{VALID_ID},保-0001\n".encode("gb18030")
    response = client.post(f"/events/{insured.slug}/extras/", {
        "action": "insurance_import", "file": SimpleUploadedFile("list.csv", body)}, follow=True)
    assert response.status_code == 200
    assert Registration.objects.get(pk=seat.pk).insurance_certificate == "保-0001"
    bad = client.post(f"/events/{insured.slug}/extras/", {
        "action": "insurance_import", "file": SimpleUploadedFile("x.csv", b"\xff\xfe\x00garbage\x81")},
        headers={"accept-language": "zh-hans"})
    assert bad.status_code == 200 and "不是文本 CSV" in bad.content.decode()


def test_own_insurance_only_where_the_event_allows_it(make_event):
    event = make_event()
    with pytest.raises(ServiceError, match="own insurance"):
        registration_create(event=event, category=event.categories.get(), rider=UserFactory(), insurance="own")


def test_the_event_page_previews_well_when_shared(insured, client):
    page = client.get(f"/events/{insured.slug}/").content.decode()
    for tag in ('property="og:title" content="测试骑行"', 'property="og:image" content="http://testserver/events/',
                'name="twitter:card" content="summary_large_image"', 'property="og:description"'):
        assert tag in page
    response = client.get(f"/events/{insured.slug}/share.png")
    assert response.status_code == 200 and response["Content-Type"] == "image/png"
    image = Image.open(io.BytesIO(response.content))
    assert image.size == (1200, 630)
    # not a blank card: the title and the date are drawn in dark ink over the light background
    dark = sum(image.convert("L").histogram()[:100])
    assert dark > 2000


def test_the_organizer_sets_up_prices_coupons_and_add_ons_on_the_page(insured, organizer, client):
    client.force_login(organizer)
    category = insured.categories.get()
    url = f"/events/{insured.slug}/extras/"
    starts = (timezone.localtime() + datetime.timedelta(days=2)).strftime("%Y-%m-%dT%H:%M")
    assert client.post(url, {"action": "tier", "category": category.pk, "name": "常规价", "name_en": "Regular",
                             "starts_at": starts, "fee_cny": "200"}).status_code == 302
    assert category.tiers.get().fee_fen == 20000
    assert client.post(url, {"action": "coupon", "code": "club10", "kind": "percent", "value": "10",
                             "uses_allowed": "50", "per_rider": "1"}).status_code == 302
    assert insured.coupons.get().code == "CLUB10"
    assert client.post(url, {"action": "addon", "name": "骑行服", "name_en": "Jersey", "price_cny": "120",
                             "variants": "S:10，M：20, L:20"}).status_code == 302
    assert [(v.label, v.stock) for v in insured.addons.get().variants.all()] == [("S", 10), ("M", 20), ("L", 20)]
    bad = client.post(url, {"action": "addon", "name": "帽子", "price_cny": "30", "variants": "大号"},
                      headers={"accept-language": "zh-hans"})
    assert bad.status_code == 200 and "尺码:库存" in bad.content.decode() and insured.addons.count() == 1
    page = client.get(f"/events/{insured.slug}/", headers={"accept-language": "en"}).content.decode()
    assert "Fee: ¥100" in page and "¥200 from" in page and "(Regular)" in page


def test_a_transferred_seat_loses_the_previous_holders_certificate_number(insured):
    from events.models import Event, TransferOffer
    from events.services import registration_transfer, transfer_accept

    Event.objects.filter(pk=insured.pk).update(transfer_deadline=timezone.now() + datetime.timedelta(days=5))
    insured.refresh_from_db()
    seat = _seat(insured, VALID_ID)
    insurance_import(event=insured, text=f"{VALID_ID},C-1\n")
    newcomer = UserFactory(date_of_birth=datetime.date(1949, 12, 31), gender="male")
    registration_transfer(registration=Registration.objects.get(pk=seat.pk), to_rider=newcomer)
    offer = TransferOffer.objects.get(registration=seat)
    moved = transfer_accept(offer=offer, rider=newcomer, answers={"id": "110105194912310038"}, id_consent=True)
    assert moved.rider_id == newcomer.pk and moved.insurance_certificate == ""


def test_the_data_download_holds_the_riders_documents_and_what_the_entry_included(insured):
    from core import personal_data

    seat = _seat(insured, VALID_ID)
    document_upload(event=insured, rider=seat.rider, kind="insurance", upload=SimpleUploadedFile("c.pdf", PDF))
    rows = personal_data.export(seat.rider)["registrations"]
    entry = next(row for row in rows if "event" in row and "insurance" in row)
    assert entry["insurance"] == "event" and entry["entry_fee_fen"] == 10000
    assert any(row.get("document") == "insurance" and row["status"] == "pending" for row in rows)
