"""The API's one error path: every refusal becomes 400 {"detail", "code", "fields"}.

Services raise ServiceError (or Django's ValidationError from full_clean); serializers raise
DRF's ValidationError. API classes catch neither: this handler (REST_FRAMEWORK
EXCEPTION_HANDLER) shapes both, and gives every other API error a `code` too.
"""

from __future__ import annotations

import io
import json
from collections.abc import Iterable, Iterator
from typing import Any

from django.conf import settings
from django.core.exceptions import NON_FIELD_ERRORS
from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404, StreamingHttpResponse
from django.utils.datastructures import MultiValueDict
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from drf_spectacular.utils import inline_serializer
from rest_framework import exceptions, parsers, serializers, status
from rest_framework.request import Empty
from rest_framework.response import Response
from rest_framework.settings import api_settings
from rest_framework.utils import encoders
from rest_framework.utils import json as drf_json
from rest_framework.utils.urls import remove_query_param, replace_query_param
from rest_framework.views import exception_handler as drf_exception_handler

from core.errors import ServiceError, error_code

_NON_FIELD = {NON_FIELD_ERRORS, api_settings.NON_FIELD_ERRORS_KEY, "detail"}


class ErrorOutput(serializers.Serializer):
    """What every 4xx answer of the API carries (documented in /api/docs/)."""

    detail = serializers.CharField(help_text="The reason, in the caller's language.")
    code = serializers.CharField(help_text="Machine-readable reason: the service's code, `invalid` for input "
                                           "that failed validation, `not_found`, `permission_denied`...")
    fields = serializers.DictField(required=False, help_text="Messages per input field, when a field is at fault.")


class ImportOutput(serializers.Serializer):
    """The answer to a file import that was applied (core.imports.ImportReport)."""

    applied = serializers.IntegerField(help_text="Rows applied: all of the file (a file with errors applies none).")


ERRORS = {400: ErrorOutput, 404: ErrorOutput}  # extend_schema(responses={200: ..., **ERRORS})


def _strings(value: Any) -> Any:
    if isinstance(value, dict):
        return {str(k): _strings(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_strings(v) for v in value]
    return str(value)


def _first_code(detail: Any) -> str | None:
    if isinstance(detail, dict):
        detail = list(detail.values())
    if isinstance(detail, list):
        for item in detail:
            if (code := _first_code(item)) is not None:
                return code
        return None
    return getattr(detail, "code", None)


def _body(*, messages: list[str], fields: dict, code: str) -> dict:
    if messages:
        detail = " ".join(messages)
    elif fields:
        detail = _("Some fields are not valid: %(fields)s.") % {"fields": ", ".join(fields)}
    else:
        detail = _("The request is not valid.")
    body: dict[str, Any] = {"detail": detail, "code": code}
    if fields:
        body["fields"] = fields
    return body


def _split(detail: Any) -> tuple[list[str], dict]:
    """(messages about the whole request, messages per field) of a Django or DRF error detail."""
    if not isinstance(detail, dict):
        return _strings(detail if isinstance(detail, list) else [detail]), {}
    messages: list[str] = []
    fields: dict = {}
    for name, errors in detail.items():
        if name in _NON_FIELD:
            messages.extend(_strings(errors if isinstance(errors, list) else [errors]))
        else:
            fields[str(name)] = _strings(errors)
    return messages, fields


def error_body(exc: DjangoValidationError) -> dict:
    """A Django ValidationError (a ServiceError included) as the API's error body."""
    messages, fields = _split(exc.message_dict if hasattr(exc, "error_dict") else exc.messages)
    return _body(messages=messages, fields=fields, code=error_code(exc))


def exception_handler(exc: Exception, context: dict) -> Response | None:
    if isinstance(exc, DjangoValidationError):
        return Response(error_body(exc), status=getattr(exc, "http_status", status.HTTP_400_BAD_REQUEST))
    if isinstance(exc, Http404):  # DRF converts these two itself; done here to shape them too
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None or not isinstance(exc, exceptions.APIException):
        return response
    if isinstance(exc, exceptions.ValidationError):
        messages, fields = _split(exc.detail)
        code = "invalid" if fields else (_first_code(exc.detail) or "invalid")
        response.data = _body(messages=messages, fields=fields, code=code)
    elif isinstance(response.data, dict) and "detail" in response.data:
        response.data = {"detail": str(response.data["detail"]), "code": _first_code(exc.detail) or exc.default_code}
    return response


def upload_file(request: Any, *, field: str = "file") -> Any:
    """The uploaded file (to read as a stream), or a 400 naming the field."""
    upload = request.FILES.get(field)
    if upload is None:
        raise ServiceError(_("Choose a CSV file."), "no_file", field=field)
    return upload


def upload_read(request: Any, *, field: str = "file") -> bytes:
    """The bytes of an uploaded file, or a 400 naming the field."""
    return upload_file(request, field=field).read()


class BodyTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_detail = gettext_lazy("The request is too large.")
    default_code = "too_large"


# json.loads with DRF's strict constants builds a decoder for every body; these are kept (the
# stdlib shares its own default decoder the same way)
_DECODERS = {True: json.JSONDecoder(parse_constant=drf_json.strict_constant), False: json.JSONDecoder()}


class JSONParser(parsers.JSONParser):
    """DRF's JSON parser, bounded: a body over API_MAX_BODY_BYTES is refused (413) before it is
    parsed, and JSON nested too deeply is a 400, not a RecursionError (500)."""

    def parse(self, stream: Any, media_type: str | None = None, parser_context: dict | None = None) -> Any:
        limit = settings.API_MAX_BODY_BYTES
        body = stream.read(limit + 1) if stream is not None else b""
        if len(body) > limit:
            raise BodyTooLarge
        try:  # DRF's parse, without its stream reader (read whole above)
            text = body.decode(parsers.get_encoding(parser_context or {}))
            if text.startswith("\ufeff"):  # as json.loads refuses it, in its words
                raise json.JSONDecodeError("Unexpected UTF-8 BOM (decode using utf-8-sig)", text, 0)
            return _DECODERS[bool(self.strict)].decode(text)
        except RecursionError as exc:
            raise exceptions.ParseError(_("The JSON is nested too deeply.")) from exc
        except ValueError as exc:  # (UnicodeDecodeError too) as DRF words it
            raise exceptions.ParseError(f"JSON parse error - {exc}") from exc


_JSON_BODY = JSONParser()


def json_data(request: Any) -> Any:
    """`request.data` for a body sent as application/json, parsed by JSONParser (the same bounds,
    errors and answers) without DRF's negotiation, which parses the media type of each of the
    view's parsers for every request (a third of the sign-up's body reading, issue 27). Any other
    body, or a view whose parsers are not the default ones, goes through `request.data`."""
    django_request = request._request
    if (django_request.content_type != "application/json" or request._full_data is not Empty  # read already
            or not any(type(parser) is JSONParser for parser in request.parsers)):
        return request.data
    try:
        body = django_request.body
        data = _JSON_BODY.parse(io.BytesIO(body), "application/json", {
            "encoding": django_request.encoding or settings.DEFAULT_CHARSET}) if body else {}  # (none: DRF's {})
    except Exception:
        request._full_data = request._data = {}  # as DRF leaves them: a second read repeats nothing
        request._files = MultiValueDict()
        raise
    request._full_data = request._data = data  # request.data gives it again, as if DRF had parsed it
    request._files = MultiValueDict()
    return data


def paginated(serializer: type[serializers.Serializer]) -> serializers.Serializer:
    """The schema of a page of `serializer` rows, as PageNumberPagination answers."""
    return inline_serializer(f"Paginated{serializer.__name__}", {
        "count": serializers.IntegerField(), "next": serializers.URLField(allow_null=True),
        "previous": serializers.URLField(allow_null=True), "results": serializer(many=True)})


def json_stream(head: dict, key: str, items: Iterable[Any], *, batch: int = 200) -> Iterator[bytes]:
    """`head` with `key` the list of `items` (last), as DRF's JSON renderer writes it (same encoder
    and settings), a few hundred items at a time: memory stays flat in the number of items when
    `items` is itself lazy (a queryset's .iterator())."""
    if key in head:
        raise ValueError(f"{key!r} is the streamed list: the head cannot have it too")
    encode = encoders.JSONEncoder(ensure_ascii=not api_settings.UNICODE_JSON, allow_nan=not api_settings.STRICT_JSON,
                                  separators=(",", ":") if api_settings.COMPACT_JSON else (", ", ": ")).encode
    opening = encode({**head, key: []})  # ... "key":[]} : the list left open
    yield opening[:-2].encode("utf-8")
    pending: list[str] = []
    comma = ""
    for item in items:
        pending.append(encode(item))
        if len(pending) >= batch:
            yield (comma + ",".join(pending)).encode("utf-8")
            pending, comma = [], ","
    if pending:
        yield (comma + ",".join(pending)).encode("utf-8")
    yield b"]}"


def json_stream_response(head: dict, key: str, items: Iterable[Any]) -> StreamingHttpResponse:
    """A JSON answer streamed as it is written (json_stream); errors are raised before it starts."""
    return StreamingHttpResponse(json_stream(head, key, items), content_type="application/json")


def paged_headers(response: Response, request: Any, page: Any) -> Response:
    """A page's neighbours in an RFC 8288 Link header (rel="next", rel="prev") and the rows on every
    page in X-Total-Count, for an answer whose body keeps its shape (a list)."""
    links = []
    for rel, there in (("next", page.has_next()), ("prev", page.has_previous())):
        if there:
            number = page.next_page_number() if rel == "next" else page.previous_page_number()
            path = request.get_full_path()  # the first page without ?page=, as DRF's pagination links it
            url = request.build_absolute_uri(remove_query_param(path, "page") if number == 1
                                             else replace_query_param(path, "page", number))
            links.append(f'<{url}>; rel="{rel}"')
    if links:
        response["Link"] = ", ".join(links)
    response["X-Total-Count"] = str(page.paginator.count)
    return response
