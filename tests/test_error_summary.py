"""Issue 11: after a failed submit every form shows an error summary at the top, each error linked
to its field with its human label, and keeps what was typed."""

import re

from tests.factories import UserFactory

ID_NUMBER = "11010519491231002X"


def _summary(html: str) -> str:
    match = re.search(r'<div class="error-summary" id="error-summary".*?</div>', html, re.S)
    assert match, "no error summary on the page"
    return match.group(0)


def test_failed_registration_keeps_the_typed_id_and_links_the_error(client, make_event):
    event = make_event(questions=[{"key": "idno", "label": "身份证号", "kind": "national_id", "required": True},
                                  {"key": "size", "label": "骑行服尺码", "kind": "choice", "required": True,
                                   "choices": ["S", "M"]}],
                       waiver_text="风险自担")
    client.force_login(UserFactory())
    page = client.post(f"/events/{event.slug}/", {"category": event.categories.get().pk, "q_idno": ID_NUMBER,
                                                  "accept_waiver": "on"}).content.decode()
    summary = _summary(page)
    assert '<a href="#id_q_size">骑行服尺码</a>' in summary
    assert page.index('id="error-summary"') < page.index('name="q_idno"')  # at the top, before the form
    assert f'value="{ID_NUMBER}"' in page  # the rider does not type the ID again


def test_failed_profile_save_names_the_field(client, rider):
    client.force_login(rider)
    page = client.post("/me/", {"mobile": "12345", "gender": "undisclosed", "language": "zh-hans"}).content.decode()
    summary = _summary(page)
    assert 'href="#id_mobile"' in summary and "手机号" in summary
    assert 'value="12345"' in page


def test_failed_event_creation_lists_errors_of_the_form_and_its_categories(client, organizer):
    client.force_login(organizer)
    page = client.post("/events/new/", {"cat-TOTAL_FORMS": "1", "cat-INITIAL_FORMS": "0", "cat-MIN_NUM_FORMS": "1",
                                        "cat-MAX_NUM_FORMS": "1000", "q-TOTAL_FORMS": "0", "q-INITIAL_FORMS": "0",
                                        "q-MIN_NUM_FORMS": "0", "q-MAX_NUM_FORMS": "1000",
                                        "cat-0-name": "60公里"}).content.decode()
    summary = _summary(page)
    assert 'href="#id_title"' in summary and 'href="#id_cat-0-capacity"' in summary
    assert "组别 1 · " in summary  # which category, in words
