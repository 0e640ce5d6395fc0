"""Route search with 10,000 routes, in-process: filtered list requests through the API view.

Prints the median and p95 time of several filtered searches (first page of 20), each run many
times. Target: a filtered search answers in under 50 ms.

Run: .venv/bin/python bench/route_search.py [--routes 10000] [--repeat 30]
     (DATABASE_URL=postgres://... to run against PostgreSQL; default is a temp SQLite file)
"""

import argparse
import random
import statistics
import time

from _django import setup

QUERIES = [
    "",
    "?category=mountain&min_distance_km=40&max_distance_km=80",
    "?min_gain_m=500&max_gain_m=1500&difficulty=4",
    "?q=太行",
    "?near=37.05,114.3&radius_km=20",
    "?bbox=36.9,113.9,37.2,114.2&category=road",
    "?collection=riding-taihang&tag=hills",
]


def populate(n: int) -> None:
    from accounts.models import User
    from routes.models import Collection, Route, RouteVersion, Tag

    rng = random.Random(42)
    owner = User.objects.create(username="bench-owner")
    collection = Collection.objects.create(slug="riding-taihang", name="骑行太行")
    tags = [Tag.objects.create(slug=s, name=s) for s in ("hills", "river", "family", "gravel")]
    categories = [c for c, _ in Route.Category.choices]
    routes = Route.objects.bulk_create(
        Route(owner=owner, slug=f"route-{i}", name=f"{'太行' if i % 7 == 0 else '平原'}线路{i}", name_en=f"Route {i}",
              category=rng.choice(categories), status=Route.Status.PUBLISHED,
              collection=collection if i % 5 == 0 else None)
        for i in range(n)
    )
    versions = []
    for route in routes:
        lat, lon = 36.8 + rng.random() * 0.6, 113.8 + rng.random() * 0.9
        distance = rng.uniform(5_000, 150_000)
        gain = rng.uniform(0, 2500)
        versions.append(RouteVersion(
            route=route, number=1, uploaded_by=owner, gpx_file=f"bench/{route.slug}.gpx",
            status=RouteVersion.Status.READY, points=1000, segments=1, distance_m=distance, has_elevation=True,
            elevation_gain_m=gain, elevation_loss_m=gain, difficulty=rng.randint(1, 5),
            min_lat=lat - 0.05, max_lat=lat + 0.05, min_lon=lon - 0.05, max_lon=lon + 0.05,
            start_lat=lat, start_lon=lon, finish_lat=lat, finish_lon=lon,
            line=[[[lat, lon], [lat + 0.01, lon + 0.01]]], profile=[[0, 100], [1, 110]],
        ))
    versions = RouteVersion.objects.bulk_create(versions, batch_size=2000)
    for route, version in zip(routes, versions):
        route.current_version = version
    Route.objects.bulk_update(routes, ["current_version"], batch_size=2000)
    through = Route.tags.through
    through.objects.bulk_create(
        [through(route_id=r.pk, tag_id=tags[i % len(tags)].pk) for i, r in enumerate(routes)], batch_size=5000)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--routes", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=30)
    args = parser.parse_args()
    setup()
    from django.conf import settings
    from django.db import connection
    from django.test import Client

    settings.ALLOWED_HOSTS = ["*"]
    started = time.perf_counter()
    populate(args.routes)
    print(f"{args.routes} routes created in {time.perf_counter() - started:.1f} s on {connection.vendor}")
    client = Client()
    worst = 0.0
    print(f"{'query':62} {'hits':>6} {'median ms':>9} {'p95 ms':>7}")
    for query in QUERIES:
        url = f"/api/v1/routes/{query}"
        hits = client.get(url).json()["count"]  # warm-up
        times = []
        for _ in range(args.repeat):
            t = time.perf_counter()
            response = client.get(url)
            times.append((time.perf_counter() - t) * 1000)
            assert response.status_code == 200
        times.sort()
        median, p95 = statistics.median(times), times[int(len(times) * 0.95) - 1]
        worst = max(worst, median)
        print(f"{url:62} {hits:6d} {median:9.1f} {p95:7.1f}")
    print(f"slowest median {worst:.1f} ms (target < 50 ms)")


if __name__ == "__main__":
    main()
