"""The whole shared corpus (GPX, FIT, TCX; ../shared/corpus/gpx) through route_import in one process.

Every file is imported as a route (parse, measure, store, cue sheet; a file a worker would measure
is measured inline here); refusals are counted with their reason. Prints the slowest files and the
total. Target (issue 23): the whole corpus in under 60 s.

Run: .venv/bin/python bench/corpus_import.py
"""

import collections
import time

from _django import ROOT, setup

CORPUS = ROOT.parent / "shared" / "corpus" / "gpx"


def main() -> None:
    setup()
    from django.test import TestCase

    from accounts.models import User
    from core.errors import ServiceError
    from routes.services import route_import

    owner = User.objects.create(username="bench-corpus")
    files = sorted(p for p in CORPUS.rglob("*") if p.is_file() and p.suffix.lower() in (".gpx", ".gz", ".xml", ".fit",
                                                                                           ".tcx"))
    times, refusals = [], collections.Counter()
    started = time.perf_counter()
    for path in files:
        data = path.read_bytes()
        t = time.perf_counter()
        try:
            with TestCase.captureOnCommitCallbacks(execute=True):
                version = route_import(owner=owner, data=data, filename=path.name)
            version.refresh_from_db()
            if version.error_code:
                refusals[version.error_code] += 1
        except ServiceError as refused:
            refusals[refused.error_code] += 1
        times.append((time.perf_counter() - t, path.relative_to(CORPUS)))
    total = time.perf_counter() - started
    for took, name in sorted(times, reverse=True)[:5]:
        print(f"{took:6.2f} s  {name}")
    print(f"{len(files)} files, {len(files) - sum(refusals.values())} imported, refused {dict(refusals)}")
    print(f"whole corpus in one process: {total:.1f} s (target < 60 s)")


if __name__ == "__main__":
    main()
