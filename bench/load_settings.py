"""The project's settings for the load benchmark, with collected static files kept apart.

With ``DEBUG=false`` the templates resolve static files through the manifest that
``collectstatic`` writes. The benchmark collects into a directory of its own so it never
touches ``var/staticfiles`` (the project's STATIC_ROOT) while others work in the same tree.
Everything else is ``cxgov.settings`` unchanged.
"""

from cxgov.settings import *  # noqa: F403
from cxgov.settings import BASE_DIR

STATIC_ROOT = BASE_DIR / "var" / "load-bench-static"
