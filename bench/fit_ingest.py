"""Whole FIT route ingest against the reference decoders alone, on the largest FIT file of the corpus.

In one run, interleaved: Garmin's `garmin-fit-sdk` Decoder.read() with its defaults (the reference
decoder: messages only, no statistics, nothing stored), fitdecode reading every frame, and our
whole route_import (header/length/CRC checks, decoding, statistics, elevation repair, line,
profile, database rows and the stored file). Medians and the ratios ours / reference.
Target: ours / Garmin <= 1.0.

Run: .venv/bin/python bench/fit_ingest.py [--repeat 5]
"""

import argparse
import io
import statistics
import time
import warnings

from _django import ROOT, setup

CORPUS = ROOT.parent / "shared" / "corpus" / "gpx"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup()
    import fitdecode
    from garmin_fit_sdk import Decoder, Stream

    from accounts.models import User
    from routes.services import route_import

    warnings.simplefilter("ignore")
    owner = User.objects.create(username="bench-fit-owner")
    path = max(CORPUS.rglob("*.fit"), key=lambda p: p.stat().st_size)
    data = path.read_bytes()
    garmin, fitdec, ours = [], [], []
    points = 0
    for _ in range(args.repeat):
        started = time.perf_counter()
        messages, errors = Decoder(Stream.from_byte_array(bytearray(data))).read()
        garmin.append(time.perf_counter() - started)
        assert not errors and messages["record_mesgs"]
        started = time.perf_counter()
        with fitdecode.FitReader(io.BytesIO(data)) as reader:
            for _frame in reader:
                pass
        fitdec.append(time.perf_counter() - started)
        started = time.perf_counter()
        version = route_import(owner=owner, data=data, filename=path.name, name=path.stem)
        ours.append(time.perf_counter() - started)
        points = version.points
    g, f, o = statistics.median(garmin), statistics.median(fitdec), statistics.median(ours)
    print(f"file {path.relative_to(CORPUS)} ({len(data) / 1e6:.2f} MB, {points} points)")
    print(f"garmin-fit-sdk Decoder.read()   {g:7.3f} s")
    print(f"fitdecode, every frame          {f:7.3f} s")
    print(f"our ingest (stats + storage)    {o:7.3f} s")
    print(f"ratio ours / garmin {o / g:.2f} (target <= 1.00); ours / fitdecode {o / f:.2f}; "
          f"medians of {args.repeat} interleaved runs")


if __name__ == "__main__":
    main()
