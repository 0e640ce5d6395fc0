"""The linkage report page for one sponsor brand: 36 months of sales in three channels and topic
heat, 20 comparison brands (the demo's synthetic data), rendered through the whole Django stack.

Prints, in one run: the first render (with the one-time import of statsmodels and scipy in a fresh
process), then the median of --repeat renders, and the analysis alone (the selector) for the same
brand. Target: a render < 1 s.

Run: .venv/bin/python bench/linkage_report.py [--repeat 5]
"""

import argparse
import statistics
import time

from _django import setup


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    setup()
    from django.conf import settings
    from django.contrib.auth.models import Group
    from django.test import Client

    from accounts.models import User
    from cycling.demo import demo_load
    from industry import selectors
    from industry.models import Brand, SalesRecord, Sponsorship

    settings.ALLOWED_HOSTS = ["testserver"]
    demo_load()
    brand = Brand.objects.get(slug="xinghe-kids")
    event = Sponsorship.objects.get(brand=brand).event
    comparison = Brand.objects.filter(is_local=True).exclude(sponsorships__event=event).count()
    months = SalesRecord.objects.filter(brand=brand).values("month").distinct().count()
    analyst = User.objects.create(username="bench-analyst")
    analyst.groups.add(Group.objects.get_or_create(name="analysts")[0])
    client = Client()
    client.force_login(analyst)
    url = f"/insights/linkage/?events={event.pk}&months=6&brand={brand.pk}"
    started = time.perf_counter()
    response = client.get(url)
    first = time.perf_counter() - started
    assert response.status_code == 200 and b"95%" in response.content
    renders, selector = [], []
    for _ in range(args.repeat):
        started = time.perf_counter()
        client.get(url)
        renders.append(time.perf_counter() - started)
        started = time.perf_counter()
        selectors.linkage(events=[event], months=6, viewer=analyst, only_brand=brand)
        selector.append(time.perf_counter() - started)
    print(f"one sponsor, {months} months, {comparison} comparison brands, 3 channels + topic heat")
    print(f"first render (imports statsmodels) {first:6.3f} s")
    print(f"render, median of {args.repeat}          {statistics.median(renders):6.3f} s   (target < 1 s)")
    print(f"analysis alone (selector)          {statistics.median(selector):6.3f} s")


if __name__ == "__main__":
    main()
