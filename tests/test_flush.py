"""The flush that ends a transactional test keeps the rows migrate made for every model (content
types and permissions) and sends no post_migrate (tests/conftest.py, issue 26): they must be there
after it, complete, whatever test ran before."""

import pytest
from django.apps import apps
from django.contrib.auth.models import Permission
from django.contrib.contenttypes.models import ContentType
from django.core.management import call_command

from tests.conftest import ON_POSTGRES
from tests.factories import UserFactory


def _missing() -> list[str]:
    types = set(ContentType.objects.values_list("app_label", "model"))
    perms = set(Permission.objects.values_list("content_type__app_label", "content_type__model", "codename"))
    missing = []
    for model in apps.get_models():
        meta = model._meta
        if (meta.app_label, meta.model_name) not in types:
            missing.append(f"content type {meta.label}")
        for action in meta.default_permissions:
            if (meta.app_label, meta.model_name, f"{action}_{meta.model_name}") not in perms:
                missing.append(f"permission {action} {meta.label}")
    return missing


@pytest.mark.skipif(not ON_POSTGRES, reason="the DELETE flush is PostgreSQL's (SQLite flushes the original way)")
def test_a_flush_empties_the_data_and_keeps_content_types_and_permissions(transactional_db):
    assert _missing() == []
    UserFactory()
    call_command("flush", interactive=False, verbosity=0, reset_sequences=False)  # as a test's end
    from accounts.models import User

    assert User.objects.count() == 0  # the test's rows are gone
    assert _missing() == []  # the migrated rows are not, with no post_migrate to make them again
