"""WSGI entry point for gunicorn."""

import os

# One BLAS thread a web worker, set before numpy is imported: several workers share the cores, and
# BLAS threads fighting over them made one insights report hold a worker for 30 s (issue 24). An
# operator's own setting wins.
for _variable in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_variable, "1")

from django.core.wsgi import get_wsgi_application  # noqa: E402 - after the BLAS pinning above

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cycling.settings.production")
application = get_wsgi_application()
