"""Celery tasks of the route library."""

from celery import shared_task

from routes import services


@shared_task(name="routes.route_version_process", time_limit=600, soft_time_limit=540)
def route_version_process(version_id: int) -> None:
    services.route_version_process(version_id=version_id)


@shared_task(name="routes.ride_process", time_limit=600, soft_time_limit=540)
def ride_process(ride_id: int) -> None:
    services.ride_process(ride_id=ride_id)
