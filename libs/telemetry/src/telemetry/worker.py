"""The app of one hypercorn worker process when a service runs with WORKERS > 1.

hypercorn (multi-worker mode) spawns fresh interpreters that import `telemetry.worker:app`;
importing this module sets up logging and tracing as serve() does, then imports the real
app named by TELEMETRY_APP ("package.module:attr"). Metrics are recorded to the files of
PROMETHEUS_MULTIPROC_DIR (set by the parent before spawning) and served by the parent.
Workers do not outlive a SIGINT to the parent; a SIGKILL must go to the whole process group
(devstack does that), or the workers are orphaned.
"""

import importlib
import logging
import os

from .metrics import count_attempts
from .serving import APP_ENV, SERVICE_ENV, freeze_startup
from .tracing import setup_tracing


def _load(path: str) -> object:
    """The object at "package.module:attr"."""
    module_name, _, attr = path.partition(":")
    return getattr(importlib.import_module(module_name), attr or "app")


logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
setup_tracing(os.environ.get(SERVICE_ENV, "service"))
app = count_attempts(_load(os.environ[APP_ENV]))
freeze_startup()
