"""Routes: GPX ingest, route statistics, geometry, the route library and search."""
