"""The report of an all-or-nothing file import (results, sales): rows applied, or every error."""

from __future__ import annotations

from dataclasses import dataclass, field

from django.core.exceptions import NON_FIELD_ERRORS
from django.utils.translation import gettext as _

from core.errors import ServiceError

IMPORT_REFUSED = "import_refused"


@dataclass
class ImportReport:
    applied: int = 0
    errors: list[str] = field(default_factory=list)

    def raise_for_errors(self, *, field: str = "file") -> None:
        """For callers that answer with an error (the API): every line's error on the file field."""
        if self.errors:
            raise ServiceError({NON_FIELD_ERRORS: [_("Nothing was applied: correct the file and upload it again.")],
                                field: self.errors}, IMPORT_REFUSED)
