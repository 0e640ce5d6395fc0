"""manage.py import_routes PATH [PATH ...]: one JSON line per file; non-zero exit if any failed."""

import json
from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from accounts.models import User
from core.errors import ServiceError
from routes.services import route_import


class Command(BaseCommand):
    help = "Import GPX, FIT or TCX files (optionally gzipped) as routes, printing one JSON line per file."

    def add_arguments(self, parser):
        parser.add_argument("paths", nargs="+")
        parser.add_argument("--owner", help="username of the owner (default: the first superuser)")
        parser.add_argument("--publish", action="store_true", help="publish the routes (default: draft)")
        parser.add_argument("--language", default=None, help="language of error messages, e.g. en or zh-hans")

    def handle(self, *args, paths, owner=None, publish=False, language=None, **options):
        if owner:
            user = User.objects.filter(username=owner).first()
            if user is None:
                raise CommandError(f"no user named {owner!r}")
        else:
            user = User.objects.filter(is_superuser=True).order_by("pk").first()
            if user is None:
                raise CommandError("no --owner given and no superuser exists")
        failed = 0
        with translation.override(language or settings.LANGUAGE_CODE):
            for raw in paths:
                line = self._import_one(Path(raw), user, publish)
                failed += not line["ok"]
                self.stdout.write(json.dumps(line, ensure_ascii=False))
        if failed:
            raise CommandError(f"{failed} of {len(paths)} file(s) failed", returncode=1)

    @staticmethod
    def _import_one(path: Path, user: User, publish: bool) -> dict:
        try:
            data = path.read_bytes()
        except OSError as exc:
            return {"file": str(path), "ok": False, "error": exc.strerror or str(exc)}
        name = path.name.removesuffix(".gz").removesuffix(".gpx").removesuffix(".fit").removesuffix(".tcx")
        try:
            version = route_import(owner=user, data=data, filename=path.name, name="", publish=publish,
                                   slug=name)
        except ServiceError as exc:
            return {"file": str(path), "ok": False, "error": exc.messages[0]}
        return {
            "file": str(path), "ok": True, "id": version.route_id, "version": version.number,
            "status": version.status, "distance_m": version.distance_m,
            "elevation_gain_m": version.elevation_gain_m, "elevation_loss_m": version.elevation_loss_m,
            "points": version.points,
        }
