"""Sales CSV import of a million rows on PostgreSQL: time and peak memory of the streaming import
(issue 10: the old import held every row and record and was killed at 1.4 GB).

Writes a CSV of N rows (1,000,000 by default: 100 brands x 3 channels x months) to a temp file,
then imports it the way `manage.py import_sales FILE` does (a stream, batches in one
transaction) and prints rows, seconds, rows/s and the peak resident memory of the process before
and during the import (both sides of the figure, from one run).

Run: .venv/bin/python bench/sales_import.py [--rows 1000000]
"""

from __future__ import annotations

import argparse
import os
import resource
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT / "scripts"))
sys.path.insert(0, str(ROOT))

from testenv import postgres  # noqa: E402

CHANNELS = ("domestic", "export", "ecommerce")


def write_csv(path: Path, rows: int) -> None:
    with path.open("w") as out:
        out.write("brand,month,channel,units,revenue_cny\n")
        for i in range(rows):
            month = i // 300
            out.write(f"b{i % 100},{1000 + month // 12}-{month % 12 + 1:02d},{CHANNELS[(i // 100) % 3]},{i % 5000},"
                      f"{i % 5000}.50\n")


def peak_rss_mib() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rows", type=int, default=1_000_000)
    args = parser.parse_args()
    scratch = Path(tempfile.mkdtemp(prefix="cycling-bench-"))
    csv_path = scratch / "sales.csv"
    write_csv(csv_path, args.rows)
    with postgres() as database_url:
        if database_url is None:
            sys.exit("PostgreSQL (initdb) is needed for this benchmark")
        os.environ.update(DATABASE_URL=database_url, DJANGO_SETTINGS_MODULE="cycling.settings.base",
                          MEDIA_ROOT=str(scratch / "media"))
        os.environ.pop("REDIS_URL", None)
        import django
        from django.core.management import call_command

        django.setup()
        call_command("migrate", verbosity=0)
        from industry.models import Brand, SalesRecord
        from industry.sales import sales_import

        Brand.objects.bulk_create([Brand(slug=f"b{i}", name=f"B{i}") for i in range(100)])
        before = peak_rss_mib()
        started = time.perf_counter()
        with csv_path.open("rb") as stream:
            report = sales_import(data=stream)
        seconds = time.perf_counter() - started
        after = peak_rss_mib()
        assert not report.errors, report.errors[:3]
        stored = SalesRecord.objects.count()
    size = csv_path.stat().st_size / 2**20
    print(f"rows: {args.rows:,} ({size:.1f} MiB file); applied {report.applied:,}, stored {stored:,}")
    print(f"import: {seconds:.1f} s, {args.rows / seconds:,.0f} rows/s")
    print(f"peak RSS: {before:.0f} MiB before the import, {after:.0f} MiB after (grew {after - before:.0f} MiB)")


if __name__ == "__main__":
    main()
