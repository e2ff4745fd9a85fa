"""Serve a Restate app with hypercorn, with logging, tracing and metrics set up first."""

import asyncio
import gc
import logging
import os
import sys
import tempfile
from typing import Protocol

import hypercorn.asyncio
import hypercorn.config
import hypercorn.run

from .metrics import MULTIPROC_ENV, count_attempts, setup_metrics, setup_multiprocess_metrics
from .tracing import setup_tracing

logger = logging.getLogger(__name__)

# What each worker process imports (telemetry/worker.py), and what tells it which app to load.
WORKER_APP = "telemetry.worker:app"
APP_ENV = "TELEMETRY_APP"
SERVICE_ENV = "TELEMETRY_SERVICE"


def _no_lifespan_warning(record: logging.LogRecord) -> bool:
    """Drop hypercorn's warning that the app has no ASGI lifespan: Restate apps never have one,
    and the WARNING in every startup log reads like a problem."""
    return "Lifespan" not in record.getMessage()


def freeze_startup() -> None:
    """Keep what startup made (modules, classes, the app) out of later garbage collections.

    A full collection scans every tracked object: with the Agents SDK, openai and pydantic
    loaded that is ~200k objects, ~0.1 s of CPU each time, a few times a minute under load.
    Frozen (`gc.freeze`), they are never scanned again; requests' garbage is still collected.
    """
    gc.collect()
    gc.freeze()


def serve(
    app: object,
    host: str,
    port: int,
    service_name: str,
    metrics_port: str = "off",
    *,
    workers: int = 1,
    app_path: str | None = None,
) -> None:
    """Run until interrupted: logging, tracing (if configured), metrics, then hypercorn.

    With workers > 1, hypercorn runs that many worker processes sharing the socket; each
    imports app_path ("package.module:attr", the same app) through telemetry.worker, and
    this process serves their metrics (Prometheus multiprocess mode) and stops them on SIGINT.
    """
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    conf = hypercorn.config.Config()
    conf.bind = [f"{host}:{port}"]
    # A Logger (not the default "-") makes hypercorn log through the root handler only,
    # instead of adding its own handler and printing every line twice.
    conf.errorlog = logging.getLogger("hypercorn.error")
    conf.errorlog.addFilter(_no_lifespan_warning)
    if workers > 1:
        if app_path is None:
            raise ValueError("serving with several workers needs app_path")
        sys.exit(_serve_workers(conf, app_path, service_name, host, metrics_port, workers))
    setup_tracing(service_name)
    setup_metrics(service_name, host, metrics_port)
    freeze_startup()
    asyncio.run(hypercorn.asyncio.serve(count_attempts(app), conf))  # type: ignore[arg-type]


class ServingConfig(Protocol):
    """Where and how a service serves: what its config module reads from the environment."""

    HOST: str
    PORT: int
    METRICS_PORT: str  # a port, or "off"
    WORKERS: int


def serve_configured(app: object, service_name: str, config: ServingConfig, app_path: str) -> None:
    """serve() as the service's config (module) says: HOST, PORT, METRICS_PORT, WORKERS."""
    serve(
        app,
        config.HOST,
        config.PORT,
        service_name,
        metrics_port=config.METRICS_PORT,
        workers=config.WORKERS,
        app_path=app_path,
    )


def _serve_workers(
    conf: hypercorn.config.Config,
    app_path: str,
    service_name: str,
    host: str,
    metrics_port: str,
    workers: int,
) -> int:
    """hypercorn's multi-worker mode; returns its exit status."""
    with tempfile.TemporaryDirectory(prefix=f"{service_name}-metrics-") as directory:
        # Inherited by the spawned workers, which import prometheus_client afresh.
        os.environ[MULTIPROC_ENV] = directory
        os.environ[APP_ENV] = app_path
        os.environ[SERVICE_ENV] = service_name
        setup_multiprocess_metrics(service_name, host, metrics_port, directory)
        conf.workers = workers
        conf.application_path = WORKER_APP
        logger.info("%s: %d worker processes on %s", service_name, workers, conf.bind[0])
        return hypercorn.run.run(conf)
