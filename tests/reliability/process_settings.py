"""Settings of the web and worker processes the reliability tests start: production's, except that a
message whose worker was killed comes back after 4 s (30 min in production), looked for every second."""

from cxgov.settings import *  # noqa: F403
from cxgov.settings import CELERY_BROKER_TRANSPORT_OPTIONS

CELERY_VISIBILITY_TIMEOUT = 4
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS, "visibility_timeout": CELERY_VISIBILITY_TIMEOUT, "unacked_restore_interval": 1,
}
