"""Serve a Restate app with hypercorn, with logging, tracing and metrics set up first."""

import asyncio
import logging

import hypercorn.asyncio
import hypercorn.config

from .metrics import setup_metrics
from .tracing import setup_tracing


def serve(app: object, host: str, port: int, service_name: str, metrics_port: str = "off") -> None:
    """Run until interrupted: logging, tracing (if configured), metrics, then hypercorn."""
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    setup_tracing(service_name)
    setup_metrics(service_name, host, metrics_port)
    conf = hypercorn.config.Config()
    conf.bind = [f"{host}:{port}"]
    # A Logger (not the default "-") makes hypercorn log through the root handler only,
    # instead of adding its own handler and printing every line twice.
    conf.errorlog = logging.getLogger("hypercorn.error")
    asyncio.run(hypercorn.asyncio.serve(app, conf))  # type: ignore[arg-type]
